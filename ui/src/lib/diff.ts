// Desired (the spec) against observed (status.observed: what the provider last reported), as a
// unified line diff of two small YAML documents. Pure functions: the DiffView renders their output.
import { stringify } from 'yaml';
import { cpuOrZero as toCpu, mibOrZero as toMiB, mibQuantity } from '../../../src/api/quantity';

export { mibQuantity };

export type Fields = Record<string, unknown>;

export interface DiffLine {
  op: 'same' | 'del' | 'add';
  text: string;
}

/** A run of unchanged lines shown as one marker ("⋯ N unchanged lines"); `lines` are what it hides. */
export interface DiffGap {
  op: 'gap';
  lines: DiffLine[];
}

export type DiffRow = DiffLine | DiffGap;

export interface DesiredVsObserved {
  /** The spec projected onto the fields observed, normalised. */
  desired: Fields;
  /** status.observed, normalised the same way. */
  observed: Fields;
  /** Top-level fields whose values differ, in the observed document's order. */
  differing: string[];
  rows: DiffRow[];
}


function isQuantity(v: unknown): boolean {
  return (typeof v === 'string' && toMiB(v) > 0) || v === '0';
}

/**
 * One field's value in a comparable form, with the rounding the reconciler itself applies: memory in
 * whole MiB, disk in whole GiB rounded up, CPUs as a number. Anything unparseable is left as it is.
 */
export function normaliseField(field: string, v: unknown): unknown {
  if (field === 'memory' && isQuantity(v)) return mibQuantity(Math.round(toMiB(v)));
  if (field === 'diskSize' && isQuantity(v)) return `${Math.ceil(toMiB(v) / 1024 - 1e-9)}Gi`;
  if (field === 'cpu' && typeof v === 'string' && toCpu(v) > 0) return toCpu(v);
  return v;
}

function normalise(doc: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(doc)) out[k] = normaliseField(k, v);
  return out;
}

/** The spec's values for the fields the provider reported (a field the spec lacks is left out). */
export function projectSpec(spec: Fields, observed: Fields): Fields {
  const out: Fields = {};
  for (const k of Object.keys(observed)) if (spec[k] !== undefined) out[k] = spec[k];
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A line diff (longest common subsequence): old lines missing from new are `del`, new ones `add`. */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: 'same', text: a[i] });
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: 'del', text: a[i++] });
    else out.push({ op: 'add', text: b[j++] });
  }
  return out;
}

/**
 * Folds unchanged lines more than `context` lines away from any change into gap markers. A gap
 * never hides a single line (the marker would take as much room). With no change at all nothing folds.
 */
export function collapse(lines: DiffLine[], context = 2): DiffRow[] {
  const changed = lines.map((l, i) => (l.op === 'same' ? -1 : i)).filter((i) => i >= 0);
  if (!changed.length) return lines;
  const keep = lines.map((_, i) => changed.some((c) => Math.abs(c - i) <= context));
  const rows: DiffRow[] = [];
  for (let i = 0; i < lines.length; ) {
    if (keep[i]) {
      rows.push(lines[i++]);
      continue;
    }
    let end = i;
    while (end < lines.length && !keep[end]) end++;
    const hidden = lines.slice(i, end);
    if (hidden.length >= 2) rows.push({ op: 'gap', lines: hidden });
    else rows.push(...hidden);
    i = end;
  }
  return rows;
}

function yamlLines(doc: Fields): string[] {
  if (!Object.keys(doc).length) return [];
  return stringify(doc, { lineWidth: 0 }).replace(/\n$/, '').split('\n');
}

/** The whole comparison: normalised documents, the fields that differ, and the folded line diff. */
export function desiredVsObserved(spec: Fields, observed: Fields, context = 2): DesiredVsObserved {
  const obs = normalise(observed);
  const desired = normalise(projectSpec(spec, observed));
  const differing = Object.keys(obs).filter((k) => !same(desired[k], obs[k]));
  return { desired, observed: obs, differing, rows: collapse(diffLines(yamlLines(desired), yamlLines(obs)), context) };
}

/** "in sync", "1 field differs", "2 fields differ". */
export function diffSummary(differing: readonly string[]): string {
  if (!differing.length) return 'in sync';
  return differing.length === 1 ? '1 field differs' : `${differing.length} fields differ`;
}
