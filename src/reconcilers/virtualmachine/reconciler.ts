// The VirtualMachine reconciler: builds the scope, runs the chain (or the deletion chain),
// computes status once, writes it, and tells the controller when to come back.
import type { Kind } from '../../api/types.js';
import { objectKey, parseObjectKey } from '../../api/types.js';
import { runChain, writeStatus, TerminalError, type ChainOutcome } from '../../controllers/framework.js';
import type { VmDeps, VmScope } from './scope.js';
import type { ReconcileResult } from '../../controllers/controller.js';
import { readVmSpec } from './spec.js';
import { computeVmStatus, suspendedStatus } from './status.js';
import { vmDeleteSteps, vmSteps } from './steps.js';


export class VmReconcileError extends Error {
  constructor(readonly outcome: ChainOutcome) {
    super(outcome.stoppedAt ? `${outcome.stoppedAt.step}: ${outcome.stoppedAt.message}` : 'reconcile failed');
    this.name = 'VmReconcileError';
  }
}

/** Terminal reasons whose cause lives outside the spec, so a spec edit is not the only fix. */
const RECHECKED = new Set(['NameConflict', 'InvalidSecret', 'RecordUnreadable']);

export function createVmReconciler(deps: VmDeps) {
  return async function reconcileVm(key: string, ctx?: { signal: AbortSignal }): Promise<ReconcileResult> {
    const { kind, name } = parseObjectKey(key);
    if (kind !== 'VirtualMachine') throw new Error(`not a VirtualMachine key: ${key}`);
    const object = deps.store.get(kind as Kind, name);
    if (!object) return { kind: 'done' };
    if (object.spec.suspend === true && !object.metadata.deletionTimestamp) {
      deps.store.updateStatus(kind, name, suspendedStatus(object, deps.now()));
      return { kind: 'done' };
    }
    const scope: VmScope = { deps, object, key: objectKey(kind, name), spec: readVmSpec(object.spec) };
    const hold = object.metadata.deletionTimestamp ? undefined : deps.powerHolds?.get(scope.key);
    if (hold) {
      scope.spec = { ...scope.spec, powerState: hold.powerState };
      scope.powerHeldBy = hold.holder;
    }

    if (object.metadata.deletionTimestamp) {
      const outcome = await runChain(scope, vmDeleteSteps, ctx?.signal);
      if (outcome.completed) {
        deps.capacity.release(scope.key);
        deps.guest.forget(scope.key);
        deps.store.remove(kind, name);
        return { kind: 'done' };
      }
      writeStatus(deps.store, object, computeVmStatus(scope, outcome), outcome);
      throw outcome.error ?? new VmReconcileError(outcome);
    }

    // Re-read: the object may have changed while we worked; status always lands on the latest.
    const writeVmStatus = (outcome: ChainOutcome) => {
      const latest = deps.store.get(kind, name) ?? object;
      writeStatus(deps.store, { ...latest, metadata: { ...latest.metadata, generation: object.metadata.generation } }, computeVmStatus({ ...scope, object: { ...object, status: latest.status } }, outcome), outcome);
    };
    scope.reportInterim = (step, reason, message) => writeVmStatus({ completed: false, stoppedAt: { step, reason, message } });
    const outcome = await runChain(scope, vmSteps, ctx?.signal);
    if (ctx?.signal.aborted) throw outcome.error ?? new Error('reconcile aborted'); // status is not ours to write any more
    writeVmStatus(outcome);
    if (outcome.error) {
      // Stalled on something outside the spec — a VM someone else made holds the name, a secret file
      // is wrong — that person may fix without touching the spec: still Stalled, but looked at again.
      if (outcome.error instanceof TerminalError && RECHECKED.has(outcome.error.reason)) return { kind: 'requeueAfter', ms: deps.pollIntervalMs };
      throw outcome.error;
    }
    if (!outcome.completed) return { kind: 'requeueAfter', ms: outcome.requeueMs ?? 2_000 };
    return { kind: 'requeueAfter', ms: deps.pollIntervalMs };
  };
}
