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

/** Every value at `path` in `root` (`a.b[].c`). */
function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      const child = (v as Record<string, unknown>)[key];
      if (list) {
        if (Array.isArray(child)) next.push(...child);
      } else if (child !== undefined) next.push(child);
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

/** The `Kind/name` keys `obj` refers to under `rules`, each once, in rule order. */
export function parentsOf(obj: Pick<HostObject, 'spec'>, rules: readonly ReferenceRule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules) {
    for (const v of valuesAt(obj, rule.path)) {
      const name = nameOf(v);
      if (name) out.add(objectKey(rule.kind, name));
    }
  }
  return [...out];
}
