// Reference checks every kind gets as soon as its objects are loaded, whether or not its
// controller is built: a reference to an object that does not exist (InvalidReference) and a
// `dependsOn` loop (DependencyCycle). Neither can resolve by waiting, so both need a person.
import type { HostObject } from '../api/types.js';
import { objectKey } from '../api/types.js';
import { referencesOf, type ReferenceRule } from '../api/references.js';

export interface ReferenceProblem {
  reason: 'InvalidReference' | 'DependencyCycle';
  message: string;
}

/** Looks objects up by `Kind/name` (the store's getByKey). */
export type ObjectLookup = (key: string) => HostObject | undefined;

/** The reference rules of a kind (from its module). */
export type RulesOf = (kind: string) => readonly ReferenceRule[];

const MAX_CYCLE_SEARCH = 10_000;

/** The first problem with `obj`'s references, or undefined. A dangling reference is told before a cycle. */
export function referenceProblem(obj: HostObject, lookup: ObjectLookup, rulesOf: RulesOf): ReferenceProblem | undefined {
  const self = objectKey(obj.kind, obj.metadata.name);
  const missing = referencesOf(obj, rulesOf(obj.kind)).filter((r) => r.key !== self && !lookup(r.key));
  if (missing.length) {
    const list = missing.map((r) => `${r.field} names ${r.key.replace('/', ' "')}"`).join('; ');
    return { reason: 'InvalidReference', message: `${list}, which does not exist; create it or fix the reference` };
  }
  const cycle = dependsOnCycle(obj, lookup, rulesOf);
  if (cycle) {
    const names = cycle.map((k) => k.slice(k.indexOf('/') + 1));
    return { reason: 'DependencyCycle', message: `dependsOn forms a cycle: ${names.join(' → ')}; remove one of these dependsOn entries` };
  }
  return undefined;
}

/** A `dependsOn` path from `obj` back to itself (`[a, b, a]`), or undefined. Depth-first, bounded. */
export function dependsOnCycle(obj: HostObject, lookup: ObjectLookup, rulesOf: RulesOf): string[] | undefined {
  const start = objectKey(obj.kind, obj.metadata.name);
  const edges = (o: HostObject) => referencesOf(o, rulesOf(o.kind)).filter((r) => r.dependsOn).map((r) => r.key);
  const seen = new Set<string>();
  let steps = 0;
  // Iterative DFS keeping the current path, so a long chain cannot overflow the stack.
  const stack: { key: string; next: string[]; i: number }[] = [{ key: start, next: edges(obj), i: 0 }];
  while (stack.length && steps++ < MAX_CYCLE_SEARCH) {
    const top = stack[stack.length - 1];
    if (top.i >= top.next.length) {
      stack.pop();
      continue;
    }
    const k = top.next[top.i++];
    if (k === start) return [...stack.map((f) => f.key), start];
    if (seen.has(k)) continue;
    seen.add(k);
    const o = lookup(k);
    if (o) stack.push({ key: k, next: edges(o), i: 0 });
  }
  return undefined;
}
