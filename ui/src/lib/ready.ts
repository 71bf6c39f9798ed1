// Readiness as the dashboard shows it: one summary per object, with polarity known per condition type.
import type { Condition, HostObject } from '../api/types';

export type Readiness = 'True' | 'False' | 'Unknown' | 'Deleting';

/** The summary condition: Ready for long-lived kinds, Succeeded for a LoadTest run (Ready when present). */
export function summaryCondition(o: HostObject): Condition | undefined {
  const conds = o.status?.conditions ?? [];
  return conds.find((c) => c.type === 'Ready') ?? conds.find((c) => c.type === 'Succeeded');
}

export function readiness(o: HostObject | undefined): Readiness {
  if (!o) return 'Unknown';
  if (o.metadata.deletionTimestamp) return 'Deleting';
  const c = summaryCondition(o);
  return c ? c.status : 'Unknown';
}

/** Not-ready first: False, Deleting, Unknown, then True. */
export function readinessRank(r: Readiness): number {
  return r === 'False' ? 0 : r === 'Deleting' ? 1 : r === 'Unknown' ? 2 : 3;
}

/** Conditions whose True is bad news (Flux/Crossplane style); everything else is good when True. */
const NEGATIVE = new Set(['Stalled', 'Reconciling', 'Degraded', 'Failed', 'Suspended', 'Progressing', 'Deleting']);

export function conditionTone(c: Condition): 'good' | 'bad' | 'warn' | 'unknown' {
  if (c.status === 'Unknown') return 'unknown';
  const positive = !NEGATIVE.has(c.type);
  const good = (c.status === 'True') === positive;
  if (good) return 'good';
  return c.type === 'Reconciling' || c.type === 'Progressing' ? 'warn' : 'bad';
}

export function isStale(o: HostObject): boolean {
  const gen = o.metadata.generation;
  const seen = o.status?.observedGeneration;
  return gen !== undefined && seen !== undefined && seen !== gen;
}

/** When the controller last finished with this object, best effort across kinds. */
export function lastReconcile(o: HostObject): string | undefined {
  const s = (o.status ?? {}) as Record<string, unknown>;
  for (const k of ['lastReconcileTime', 'lastReconciled', 'lastHandledReconcileAt', 'lastUpdateTime']) {
    if (typeof s[k] === 'string') return s[k] as string;
  }
  const times = (o.status?.conditions ?? []).map((c) => c.lastTransitionTime).filter(Boolean).sort();
  return times[times.length - 1];
}
