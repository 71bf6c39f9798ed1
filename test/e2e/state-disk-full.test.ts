// A full state disk (ENOSPC) must not kill `up` (issue 14 item 3). The failure is injected through
// the state dir's writer, so no real disk has to fill up.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateDir } from '../../src/controllers/state-dir.js';
import { runCli } from '../fixtures/cli.js';
import { makeLab, startSim, vmDoc, waitReady, type Lab, type SimLab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let sim: SimLab | undefined;
afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

function tempFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp-/.test(f));
}

describe('a full state disk', () => {
  it('keeps up running, reports StateWriteFailed (event, get, metrics), cleans temp files, retries and recovers when space returns', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b') });
    let full = false;
    let failedWrites = 0;
    const stateDir = new StateDir(lab.stateDir.root, {
      rawWrite: (fd, data, write) => {
        if (full) {
          failedWrites++;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        }
        write(fd, data);
      },
    });
    sim = await startSim(lab, { stateDir, stateWriteRetry: { initialMs: 50, maxMs: 400 } });
    await waitReady(sim.manager, ['a', 'b']);

    full = true;
    lab.write('a.yaml', vmDoc('a', { cpu: 3 }));
    await waitFor(() => sim!.manager.events.list({}).some((e) => e.reason === 'StateWriteFailed'), 5_000, 'StateWriteFailed event');
    const ev = sim.manager.events.list({}).find((e) => e.reason === 'StateWriteFailed')!;
    expect(ev.type).toBe('Warning');
    expect(ev.message).toMatch(/ENOSPC/);
    expect(sim.manager.store.get('VirtualMachine', 'a')!.metadata.generation).toBe(2); // the edit is live in memory
    expect(sim.manager.metrics.render()).toMatch(/hostplane_state_write_failures_total \d+/);
    expect(sim.manager.metrics.render()).toMatch(/hostplane_state_writes_pending [1-9]/);
    expect(tempFiles(stateDir.root)).toEqual([]);
    const got = await runCli(['get', 'vms', '--specs', lab.specsDir, '--state', stateDir.root]);
    expect(got.stdout).toMatch(/StateWriteFailed/);
    // Retried with backoff: a few attempts, not a busy loop.
    const before = failedWrites;
    await waitFor(() => failedWrites >= before + 2, 5_000, 'retries');

    full = false;
    await waitFor(() => sim!.manager.events.list({}).some((e) => e.reason === 'StateWriteRecovered'), 5_000, 'recovered');
    const rec = JSON.parse(readFileSync(stateDir.path('objects', 'VirtualMachine', 'a.json'), 'utf8'));
    expect(rec.metadata.generation).toBe(2);
    expect(sim.manager.metrics.render()).toMatch(/hostplane_state_writes_pending 0/);
    expect(tempFiles(stateDir.root)).toEqual([]);
    expect((await runCli(['get', 'vms', '--specs', lab.specsDir, '--state', stateDir.root])).stdout).not.toMatch(/StateWriteFailed/);
  }, 30_000);
});
