// Helm values of an Addon (issue 11 item 2): valuesFiles in order, then valuesFrom secrets, then
// inline values — merged as helm merges several -f files (maps merged recursively, lists and
// scalars replaced; a null is kept so helm also drops that key from the chart's defaults). As in
// Flux, a valuesFrom entry with targetPath is applied last and overrides inline values.
// The config digest is "sha256:" + hex SHA-256 of the canonical JSON (keys sorted, no spaces) of
// the merged values. Flux hashes helm's own encoding of the values, so the idea is Flux's but the
// bytes are ours. Values never leave this module in an error message: errors name the file, line
// and field path only.
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import type { ValuesFromSource } from './spec-types.js';

export type Values = Record<string, unknown>;

export class ValuesError extends Error {
  constructor(
    /** Spec field at fault, e.g. spec.valuesFiles[1] or spec.valuesFrom[0]. */
    readonly field: string,
    message: string,
    /** file:line:col when a file is at fault. */
    readonly location?: { file: string; line: number; col: number },
  ) {
    super(message);
  }
}

function isMap(x: unknown): x is Values {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** helm's merge of user values: `over` wins; maps merged recursively; null kept (it deletes downstream). */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k] as Values, v) : v;
  }
  return out;
}

/** Parses one values file; an empty file is {}; anything but a mapping is an error at file:line. */
export function parseValuesFile(field: string, file: string, text: string): Values {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lc.linePos(e.pos[0]);
    throw new ValuesError(field, `${file}:${pos.line}:${pos.col}: not valid YAML (${e.code})`, { file, line: pos.line, col: pos.col });
  }
  const js = doc.toJS();
  if (js === null || js === undefined) return {};
  if (!isMap(js)) throw new ValuesError(field, `${file}:1:1: a values file must hold a mapping, found ${Array.isArray(js) ? 'a list' : typeof js}`, { file, line: 1, col: 1 });
  return js;
}

export interface ValuesInputs {
  /** Parsed valuesFiles, in spec order (see parseValuesFile). */
  files?: ReadonlyArray<Values>;
  valuesFrom?: ReadonlyArray<ValuesFromSource>;
  /** Secret name → content; undefined when the secret does not exist. */
  secrets?: Readonly<Record<string, string | undefined>>;
  inline?: Values;
}

export function composeValues(inp: ValuesInputs): Values {
  let out: Values = {};
  for (const f of inp.files ?? []) out = mergeValues(out, f);
  const targeted: Array<[string, string]> = [];
  (inp.valuesFrom ?? []).forEach((src, i) => {
    const field = `spec.valuesFrom[${i}]`;
    const content = inp.secrets?.[src.secret];
    if (content === undefined) {
      if (src.optional) return;
      throw new ValuesError(field, `secret ${src.secret} does not exist; create .hostplane/secrets/${src.secret} (mode 0600) or set HOSTPLANE_SECRET_${src.secret.toUpperCase().replace(/[^A-Z0-9]/g, '_')}, or mark the entry optional`);
    }
    if (src.targetPath) targeted.push([src.targetPath, content.replace(/\r?\n$/, '')]);
    else out = mergeValues(out, parseValuesFile(field, `secret ${src.secret}`, content));
  });
  out = mergeValues(out, inp.inline ?? {});
  for (const [path, value] of targeted) out = setPath(out, path, value);
  return out;
}

function setPath(values: Values, path: string, value: string): Values {
  const [head, ...rest] = path.split('.');
  const out = { ...values };
  out[head!] = rest.length === 0 ? value : setPath(isMap(out[head!]) ? (out[head!] as Values) : {}, rest.join('.'), value);
  return out;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function configDigest(values: Values): string {
  return `sha256:${createHash('sha256').update(canonicalJson(values)).digest('hex')}`;
}

/** Where the values came from, for status and events: sources only, never content. */
export function describeValuesSources(inp: { valuesFiles?: readonly string[]; valuesFrom?: readonly ValuesFromSource[]; inline?: Values }): string {
  const parts = [
    ...(inp.valuesFiles ?? []).map((f) => `file ${f}`),
    ...(inp.valuesFrom ?? []).map((s) => `secret ${s.secret}${s.targetPath ? ` → ${s.targetPath}` : ''}`),
    ...(inp.inline && Object.keys(inp.inline).length > 0 ? ['inline values'] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'chart defaults only';
}
