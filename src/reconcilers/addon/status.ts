// The Addon's status, computed once per reconcile from what it found and did (the "outcome"):
// conditions Ready/Released/Remediated/TestSuccess/Drifted/Reconciling/Stalled with the reasons
// crds/addon.yaml declares, the phase, and the release record (Flux's status fields). No values.
import type { Condition, HostObject, ObjectStatus } from '../../api/types.js';
import { ConditionSet } from '../../controllers/framework.js';

export const CONDITION_ORDER = ['Ready', 'Released', 'Remediated', 'TestSuccess', 'Drifted', 'Reconciling', 'Stalled'];

export type Phase = 'Pending' | 'Installing' | 'Upgrading' | 'Installed' | 'Failed' | 'Suspended' | 'Deleting';

/** Condition changes one reconcile decided, applied on top of the previous conditions. */
export interface AddonOutcome {
  ready: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  released?: { status: 'True' | 'False'; reason: string; message: string };
  remediated?: { status: 'True' | 'False'; reason: string; message: string };
  test?: { status: 'True' | 'False'; reason: string; message: string };
  /** undefined: drift not checked this time (kept); null: drift detection off (removed). */
  drifted?: { status: 'True' | 'False'; reason: string; message: string } | null;
  reconciling?: { reason: string; message: string };
  stalled?: { reason: string; message: string };
  phase: Phase;
  /** Release record and other status fields to set (merged over the previous status). */
  fields: Record<string, unknown>;
  /** The generation acted on completely (observedGeneration moves). */
  observed: boolean;
}

export function computeAddonStatus(obj: HostObject, out: AddonOutcome, now: Date): ObjectStatus {
  const gen = obj.metadata.generation ?? 1;
  const c = new ConditionSet(obj.status?.conditions as Condition[] | undefined, gen, now);
  c.set({ type: 'Ready', ...out.ready });
  if (out.released) c.set({ type: 'Released', ...out.released });
  if (out.remediated) c.set({ type: 'Remediated', ...out.remediated });
  if (out.test) c.set({ type: 'TestSuccess', ...out.test });
  if (out.drifted === null) c.setOrRemove(false, { type: 'Drifted', reason: '', message: '' });
  else if (out.drifted) c.set({ type: 'Drifted', ...out.drifted });
  c.setOrRemove(!!out.reconciling, { type: 'Reconciling', reason: out.reconciling?.reason ?? '', message: out.reconciling?.message ?? '' });
  c.setOrRemove(!!out.stalled, { type: 'Stalled', reason: out.stalled?.reason ?? '', message: out.stalled?.message ?? '' });
  const prev = obj.status ?? {};
  const next: ObjectStatus = { ...prev, ...out.fields, phase: out.phase, conditions: c.toArray(CONDITION_ORDER) };
  for (const [k, v] of Object.entries(next)) if (v === undefined) delete (next as Record<string, unknown>)[k];
  if (out.observed) next.observedGeneration = gen;
  return next;
}
