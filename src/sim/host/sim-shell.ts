// The sim guest's shell: a small POSIX-sh interpreter over a per-VM simulated system (files,
// packages, users and groups, hostname, services). It interprets what hostplane sends — the
// provisioning scripts and a spec's commands and `unless` probes — so a probe answers from the
// state earlier commands left. Never a shell on the host: these scripts run "as root".
//
// Supported: lists (; newline && ||), pipelines, !, if/elif/else/fi, for-in-do-done, assignments,
// quoting, $VAR ${VAR} $(...), redirects (> >> 2> 2>&1 <), and the commands in COMMANDS below.
// Anything else exits 127 and says so.

export interface SimFile {
  content: string;
  mode: number;
  owner: string;
}

export interface SimGuestState {
  hostname: string;
  files: Record<string, SimFile>;
  dirs: string[];
  packages: string[];
  users: Record<string, { uid: number; home: string; shell: string; groups: string[] }>;
  groups: string[];
  services: Record<string, { enabled: boolean; active: boolean }>;
}

export function newGuestState(hostname: string): SimGuestState {
  return {
    hostname,
    files: { '/etc/hostname': { content: `${hostname}\n`, mode: 0o644, owner: 'root' }, '/etc/hosts': { content: '127.0.0.1 localhost\n', mode: 0o644, owner: 'root' } },
    dirs: ['/', '/etc', '/etc/sudoers.d', '/home', '/root', '/tmp', '/var', '/var/tmp'],
    packages: [],
    users: { root: { uid: 0, home: '/root', shell: '/bin/bash', groups: ['root'] } },
    groups: ['root', 'sudo'],
    services: {},
  };
}

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

// ---------------------------------------------------------------------------------------------
// Words and the parser

type Part = { lit: string; quoted: boolean } | { var: string; quoted: boolean } | { sub: string; quoted: boolean };
type Word = Part[];
interface Redirect {
  fd: 1 | 2 | 0;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}
type Node =
  | { t: 'simple'; assigns: [string, Word][]; words: Word[]; redirects: Redirect[] }
  | { t: 'pipe'; not: boolean; cmds: Node[] }
  | { t: 'andor'; first: Node; rest: ['&&' | '||', Node][] }
  | { t: 'list'; items: Node[] }
  | { t: 'if'; branches: [Node, Node][]; otherwise?: Node }
  | { t: 'for'; name: string; items: Word[]; body: Node }
  | { t: 'group'; body: Node };

class SyntaxError extends Error {}

const KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'fi', 'for', 'in', 'do', 'done']);

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseScript(): Node {
    const list = this.list(new Set());
    this.skipBlank(true);
    if (this.i < this.s.length) throw new SyntaxError(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 10))}`);
    return list;
  }

  private skipBlank(newlines: boolean): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === ';'))) this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else return;
    }
  }

  /** The next bare word, if it is a keyword (without consuming it). */
  private peekKeyword(): string | undefined {
    const m = /^([a-z]+)(?=[\s;]|$)/.exec(this.s.slice(this.i));
    return m && KEYWORDS.has(m[1]!) ? m[1] : undefined;
  }

  private expectKeyword(k: string): void {
    this.skipBlank(true);
    if (this.peekKeyword() !== k) throw new SyntaxError(`expected "${k}" near ${JSON.stringify(this.s.slice(this.i, this.i + 20))}`);
    this.i += k.length;
  }

  private list(stops: Set<string>, close?: string): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipBlank(true);
      if (this.i >= this.s.length || this.s[this.i] === ')') break;
      if (close === '}' && this.s[this.i] === '}') break;
      const k = this.peekKeyword();
      if (k && stops.has(k)) break;
      items.push(this.andOr(stops));
    }
    return { t: 'list', items };
  }

  private andOr(stops: Set<string>): Node {
    const first = this.pipeline(stops);
    const rest: ['&&' | '||', Node][] = [];
    for (;;) {
      this.skipBlank(false);
      const op = this.s.slice(this.i, this.i + 2);
      if (op !== '&&' && op !== '||') break;
      this.i += 2;
      this.skipBlank(true);
      rest.push([op, this.pipeline(stops)]);
    }
    return rest.length ? { t: 'andor', first, rest } : first;
  }

  private pipeline(stops: Set<string>): Node {
    this.skipBlank(false);
    let not = false;
    if (this.s[this.i] === '!' && /\s/.test(this.s[this.i + 1] ?? '')) {
      not = true;
      this.i++;
    }
    const cmds = [this.command(stops)];
    for (;;) {
      this.skipBlank(false);
      if (this.s[this.i] === '|' && this.s[this.i + 1] !== '|') {
        this.i++;
        this.skipBlank(true);
        cmds.push(this.command(stops));
      } else break;
    }
    return cmds.length === 1 && !not ? cmds[0]! : { t: 'pipe', not, cmds };
  }

  private command(stops: Set<string>): Node {
    this.skipBlank(false);
    const k = this.peekKeyword();
    if (k === 'if') {
      this.i += 2;
      const branches: [Node, Node][] = [];
      let cond = this.list(new Set(['then']));
      this.expectKeyword('then');
      let body = this.list(new Set(['elif', 'else', 'fi']));
      branches.push([cond, body]);
      let otherwise: Node | undefined;
      for (;;) {
        this.skipBlank(true);
        const next = this.peekKeyword();
        if (next === 'elif') {
          this.i += 4;
          cond = this.list(new Set(['then']));
          this.expectKeyword('then');
          body = this.list(new Set(['elif', 'else', 'fi']));
          branches.push([cond, body]);
        } else if (next === 'else') {
          this.i += 4;
          otherwise = this.list(new Set(['fi']));
        } else break;
      }
      this.expectKeyword('fi');
      return { t: 'if', branches, ...(otherwise ? { otherwise } : {}) };
    }
    if (k === 'for') {
      this.i += 3;
      this.skipBlank(false);
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
      if (!name) throw new SyntaxError('for needs a variable name');
      this.i += name.length;
      this.expectKeyword('in');
      const items: Word[] = [];
      for (;;) {
        this.skipBlank(false);
        const c = this.s[this.i];
        if (c === ';' || c === '\n' || c === undefined) break;
        items.push(this.word());
      }
      this.expectKeyword('do');
      const body = this.list(new Set(['done']));
      this.expectKeyword('done');
      return { t: 'for', name, items, body };
    }
    // ( list ) and { list; }: run as one command (the subshell's own environment is not modelled).
    const c = this.s[this.i];
    if (c === '(' || (c === '{' && /\s/.test(this.s[this.i + 1] ?? ''))) {
      const close = c === '(' ? ')' : '}';
      this.i++;
      const body = this.list(new Set(), close);
      this.skipBlank(true);
      if (this.s[this.i] !== close) throw new SyntaxError(`expected "${close}"`);
      this.i++;
      return { t: 'group', body };
    }
    if (k && stops.has(k)) throw new SyntaxError(`unexpected "${k}"`);
    return this.simple();
  }

  private simple(): Node {
    const assigns: [string, Word][] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlank(false);
      const rest = this.s.slice(this.i);
      const c = rest[0];
      if (c === undefined || c === '\n' || c === ';' || c === ')' || rest.startsWith('&&') || rest.startsWith('||') || (c === '|' && rest[1] !== '|')) break;
      const redir = /^(\d)?(>>|>&|>|<)/.exec(rest);
      if (redir) {
        this.i += redir[0].length;
        this.skipBlank(false);
        const fd = Number(redir[1] ?? (redir[2] === '<' ? 0 : 1)) as 0 | 1 | 2;
        redirects.push({ fd, op: redir[2] as Redirect['op'], target: this.word() });
        continue;
      }
      const assign = words.length === 0 ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(rest) : null;
      if (assign) {
        this.i += assign[0].length;
        const c2 = this.s[this.i];
        assigns.push([assign[1]!, c2 === undefined || /[\s;]/.test(c2) ? [] : this.word()]);
        continue;
      }
      words.push(this.word());
    }
    return { t: 'simple', assigns, words, redirects };
  }

  /** One word: quotes, $VAR, ${VAR}, $(...), backslash escapes. */
  private word(): Word {
    const parts: Part[] = [];
    let lit = '';
    const flush = (quoted: boolean) => {
      if (lit) parts.push({ lit, quoted });
      lit = '';
    };
    const dollar = (quoted: boolean): boolean => {
      const rest = this.s.slice(this.i);
      if (rest.startsWith('$(')) {
        flush(quoted);
        this.i += 2;
        parts.push({ sub: this.balanced(), quoted });
        return true;
      }
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*|[?#]))/.exec(rest);
      if (m) {
        flush(quoted);
        this.i += m[0].length;
        parts.push({ var: (m[1] ?? m[2])!, quoted });
        return true;
      }
      return false;
    };
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || /[\s;&|()<>]/.test(c)) break;
      if (c === "'") {
        const end = this.s.indexOf("'", this.i + 1);
        if (end < 0) throw new SyntaxError('unterminated single quote');
        flush(false);
        parts.push({ lit: this.s.slice(this.i + 1, end), quoted: true });
        this.i = end + 1;
      } else if (c === '"') {
        flush(false);
        this.i++;
        let any = false;
        for (;;) {
          const d = this.s[this.i];
          if (d === undefined) throw new SyntaxError('unterminated double quote');
          if (d === '"') {
            this.i++;
            break;
          }
          if (d === '\\' && /["\\$`\n]/.test(this.s[this.i + 1] ?? '')) {
            lit += this.s[this.i + 1];
            this.i += 2;
          } else if (d === '$' && dollar(true)) {
            any = true;
          } else {
            lit += d;
            this.i++;
          }
        }
        if (lit || !any) parts.push({ lit, quoted: true });
        lit = '';
      } else if (c === '\\') {
        lit += this.s[this.i + 1] ?? '';
        this.i += 2;
      } else if (c === '$' && dollar(false)) {
        /* consumed */
      } else {
        lit += c;
        this.i++;
      }
    }
    flush(false);
    return parts;
  }

  /** The text up to the `)` that closes a `$(`, quotes respected. */
  private balanced(): string {
    const start = this.i;
    let depth = 1;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === "'") this.i = this.s.indexOf("'", this.i + 1);
      else if (c === '"') {
        this.i++;
        while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
      } else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        const text = this.s.slice(start, this.i);
        this.i++;
        return text;
      }
      if (this.i < 0) throw new SyntaxError('unterminated quote in $(...)');
      this.i++;
    }
    throw new SyntaxError('unterminated $(...)');
  }
}

