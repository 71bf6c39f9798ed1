// End to end with a real guest: tart-sim with TART_SIM_GUESTS=1 runs hack/guest-sandbox (a real
// sshd in namespaces) on the VM's 127.x address. Skipped where sandboxes cannot be made.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIM_DIR, SIM_TART, makeSimHome, type SimHome } from '../../hack/tart-sim/testing.js';
import { TartProvider } from '../../src/adapters/tart/index.js';

const GUEST = path.resolve(SIM_DIR, '..', 'guest-sandbox', 'bin', 'guest-sandbox');
const canRunGuests = fs.existsSync(GUEST) && spawnSync(GUEST, ['--check'], { timeout: 30_000 }).status === 0;

function sshBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const until = Date.now() + timeoutMs;
    const attempt = () => {
      const s = net.connect({ host, port });
      s.setTimeout(3000);
      s.once('data', (d) => {
        resolve(d.toString().split('\r\n')[0]);
        s.destroy();
      });
      const retry = (e: Error) => {
        s.destroy();
        if (Date.now() > until) reject(e);
        else setTimeout(attempt, 250);
      };
      s.once('error', retry);
      s.once('timeout', () => retry(new Error('timeout')));
    };
    attempt();
  });
}

let sim: SimHome;
beforeEach(() => {
  sim = makeSimHome({ TART_SIM_GUESTS: '1' });
});
afterEach(() => sim.cleanup());

describe.skipIf(!canRunGuests)('tart adapter with real guests (guest-sandbox)', () => {
  it('a started VM answers SSH on its endpoint, and stop takes the guest down with it', async () => {
    const p = new TartProvider({ tartPath: SIM_TART, env: sim.env, startGraceMs: 500, stopTimeoutSeconds: 10 });
    await p.create({ name: 'node-1', image: 'ghcr.io/cirruslabs/ubuntu:latest', cpu: 2, memoryMiB: 2048, diskGiB: 20, network: { mode: 'softnet', allow: ['0.0.0.0/0'] } });
    const log = path.join(sim.home, 'node-1.log');
    await p.start({ name: 'node-1', network: { mode: 'softnet', allow: ['0.0.0.0/0'] }, logFile: log });
    const ep = await p.endpoint('node-1', { waitSeconds: 20 });
    expect(ep).toBeDefined();
    expect(await sshBanner(ep!.host, ep!.port, 30_000)).toMatch(/^SSH-2\.0-OpenSSH/);
    const run = JSON.parse(fs.readFileSync(path.join(sim.env.TART_HOME, 'vms', 'node-1', '.tart-sim-run.json'), 'utf8')) as { guest?: { pid: number } };
    expect(run.guest?.pid).toBeGreaterThan(0);
    await p.stop('node-1', { timeoutSeconds: 10 });
    await expect(sshBanner(ep!.host, ep!.port, 500)).rejects.toThrow();
    expect(() => process.kill(run.guest!.pid, 0)).toThrow();
  }, 90_000);
});
