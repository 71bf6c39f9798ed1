// Observe → classify → act (helm-controller's DetermineReleaseState → action): what one
// observation of a VM means, decided in one pure function from the provider's view, our ownership
// record and the spec. The steps act on this state instead of passing flags to each other.
import type { ObservedVm } from '../../ports/vm-provider.js';
import type { VmRecord } from './records.js';
import type { VmSpec } from './spec.js';
import { toGiB, toMiB } from './spec.js';

export type VmState =
  /** No VM and nothing of ours was ever created: create it. */
  | { kind: 'Absent' }
  /** We created it, and it disappeared behind our back: create it again (VMMissing). */
  | { kind: 'Missing' }
  /** A VM of the name exists that we did not create, or that replaced ours: leave it (NameConflict). */
  | { kind: 'Foreign'; message: string }
  /** hostplane was killed between create and record: the VM of our deterministic name is ours. */
  | { kind: 'CreateInterrupted' }
  /** Ours and running. */
  | { kind: 'Running' }
  /** Ours and stopped, as spec.powerState asks. */
  | { kind: 'StoppedAsDesired' }
  /** Ours, stopped, and we left it running: something else stopped it (counts towards a crash loop). */
  | { kind: 'StoppedUnexpectedly' }
  /** Ours and stopped by us (or never started): start it. */
  | { kind: 'Stopped' };

/** How the VM's size differs from the spec, and what may be done about it now. */
export type ResizePlan =
  | { kind: 'none' }
  /** `changes` for people ("cpu 2 → 4"); `diskGiB` only when the disk grows. */
  | { kind: 'apply'; changes: string[]; cpu: number; memoryMiB: number; diskGiB?: number; restart: boolean }
  /** restartPolicy Never: a running VM keeps its size until it is restarted. */
  | { kind: 'restartPending'; changes: string[] }
  /** Acting found the host cannot take the new size: the VM keeps running at its current one. */
  | { kind: 'heldForCapacity'; changes: string[]; reason: string; message: string };

export interface Classified {
  state: VmState;
  resize: ResizePlan;
  /** A disk can only grow; a smaller spec is refused (reported as DiskShrinkRefused). */
  diskShrinkRefused?: string;
}

/** Ours was replaced behind our back by a VM of the same name that we did not create. */
export function replaced(rec: VmRecord, vm: ObservedVm): boolean {
  return rec.phase === 'Created' && !!rec.incarnation && !!vm.incarnation && rec.incarnation !== vm.incarnation;
}

export function classifyVm(name: string, vm: ObservedVm | undefined, record: VmRecord | undefined, spec: VmSpec): Classified {
  const none: ResizePlan = { kind: 'none' };
  if (!vm) return { state: record?.phase === 'Created' ? { kind: 'Missing' } : { kind: 'Absent' }, resize: none };
  if (!record) {
    return { state: { kind: 'Foreign', message: `a VM named "${name}" exists on the host but hostplane did not create it; it is left untouched — rename this object or remove that VM yourself` }, resize: none };
  }
  if (replaced(record, vm)) {
    return { state: { kind: 'Foreign', message: `the VM named "${name}" on the host is not the one hostplane created (it was replaced); it is left untouched — remove it yourself to let hostplane recreate its own` }, resize: none };
  }
  const { resize, diskShrinkRefused } = planResize(vm, spec);
  const out = (state: VmState): Classified => ({ state, resize, ...(diskShrinkRefused ? { diskShrinkRefused } : {}) });
  if (record.phase === 'CreatePending') return out({ kind: 'CreateInterrupted' });
  if (vm.state === 'running') return out({ kind: 'Running' });
  if (spec.powerState === 'Stopped') return out({ kind: 'StoppedAsDesired' });
  return out(record.running === true ? { kind: 'StoppedUnexpectedly' } : { kind: 'Stopped' });
}

function planResize(vm: ObservedVm, spec: VmSpec): { resize: ResizePlan; diskShrinkRefused?: string } {
  const want = { cpu: spec.cpu, memoryMiB: toMiB(spec.memory), diskGiB: toGiB(spec.diskSize) };
  const changes: string[] = [];
  if (vm.cpu !== undefined && vm.cpu !== want.cpu) changes.push(`cpu ${vm.cpu} → ${want.cpu}`);
  if (vm.memoryMiB !== undefined && vm.memoryMiB !== want.memoryMiB) changes.push(`memory ${vm.memoryMiB} MiB → ${want.memoryMiB} MiB`);
  let diskGiB: number | undefined;
  let diskShrinkRefused: string | undefined;
  if (vm.diskGiB !== undefined && vm.diskGiB !== want.diskGiB) {
    if (want.diskGiB < vm.diskGiB) diskShrinkRefused = `disk cannot shrink from ${vm.diskGiB} GiB to ${want.diskGiB} GiB; the VM keeps ${vm.diskGiB} GiB`;
    else {
      changes.push(`disk ${vm.diskGiB} GiB → ${want.diskGiB} GiB`);
      diskGiB = want.diskGiB;
    }
  }
  const shrink = diskShrinkRefused ? { diskShrinkRefused } : {};
  if (!changes.length) return { resize: { kind: 'none' }, ...shrink };
  const running = vm.state === 'running';
  if (running && spec.restartPolicy === 'Never') return { resize: { kind: 'restartPending', changes }, ...shrink };
  return { resize: { kind: 'apply', changes, cpu: want.cpu, memoryMiB: want.memoryMiB, ...(diskGiB ? { diskGiB } : {}), restart: running }, ...shrink };
}
