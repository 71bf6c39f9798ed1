// The one place VirtualMachine status is computed (Cluster API's _status.go): from the scope and
// the chain's outcome, every owned condition is set, then Ready and the phase are derived.
import type { HostObject, ObjectStatus } from '../../api/types.js';
import { mibQuantity } from '../../api/quantity.js';
export { mibQuantity };
import type { ObservedVm, VmPowerState } from '../../ports/vm-provider.js';
import { ConditionSet, type ChainOutcome } from '../../controllers/framework.js';
import type { VmScope } from './scope.js';

export const VM_CONDITIONS = ['Ready', 'Created', 'Running', 'Addressed', 'GuestReachable', 'Provisioned', 'UpToDate', 'Reconciling', 'Stalled', 'Suspended'] as const;

/**
 * A suspended VM: hostplane does not act on it, and says so in a Suspended condition; the other
 * conditions keep what was last observed (Flux's suspend).
 */
export function suspendedStatus(object: HostObject, now: Date): ObjectStatus {
  const prev = object.status ?? {};
  const c = new ConditionSet(prev.conditions, object.metadata.generation ?? 1, now);
  c.setOrRemove(true, { type: 'Suspended', reason: 'Suspended', message: 'spec.suspend is true: hostplane does not act on this VM until it is false again' });
  return { ...prev, conditions: c.toArray(VM_CONDITIONS) };
}

