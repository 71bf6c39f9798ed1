// Loads a k6 script the way the k6 pod would, far enough to model its run: the ES module files of
// the ConfigMap are rewritten to a CommonJS-like form (import/export lines only), evaluated in a
// `vm` context with stand-ins for k6's modules, so a script that does not compile fails as k6
// does (exit 107), `options` and `handleSummary` are the script's own, and one call of the default
// function records which URLs an iteration requests, how many checks it makes and how long it sleeps.
import vm from 'node:vm';

export class K6ScriptError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export interface IterationProbe {
  urls: string[];
  checks: string[];
  sleepMs: number;
}

export interface LoadedScript {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handleSummary?: (data: any) => Record<string, string>;
  probe: IterationProbe;
}

const STR = `['"]([^'"]+)['"]`;

/** ES module syntax → statements against `__import` and `exports` (enough for k6 scripts). */
export function toCommonJs(src: string): string {
  const exported: string[] = [];
  let out = src
    .replace(new RegExp(`^\\s*import\\s+\\*\\s+as\\s+([\\w$]+)\\s+from\\s+${STR};?`, 'gm'), (_, n, m) => `const ${n} = __import(${JSON.stringify(m)});`)
    .replace(new RegExp(`^\\s*import\\s+([\\w$]+)\\s*,\\s*\\{([^}]*)\\}\\s*from\\s+${STR};?`, 'gm'), (_, d, names, m) => `const ${d} = __import(${JSON.stringify(m)}).default; const {${names.replace(/\s+as\s+/g, ': ')}} = __import(${JSON.stringify(m)});`)
    .replace(new RegExp(`^\\s*import\\s+([\\w$]+)\\s+from\\s+${STR};?`, 'gm'), (_, d, m) => `const ${d} = __import(${JSON.stringify(m)}).default;`)
    .replace(new RegExp(`^\\s*import\\s*\\{([^}]*)\\}\\s*from\\s+${STR};?`, 'gm'), (_, names, m) => `const {${names.replace(/\s+as\s+/g, ': ')}} = __import(${JSON.stringify(m)});`)
    .replace(new RegExp(`^\\s*export\\s*\\{([^}]*)\\}\\s*from\\s+${STR};?`, 'gm'), (_, names: string, m) =>
      names.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
        const [from, to] = p.split(/\s+as\s+/);
        return `exports[${JSON.stringify((to ?? from)!.trim())}] = __import(${JSON.stringify(m)})[${JSON.stringify(from!.trim())}];`;
      }).join(' '))
    .replace(/\bexport\s+default\s+(async\s+)?function\b\s*([\w$]*)/g, (_, a, n) => `exports.default = ${a ?? ''}function ${n}`)
    .replace(/\bexport\s+(async\s+)?function\s*(\*?)\s*([\w$]+)/g, (_, a, s, n) => {
      exported.push(n);
      return `${a ?? ''}function${s} ${n}`;
    })
    .replace(/\bexport\s+(const|let|var)\s+([\w$]+)/g, (_, k, n) => {
      exported.push(n);
      return `${k} ${n}`;
    });
  out += '\n' + exported.map((n) => `exports[${JSON.stringify(n)}] = ${n};`).join('\n');
  return out;
}

/** k6's message for a script that does not parse: "SyntaxError: file:///scripts/x.js: msg (line:col)". */
function syntaxMessage(file: string, e: Error, src: string): string {
  const m = /:(\d+)\n/.exec(e.stack ?? '');
  const line = m ? Number(m[1]) : undefined;
  const text = line ? src.split('\n')[line - 1]?.trim() : undefined;
  return `SyntaxError: file:///scripts/${file}: ${e.message}${line ? ` (${line}:0)` : ''}${text ? `\n  ${line} | ${text}` : ''}`;
}

