// Flux's verbs answered by the running `up` through its API (POST /api/v1/PLURAL/NAME/VERB), so a
// one-off reconcile/suspend/resume never edits a spec file. The API's address is the one `up`
// recorded in the state dir; a token is sent when `up` made one (listening beyond loopback).
import { readFileSync } from 'node:fs';
import type { StateDir } from '../controllers/state-dir.js';
import { readUpAddress } from '../controllers/up-address.js';

export type UpAnswer = { ok: true; message: string } | { ok: false; status?: number; message: string };

const TIMEOUT_MS = 10_000;

/** undefined: this `up` serves no API (--listen off); the caller falls back to the state-dir request. */
export async function askUp(state: StateDir, upPid: number, path: string): Promise<UpAnswer | undefined> {
  const recorded = readUpAddress(state.root);
  const api = recorded?.pid === upPid ? recorded : undefined;
  if (!api) return undefined;
  let token: string | undefined;
  try {
    token = readFileSync(state.path('api-token'), 'utf8').trim() || undefined;
  } catch {
    token = undefined;
  }
  try {
    const res = await fetch(`${api.url}/api/v1/${path}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await res.json().catch(() => ({}))) as { message?: string; error?: { message?: string } };
    const message = body.message ?? body.error?.message ?? `HTTP ${res.status}`;
    return res.ok ? { ok: true, message } : { ok: false, status: res.status, message };
  } catch (err) {
    return { ok: false, message: `the API of hostplane up (pid ${upPid}) at ${api.url} did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
}
