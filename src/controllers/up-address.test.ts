import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { readUpAddress, removeUpAddress, resolveApiUrl, writeUpAddress } from './up-address.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that existed and is gone (a child that ran and exited). */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('where the running up listens (<state>/up.json)', () => {
  it.each([
    ['an explicit --api wins', 'http://127.0.0.1:1/', 'live', { HOSTPLANE_API: 'http://127.0.0.1:2' }, { url: 'http://127.0.0.1:1', from: 'flag' }],
    ['the running up\'s record comes before $HOSTPLANE_API', undefined, 'live', { HOSTPLANE_API: 'http://127.0.0.1:2' }, { url: 'http://127.0.0.1:45678', from: 'up.json' }],
    ['a record whose pid is gone (kill -9) is ignored: $HOSTPLANE_API', undefined, 'dead', { HOSTPLANE_API: 'http://127.0.0.1:2/' }, { url: 'http://127.0.0.1:2', from: 'env' }],
    ['no record, no variable: the default listen address', undefined, 'none', {}, { url: 'http://127.0.0.1:7780', from: 'default' }],
    ['a torn or foreign file is no record', undefined, 'garbage', {}, { url: 'http://127.0.0.1:7780', from: 'default' }],
  ] as const)('%s', (_n, flag, rec, env, want) => {
    dir = mkdtempSync(join(tmpdir(), 'hp-upaddr-'));
    if (rec === 'live') writeUpAddress(dir, { url: 'http://127.0.0.1:45678', pid: process.pid, startedAt: new Date().toISOString() });
    if (rec === 'dead') writeUpAddress(dir, { url: 'http://127.0.0.1:45678', pid: deadPid(), startedAt: new Date().toISOString() });
    if (rec === 'garbage') writeFileSync(join(dir, 'up.json'), '{"url": 5');
    expect(resolveApiUrl(dir, flag, env)).toEqual(want);
  });

  it('is removed only by the up that wrote it', () => {
    dir = mkdtempSync(join(tmpdir(), 'hp-upaddr-'));
    writeUpAddress(dir, { url: 'http://127.0.0.1:45678', pid: process.pid, startedAt: 'x' });
    removeUpAddress(dir, process.pid + 1);
    expect(JSON.parse(readFileSync(join(dir, 'up.json'), 'utf8')).pid).toBe(process.pid);
    removeUpAddress(dir);
    expect(readUpAddress(dir)).toBeUndefined();
  });
});
