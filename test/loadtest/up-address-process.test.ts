// `hostplane up --listen 127.0.0.1:0` records where it listens in <state>/up.json (with its pid) and
// removes it on a clean exit; the LoadTest verbs find the API there without --api, even with
// $HOSTPLANE_API pointing elsewhere. Processes: up and the CLI, on an empty lab on the sim host.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startUp, type UpProcess } from '../fixtures/cli.js';

const root = mkdtempSync(join(tmpdir(), 'hostplane-upaddr-'));
const specs = join(root, 'specs');
const state = join(root, '.hostplane');
mkdirSync(specs);
let up: UpProcess | undefined;
afterAll(async () => {
  await up?.stop();
  rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}, 40_000);

// a closed port: the CLI must not go there when up.json names the live API
const ELSEWHERE = { HOSTPLANE_API: 'http://127.0.0.1:9' };

describe('up.json: where the running up listens', () => {
  it('written when up listens on port 0, used by the CLI, removed on Ctrl-C', async () => {
    up = startUp(['--specs', specs, '--state', state, '--provider', 'sim', '--listen', '127.0.0.1:0', '--quiet']);
    await up.waitForOutput(/api: +(http:\/\/127\.0\.0\.1:\d+)/, 60_000);
    const url = /api: +(http:\/\/127\.0\.0\.1:\d+)/.exec(up.output())![1];
    const rec = JSON.parse(readFileSync(join(state, 'up.json'), 'utf8'));
    expect(rec).toMatchObject({ url, pid: up.child.pid });
    expect(Date.parse(rec.startedAt)).not.toBeNaN();

    // reaches up's API (a 404 naming the LoadTest comes from up, not a connection error)
    const r = await runCli(['--specs', specs, '--state', state, 'run', 'loadtest/nope'], ELSEWHERE);
    expect(r.stderr).toMatch(/error: .*nope/);
    expect(r.stderr).not.toMatch(/fetch failed|ECONNREFUSED/);
    expect(r.code).toBe(4);

    expect(await up.interrupt()).toBe(0);
    expect(existsSync(join(state, 'up.json'))).toBe(false);
    up = undefined;

    // up gone: one clear line, non-zero exit
    const gone = await runCli(['--specs', specs, '--state', state, 'run', 'loadtest/nope'], ELSEWHERE);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim().split('\n')).toHaveLength(1);
    expect(gone.stderr).toMatch(/^error: hostplane up is not running on .*\.hostplane; start it \(hostplane up\)/);
  }, 120_000);
});
