// The reconciler framework every kind uses: a scope, an ordered chain of steps, one status
// computation at the end (Cluster API's scope + _status split, Flux's reconcile chain).
import type { Condition, HostObject, Kind, ObjectStatus } from '../api/types.js';
import type { ObjectStore } from './store.js';
import { sortConditions, setCondition, removeCondition, type ConditionInput } from '../api/conditions.js';

/** How one step ends. */
export type StepOutcome =
  | { kind: 'continue'; requeueMs?: number } // go on; poll again within requeueMs at the latest
  | { kind: 'wait'; ms: number; reason: string; message: string; step?: string }; // cannot go on yet: stop the chain, come back later (step: which of concurrent steps)

export const proceed = (requeueMs?: number): StepOutcome => ({ kind: 'continue', ...(requeueMs ? { requeueMs } : {}) });
export const waitFor = (ms: number, reason: string, message: string): StepOutcome => ({ kind: 'wait', ms, reason, message });

export interface Step<S> {
  name: string;
  run(scope: S): Promise<StepOutcome>;
}

/** A failure that retrying cannot fix (bad spec, name conflict): no retry, Stalled=True. */
/** The one terminal error type: the controller does not retry it; `reason` names the Stalled condition's reason. */
export { TerminalError } from './controller.js';
import { TerminalError } from './controller.js';

/** A failure a retry may fix; `reason` feeds the condition that explains it. */
export class StepError extends Error {
  constructor(readonly reason: string, message: string, readonly step?: string) {
    super(message);
    this.name = 'StepError';
  }
}

/** What the chain did: input for the status computation. */
export interface ChainOutcome {
  /** Every step ran to its end. */
  completed: boolean;
  /** The step that stopped the chain, with why. */
  stoppedAt?: { step: string; reason: string; message: string; terminal?: boolean };
  error?: unknown;
  requeueMs?: number;
}

/**
 * Steps that do not depend on each other, run at once (a worker's kubeadm join need not wait for the
 * CNI install). The chain then stops as at the first of them, in order, that failed or waits, and
 * names that step (an error gets its `step`, a wait its `step`), so status reads as for sequential steps.
 */
export function concurrently<S>(name: string, steps: readonly Step<S>[]): Step<S> {
  return {
    name,
    async run(scope) {
      const results = await Promise.allSettled(steps.map((st) => st.run(scope)));
      let requeueMs: number | undefined;
      for (const [i, r] of results.entries()) {
        const step = steps[i]!.name;
        if (r.status === 'rejected') {
          if (r.reason instanceof Error && !(r.reason as { step?: string }).step) Object.defineProperty(r.reason, 'step', { value: step, configurable: true });
          throw r.reason;
        }
        if (r.value.kind === 'wait') return { ...r.value, step: r.value.step ?? step };
        requeueMs = minDefined(requeueMs, r.value.requeueMs);
      }
      return proceed(requeueMs);
    },
  };
}

/** Runs steps in order: stops at the first error or wait, keeps the lowest requeue (Flux's chain). */
export async function runChain<S>(scope: S, steps: readonly Step<S>[], signal?: AbortSignal): Promise<ChainOutcome> {
  let requeueMs: number | undefined;
  for (const step of steps) {
    // Stopping (or a reconcile timeout): take no further host action.
    if (signal?.aborted) return { completed: false, error: new Error('reconcile aborted: hostplane is stopping or the reconcile timed out'), requeueMs, stoppedAt: { step: step.name, reason: 'Aborted', message: 'hostplane is stopping or the reconcile timed out' } };
    let out: StepOutcome;
    try {
      out = await step.run(scope);
    } catch (error) {
      const terminal = error instanceof TerminalError;
      const reason = error instanceof TerminalError || error instanceof StepError ? error.reason : 'ReconcileError';
      const at = (error as { step?: unknown } | undefined)?.step;
      return { completed: false, error, requeueMs, stoppedAt: { step: typeof at === 'string' && at ? at : step.name, reason, message: errorMessage(error), terminal } };
    }
    if (out.kind === 'wait') {
      return { completed: false, requeueMs: minDefined(requeueMs, out.ms), stoppedAt: { step: out.step ?? step.name, reason: out.reason, message: out.message } };
    }
    requeueMs = minDefined(requeueMs, out.requeueMs);
  }
  return { completed: true, requeueMs };
}

/** Builds a condition list on top of the previous one, so unchanged conditions keep their transition times. */
export class ConditionSet {
  private list: Condition[];
  constructor(previous: readonly Condition[] | undefined, private readonly generation: number, private readonly now: Date) {
    this.list = [...(previous ?? [])];
  }
  set(input: ConditionInput): this {
    this.list = setCondition(this.list, input, this.generation, this.now);
    return this;
  }
  /** For abnormal-true conditions (Reconciling, Stalled) that must be absent when False. */
  setOrRemove(present: boolean, input: Omit<ConditionInput, 'status'>): this {
    this.list = present ? setCondition(this.list, { ...input, status: 'True' }, this.generation, this.now) : removeCondition(this.list, input.type);
    return this;
  }
  get(type: string): Condition | undefined {
    return this.list.find((c) => c.type === type);
  }
  toArray(order: readonly string[]): Condition[] {
    return sortConditions(this.list, order);
  }
}

/**
 * Writes status for an object through the store. observedGeneration moves only after a reconcile
 * that finished its chain (Cluster API and Flux both refuse to claim a generation they did not act on).
 */
export function writeStatus(store: ObjectStore, obj: HostObject, status: ObjectStatus, outcome: ChainOutcome): boolean {
  const observedGeneration = outcome.completed ? obj.metadata.generation : obj.status?.observedGeneration;
  const next: ObjectStatus = { ...status };
  if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
  else delete next.observedGeneration;
  return store.updateStatus(obj.kind as Kind, obj.metadata.name, next);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
