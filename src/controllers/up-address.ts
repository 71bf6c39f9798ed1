// Where a running `hostplane up` serves its API: `<state>/up.json` ({url, pid, startedAt}), written
// atomically once it listens and removed on a clean exit. The CLI verbs that talk to `up` find the
// API here, so `up --listen 127.0.0.1:0` (or any other address) needs no --api flag. A file whose
// pid is gone (up was killed) is ignored.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './state-dir.js';

export const UP_ADDRESS_FILE = 'up.json';
export const DEFAULT_API_URL = 'http://127.0.0.1:7780';

export interface UpAddress {
  url: string;
  pid: number;
  startedAt: string;
}

export function writeUpAddress(stateRoot: string, a: UpAddress): void {
  writeFileAtomic(join(stateRoot, UP_ADDRESS_FILE), JSON.stringify(a, null, 2) + '\n', 0o644);
}

/** Removes the file only if it is still this process's (a newer `up` may have replaced it). */
export function removeUpAddress(stateRoot: string, pid = process.pid): void {
  if (readUpAddressRaw(stateRoot)?.pid === pid) rmSync(join(stateRoot, UP_ADDRESS_FILE), { force: true });
}

function readUpAddressRaw(stateRoot: string): UpAddress | undefined {
  try {
    const a = JSON.parse(readFileSync(join(stateRoot, UP_ADDRESS_FILE), 'utf8')) as UpAddress;
    return typeof a?.url === 'string' && Number.isInteger(a.pid) ? a : undefined;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The address of the `up` running on this state dir, or undefined (no file, or its process is gone). */
export function readUpAddress(stateRoot: string): UpAddress | undefined {
  const a = readUpAddressRaw(stateRoot);
  return a && pidAlive(a.pid) ? a : undefined;
}

/**
 * The API base URL the CLI uses: an explicit --api, then the running up's own record, then
 * $HOSTPLANE_API, then the default listen address.
 */
export function resolveApiUrl(stateRoot: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): { url: string; from: 'flag' | 'up.json' | 'env' | 'default' } {
  const strip = (u: string) => u.replace(/\/+$/, '');
  if (explicit) return { url: strip(explicit), from: 'flag' };
  const a = readUpAddress(stateRoot);
  if (a) return { url: strip(a.url), from: 'up.json' };
  if (env.HOSTPLANE_API) return { url: strip(env.HOSTPLANE_API), from: 'env' };
  return { url: DEFAULT_API_URL, from: 'default' };
}