// ---------------------------------------------------------------------------------------------
// The interpreter

class ExitScript extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface Io {
  stdin: string;
  out: string;
  err: string;
}

const MAX_STEPS = 100_000;

export class SimShell {
  private readonly env = new Map<string, string>();
  private errexit = false;
  private status = 0;
  private steps = 0;

  /** `extra`: commands the sim host adds for this guest (kubeadm and the node tools: sim-node-commands.ts). */
  constructor(
    private readonly st: SimGuestState,
    private readonly extra: Readonly<Record<string, SimCommandFn>> = {},
  ) {}

  /** Whether a command exists here (for `command -v`). */
  has(name: string): boolean {
    return name in this.extra || name in COMMANDS;
  }

  /** Runs one command line already split into words (for `timeout N cmd …`). */
  invoke(argv: string[], io: Io): number {
    return this.command(argv, io);
  }

  /** Sets a shell variable (export). */
  setVar(name: string, value: string): void {
    this.env.set(name, value);
  }

  run(script: string, env: Record<string, string> = {}): ShellResult {
    for (const [k, v] of Object.entries(env)) this.env.set(k, v);
    let ast: Node;
    try {
      ast = new Parser(script).parseScript();
    } catch (e) {
      return { code: 2, stdout: '', stderr: `sim guest: syntax error: ${(e as Error).message}\n` };
    }
    const io: Io = { stdin: '', out: '', err: '' };
    try {
      this.status = this.exec(ast, io, false);
    } catch (e) {
      if (!(e instanceof ExitScript)) throw e;
      this.status = e.code;
    }
    return { code: this.status, stdout: io.out, stderr: io.err };
  }