export function loadK6Script(files: Record<string, string>, entry: string, env: Record<string, string>): LoadedScript {
  const probe: IterationProbe = { urls: [], checks: [], sleepMs: 0 };
  const response = (url: string) => ({ status: 200, url, body: '', timings: { duration: 1 }, json: () => ({}) });
  const request = (url: unknown) => {
    probe.urls.push(String(url));
    return response(String(url));
  };
  const http = {
    get: request, post: request, put: request, del: request, patch: request, head: request, options: request,
    request: (_m: unknown, url: unknown) => request(url),
    batch: (reqs: unknown[]) => (Array.isArray(reqs) ? reqs : Object.values(reqs as object)).map((r) => request(Array.isArray(r) ? r[1] : typeof r === 'string' ? r : (r as { url: string }).url)),
  };
  const k6 = {
    check: (_v: unknown, sets: Record<string, unknown>) => {
      probe.checks.push(...Object.keys(sets ?? {}));
      return true;
    },
    sleep: (s: number) => {
      probe.sleepMs += Number(s) * 1000;
    },
    group: (_n: string, fn: () => unknown) => fn(),
    fail: (msg: string) => {
      throw new Error(msg);
    },
  };
  const builtins: Record<string, unknown> = {
    'k6': { ...k6, default: k6 },
    'k6/http': { ...http, default: http },
    'k6/metrics': { Counter: class {}, Gauge: class {}, Rate: class {}, Trend: class {} },
    'k6/execution': { default: { vu: { idInTest: 1 }, scenario: { iterationInTest: 0 } } },
  };
  const cache = new Map<string, Record<string, unknown>>();
  const context = vm.createContext({ __ENV: { ...env }, __VU: 0, __ITER: 0, console: { log() {}, info() {}, warn() {}, error() {}, debug() {} } });
  const load = (spec: string): Record<string, unknown> => {
    if (spec in builtins) return builtins[spec] as Record<string, unknown>;
    if (/^https?:\/\//.test(spec)) throw new K6ScriptError(`GoError: The moduleSpecifier "${spec}" couldn't be retrieved from the resolved url: no network in this cluster`, 107);
    const file = spec.replace(/^\.\//, '').replace(/^\/scripts\//, '');
    const cached = cache.get(file);
    if (cached) return cached;
    const src = files[file];
    if (src === undefined) throw new K6ScriptError(`GoError: The moduleSpecifier "${spec}" couldn't be found on local disk. Make sure that you've specified the right path to the file.`, 107);
    const exports: Record<string, unknown> = {};
    cache.set(file, exports);
    let script: vm.Script;
    try {
      script = new vm.Script(`(function (exports, __import) {\n${toCommonJs(src)}\n})`, { filename: file, lineOffset: -1 });
    } catch (e) {
      throw new K6ScriptError(syntaxMessage(file, e as Error, src), 107);
    }
    try {
      (script.runInContext(context, { timeout: 1000 }) as (e: unknown, i: unknown) => void)(exports, load);
    } catch (e) {
      if (e instanceof K6ScriptError) throw e;
      throw new K6ScriptError(`${(e as Error).name ?? 'Error'}: ${(e as Error).message}\n\tat file:///scripts/${file}`, 107);
    }
    return exports;
  };
  const mod = load(entry);
  if (typeof mod.default !== 'function' && !(mod.options as { scenarios?: unknown } | undefined)?.scenarios) {
    throw new K6ScriptError('could not initialize \'/scripts/' + entry + '\': function \'default\' not found in exports', 107);
  }
  if (typeof mod.default === 'function') {
    try {
      const data = typeof mod.setup === 'function' ? (mod.setup as () => unknown)() : undefined;
      const before = probe.urls.length;
      (mod.default as (d: unknown) => unknown)(data);
      // setup's requests are not part of an iteration
      probe.urls.splice(0, before);
    } catch (e) {
      throw new K6ScriptError(`Uncaught (in promise) ${(e as Error).message}\n\tat default (file:///scripts/${entry})`, 107);
    }
  }
  return { options: mod.options ?? {}, handleSummary: typeof mod.handleSummary === 'function' ? (mod.handleSummary as LoadedScript['handleSummary']) : undefined, probe };
}