export function computeVmStatus(s: VmScope, outcome: ChainOutcome): ObjectStatus {
  const prev = s.object.status ?? {};
  const gen = s.object.metadata.generation ?? 1;
  const c = new ConditionSet(prev.conditions, gen, s.deps.now());
  const stop = outcome.stoppedAt;
  const stoppedIn = (step: string) => stop?.step === step;
  // A VM of this name that is not provably ours (NameConflict, RecordUnreadable) is not this object's VM:
  // no condition, observed field or incarnation may describe it as ours.
  const notOurs = !!stop?.terminal && (stop.reason === 'NameConflict' || stop.reason === 'RecordUnreadable');
  const vm = notOurs ? undefined : s.observed;
  const wantRunning = s.spec.powerState === 'Running';
  // The provider could not be asked: say so, and keep what we last knew instead of reporting "absent".
  const blind = stoppedIn('observe') && !vm && !stop?.terminal;

  // Created
  if (notOurs) {
    for (const type of ['Created', 'Running', 'Addressed'] as const) c.set({ type, status: type === 'Created' ? 'False' : 'Unknown', reason: stop!.reason, message: stop!.message });
  } else if (blind) {
    c.set({ type: 'Created', status: 'Unknown', reason: stop!.reason, message: stop!.message });
    c.set({ type: 'Running', status: 'Unknown', reason: stop!.reason, message: stop!.message });
  } else if (vm) c.set({ type: 'Created', status: 'True', reason: 'Created', message: `VM "${vm.name}" exists on ${s.deps.provider.name}` });
  else if (stop && (stoppedIn('create') || stoppedIn('observe'))) c.set({ type: 'Created', status: 'False', reason: stop.reason, message: stop.message });
  else c.set({ type: 'Created', status: 'Unknown', reason: 'Pending', message: 'VM not created yet' });

  // Running. A parent's power hold (a stopped Cluster) is named: the VM's own spec may say Running.
  const stoppedBecause = s.powerHeldBy ? `${s.powerHeldBy} holds this VM stopped` : 'spec.powerState is Stopped';
  if (blind || notOurs) {
    /* set above */
  } else if (!vm) c.set({ type: 'Running', status: 'False', reason: 'NotCreated', message: 'VM does not exist yet' });
  else if (vm.state === 'running') c.set({ type: 'Running', status: 'True', reason: 'Running', message: 'VM is running' });
  else if (!wantRunning) c.set({ type: 'Running', status: 'False', reason: 'PoweredOff', message: stoppedBecause });
  else if (stop && stoppedIn('power')) c.set({ type: 'Running', status: 'False', reason: stop.reason, message: stop.message });
  else c.set({ type: 'Running', status: 'False', reason: 'Stopped', message: 'VM is stopped' });

  // Addressed
  if (blind || notOurs) {
    /* unchanged: the last observation stands */
  } else if (s.ip) {
    c.set(
      s.previousIp
        ? { type: 'Addressed', status: 'True', reason: 'IPChanged', message: `IP changed from ${s.previousIp} to ${s.ip}` }
        : { type: 'Addressed', status: 'True', reason: 'IPAssigned', message: `IP ${s.ip}` },
    );
  } else if (vm?.state === 'running') c.set({ type: 'Addressed', status: 'False', reason: stoppedIn('address') ? stop!.reason : 'WaitingForIP', message: stoppedIn('address') ? stop!.message : 'waiting for an IP address' });
  else c.set({ type: 'Addressed', status: 'False', reason: 'NotRunning', message: 'VM is not running' });

  // GuestReachable
  if (s.guestReachable) c.set({ type: 'GuestReachable', status: s.guestReachable.ok ? 'True' : 'False', reason: s.guestReachable.reason, message: s.guestReachable.message });
  else c.set({ type: 'GuestReachable', status: 'Unknown', reason: 'NotChecked', message: 'SSH not checked yet' });

  // Provisioned
  const steps = s.provisioned ?? (prev.provisioned as VmScope['provisioned']);
  const hasProvision = !!(s.spec.provision && Object.values(s.spec.provision).some((v) => (Array.isArray(v) ? v.length : v)));
  if (s.provisionFailure) c.set({ type: 'Provisioned', status: 'False', reason: 'ProvisioningFailed', message: s.provisionFailure });
  else if (!hasProvision) c.set({ type: 'Provisioned', status: 'True', reason: 'NothingToProvision', message: 'spec.provision is empty' });
  else if (s.provisioned && outcome.completed) c.set({ type: 'Provisioned', status: 'True', reason: 'Provisioned', message: `${s.provisioned.length} steps applied` });
  else c.set({ type: 'Provisioned', status: 'Unknown', reason: 'Pending', message: 'provisioning runs once SSH answers' });

  // UpToDate
  const resize = notOurs ? undefined : s.classified?.resize;
  if (notOurs) c.set({ type: 'UpToDate', status: 'Unknown', reason: stop!.reason, message: 'not compared: the VM of this name is not known to be this object\'s' });
  else if (resize?.kind === 'restartPending') c.set({ type: 'UpToDate', status: 'False', reason: 'RestartPending', message: `resources changed (${resize.changes.join(', ')}); restartPolicy Never keeps the VM running until it is restarted` });
  else if (resize?.kind === 'heldForCapacity') c.set({ type: 'UpToDate', status: 'False', reason: resize.reason, message: `resources changed (${resize.changes.join(', ')}) but the host cannot take them: ${resize.message}; the VM keeps running at its current size` });
  else if (s.classified?.diskShrinkRefused) c.set({ type: 'UpToDate', status: 'False', reason: 'DiskShrinkRefused', message: s.classified.diskShrinkRefused });
  else c.set({ type: 'UpToDate', status: 'True', reason: 'UpToDate', message: 'VM resources match the spec' });

  // Reconciling / Stalled: abnormal-true, present only when True (Flux/kstatus).
  const terminal = !!stop?.terminal;
  c.setOrRemove(!outcome.completed && !terminal, { type: 'Reconciling', reason: stop?.reason ?? 'Progressing', message: stop ? `${stop.step}: ${stop.message}` : 'reconciling' });
  c.setOrRemove(false, { type: 'Suspended', reason: 'Suspended', message: '' }); // reconciling again: no longer suspended
  c.setOrRemove(terminal, { type: 'Stalled', reason: stop?.reason ?? 'Stalled', message: stop?.message ?? '' });

  // Ready: converged to the spec.
  let phase: string;
  if (s.deleting || s.object.metadata.deletionTimestamp) {
    c.set({ type: 'Ready', status: 'False', reason: 'Deleting', message: 'VM is being deleted' });
    phase = 'Deleting';
  } else if (outcome.completed && !wantRunning) {
    c.set({ type: 'Ready', status: 'True', reason: 'Stopped', message: s.powerHeldBy ? `VM is stopped: ${s.powerHeldBy} holds it stopped (its own spec.powerState is kept as written)` : 'VM is stopped, as spec.powerState asks' });
    phase = 'Stopped';
  } else if (outcome.completed) {
    c.set({ type: 'Ready', status: 'True', reason: 'Ready', message: `VM is running at ${s.ip ?? 'unknown address'}${resize?.kind === 'restartPending' || resize?.kind === 'heldForCapacity' ? ' (restart pending)' : ''}` });
    phase = 'Running';
  } else {
    c.set({ type: 'Ready', status: 'False', reason: stop?.reason ?? 'Progressing', message: stop?.message ?? 'reconciling' });
    phase = blind ? (prev.phase ?? 'Unknown') : terminal ? 'Failed' : !vm ? (stop?.reason?.startsWith('Insufficient') ? 'Pending' : 'Creating') : vm.state !== 'running' ? 'Starting' : !s.ip ? 'Starting' : !s.guestReachable?.ok ? 'Booting' : 'Provisioning';
  }

  // What the host has, in the spec's names and units (the dashboard diffs it against the spec).
  const observed = vm ? observedFields(vm) : blind ? (prev.observed as VmObservedStatus | undefined) : undefined;

  const status: ObjectStatus = {
    ...(prev.observedGeneration !== undefined ? { observedGeneration: prev.observedGeneration } : {}),
    phase,
    provider: s.deps.provider.name,
    providerName: vm?.name ?? s.record?.providerName ?? s.object.metadata.name,
    state: vm?.state ?? (blind ? (prev.state ?? 'unknown') : 'absent'),
    ...(s.ip ?? prev.ip ? { ip: s.ip ?? (vm?.state === 'running' || blind ? prev.ip : undefined) } : {}),
    ...(s.previousIp ? { previousIP: s.previousIp } : {}),
    ...(s.endpoint ? { sshEndpoint: `${s.endpoint.host}:${s.endpoint.port}` } : {}),
    // Who else talks to the guest (the Cluster kind, collectors) must use the same SSH identity.
    ...((s.record?.incarnation ?? vm?.incarnation) ? { incarnation: s.record?.incarnation ?? vm?.incarnation } : {}),
    ...(vm?.details?.accelerator ? { accelerator: vm.details.accelerator } : {}),
    ...(steps?.length ? { provisioned: steps } : {}),
    ...(observed ? { observed } : {}),
    ...(s.powerHeldBy ? { powerHeldBy: s.powerHeldBy, heldPowerState: s.spec.powerState } : {}),
    conditions: c.toArray(VM_CONDITIONS),
  };
  if (status.ip === undefined) delete status.ip;
  return status;
}

/** `status.observed`: the provider's last report about a VM, shaped like the fields of its spec. */
export interface VmObservedStatus {
  powerState?: 'Running' | 'Stopped' | 'Suspended' | 'Starting' | 'Stopping';
  cpu?: number;
  /** A quantity: `4Gi`, or `1536Mi` when not a whole GiB. */
  memory?: string;
  /** A quantity in whole GiB, e.g. `30Gi`. */
  diskSize?: string;
}

const POWER_STATE: Record<VmPowerState, NonNullable<VmObservedStatus['powerState']>> = {
  running: 'Running',
  stopped: 'Stopped',
  suspended: 'Suspended',
  starting: 'Starting',
  stopping: 'Stopping',
};

/** Only what the provider reported: a field it does not know stays out (and so out of any diff). */
export function observedFields(vm: ObservedVm): VmObservedStatus {
  const o: VmObservedStatus = {};
  const power = POWER_STATE[vm.state];
  if (power) o.powerState = power;
  if (vm.cpu !== undefined) o.cpu = vm.cpu;
  if (vm.memoryMiB !== undefined) o.memory = mibQuantity(vm.memoryMiB);
  if (vm.diskGiB !== undefined) o.diskSize = `${vm.diskGiB}Gi`;
  return o;
}

