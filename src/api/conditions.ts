// Condition helpers with Kubernetes semantics (apimachinery meta.SetStatusCondition):
// lastTransitionTime moves only when status flips; conditions are a map keyed by type.
import type { Condition, ConditionStatus } from './types.js';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Returns a new list with `input` set; keeps lastTransitionTime unless the status changed. */
export function setCondition(list: readonly Condition[], input: ConditionInput, observedGeneration: number | undefined, now: Date): Condition[] {
  const existing = list.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: existing && existing.status === input.status ? existing.lastTransitionTime : now.toISOString(),
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
  const out = list.filter((c) => c.type !== input.type);
  out.push(next);
  return out;
}

export function removeCondition(list: readonly Condition[], type: string): Condition[] {
  return list.filter((c) => c.type !== type);
}

export function getCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function isTrue(list: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(list, type)?.status === 'True';
}

/**
 * True when an object's Ready condition is True and was computed for its current generation:
 * a dependent must not proceed on a parent whose Ready is stale (Flux's dependency rule).
 */
export function isReadyAtCurrentGeneration(obj: { metadata: { generation?: number }; status?: { conditions?: Condition[]; observedGeneration?: number } }): boolean {
  const ready = getCondition(obj.status?.conditions, 'Ready');
  if (ready?.status !== 'True') return false;
  const gen = obj.metadata.generation ?? 1;
  return (ready.observedGeneration ?? obj.status?.observedGeneration ?? 0) === gen;
}

/** Orders conditions for display and for a stable on-disk form: summary first, then by type. */
export function sortConditions(list: readonly Condition[], order: readonly string[]): Condition[] {
  const rank = (t: string) => {
    const i = order.indexOf(t);
    return i === -1 ? order.length : i;
  };
  return [...list].sort((a, b) => rank(a.type) - rank(b.type) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}
