// A booting VM holds no worker while it waits (issue 14 item 17): the address comes from one
// background wait that wakes the VM, and SSH is probed again tight at first.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostObject } from '../../api/types.js';
import { API_VERSION } from '../../api/types.js';
import { StateDir } from '../../controllers/state-dir.js';
import { GuestError, type GuestExec } from '../../ports/guest-exec.js';
import type { GuestEndpoint, VmProvider } from '../../ports/vm-provider.js';
import { BootWaits } from './boot-waits.js';
import { VmRecords } from './records.js';
import type { VmDeps, VmScope } from './scope.js';
import { readVmSpec } from './spec.js';
import { ensureAddress, ensureGuestReachable } from './steps.js';

function scope(deps: Partial<VmDeps>): VmScope {
  const dir = new StateDir(mkdtempSync(join(tmpdir(), 'hostplane-boot-waits-')));
  const object: HostObject = { apiVersion: API_VERSION, kind: 'VirtualMachine', metadata: { name: 'a', uid: 'u', generation: 1 }, spec: { image: 'img', cpu: 2, memory: '2Gi' } };
  const full = { records: new VmRecords(dir, () => new Date()), stateDir: dir, secrets: { get: () => 'admin', values: () => [] }, events: { record() {} }, now: () => new Date(), ipWaitSeconds: 0, ...deps } as unknown as VmDeps;
  return { deps: full, object, key: 'VirtualMachine/a', spec: readVmSpec(object.spec), observed: { name: 'a', state: 'running', runId: 'r1' } };
}

describe('booting VM waits', () => {
  it('an address not there yet is awaited in one background wait that wakes the VM when it comes', async () => {
    let arrive!: (ep: GuestEndpoint) => void;
    const asked: number[] = [];
    const provider = {
      name: 'tart',
      async endpoint(_n: string, o?: { waitSeconds?: number }) {
        asked.push(o?.waitSeconds ?? 0);
        return o?.waitSeconds ? new Promise<GuestEndpoint>((r) => (arrive = r)) : undefined;
      },
      async ip() {
        return undefined;
      },
    } as unknown as VmProvider;
    const woken: string[] = [];
    const bootWaits = new BootWaits();
    const deps = { provider, bootWaits, wake: (k: string) => woken.push(k) };
    const first = await ensureAddress.run(scope(deps));
    const second = await ensureAddress.run(scope(deps)); // a fallback requeue before the address came
    expect([first.kind, second.kind]).toEqual(['wait', 'wait']);
    expect(asked).toEqual([0, 60, 0]); // one background wait, not one per reconcile
    expect(woken).toEqual([]);
    arrive({ host: '127.0.0.9', port: 22 });
    await new Promise((r) => setImmediate(r));
    expect(woken).toEqual(['VirtualMachine/a']);
    expect(bootWaits.isWatching('VirtualMachine/a')).toBe(false);
  });

  it('SSH that does not answer yet is probed again after 200, 400, 800, then 1000 ms; an answer starts tight again', async () => {
    let up = false;
    const guest = {
      async run() {
        if (!up) throw new GuestError('Unreachable', 'connect ECONNREFUSED');
        return { code: 0, stdout: '', stderr: '' };
      },
    } as unknown as GuestExec;
    const deps = { guest, bootWaits: new BootWaits() };
    const delays: number[] = [];
    const probe = async () => {
      const s = scope(deps);
      s.endpoint = { host: '127.0.0.9', port: 22 };
      const o = await ensureGuestReachable.run(s);
      if (o.kind === 'wait') delays.push(o.ms);
      return o.kind;
    };
    for (let i = 0; i < 5; i++) await probe();
    expect(delays).toEqual([200, 400, 800, 1000, 1000]);
    up = true;
    expect(await probe()).toBe('continue');
    up = false;
    await probe();
    expect(delays.at(-1)).toBe(200);
  });

  it('a booting guest is probed with a short timeout that grows after each timeout (3, 6, 12, 15 s); a reachable one keeps 15 s', async () => {
    const timeouts: number[] = [];
    const guest = {
      async run(_t: unknown, _c: string, o: { timeoutMs?: number }) {
        timeouts.push(o.timeoutMs ?? -1);
        throw new GuestError('Timeout', 'did not finish');
      },
    } as unknown as GuestExec;
    const deps = { guest, bootWaits: new BootWaits() };
    const probe = async (reachable: boolean) => {
      const s = scope(deps);
      if (reachable) s.object.status = { conditions: [{ type: 'GuestReachable', status: 'True', reason: 'SSHReachable', message: '', lastTransitionTime: '' }] };
      s.endpoint = { host: '127.0.0.9', port: 22 };
      return (await ensureGuestReachable.run(s)).kind;
    };
    for (let i = 0; i < 5; i++) expect(await probe(false)).toBe('wait');
    await probe(true);
    expect(timeouts).toEqual([3_000, 6_000, 12_000, 15_000, 15_000, 15_000]);
  });
});
