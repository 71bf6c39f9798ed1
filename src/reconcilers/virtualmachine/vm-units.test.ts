import { describe, expect, it } from 'vitest';
import type { ObservedVm, VmProvider } from '../../ports/vm-provider.js';
import { HostCapacity } from '../../controllers/host-capacity.js';
import { VmObserver } from './observer.js';
import { pendingSteps, renderProvisionSteps } from './provision.js';
import { quantityToBytes, readVmSpec, toGiB, toMiB } from './spec.js';

describe('quantities', () => {
  it.each([
    ['4Gi', 4 * 1024 ** 3],
    ['512Mi', 512 * 1024 ** 2],
    ['2G', 2e9],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['1073741824', 1073741824],
  ])('%s is %i bytes', (q, bytes) => expect(quantityToBytes(q)).toBe(bytes));

  it.each(['4 GB', 'lots', '-1Gi', '4gi'])('rejects %s with a hint', (q) => expect(() => quantityToBytes(q)).toThrow(/quantity like 4Gi/));

  it('rounds disk up to whole GiB and memory to MiB', () => {
    expect(toGiB('30Gi')).toBe(30);
    expect(toGiB('30G')).toBe(28);
    expect(toMiB('4Gi')).toBe(4096);
  });
});

function fakeProvider(vms: ObservedVm[]): VmProvider & { lists: number } {
  const p = {
    name: 'sim' as const,
    lists: 0,
    async list() {
      p.lists++;
      await new Promise((r) => setTimeout(r, 5));
      return vms;
    },
  };
  return p as unknown as VmProvider & { lists: number };
}

describe('VmObserver', () => {
  it('serves many concurrent reconciles from one list call', async () => {
    const p = fakeProvider([{ name: 'a', state: 'running' }, { name: 'b', state: 'stopped' }]);
    const o = new VmObserver(p, 1_000);
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => o.get(i % 2 ? 'a' : 'b')));
    expect(p.lists).toBe(1);
    expect(got.filter((v) => v?.state === 'running')).toHaveLength(25);
  });

  it('forgets a change once a newer list has answered it (the map does not grow with every VM ever changed)', async () => {
    let t = 1_000;
    const p = fakeProvider([{ name: 'a', state: 'running' }]);
    const o = new VmObserver(p, 60_000, () => t);
    for (let i = 0; i < 100; i++) o.changed(`vm-${i}`);
    expect(o.pendingChanges).toBe(100);
    t += 1;
    await o.get('vm-0');
    expect(o.pendingChanges).toBe(0);
  });

  it('never answers a VM we just changed from a list older than the change', async () => {
    let t = 1_000;
    const p = fakeProvider([{ name: 'a', state: 'running' }]);
    const o = new VmObserver(p, 60_000, () => t);
    await o.get('a');
    t += 1;
    o.changed('a');
    t += 1;
    await o.get('a');
    await o.get('b');
    expect(p.lists).toBe(2);
  });

  it('lists again when the snapshot is older than maxAge', async () => {
    let t = 0;
    const p = fakeProvider([]);
    const o = new VmObserver(p, 100, () => t);
    await o.all();
    t = 50;
    await o.all();
    t = 200;
    await o.all();
    expect(p.lists).toBe(2);
  });
});

describe('HostCapacity', () => {
  const cfg = { cpu: 4, memoryMiB: 10_240, cpuOvercommit: 2, memoryOvercommit: 1, reservedMemoryMiB: 2_048 };
  it.each([
    ['fits', 2, 4096, true, undefined],
    ['too much memory', 2, 9000, false, 'InsufficientHostMemory'],
    ['too many vCPUs', 9, 1024, false, 'InsufficientHostCPU'],
  ])('%s', (_w, cpu, mem, ok, reason) => {
    const c = new HostCapacity(cfg);
    const a = c.reserve('x', cpu, mem);
    expect(a.ok).toBe(ok);
    if (!a.ok) expect(a.reason).toBe(reason);
  });

  it('counts reservations, resizes in place and frees on release', () => {
    const c = new HostCapacity(cfg);
    expect(c.reserve('a', 4, 4096).ok).toBe(true);
    expect(c.reserve('b', 4, 4096).ok).toBe(true);
    expect(c.reserve('c', 1, 1024).ok).toBe(false);
    expect(c.reserve('a', 2, 2048).ok).toBe(true); // shrinking a's own share fits
    expect(c.requested).toEqual({ cpu: 6, memoryMiB: 6144 });
    c.release('b');
    expect(c.reserve('c', 1, 1024).ok).toBe(true);
  });
});

describe('provisioning steps', () => {
  const spec = readVmSpec({
    image: 'x',
    provision: {
      hostname: 'dev-master',
      users: [{ name: 'alice', sudo: true, groups: ['docker'], authorizedKeys: ['ssh-ed25519 AAAA alice@laptop'] }],
      packages: ['conntrack'],
      files: [{ path: "/etc/it's.conf", content: 'x=1\n', mode: '0600' }],
      commands: [{ name: 'init', run: 'echo "$HOME"', unless: 'test -f /done' }],
    },
  });

  it('renders one named step per item, in order', () => {
    expect(renderProvisionSteps(spec, 'inc-1').map((s) => s.name)).toEqual(['hostname', 'user/alice', 'packages', "file//etc/it's.conf", 'command/init']);
  });

  it('re-runs only what changed, and everything after the VM is recreated', () => {
    const steps = renderProvisionSteps(spec, 'inc-1');
    const done = steps.map((s) => ({ step: s.name, hash: s.hash, outcome: 'Succeeded' as const, message: '', time: '' }));
    expect(pendingSteps(steps, done)).toEqual([]);
    const changed = renderProvisionSteps({ ...spec, provision: { ...spec.provision, packages: ['conntrack', 'socat'] } }, 'inc-1');
    expect(pendingSteps(changed, done).map((s) => s.name)).toEqual(['packages']);
    expect(pendingSteps(renderProvisionSteps(spec, 'inc-2'), done)).toHaveLength(5);
  });

  it('retries a failed step', () => {
    const steps = renderProvisionSteps(spec, 'inc-1');
    const records = steps.map((s, i) => ({ step: s.name, hash: s.hash, outcome: i === 2 ? ('Failed' as const) : ('Succeeded' as const), message: '', time: '' }));
    expect(pendingSteps(steps, records).map((s) => s.name)).toEqual(['packages']);
  });

  it('quotes every value once, so a name with quotes cannot break out of the script', () => {
    const s = renderProvisionSteps(readVmSpec({ image: 'x', provision: { hostname: "a'; rm -rf / #" } }), 'i')[0];
    expect(s.action.kind).toBe('script');
    if (s.action.kind === 'script') expect(s.action.script.split('\n')[1]).toBe(`h='a'\\''; rm -rf / #'`);
  });
});
