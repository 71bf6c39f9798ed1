import { describe, expect, it } from 'vitest';
import type { ObservedVm } from '../../ports/vm-provider.js';
import { classifyVm, type Classified } from './classify.js';
import type { VmRecord } from './records.js';
import { readVmSpec } from './spec.js';

const spec = (over: Record<string, unknown> = {}) => readVmSpec({ image: 'img', cpu: 2, memory: '4Gi', diskSize: '30Gi', ...over });
const vm = (over: Partial<ObservedVm> = {}): ObservedVm => ({ name: 'a', state: 'running', cpu: 2, memoryMiB: 4096, diskGiB: 30, incarnation: 'i1', ...over }) as ObservedVm;
const rec = (over: Partial<VmRecord> = {}): VmRecord => ({ providerName: 'a', provider: 'sim', objectUid: 'u', phase: 'Created', incarnation: 'i1', requestedAt: '2026-01-01T00:00:00Z', running: true, ...over });

describe('classifyVm: what one observation means', () => {
  it.each<[string, ObservedVm | undefined, VmRecord | undefined, ReturnType<typeof spec>, Classified['state']['kind']]>([
    ['no VM and no record: never created', undefined, undefined, spec(), 'Absent'],
    ['no VM, a create-pending record: the create never happened', undefined, rec({ phase: 'CreatePending' }), spec(), 'Absent'],
    ['no VM but we created it: it went missing', undefined, rec(), spec(), 'Missing'],
    ['a VM we have no record of: someone else\'s', vm(), undefined, spec(), 'Foreign'],
    ['a VM of another incarnation than ours: replaced', vm({ incarnation: 'i2' }), rec(), spec(), 'Foreign'],
    ['a VM whose create was interrupted before the record', vm(), rec({ phase: 'CreatePending', incarnation: undefined }), spec(), 'CreateInterrupted'],
    ['ours and running', vm(), rec(), spec(), 'Running'],
    ['ours, stopped, spec says Stopped', vm({ state: 'stopped' }), rec(), spec({ powerState: 'Stopped' }), 'StoppedAsDesired'],
    ['ours, stopped, and we left it running', vm({ state: 'stopped' }), rec({ running: true }), spec(), 'StoppedUnexpectedly'],
    ['ours, stopped by us (or never started)', vm({ state: 'stopped' }), rec({ running: false }), spec(), 'Stopped'],
  ])('%s', (_name, observed, record, s, want) => {
    expect(classifyVm('a', observed, record, s).state.kind).toBe(want);
  });

  it.each<[string, ObservedVm, ReturnType<typeof spec>, Classified['resize'], string | undefined]>([
    ['same size: nothing to do', vm(), spec(), { kind: 'none' }, undefined],
    ['more CPUs on a running VM: stop, configure, start', vm(), spec({ cpu: 4 }), { kind: 'apply', changes: ['cpu 2 → 4'], cpu: 4, memoryMiB: 4096, restart: true }, undefined],
    ['more memory on a stopped VM: configure only', vm({ state: 'stopped' }), spec({ memory: '8Gi' }), { kind: 'apply', changes: ['memory 4096 MiB → 8192 MiB'], cpu: 2, memoryMiB: 8192, restart: false }, undefined],
    ['restartPolicy Never keeps a running VM at its size', vm(), spec({ cpu: 4, restartPolicy: 'Never' }), { kind: 'restartPending', changes: ['cpu 2 → 4'] }, undefined],
    ['a bigger disk grows', vm(), spec({ diskSize: '40Gi' }), { kind: 'apply', changes: ['disk 30 GiB → 40 GiB'], cpu: 2, memoryMiB: 4096, diskGiB: 40, restart: true }, undefined],
    ['a smaller disk is refused, the rest still applies', vm(), spec({ diskSize: '20Gi', cpu: 3 }), { kind: 'apply', changes: ['cpu 2 → 3'], cpu: 3, memoryMiB: 4096, restart: true }, 'disk cannot shrink from 30 GiB to 20 GiB; the VM keeps 30 GiB'],
  ])('%s', (_name, observed, s, resize, shrink) => {
    const c = classifyVm('a', observed, rec(), s);
    expect(c.resize).toEqual(resize);
    expect(c.diskShrinkRefused).toBe(shrink);
  });
});
