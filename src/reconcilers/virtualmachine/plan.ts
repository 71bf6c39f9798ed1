// `hostplane diff` for VirtualMachines: the classify step (classify.ts) run on the last observation
// the state dir keeps (status.observed and the ownership record), read as the action a reconcile
// would take now. Nothing is acted on and no provider is asked.
import type { HostObject } from '../../api/types.js';
import type { KindPlan, KindPlanContext } from '../../controllers/kind-module.js';
import type { ObservedVm, VmPowerState } from '../../ports/vm-provider.js';
import { classifyVm } from './classify.js';
import { VmRecords } from './records.js';
import { readVmSpec, toGiB, toMiB } from './spec.js';
import type { VmObservedStatus } from './status.js';

const POWER: Record<NonNullable<VmObservedStatus['powerState']>, VmPowerState> = {
  Running: 'running',
  Stopped: 'stopped',
  Suspended: 'suspended',
  Starting: 'starting',
  Stopping: 'stopping',
};

/** The provider's last report as the status keeps it, back in the provider's terms. */
export function observedFromStatus(name: string, observed: VmObservedStatus | undefined, incarnation: string | undefined): ObservedVm | undefined {
  if (!observed?.powerState) return undefined;
  return {
    name,
    state: POWER[observed.powerState],
    ...(observed.cpu !== undefined ? { cpu: observed.cpu } : {}),
    ...(observed.memory ? { memoryMiB: toMiB(observed.memory) } : {}),
    ...(observed.diskSize ? { diskGiB: toGiB(observed.diskSize) } : {}),
    // The status holds no incarnation: the record's stands for it, so the VM reads as ours.
    ...(incarnation ? { incarnation } : {}),
  };
}

export function planVm(obj: HostObject, ctx: KindPlanContext): KindPlan {
  const name = obj.metadata.name;
  if (obj.metadata.deletionTimestamp) return { action: 'delete', detail: 'the spec is gone; the VM hostplane created is deleted' };
  const spec = readVmSpec(obj.spec);
  const record = new VmRecords(ctx.stateDir).get(name);
  const vm = observedFromStatus(name, (obj.status as { observed?: VmObservedStatus } | undefined)?.observed, record?.incarnation);
  const c = classifyVm(name, vm, record, spec);
  const stopped = spec.powerState === 'Stopped';
  const resize = c.resize.kind === 'apply' ? c.resize.changes.join(', ') + (c.resize.restart ? ' (restarts the VM)' : '') : undefined;
  switch (c.state.kind) {
    case 'Absent':
      return { action: 'create', detail: `${spec.cpu} vCPU, ${spec.memory}${stopped ? ', left stopped' : ''}` };
    case 'Missing':
      return { action: 'recreate', detail: 'hostplane created it and it is gone from the host' };
    case 'Foreign':
      return { action: 'blocked', detail: c.state.message };
    case 'CreateInterrupted':
      return { action: 'create', detail: 'finishes a create that was interrupted' };
    case 'Running':
      if (stopped) return { action: 'stop', detail: 'spec.powerState is Stopped' };
      if (resize) return { action: 'resize', detail: resize };
      if (c.resize.kind === 'restartPending') return { action: 'nothing', detail: `${c.resize.changes.join(', ')} waits for a restart (restartPolicy Never)` };
      return { action: 'nothing', ...(c.diskShrinkRefused ? { detail: c.diskShrinkRefused } : {}) };
    case 'StoppedAsDesired':
      return resize ? { action: 'resize', detail: resize } : { action: 'nothing' };
    case 'Stopped':
    case 'StoppedUnexpectedly':
      return { action: resize ? 'resize' : 'start', detail: resize ? `${resize}, then start` : c.state.kind === 'StoppedUnexpectedly' ? 'it was stopped behind hostplane\'s back' : 'spec.powerState is Running' };
  }
}
