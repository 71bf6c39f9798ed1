// A small, deliberate subset of CEL for `x-kubernetes-validations` rules.
//
// Kubernetes evaluates these rules with full CEL on the API server. hostplane validates spec files
// offline, so it implements the part of the language our CRDs use and refuses (at load time) any
// rule outside it, instead of silently ignoring it:
//   literals (int, double, 'string', "string", true, false, null), lists [a, b],
//   self / member access (self.a.b, self['a']), has(self.a.b), size(x), x.size(),
//   ! - unary, == != < <= > >=, in, &&, ||, and cond ? a : b.
// Transition rules (those that mention oldSelf) need the previous object; they are reported as
// such by `compileCel` and skipped by the validator, as Kubernetes skips them on create.

export type CelValue = unknown;

export class CelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelError';
  }
}

type Node =
  | { t: 'lit'; v: CelValue }
  | { t: 'ident'; name: string }
  | { t: 'list'; items: Node[] }
  | { t: 'select'; obj: Node; field: string }
  | { t: 'index'; obj: Node; index: Node }
  | { t: 'call'; fn: string; args: Node[]; target?: Node }
  | { t: 'unary'; op: '!' | '-'; arg: Node }
  | { t: 'binary'; op: string; left: Node; right: Node }
  | { t: 'cond'; test: Node; then: Node; else: Node };

