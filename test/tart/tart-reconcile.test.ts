// The VM reconciler driving the real tart adapter against the tart CLI simulator (a separate
// process, like tart). The guest side is a stand-in that answers every SSH probe: these tests are
// about what hostplane does with tart, not with the guest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_TART, makeSimHome, type SimHome } from '../../hack/tart-sim/testing.js';
import { createHostManager, type HostManager } from '../../src/app/host-manager.js';
import { getCondition } from '../../src/api/conditions.js';
import type { GuestExec } from '../../src/ports/guest-exec.js';
import { TartProvider } from '../../src/adapters/tart/index.js';
import { makeLab, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

const vmDoc = (name: string, powerState = 'Running', diskSize = '30Gi') => `apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: ${name}
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: 2
  memory: 2Gi
  diskSize: ${diskSize}
  powerState: ${powerState}
  ssh: {user: admin, passwordSecret: tart-default}
`;

const answeringGuest: GuestExec = {
  async run() {
    return { code: 0, stdout: '', stderr: '' };
  },
  async upload() {},
  forget() {},
  async close() {},
};

let sim: SimHome | undefined;
let lab: Lab | undefined;
let manager: HostManager | undefined;

afterEach(async () => {
  await manager?.stop();
  manager = undefined;
  sim?.cleanup();
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

async function start(files: Record<string, string>): Promise<{ sim: SimHome; lab: Lab; manager: HostManager }> {
  sim = makeSimHome({ TART_SIM_IP_POLL_MS: '100' });
  lab = makeLab(files);
  const provider = new TartProvider({
    tartPath: SIM_TART,
    env: sim.env,
    startGraceMs: 300,
    stopTimeoutSeconds: 5,
    runPidDir: lab.stateDir.ensure('tart-runs'),
    staleRunAfterMs: 1_000,
  });
  manager = createHostManager({
    specsDir: lab.specsDir,
    stateDir: lab.stateDir,
    provider,
    guest: answeringGuest,
    log: { info() {}, warn() {} },
    pollIntervalMs: 1_000,
    observeMaxAgeMs: 500,
    stopTimeoutSeconds: 5,
  });
  await manager.start();
  return { sim, lab, manager };
}

const tartState = (s: SimHome, name: string) =>
  (JSON.parse(s.tart(['list', '--format', 'json']).stdout) as { Name: string; State: string }[]).find((v) => v.Name === name)?.State;
const runPid = (s: SimHome, name: string) => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(s.env.TART_HOME, 'vms', name, '.tart-sim-run.json'), 'utf8')) as { pid: number; stale?: boolean });
  } catch {
    return undefined;
  }
};
const ready = (m: HostManager, name: string) => getCondition(m.store.get('VirtualMachine', name)?.status?.conditions, 'Ready')?.status === 'True';

describe('VM reconciler + tart adapter + tart simulator', () => {
  it('recovers a stale "running" VM left by a host crash (run process gone, no address): stop, start, a StaleRunRecovered event (seed 003 BUG-009)', async () => {
    const { sim, manager } = await start({ 'a.yaml': vmDoc('a') });
    await waitFor(() => ready(manager, 'a'), 15_000, 'a Ready');
    const before = runPid(sim, 'a')!;
    sim.crash('a');
    await waitFor(() => manager.events.list().some((e) => e.reason === 'StaleRunRecovered'), 15_000, 'a StaleRunRecovered event');
    const ev = manager.events.list().find((e) => e.reason === 'StaleRunRecovered')!;
    expect(ev.message).toMatch(/tart says VM "a" is running, but the `tart run` process hostplane started for it \(pid \d+\) is gone and it has had no address for \d+ s .*stopping and starting VM "a" again/);
    await waitFor(() => ready(manager, 'a') && !!runPid(sim, 'a') && !runPid(sim, 'a')!.stale && runPid(sim, 'a')!.pid !== before.pid, 15_000, 'a running again under a new tart run');
    expect(tartState(sim, 'a')).toBe('running');
    // a recovery we made ourselves is not a crash of the guest
    expect(manager.events.list().some((e) => e.reason === 'CrashLoopBackOff')).toBe(false);
  });

  it('with powerState Stopped a stale "running" VM is stopped for real: status says Stopped only when tart does', async () => {
    const { sim, lab, manager } = await start({ 'b.yaml': vmDoc('b') });
    await waitFor(() => ready(manager, 'b'), 15_000, 'b Ready');
    sim.crash('b');
    lab.write('b.yaml', vmDoc('b', 'Stopped'));
    const running = () => getCondition(manager.store.get('VirtualMachine', 'b')?.status?.conditions, 'Running');
    await waitFor(() => running()?.reason === 'PoweredOff' && ready(manager, 'b'), 15_000, 'b reported stopped');
    expect(tartState(sim, 'b')).toBe('stopped');
    expect((manager.store.get('VirtualMachine', 'b')?.status?.observed as { powerState?: string } | undefined)?.powerState).not.toBe('Running');
  });

  it('an image disk larger than spec.diskSize is kept and reported, the VM runs (disks only grow)', async () => {
    const { sim, manager } = await start({ 'd.yaml': vmDoc('d', 'Running', '10Gi') });
    const upToDate = () => getCondition(manager.store.get('VirtualMachine', 'd')?.status?.conditions, 'UpToDate');
    await waitFor(() => upToDate()?.reason === 'DiskShrinkRefused' && tartState(sim, 'd') === 'running', 60_000, 'd running with its disk kept');
    expect(upToDate()?.message).toBe('disk cannot shrink from 18 GiB to 10 GiB; the VM keeps 18 GiB');
    expect(JSON.parse(sim.tart(['get', 'd', '--format', 'json']).stdout).Disk).toBe(20);
    expect(sim.calls().filter((a) => a[0] === 'clone' || a[0] === 'delete').map((a) => a[0])).toEqual(['clone']);
  }, 90_000);

  it('at rest, converged VMs cost the poll\'s one tart list and nothing else (issue 14: was get, ip, get, ip per VM per poll)', async () => {
    const { sim, manager } = await start({ 'e.yaml': vmDoc('e'), 'f.yaml': vmDoc('f') });
    await waitFor(() => ready(manager, 'e') && ready(manager, 'f'), 15_000, 'e and f Ready');
    const reconciles = () => manager.reconcileInfo('VirtualMachine/e').lastReconcile?.startTime;
    const first = reconciles();
    const before = sim.calls().length;
    // three more polls of each VM (pollIntervalMs 1 s)
    for (let i = 0; i < 3; i++) {
      const at = reconciles();
      await waitFor(() => reconciles() !== at, 5_000, 'another poll of e');
    }
    expect(reconciles()).not.toBe(first);
    expect(sim.calls().slice(before).filter((a) => a[0] !== 'list')).toEqual([]);
  });

  it('a create reaches Ready with clone, set, run and one address read: no tart get (the sizes are the ones it set; issue 14 item 17)', async () => {
    const { sim, manager } = await start({ 'c.yaml': vmDoc('c') });
    await waitFor(() => ready(manager, 'c'), 15_000, 'c Ready');
    const calls = sim.calls().filter((a) => a[0] !== 'list' && a[0] !== '--version').map((a) => a[0]);
    expect(calls).toEqual(['clone', 'set', 'run', 'ip']);
    expect(manager.store.get('VirtualMachine', 'c')?.status?.observed).toMatchObject({ cpu: 2, memory: '2Gi' });
  });
});
