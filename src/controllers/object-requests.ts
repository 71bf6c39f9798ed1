// One-off requests about one object that a CLI (another process) leaves in the state dir for the
// running `up`, Flux's verbs: reconcile now, suspend, resume. Suspension is kept here, not in the
// spec files, so a one-off operation never leaves git dirty. Kind-agnostic: keys are `Kind/name`.
import type { StateDir } from './state-dir.js';

export const RECONCILE_REQUESTS = 'requests/reconcile';
export const SUSPENDED = 'requests/suspended';
/** When each object was last asked to reconcile by a user; kept, so a reconciler can tell a new request (Flux's requestedAt). */
export const REQUESTED_AT = 'requests/requested-at';

const file = (dir: string, key: string) => `${dir}/${key.replace('/', '.')}`;
const keyOf = (name: string) => name.replace('.', '/');

export function requestReconcile(state: StateDir, key: string, now = new Date()): void {
  markReconcileRequested(state, key, now);
  state.writeJson(file(RECONCILE_REQUESTS, key), { key, at: now.toISOString() });
}

/**
 * Records that a user asked for a reconcile of `key` now (`hostplane reconcile`, the API). A
 * reconciler compares it with the request it last handled (status.lastHandledReconcileAt), as Flux
 * does with reconcile.fluxcd.io/requestedAt: the Addon resets its retry budget on a new one.
 */
export function markReconcileRequested(state: StateDir, key: string, now = new Date()): void {
  state.writeJson(file(REQUESTED_AT, key), { key, at: now.toISOString() });
}

/** The time of the last user request to reconcile `key`, undefined if there never was one. */
export function reconcileRequestedAt(state: StateDir, key: string): string | undefined {
  const at = state.readJson<{ at?: unknown }>(file(REQUESTED_AT, key))?.at;
  return typeof at === 'string' ? at : undefined;
}

/** The keys asked for since the last call; each request is used up. */
export function takeReconcileRequests(state: StateDir): string[] {
  // A request still being written is a temp file beside its final name: left for the next call.
  const names = state.list(RECONCILE_REQUESTS).filter((n) => !n.includes('.tmp-'));
  for (const n of names) state.remove(`${RECONCILE_REQUESTS}/${n}`);
  return names.map(keyOf);
}

export function setSuspended(state: StateDir, key: string, suspended: boolean, now = new Date()): void {
  if (suspended) state.writeJson(file(SUSPENDED, key), { key, at: now.toISOString() });
  else state.remove(file(SUSPENDED, key));
}

export function isSuspended(state: StateDir, key: string): boolean {
  return state.exists(file(SUSPENDED, key));
}