  private exec(n: Node, io: Io, cond: boolean): number {
    if (++this.steps > MAX_STEPS) throw new ExitScript(124);
    switch (n.t) {
      case 'list': {
        let code = 0;
        for (const item of n.items) code = this.exec(item, io, cond);
        return code;
      }
      case 'andor': {
        let code = this.exec(n.first, io, true);
        // set -e ignores every command of an && / || list but the last one.
        for (const [op, next] of n.rest) {
          if ((op === '&&' && code === 0) || (op === '||' && code !== 0)) code = this.exec(next, io, cond || next !== n.rest.at(-1)![1]);
        }
        this.status = code;
        return code;
      }
      case 'pipe': {
        let stdin = io.stdin;
        let code = 0;
        n.cmds.forEach((c, i) => {
          const sub: Io = { stdin, out: '', err: '' };
          code = this.exec(c, sub, true);
          io.err += sub.err;
          if (i === n.cmds.length - 1) io.out += sub.out;
          stdin = sub.out;
        });
        if (n.not) return code === 0 ? 1 : 0;
        return this.checked(code, cond);
      }
      case 'if': {
        for (const [test, body] of n.branches) if (this.exec(test, io, true) === 0) return this.exec(body, io, cond);
        return n.otherwise ? this.exec(n.otherwise, io, cond) : 0;
      }
      case 'for': {
        let code = 0;
        for (const v of n.items.flatMap((w) => this.expand(w))) {
          this.env.set(n.name, v);
          code = this.exec(n.body, io, cond);
        }
        return code;
      }
      case 'group':
        return this.exec(n.body, io, cond);
      case 'simple':
        return this.checked(this.simple(n, io), cond);
    }
  }

  /** set -e: a failing command outside a condition ends the script. */
  private checked(code: number, cond: boolean): number {
    this.status = code;
    if (code !== 0 && this.errexit && !cond) throw new ExitScript(code);
    return code;
  }

  private expand(w: Word): string[] {
    const fields: string[] = [];
    let cur = '';
    let has = false;
    for (const p of w) {
      const text = 'lit' in p ? p.lit : 'var' in p ? this.variable(p.var) : this.substitute(p.sub);
      if ('lit' in p || p.quoted) {
        cur += text;
        has = true;
        continue;
      }
      const split = text.split(/\s+/);
      split.forEach((piece, i) => {
        if (i > 0) {
          if (has || cur) fields.push(cur);
          cur = '';
          has = false;
        }
        cur += piece;
        if (piece) has = true;
      });
    }
    if (has || cur) fields.push(cur);
    return fields;
  }

  private variable(name: string): string {
    if (name === '?') return String(this.status);
    if (name === '#') return '0';
    const v = this.env.get(name);
    if (v === undefined && this.errexit && this.nounset) throw new ExitScript(1);
    return v ?? '';
  }

  private nounset = false;

  private substitute(script: string): string {
    const io: Io = { stdin: '', out: '', err: '' };
    let ast: Node;
    try {
      ast = new Parser(script).parseScript();
    } catch {
      return '';
    }
    const saved = this.errexit;
    this.errexit = false;
    try {
      this.status = this.exec(ast, io, true);
    } finally {
      this.errexit = saved;
    }
    return io.out.replace(/\n+$/, '');
  }

  private simple(n: Extract<Node, { t: 'simple' }>, io: Io): number {
    const words = n.words.flatMap((w) => this.expand(w));
    if (!words.length) {
      for (const [k, v] of n.assigns) this.env.set(k, this.expand(v).join(' '));
      return 0;
    }
    const sub: Io = { stdin: io.stdin, out: '', err: '' };
    let toErr = false;
    let outFile: { path: string; append: boolean } | undefined;
    let errNull = false;
    for (const r of n.redirects) {
      const target = this.expand(r.target).join(' ');
      if (r.op === '<') sub.stdin = this.st.files[target]?.content ?? '';
      else if (r.op === '>&') {
        if (r.fd === 2 && target === '1') toErr = true;
        else if (r.fd === 1 && target === '2') outFile = { path: '/dev/stderr', append: true };
      } else if (r.fd === 2) errNull = target === '/dev/null';
      else outFile = { path: target, append: r.op === '>>' };
    }
    const code = this.command(words, sub);
    if (toErr) sub.out += sub.err;
    if (!errNull && !toErr) io.err += sub.err;
    if (!outFile) io.out += sub.out;
    else if (outFile.path === '/dev/stderr') io.err += sub.out;
    else if (outFile.path !== '/dev/null') this.writeFile(outFile.path, outFile.append ? (this.st.files[outFile.path]?.content ?? '') + sub.out : sub.out);
    return code;
  }

