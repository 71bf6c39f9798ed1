// References between objects, declared as data by each kind (its module's `references`) and read
// by one function: the runtime's dependency index and the dashboard's graph both use it, so the
// two can never disagree about who depends on whom.
import type { HostObject, Kind } from './types.js';
import { objectKey } from './types.js';

/**
 * One reference field of a kind's spec. `path` is dotted, `[]` steps into every item of a list:
 * `spec.controlPlane.vm`, `spec.workers[].vm`, `spec.dependsOn[]`. The value is a name, or an
 * object with a `name`; it names an object of `kind`.
 */
export interface ReferenceRule {
  path: string;
  kind: Kind;
}

/** Every value at `path` in `root` (`a.b[].c`), with the concrete field it sits at (`a.b[1].c`). */
function valuesAt(root: unknown, path: string): { field: string; value: unknown }[] {
  let current: { field: string; value: unknown }[] = [{ field: '', value: root }];
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    const next: { field: string; value: unknown }[] = [];
    for (const { field, value: v } of current) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      const child = (v as Record<string, unknown>)[key];
      const here = field ? `${field}.${key}` : key;
      if (list) {
        if (Array.isArray(child)) child.forEach((c, i) => next.push({ field: `${here}[${i}]`, value: c }));
      } else if (child !== undefined) next.push({ field: here, value: child });
    }
    current = next;
  }
  return current;
}

function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name || undefined;
  return undefined;
}

/** One reference as written in a spec. */
export interface SpecReference {
  /** e.g. `spec.workers[1].vm`, `spec.dependsOn[0]` */
  field: string;
  key: string;
  /** A `dependsOn` entry: ordering between objects of one kind, the only references that can form a cycle. */
  dependsOn: boolean;
}

/** Every reference of `obj` under `rules`, in rule order. */
export function referencesOf(obj: Pick<HostObject, 'spec'>, rules: readonly ReferenceRule[]): SpecReference[] {
  const out: SpecReference[] = [];
  for (const rule of rules) {
    for (const { field, value } of valuesAt(obj, rule.path)) {
      const name = nameOf(value);
      if (name) out.push({ field, key: objectKey(rule.kind, name), dependsOn: rule.path.startsWith('spec.dependsOn') });
    }
  }
  return out;
}

/** The `Kind/name` keys `obj` refers to under `rules`, each once, in rule order. */
export function parentsOf(obj: Pick<HostObject, 'spec'>, rules: readonly ReferenceRule[]): string[] {
  return [...new Set(referencesOf(obj, rules).map((r) => r.key))];
}
