// `hostplane diff [KIND[/NAME]]` and `hostplane diff -f FILE`: what a reconcile would do now, per
// object, from each kind's plan hook (its classify step), and how applying FILE would change the
// specs. Exit codes as `kubectl diff`: 0 nothing would change, 1 something would, >1 an error.
import { parseAllDocuments, stringify } from 'yaml';
import type { HostObject, Kind } from '../api/types.js';
import type { KindPlan } from '../controllers/kind-module.js';
import { parseSpecFile, formatSpecError } from '../controllers/spec-parse.js';
import { KIND_MODULES } from '../reconcilers/index.js';
import { readInput } from './apply.js';
import type { LabView } from './view.js';

export interface DiffLine {
  object: string;
  plan: KindPlan | undefined;
}

/** The kind's plan for one object, or undefined when the kind has no plan hook yet. */
export function planOf(view: LabView, obj: HostObject): KindPlan | undefined {
  const m = KIND_MODULES.find((k) => k.kind === obj.kind);
  if (!m?.plan) return undefined;
  // An object the state dir knows but the specs no longer define is deleted after the grace period.
  if (!view.store.sourceOf(obj.kind, obj.metadata.name) && !obj.metadata.deletionTimestamp) {
    return { action: 'delete', detail: 'its spec is gone from the specs directory' };
  }
  return m.plan(obj, { stateDir: view.stateDir });
}

export function planLine(object: string, plan: KindPlan | undefined): string {
  if (!plan) return `${object}: no plan available yet`;
  return `${object}: ${plan.action}${plan.detail ? ` (${plan.detail})` : ''}`;
}

/** Whether a plan means the reconciler would act (a kind without a plan counts as no change known). */
export function changes(plan: KindPlan | undefined): boolean {
  return !!plan && plan.action !== 'nothing';
}

/** A line diff of two texts (LCS), `-`/`+`/` ` prefixed; only changed lines and one line of context. */
export function lineDiff(before: string, after: string): string[] {
  const a = before ? before.split('\n') : [];
  const b = after ? after.split('\n') : [];
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ mark: ' ', text: a[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push({ mark: '+', text: b[j++]! });
    else out.push({ mark: '-', text: a[i++]! });
  }
  const changedAt = (k: number) => out[k] !== undefined && out[k]!.mark !== ' ';
  const keep = out.map((_, k) => changedAt(k) || changedAt(k - 1) || changedAt(k + 1));
  return out.filter((_, k) => keep[k]).map((l) => `${l.mark} ${l.text}`);
}

export interface FileDiff {
  lines: string[];
  changed: boolean;
}

/** `diff -f FILE`: per document, the spec change it makes (defaults filled in, as the store holds specs) and the plan after it. */
export function diffFile(view: LabView, file: string): FileDiff {
  const text = readInput(file);
  const label = file === '-' ? '<stdin>' : file;
  const parsed = parseSpecFile(label, text, view.registry);
  if (parsed.errors.length) throw new Error(parsed.errors.map(formatSpecError).join('\n'));
  if (!parseAllDocuments(text).some((d) => d.toJS())) throw new Error(`${label}: no documents`);
  const lines: string[] = [];
  let changed = false;
  for (const d of parsed.documents) {
    if (!d.input) continue;
    const kind = d.input.kind as Kind;
    const info = view.registry.resolveKind(kind);
    const object = `${info?.singular ?? kind.toLowerCase()}/${d.input.metadata.name}`;
    const current = view.store.get(kind, d.input.metadata.name);
    const before = current ? stringify({ metadata: pickMeta(current.metadata), spec: current.spec }).trimEnd() : '';
    const after = stringify({ metadata: pickMeta(d.input.metadata), spec: d.input.spec }).trimEnd();
    const next: HostObject = {
      apiVersion: d.input.apiVersion,
      kind,
      metadata: { ...(current?.metadata ?? { uid: '', creationTimestamp: '' }), ...d.input.metadata },
      spec: d.input.spec,
      ...(current?.status ? { status: current.status } : {}),
    } as HostObject;
    const m = KIND_MODULES.find((k) => k.kind === kind);
    const plan = m?.plan ? m.plan(next, { stateDir: view.stateDir }) : undefined;
    if (before === after) {
      lines.push(`${object}: spec unchanged`);
    } else {
      changed = true;
      lines.push(`${object}: ${current ? 'spec changes' : 'new object'}`, ...lineDiff(before, after).map((l) => `  ${l}`));
    }
    if (changes(plan)) changed = true;
    lines.push(`  then ${planLine(object, plan).slice(object.length + 2)}`);
  }
  return { lines, changed };
}

function pickMeta(m: HostObject['metadata']): Record<string, unknown> {
  return { name: m.name, ...(m.labels && Object.keys(m.labels).length ? { labels: m.labels } : {}), ...(m.annotations && Object.keys(m.annotations).length ? { annotations: m.annotations } : {}) };
}