interface Token {
  kind: 'num' | 'str' | 'ident' | 'op' | 'eof';
  value: string;
  pos: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '-', '(', ')', '[', ']', '.', ',', '?', ':'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      out.push({ kind: 'num', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ kind: 'ident', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const e = src[j + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new CelError(`unterminated string at ${i}`);
      out.push({ kind: 'str', value: s, pos: i });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelError(`unexpected character '${c}' at ${i}`);
    out.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'eof', value: '', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}
  private peek(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== v) throw new CelError(`expected '${v}' at ${t.pos}`);
  }
  parse(): Node {
    const n = this.conditional();
    if (this.peek().kind !== 'eof') throw new CelError(`unexpected '${this.peek().value}' at ${this.peek().pos}`);
    return n;
  }
  private conditional(): Node {
    const test = this.or();
    if (!this.isOp('?')) return test;
    this.next();
    const then = this.or();
    this.expect(':');
    return { t: 'cond', test, then, else: this.conditional() };
  }
  private or(): Node {
    let left = this.and();
    while (this.isOp('||')) {
      this.next();
      left = { t: 'binary', op: '||', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.relation();
    while (this.isOp('&&')) {
      this.next();
      left = { t: 'binary', op: '&&', left, right: this.relation() };
    }
    return left;
  }
  private relation(): Node {
    const left = this.unary();
    const t = this.peek();
    if ((t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) || (t.kind === 'ident' && t.value === 'in')) {
      this.next();
      return { t: 'binary', op: t.value, left, right: this.unary() };
    }
    return left;
  }
  private unary(): Node {
    if (this.isOp('!') || this.isOp('-')) {
      const op = this.next().value as '!' | '-';
      return { t: 'unary', op, arg: this.unary() };
    }
    return this.member();
  }
  private member(): Node {
    let n = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const id = this.next();
        if (id.kind !== 'ident') throw new CelError(`expected a field name at ${id.pos}`);
        if (this.isOp('(')) {
          n = { t: 'call', fn: id.value, args: this.args(), target: n };
        } else n = { t: 'select', obj: n, field: id.value };
      } else if (this.isOp('[')) {
        this.next();
        const index = this.conditional();
        this.expect(']');
        n = { t: 'index', obj: n, index };
      } else return n;
    }
  }
  private args(): Node[] {
    this.expect('(');
    const args: Node[] = [];
    if (!this.isOp(')')) {
      args.push(this.conditional());
      while (this.isOp(',')) {
        this.next();
        args.push(this.conditional());
      }
    }
    this.expect(')');
    return args;
  }
  private primary(): Node {
    const t = this.next();
    if (t.kind === 'num') return { t: 'lit', v: Number(t.value) };
    if (t.kind === 'str') return { t: 'lit', v: t.value };
    if (t.kind === 'ident') {
      if (t.value === 'true' || t.value === 'false') return { t: 'lit', v: t.value === 'true' };
      if (t.value === 'null') return { t: 'lit', v: null };
      if (this.isOp('(')) return { t: 'call', fn: t.value, args: this.args() };
      return { t: 'ident', name: t.value };
    }
    if (t.kind === 'op' && t.value === '(') {
      const n = this.conditional();
      this.expect(')');
      return n;
    }
    if (t.kind === 'op' && t.value === '[') {
      const items: Node[] = [];
      if (!this.isOp(']')) {
        items.push(this.conditional());
        while (this.isOp(',')) {
          this.next();
          items.push(this.conditional());
        }
      }
      this.expect(']');
      return { t: 'list', items };
    }
    throw new CelError(`unexpected '${t.value || 'end of rule'}' at ${t.pos}`);
  }
}

const FUNCTIONS = new Set(['has', 'size']);

function check(n: Node, idents: Set<string>): void {
  switch (n.t) {
    case 'ident':
      idents.add(n.name);
      return;
    case 'list':
      n.items.forEach((x) => check(x, idents));
      return;
    case 'select':
      return check(n.obj, idents);
    case 'index':
      check(n.obj, idents);
      return check(n.index, idents);
    case 'call':
      if (!FUNCTIONS.has(n.fn)) throw new CelError(`function ${n.fn}() is not supported by hostplane's CEL subset`);
      if (n.fn === 'has' && (n.target || n.args.length !== 1 || n.args[0].t !== 'select')) {
        throw new CelError('has() takes one field selection, e.g. has(self.field)');
      }
      if (n.target) check(n.target, idents);
      n.args.forEach((x) => check(x, idents));
      return;
    case 'unary':
      return check(n.arg, idents);
    case 'binary':
      check(n.left, idents);
      return check(n.right, idents);
    case 'cond':
      check(n.test, idents);
      check(n.then, idents);
      return check(n.else, idents);
    default:
      return;
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

function truth(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new CelError(`${what} must be a bool, got ${JSON.stringify(v)}`);
  return v;
}

function evaluate(n: Node, env: Record<string, unknown>): unknown {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'ident':
      if (!(n.name in env)) throw new CelError(`undeclared reference to '${n.name}'`);
      return env[n.name];
    case 'list':
      return n.items.map((x) => evaluate(x, env));
    case 'select': {
      const o = evaluate(n.obj, env);
      if (!isMap(o) || !(n.field in o)) throw new CelError(`no such key: ${n.field}`);
      return o[n.field];
    }
    case 'index': {
      const o = evaluate(n.obj, env);
      const k = evaluate(n.index, env);
      if (Array.isArray(o) && typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < o.length) return o[k];
      if (isMap(o) && typeof k === 'string' && k in o) return o[k];
      throw new CelError(`no such key: ${String(k)}`);
    }
    case 'call': {
      if (n.fn === 'has') {
        const sel = n.args[0] as Extract<Node, { t: 'select' }>;
        const o = evaluate(sel.obj, env);
        return isMap(o) && sel.field in o && o[sel.field] !== undefined;
      }
      // size
      const v = n.target ? evaluate(n.target, env) : evaluate(n.args[0], env);
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isMap(v)) return Object.keys(v).length;
      throw new CelError(`size() of ${JSON.stringify(v)}`);
    }
    case 'unary': {
      const v = evaluate(n.arg, env);
      if (n.op === '!') return !truth(v, 'operand of !');
      if (typeof v !== 'number') throw new CelError('operand of - must be a number');
      return -v;
    }
    case 'cond':
      return truth(evaluate(n.test, env), 'condition') ? evaluate(n.then, env) : evaluate(n.else, env);
    case 'binary': {
      if (n.op === '&&' || n.op === '||') {
        // CEL's logical operators are commutative about errors; short-circuit is enough for our rules.
        const l = truth(evaluate(n.left, env), `left side of ${n.op}`);
        if (n.op === '&&' ? !l : l) return l;
        return truth(evaluate(n.right, env), `right side of ${n.op}`);
      }
      const l = evaluate(n.left, env);
      const r = evaluate(n.right, env);
      switch (n.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case 'in':
          if (Array.isArray(r)) return r.some((x) => equal(x, l));
          if (isMap(r) && typeof l === 'string') return l in r;
          throw new CelError("right side of 'in' must be a list or map");
        default: {
          if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) {
            throw new CelError(`cannot compare ${JSON.stringify(l)} ${n.op} ${JSON.stringify(r)}`);
          }
          if (n.op === '<') return l < r;
          if (n.op === '<=') return l <= r;
          if (n.op === '>') return l > r;
          return l >= r;
        }
      }
    }
  }
}

export interface CompiledCel {
  /** The rule text. */
  source: string;
  /** True for transition rules (they reference oldSelf and need the previous object). */
  transition: boolean;
  /** Evaluates the rule with `self` bound to value; throws CelError when evaluation fails. */
  evaluate(self: unknown, oldSelf?: unknown): unknown;
}

/** Parses a rule; throws CelError for syntax outside the supported subset. */
export function compileCel(source: string): CompiledCel {
  const ast = new Parser(tokenize(source)).parse();
  const idents = new Set<string>();
  check(ast, idents);
  for (const id of idents) {
    if (id !== 'self' && id !== 'oldSelf') throw new CelError(`undeclared reference to '${id}'`);
  }
  return {
    source,
    transition: idents.has('oldSelf'),
    evaluate: (self, oldSelf) => evaluate(ast, oldSelf === undefined ? { self } : { self, oldSelf }),
  };
}
