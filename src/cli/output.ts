// kubectl's output forms beyond the table: -o name, -o jsonpath=TEMPLATE, -o custom-columns=SPEC,
// --sort-by, and the label columns (--show-labels, -L KEY).
import type { HostObject } from '../api/types.js';
import { evalJsonPath, evalJsonPathAll } from '../api/jsonpath.js';
import { cell } from './format.js';

export class OutputError extends Error {}

export type OutputSpec =
  | { form: 'table' | 'wide' | 'yaml' | 'json' | 'name' }
  | { form: 'jsonpath'; template: string }
  | { form: 'custom-columns'; columns: { header: string; path: string }[] };

export const OUTPUT_FORMS = 'wide, yaml, json, name, jsonpath=TEMPLATE, custom-columns=HEADER:PATH,…';

export function parseOutput(o: string | undefined): OutputSpec {
  if (o === undefined || o === '') return { form: 'table' };
  if (o === 'wide' || o === 'yaml' || o === 'json' || o === 'name') return { form: o };
  const eq = o.indexOf('=');
  const form = eq < 0 ? o : o.slice(0, eq);
  const arg = eq < 0 ? '' : o.slice(eq + 1);
  if (form === 'jsonpath') {
    if (!arg) throw new OutputError('template format specified but no template given (-o jsonpath={.metadata.name})');
    parseTemplate(arg); // refuse a bad template before reading anything
    return { form: 'jsonpath', template: arg };
  }
  if (form === 'custom-columns') {
    if (!arg) throw new OutputError('custom-columns format specified but no custom columns given (-o custom-columns=NAME:.metadata.name)');
    const columns = arg.split(',').map((c) => {
      const i = c.indexOf(':');
      if (i <= 0 || i === c.length - 1) throw new OutputError(`unexpected custom-columns spec: ${c}, expected <header>:<json-path-expr>`);
      const path = normalisePath(c.slice(i + 1));
      evalJsonPath({}, path); // syntax check
      return { header: c.slice(0, i), path };
    });
    return { form: 'custom-columns', columns };
  }
  throw new OutputError(`unable to match a printer suitable for the output format "${o}", allowed formats are: ${OUTPUT_FORMS}`);
}

/** `{.a.b}`, `.a.b` and `a.b` all mean the same field path (as kubectl's custom-columns and --sort-by accept). */
export function normalisePath(p: string): string {
  let s = p.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (!s.startsWith('.') && !s.startsWith('[') && !s.startsWith('$')) s = '.' + s;
  return s;
}

type Token = { t: 'text'; text: string } | { t: 'path'; path: string } | { t: 'range'; path: string } | { t: 'end' };

function parseTemplate(template: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      tokens.push({ t: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) tokens.push({ t: 'text', text: template.slice(i, open) });
    const close = closingBrace(template, open);
    if (close < 0) throw new OutputError(`error parsing jsonpath ${template}: unclosed action`);
    const inner = template.slice(open + 1, close).trim();
    if (inner === 'end') tokens.push({ t: 'end' });
    else if (inner.startsWith('range ')) tokens.push({ t: 'range', path: inner.slice(6).trim() });
    else if (/^".*"$|^'.*'$/s.test(inner)) tokens.push({ t: 'text', text: unescape(inner.slice(1, -1)) });
    else {
      if (inner !== '.' && inner !== '$' && inner !== '@') {
        try {
          evalJsonPath({}, inner.replace(/^@/, ''));
        } catch (e) {
          throw new OutputError(`error parsing jsonpath ${template}: ${(e as Error).message}`);
        }
      }
      tokens.push({ t: 'path', path: inner });
    }
    i = close + 1;
  }
  let depth = 0;
  for (const t of tokens) {
    if (t.t === 'range') depth++;
    if (t.t === 'end' && --depth < 0) throw new OutputError(`error parsing jsonpath ${template}: {end} without {range}`);
  }
  if (depth) throw new OutputError(`error parsing jsonpath ${template}: {range} without {end}`);
  return tokens;
}

function closingBrace(s: string, open: number): number {
  let quote = '';
  for (let j = open + 1; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return j;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\([nt"'\\])/g, (_m, c: string) => ({ n: '\n', t: '\t' })[c as 'n' | 't'] ?? c);
}

function nodes(cursor: unknown, path: string): unknown[] {
  if (path === '.' || path === '$' || path === '@') return [cursor];
  return evalJsonPathAll(cursor, path.replace(/^@/, ''));
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** kubectl's JSONPath template: text, {path}, {"literal"}, {range path}…{end}; several matches print space-separated. */
export function renderTemplate(template: string, root: unknown): string {
  const tokens = parseTemplate(template);
  const run = (from: number, to: number, cursor: unknown): string => {
    let out = '';
    for (let i = from; i < to; i++) {
      const t = tokens[i]!;
      if (t.t === 'text') out += t.text;
      else if (t.t === 'path') out += nodes(cursor, t.path).map(show).join(' ');
      else if (t.t === 'range') {
        let depth = 1;
        let j = i + 1;
        for (; j < to; j++) {
          const u = tokens[j]!;
          if (u.t === 'range') depth++;
          if (u.t === 'end' && --depth === 0) break;
        }
        for (const n of nodes(cursor, t.path)) out += run(i + 1, j, n);
        i = j;
      }
    }
    return out;
  };
  return run(0, tokens.length, root);
}

export function customColumns(items: readonly HostObject[], columns: { header: string; path: string }[]): { header: string[]; rows: string[][] } {
  return {
    header: columns.map((c) => c.header),
    rows: items.map((o) =>
      columns.map((c) => {
        const v = evalJsonPathAll(o, c.path);
        return v.length === 0 ? '<none>' : v.map((x) => cell(x)).join(',');
      }),
    ),
  };
}

/** --sort-by: numbers numerically, everything else as text; objects without the field first (as kubectl). */
export function sortBy(items: readonly HostObject[], path: string): HostObject[] {
  const p = normalisePath(path);
  try {
    evalJsonPath({}, p);
  } catch (e) {
    throw new OutputError(`--sort-by: ${(e as Error).message}`);
  }
  const key = (o: HostObject) => evalJsonPath(o, p);
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const qx = quantity(x);
    const qy = quantity(y);
    if (qx !== undefined && qy !== undefined) return qx - qy;
    return show(x).localeCompare(show(y));
  });
}

/** `4Gi`, `512Mi`: memory sorts by size, not as text. */
function quantity(v: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(String(v));
  if (!m) return undefined;
  return Number(m[1]) * 1024 ** (['', 'Ki', 'Mi', 'Gi', 'Ti'].indexOf(m[2] ?? ''));
}

/** --show-labels: `k=v,k=v` or <none>. */
export function labelsCell(o: HostObject): string {
  const l = Object.entries(o.metadata.labels ?? {});
  return l.length ? l.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

/** -L KEY: kubectl heads the column with the key's last segment, upper-cased. */
export function labelColumnHeader(key: string): string {
  return (key.split('/').pop() ?? key).toUpperCase();
}
