// status.observed: what the provider last reported, in the spec's own names and units.
import { describe, expect, it } from 'vitest';
import type { HostObject, ObjectStatus } from '../../api/types.js';
import { API_VERSION } from '../../api/types.js';
import type { ObservedVm } from '../../ports/vm-provider.js';
import type { ChainOutcome } from '../../controllers/framework.js';
import type { VmDeps, VmScope } from './scope.js';
import { readVmSpec } from './spec.js';
import { computeVmStatus, mibQuantity, suspendedStatus } from './status.js';

function scope(observed: ObservedVm | undefined, prevStatus?: ObjectStatus): VmScope {
  const object: HostObject = {
    apiVersion: API_VERSION,
    kind: 'VirtualMachine',
    metadata: { name: 'a', generation: 1 },
    spec: { image: 'img', cpu: 2, memory: '4Gi', diskSize: '30Gi' },
    ...(prevStatus ? { status: prevStatus } : {}),
  };
  const deps = { provider: { name: 'sim' }, now: () => new Date('2026-01-01T00:00:00Z') } as unknown as VmDeps;
  return { deps, object, key: 'VirtualMachine/a', spec: readVmSpec(object.spec), ...(observed ? { observed } : {}) };
}

const completed: ChainOutcome = { completed: true };
const observeFailed: ChainOutcome = { completed: false, stoppedAt: { step: 'observe', reason: 'ObserveFailed', message: 'tart list failed' } };
const waitingForCapacity: ChainOutcome = { completed: false, stoppedAt: { step: 'create', reason: 'InsufficientHostMemory', message: 'no room' } };
const previous = { powerState: 'Running', cpu: 2, memory: '4Gi', diskSize: '30Gi' };

describe('computeVmStatus: status.observed', () => {
  it.each<[string, ObservedVm | undefined, ChainOutcome, ObjectStatus | undefined, unknown]>([
    ['a running VM with every field reported', { name: 'a', state: 'running', cpu: 2, memoryMiB: 4096, diskGiB: 30 }, completed, undefined, previous],
    ['a stopped VM, memory not a whole GiB', { name: 'a', state: 'stopped', cpu: 4, memoryMiB: 1536, diskGiB: 50 }, completed, undefined, { powerState: 'Stopped', cpu: 4, memory: '1536Mi', diskSize: '50Gi' }],
    ['a provider that reports only the power state', { name: 'a', state: 'starting' }, completed, undefined, { powerState: 'Starting' }],
    ['no VM on the host (not created yet)', undefined, waitingForCapacity, { observed: previous }, undefined],
    ['a provider that could not be asked keeps the last report', undefined, observeFailed, { observed: previous, state: 'running' }, previous],
    ['a provider that could not be asked, nothing reported before', undefined, observeFailed, undefined, undefined],
    ['a new report replaces the old one', { name: 'a', state: 'running', cpu: 4 }, completed, { observed: previous }, { powerState: 'Running', cpu: 4 }],
  ])('%s', (_what, vm, outcome, prev, want) => {
    const status = computeVmStatus(scope(vm, prev), outcome);
    expect(status.observed).toEqual(want);
    if (want === undefined) expect(status).not.toHaveProperty('observed');
  });

  it.each([
    [4096, '4Gi'],
    [1024, '1Gi'],
    [1536, '1536Mi'],
    [512, '512Mi'],
    [0, '0Mi'],
  ])('writes %i MiB as %s', (mib, q) => expect(mibQuantity(mib)).toBe(q));
});

describe('a suspended VM', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const ready = { type: 'Ready', status: 'True' as const, reason: 'Ready', message: 'VM is running', lastTransitionTime: '2025-12-31T00:00:00Z', observedGeneration: 1 };
  it('gets a Suspended condition and keeps what was last observed', () => {
    const s = scope({ name: 'a', state: 'running' }, { phase: 'Running', conditions: [ready] });
    const status = suspendedStatus(s.object, now);
    expect(status.phase).toBe('Running');
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'True', 'Ready'],
      ['Suspended', 'True', 'Suspended'],
    ]);
  });

  it('loses the Suspended condition once it is reconciled again', () => {
    const suspended = suspendedStatus(scope(undefined, { conditions: [ready] }).object, now);
    const status = computeVmStatus(scope({ name: 'a', state: 'running' }, suspended), completed);
    expect(status.conditions?.some((c) => c.type === 'Suspended')).toBe(false);
  });
});

describe('computeVmStatus: a parent holding the VM stopped', () => {
  it.each([
    ['held by a stopped Cluster: the messages name the holder', 'Cluster/dev', /Cluster\/dev holds it stopped/, /Cluster\/dev holds this VM stopped/],
    ['stopped by its own spec: the messages name spec.powerState', undefined, /as spec\.powerState asks/, /spec\.powerState is Stopped/],
  ] as const)('%s', (_what, holder, ready, running) => {
    const s = scope({ name: 'a', state: 'stopped' });
    s.spec = { ...s.spec, powerState: 'Stopped' };
    if (holder) s.powerHeldBy = holder;
    const status = computeVmStatus(s, completed);
    const get = (t: string) => status.conditions!.find((c) => c.type === t)!;
    expect([get('Ready').status, get('Ready').reason, status.phase]).toEqual(['True', 'Stopped', 'Stopped']);
    expect(get('Ready').message).toMatch(ready);
    expect(get('Running').message).toMatch(running);
    expect(status.powerHeldBy).toBe(holder);
  });
});

describe('computeVmStatus: a VM of this name that is not ours', () => {
  it.each(['NameConflict', 'RecordUnreadable'])('%s: nothing describes the foreign VM as this object\'s (Created False, UpToDate not compared, no observed or incarnation)', (reason) => {
    const foreign: ObservedVm = { name: 'a', state: 'running', cpu: 1, memoryMiB: 1024, diskGiB: 10, incarnation: 'someone-elses' };
    const status = computeVmStatus(scope(foreign), { completed: false, stoppedAt: { step: 'observe', reason, message: 'a VM named "a" exists that hostplane did not create', terminal: true } });
    const get = (t: string) => status.conditions!.find((c) => c.type === t)!;
    expect([get('Created').status, get('Created').reason]).toEqual(['False', reason]);
    expect([get('UpToDate').status, get('UpToDate').reason]).toEqual(['Unknown', reason]);
    expect([get('Running').status, get('Addressed').status]).toEqual(['Unknown', 'Unknown']);
    expect([get('Ready').status, get('Stalled').reason]).toEqual(['False', reason]);
    expect(status).not.toHaveProperty('observed');
    expect(status).not.toHaveProperty('incarnation');
  });
});