  private writeFile(path: string, content: string, mode?: number, owner?: string): void {
    const old = this.st.files[path];
    this.st.files[path] = { content, mode: mode ?? old?.mode ?? 0o644, owner: owner ?? old?.owner ?? 'root' };
    if (path === '/etc/hostname') this.st.hostname = content.trim() || this.st.hostname;
  }

  private command(argv: string[], io: Io): number {
    const [name, ...args] = argv as [string, ...string[]];
    const fn = this.extra[name] ?? COMMANDS[name];
    if (!fn) {
      io.err += `sim guest: ${name}: command not found (the sim host interprets a small set of commands: src/sim/host/sim-shell.ts)\n`;
      return 127;
    }
    return fn.call(this, args, io, this.st);
  }

  // --- used by COMMANDS ---------------------------------------------------------------------
  setOptions(args: string[]): number {
    for (const a of args) {
      if (/^-[a-z]*e/.test(a)) this.errexit = true;
      if (/^-[a-z]*u/.test(a)) this.nounset = true;
      if (/^\+[a-z]*e/.test(a)) this.errexit = false;
    }
    return 0;
  }

  file(path: string): SimFile | undefined {
    return this.st.files[path];
  }

  put(path: string, content: string, mode?: number, owner?: string): void {
    this.writeFile(path, content, mode, owner);
  }
}

type Command = (this: SimShell, args: string[], io: Io, st: SimGuestState) => number;
/** A command the sim host adds to a guest's shell: returns the exit code, writes io.out/io.err. */
export type SimCommandFn = Command;
export type SimIo = Io;

function printf(format: string, args: string[]): string {
  const unescape = (s: string) => s.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
  let out = '';
  let i = 0;
  do {
    out += unescape(format).replace(/%([sd%])/g, (_, c: string) => (c === '%' ? '%' : (args[i++] ?? '')));
  } while (i < args.length && /%[sd]/.test(format));
  return out;
}

function ensureUser(st: SimGuestState, name: string, shell = '/bin/bash'): void {
  if (st.users[name]) return;
  const uid = 1000 + Object.keys(st.users).length - 1;
  st.users[name] = { uid, home: `/home/${name}`, shell, groups: [name] };
  if (!st.groups.includes(name)) st.groups.push(name);
}

function testExpr(this: SimShell, a: string[], st: SimGuestState): number {
  if (a[a.length - 1] === ']') a = a.slice(0, -1);
  if (a[0] === '!') return testExpr.call(this, a.slice(1), st) === 0 ? 1 : 0;
  if (a.length === 1) return a[0] ? 0 : 1;
  if (a.length === 2) {
    const [op, v] = a as [string, string];
    if (op === '-n') return v ? 0 : 1;
    if (op === '-z') return v ? 1 : 0;
    if (op === '-f' || op === '-s') return this.file(v) && (op === '-f' || this.file(v)!.content) ? 0 : 1;
    if (op === '-e') return this.file(v) || st.dirs.includes(v) ? 0 : 1;
    if (op === '-d') return st.dirs.includes(v) ? 0 : 1;
  }
  if (a.length === 3) {
    if (a[1] === '=' || a[1] === '==') return a[0] === a[2] ? 0 : 1;
    if (a[1] === '!=') return a[0] !== a[2] ? 0 : 1;
  }
  return 2;
}


