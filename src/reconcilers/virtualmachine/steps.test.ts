// The act steps work from what classify decided: one row per state or plan, with what each asks the
// provider, which events it records and what it leaves for the next step.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostObject } from '../../api/types.js';
import { API_VERSION } from '../../api/types.js';
import { HostCapacity, hostCapacityDefaults } from '../../controllers/host-capacity.js';
import { StateDir } from '../../controllers/state-dir.js';
import type { ObservedVm, VmProvider } from '../../ports/vm-provider.js';
import { classifyVm } from './classify.js';
import { VmRecords, type VmRecord } from './records.js';
import type { VmDeps, VmScope } from './scope.js';
import { readVmSpec } from './spec.js';
import { ensurePower, ensureResources } from './steps.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function scope(vm: ObservedVm, record: Partial<VmRecord>, spec: Record<string, unknown> = {}, hostCpu = 8) {
  const calls: string[] = [];
  const events: string[] = [];
  const dir = new StateDir(mkdtempSync(join(tmpdir(), 'hostplane-power-')));
  const records = new VmRecords(dir, () => NOW);
  const rec = records.markCreated('a', records.markCreatePending('a', { providerName: 'a', provider: 'sim', objectUid: 'u' }), 'i1');
  records.update('a', record);
  const provider = {
    name: 'sim',
    start: async () => void calls.push('start'),
    stop: async () => void calls.push('stop'),
    configure: async (_n: string, r: { cpu?: number; memoryMiB?: number; diskGiB?: number }) => void calls.push(`configure cpu=${r.cpu} memory=${r.memoryMiB}${r.diskGiB ? ` disk=${r.diskGiB}` : ''}`),
  } as unknown as VmProvider;
  const deps = {
    provider,
    records,
    capacity: new HostCapacity({ ...hostCapacityDefaults(), cpu: hostCpu, cpuOvercommit: 1, memoryMiB: 16_384 }),
    guest: { forget: () => {} },
    // What the provider says after the calls so far: a stop is seen as stopped, a start as running.
    observer: { changed: () => {}, get: async () => ({ ...vm, state: calls.filter((c) => c === 'stop' || c === 'start').pop() === 'stop' ? 'stopped' : 'running' }) },
    events: { record: (e: { reason: string }) => events.push(e.reason) },
    stateDir: dir,
    now: () => NOW,
    stopTimeoutSeconds: 1,
  } as unknown as VmDeps;
  const object: HostObject = { apiVersion: API_VERSION, kind: 'VirtualMachine', metadata: { name: 'a', uid: 'u', generation: 1 }, spec: { image: 'img', cpu: 2, memory: '2Gi', ...spec } };
  const s: VmScope = { deps, object, key: 'VirtualMachine/a', spec: readVmSpec(object.spec), observed: vm, record: { ...rec, ...record } };
  s.classified = classifyVm('a', vm, s.record, s.spec);
  return { s, calls, events, records };
}

const vm = (state: ObservedVm['state']): ObservedVm => ({ name: 'a', state, cpu: 2, memoryMiB: 2048, diskGiB: 30, incarnation: 'i1' });

describe('ensurePower', () => {
  it.each<[string, ObservedVm, Partial<VmRecord>, Record<string, unknown>, string[], string[], boolean | undefined]>([
    ['running as it should: nothing to do', vm('running'), { running: true }, {}, [], [], true],
    ['running but the spec says Stopped: stop it', vm('running'), { running: true }, { powerState: 'Stopped' }, ['stop'], ['Stopped'], false],
    ['stopped as the spec says: nothing to do', vm('stopped'), { running: false }, { powerState: 'Stopped' }, [], [], false],
    ['stopped by us (or never started): start it, no alarm', vm('stopped'), { running: false }, {}, ['start'], ['Started'], true],
    ['stopped behind our back: say so, then start it', vm('stopped'), { running: true }, {}, ['start'], ['VMStoppedUnexpectedly', 'Started'], true],
    ['stopped behind our back the third time in the window: back off', vm('stopped'), { running: true, unexpectedStops: [new Date(NOW.getTime() - 60_000).toISOString(), new Date(NOW.getTime() - 30_000).toISOString()] }, {}, [], ['CrashLoopBackOff'], false],
  ])('%s', async (_what, observed, record, spec, providerCalls, events, runningAfter) => {
    const t = scope(observed, record, spec);
    const outcome = await ensurePower.run(t.s);
    expect(t.calls).toEqual(providerCalls);
    expect(t.events).toEqual(events);
    expect(t.records.get('a')?.running).toBe(runningAfter);
    expect(outcome.kind).toBe(events.includes('CrashLoopBackOff') ? 'wait' : 'continue');
  });
});

describe('ensureResources', () => {
  it.each<[string, ObservedVm, Record<string, unknown>, number, string[], string | undefined]>([
    ['same size: nothing to do', vm('running'), {}, 8, [], 'none'],
    ['a running VM gets more CPUs: stop, configure (the power step starts it)', vm('running'), { cpu: 4 }, 8, ['stop', 'configure cpu=4 memory=2048'], 'apply'],
    ['a stopped VM is configured in place', vm('stopped'), { memory: '4Gi' }, 8, ['configure cpu=2 memory=4096'], 'apply'],
    ['restartPolicy Never: nothing now, RestartPending', vm('running'), { cpu: 4, restartPolicy: 'Never' }, 8, [], 'restartPending'],
    ['the host cannot take the new size: the VM keeps running as it is', vm('running'), { cpu: 6 }, 4, [], 'heldForCapacity'],
  ])('%s', async (_what, observed, spec, hostCpu, providerCalls, plan) => {
    const t = scope(observed, { running: observed.state === 'running' }, spec, hostCpu);
    await ensureResources.run(t.s);
    expect(t.calls).toEqual(providerCalls);
    expect(t.s.classified!.resize.kind).toBe(plan);
  });
});
