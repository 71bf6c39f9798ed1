// One-off requests about one object that a CLI (another process) leaves in the state dir for the
// running `up`, Flux's verbs: reconcile now, suspend, resume. Suspension is kept here, not in the
// spec files, so a one-off operation never leaves git dirty. Kind-agnostic: keys are `Kind/name`.
import type { StateDir } from './state-dir.js';

export const RECONCILE_REQUESTS = 'requests/reconcile';
export const SUSPENDED = 'requests/suspended';

const file = (dir: string, key: string) => `${dir}/${key.replace('/', '.')}`;
const keyOf = (name: string) => name.replace('.', '/');

export function requestReconcile(state: StateDir, key: string, now = new Date()): void {
  state.writeJson(file(RECONCILE_REQUESTS, key), { key, at: now.toISOString() });
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

/** Where the running `up` serves its API (written when it listens), so a CLI can ask it directly. */
export const UP_API = 'up-api.json';

export interface UpApiRecord {
  url: string;
  pid: number;
}

export function recordUpApi(state: StateDir, url: string, pid = process.pid): void {
  state.writeJson(UP_API, { url, pid } satisfies UpApiRecord);
}

/** The API of the `up` with this pid; undefined when that `up` serves none (--listen off) or the record is stale. */
export function upApiOf(state: StateDir, pid: number): UpApiRecord | undefined {
  const r = state.readJson<UpApiRecord>(UP_API);
  return r && r.pid === pid && typeof r.url === 'string' ? r : undefined;
}