const COMMANDS: Record<string, Command> = {
  true: () => 0,
  ':': () => 0,
  false: () => 1,
  set(args) {
    return this.setOptions(args);
  },
  exit(args) {
    throw new ExitScript(Number(args[0] ?? 0));
  },
  echo(args, io) {
    io.out += `${args.join(' ')}\n`;
    return 0;
  },
  printf(args, io) {
    io.out += printf(args[0] ?? '', args.slice(1));
    return 0;
  },
  cat(args, io) {
    if (!args.length) {
      io.out += io.stdin;
      return 0;
    }
    for (const p of args) {
      const f = this.file(p);
      if (!f) {
        io.err += `cat: ${p}: No such file or directory\n`;
        return 1;
      }
      io.out += f.content;
    }
    return 0;
  },
  test(args, _io, st) {
    return testExpr.call(this, args, st);
  },
  '['(args, _io, st) {
    return testExpr.call(this, args, st);
  },
  hostnamectl(args, _io, st) {
    if (args[0] !== 'set-hostname' || !args[1]) return 1;
    st.hostname = args[1];
    return 0;
  },
  hostname(args, io, st) {
    if (args[0]) st.hostname = args[0];
    else io.out += `${st.hostname}\n`;
    return 0;
  },
  id(args, io, st) {
    const name = args.filter((a) => !a.startsWith('-'))[0] ?? 'root';
    const u = st.users[name];
    if (!u) {
      io.err += `id: '${name}': no such user\n`;
      return 1;
    }
    io.out += `${u.uid}\n`;
    return 0;
  },
  useradd(args, io, st) {
    const name = args.at(-1)!;
    if (st.users[name]) {
      io.err += `useradd: user '${name}' already exists\n`;
      return 9;
    }
    const s = args.indexOf('-s');
    ensureUser(st, name, s >= 0 ? args[s + 1] : undefined);
    const created = st.users[name] as SimGuestState['users'][string];
    if (args.includes('-m')) st.dirs.push(created.home);
    return 0;
  },
  groupadd(args, io, st) {
    const g = args.at(-1)!;
    if (st.groups.includes(g)) {
      io.err += `groupadd: group '${g}' already exists\n`;
      return 9;
    }
    st.groups.push(g);
    return 0;
  },
  usermod(args, io, st) {
    const name = args.at(-1)!;
    const i = args.findIndex((a) => a === '-aG' || a === '-G');
    const u = st.users[name];
    if (!u || i < 0) {
      io.err += `usermod: user '${name}' does not exist\n`;
      return 6;
    }
    for (const g of args[i + 1]!.split(',')) if (!u.groups.includes(g)) u.groups.push(g);
    return 0;
  },
  getent(args, io, st) {
    const [db, key] = args as [string, string];
    if (db === 'passwd' && st.users[key]) {
      const u = st.users[key]!;
      io.out += `${key}:x:${u.uid}:${u.uid}::${u.home}:${u.shell}\n`;
      return 0;
    }
    if (db === 'group' && st.groups.includes(key)) {
      io.out += `${key}:x:${1000 + st.groups.indexOf(key)}:\n`;
      return 0;
    }
    return 2;
  },
  cut(args, io) {
    const d = args.find((a) => a.startsWith('-d'))?.slice(2) ?? '\t';
    const f = Number(args.find((a) => a.startsWith('-f'))?.slice(2) ?? 1);
    io.out += io.stdin
      .split('\n')
      .filter((l, i, all) => l || i < all.length - 1)
      .map((l) => `${l.split(d)[f - 1] ?? ''}\n`)
      .join('');
    return 0;
  },
  awk(args, io) {
    // The one awk program hostplane sends: is `h` a name (field 2..NF) on any line of the file?
    const v = args.indexOf('-v');
    const [vname, vval] = v >= 0 ? (args[v + 1]!.split(/=(.*)/s) as [string, string]) : ['', ''];
    const rest = args.filter((_, i) => i !== v && i !== v + 1);
    const [program, path] = rest as [string, string | undefined];
    if (!new RegExp(`\\$i == ${vname}\\b`).test(program) || !program.includes('exit !f')) {
      io.err += 'sim guest: awk: only the hosts-file check hostplane sends is interpreted\n';
      return 2;
    }
    const text = path ? (this.file(path)?.content ?? '') : io.stdin;
    return text.split('\n').some((l) => l.trim().split(/\s+/).slice(1).includes(vval)) ? 0 : 1;
  },
  install(args, io, st) {
    const opt = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const mode = opt('-m') ? Number.parseInt(opt('-m')!, 8) : undefined;
    const owner = opt('-o');
    const plain = args.filter((a, i) => !a.startsWith('-') && !['-m', '-o', '-g'].includes(args[i - 1] ?? ''));
    if (args.includes('-d')) {
      for (const d of plain) if (!st.dirs.includes(d)) st.dirs.push(d);
      return 0;
    }
    const [src, dst] = plain as [string, string];
    const f = this.file(src);
    if (!f || !dst) {
      io.err += `install: cannot stat '${src}': No such file or directory\n`;
      return 1;
    }
    this.put(dst, f.content, mode ?? f.mode, owner ?? f.owner);
    return 0;
  },
  mkdir(args, _io, st) {
    for (const d of args.filter((a) => !a.startsWith('-'))) if (!st.dirs.includes(d)) st.dirs.push(d);
    return 0;
  },
  touch(args) {
    for (const p of args.filter((a) => !a.startsWith('-'))) if (!this.file(p)) this.put(p, '');
    return 0;
  },
  rm(args, io, st) {
    for (const p of args.filter((a) => !a.startsWith('-'))) {
      if (!st.files[p] && !args.includes('-f')) {
        io.err += `rm: cannot remove '${p}': No such file or directory\n`;
        return 1;
      }
      delete st.files[p];
    }
    return 0;
  },
  chmod(args, io) {
    const [mode, ...paths] = args as [string, ...string[]];
    for (const p of paths) {
      const f = this.file(p);
      if (!f) {
        io.err += `chmod: cannot access '${p}': No such file or directory\n`;
        return 1;
      }
      f.mode = Number.parseInt(mode, 8);
    }
    return 0;
  },
  chown(args, io, st) {
    const [owner, ...paths] = args.filter((a) => !a.startsWith('-')) as [string, ...string[]];
    for (const p of paths) {
      const f = this.file(p);
      if (f) f.owner = owner.split(':')[0]!;
      else if (!st.dirs.includes(p)) {
        io.err += `chown: cannot access '${p}': No such file or directory\n`;
        return 1;
      }
    }
    return 0;
  },
  command(args, io) {
    const name = args.filter((a) => !a.startsWith('-'))[0] ?? '';
    if (!this.has(name)) return 1;
    io.out += `/usr/bin/${name}\n`;
    return 0;
  },
  dpkg(args, _io, st) {
    return args[0] === '-s' && st.packages.includes(args[1] ?? '') ? 0 : 1;
  },
  'apt-get'(args, _io, st) {
    if (args[0] === 'update') return 0;
    if (args[0] !== 'install') return 100;
    for (const p of args.slice(1).filter((a) => !a.startsWith('-'))) if (!st.packages.includes(p)) st.packages.push(p);
    return 0;
  },
  systemctl(args, io, st) {
    const verb = args[0];
    const units = args.slice(1).filter((a) => !a.startsWith('-'));
    for (const u of units) {
      const s = (st.services[u] ??= { enabled: false, active: false });
      if (verb === 'enable') s.enabled = true;
      else if (verb === 'disable') s.enabled = false;
      else if (verb === 'start' || verb === 'restart') s.active = true;
      else if (verb === 'stop') s.active = false;
      else if (verb === 'is-active') {
        io.out += `${s.active ? 'active' : 'inactive'}\n`;
        if (!s.active) return 3;
      } else if (verb === 'is-enabled') {
        io.out += `${s.enabled ? 'enabled' : 'disabled'}\n`;
        if (!s.enabled) return 1;
      } else return 1;
    }
    if (args.includes('--now') && verb === 'enable') for (const u of units) st.services[u]!.active = true;
    return 0;
  },
};

/** A built-in command, for extra commands that wrap one (the sim node's systemctl tells the cluster about a kubelet restart). */
export function simBuiltinCommand(name: string): SimCommandFn | undefined {
  return COMMANDS[name];
}
