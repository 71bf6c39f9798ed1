// Kinds whose controllers are not built yet are still validated, stored and listed; their status
// says so plainly instead of pretending progress. Their references are checked all the same: a
// dangling reference or a dependsOn cycle is told as soon as the object is loaded.
import type { Kind } from '../api/types.js';
import { parseObjectKey } from '../api/types.js';
import type { ObjectStore } from './store.js';
import { referenceProblem, type RulesOf } from './reference-check.js';
import { ConditionSet } from './framework.js';
import type { ReconcileResult } from './controller.js';

export function createPendingReconciler(store: ObjectStore, rulesOf: RulesOf, now: () => Date = () => new Date()) {
  return async function reconcilePending(key: string): Promise<ReconcileResult> {
    const { kind, name } = parseObjectKey(key);
    const obj = store.get(kind as Kind, name);
    if (!obj) return { kind: 'done' };
    if (obj.metadata.deletionTimestamp) {
      // Nothing was created on the host for it, so there is nothing to tear down.
      store.remove(kind, name);
      return { kind: 'done' };
    }
    const c = new ConditionSet(obj.status?.conditions, obj.metadata.generation ?? 1, now());
    const problem = referenceProblem(obj, (k) => store.getByKey(k), rulesOf);
    if (problem) {
      c.set({ type: 'Ready', status: 'False', reason: problem.reason, message: problem.message });
      c.setOrRemove(true, { type: 'Stalled', reason: problem.reason, message: problem.message });
    } else {
      c.set({ type: 'Ready', status: 'Unknown', reason: 'ControllerNotImplemented', message: `The ${kind} controller is not built yet: this object is validated and stored, but nothing acts on it` });
      c.setOrRemove(false, { type: 'Stalled', reason: '', message: '' });
    }
    store.updateStatus(kind, name, { ...(obj.status ?? {}), phase: problem ? 'Failed' : 'Pending', conditions: c.toArray(['Ready', 'Stalled']) });
    return { kind: 'done' };
  };
}
