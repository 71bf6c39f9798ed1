// The power step acts on what classify decided: one row per state, with what it asks the
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
import { ensurePower } from './steps.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function scope(vm: ObservedVm, record: Partial<VmRecord>, spec: Record<string, unknown> = {}) {
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
  } as unknown as VmProvider;
  const deps = {
    provider,
    records,
    capacity: new HostCapacity({ ...hostCapacityDefaults(), cpu: 8, memoryMiB: 16_384 }),
    guest: { forget: () => {} },
    observer: { changed: () => {}, get: async () => ({ ...vm, state: 'running' }) },
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
