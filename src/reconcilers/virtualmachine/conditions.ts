// The VirtualMachine's condition vocabulary: per condition type, the closed set of reasons it may
// carry. crds/virtualmachine.yaml documents the same (kinds.test.ts checks), so `hostplane explain
// vm.status.conditions` tells a person what every reason means.

/** A condition that stopped at a step carries that step's reason (the CRD's "Step reasons"). */
export const VM_STEP_REASONS = [
  'VMMissing', 'VMStoppedUnexpectedly', 'CrashLoopBackOff', 'StaleRunRecovered', 'Provisioning', 'InsufficientHostCPU', 'InsufficientHostMemory', 'WaitingForIP',
  'SSHUnreachable', 'AuthFailed', 'HostKeyMismatch', 'SudoFailed', 'ProvisioningFailed',
  'CreateFailed', 'StartFailed', 'StopFailed', 'ConfigureFailed', 'DeleteFailed', 'ObserveFailed', 'IpFailed',
  'NotFound', 'AlreadyExists', 'AlreadyRunning', 'NotRunning', 'NeedsPrivileges', 'VmLimitReached', 'NoIpYet', 'ProviderUnavailable',
  'InvalidSpec', 'InvalidSecret', 'NameConflict', 'RecordUnreadable', 'Aborted', 'ReconcileError',
] as const;

export const VM_CONDITION_REASONS = {
  Ready: ['Ready', 'Stopped', 'Deleting', 'Progressing', ...VM_STEP_REASONS],
  Created: ['Created', 'Pending', 'VMMissing', ...VM_STEP_REASONS],
  Running: ['Running', 'Stopped', 'PoweredOff', 'NotCreated', 'VMStoppedUnexpectedly', 'CrashLoopBackOff', ...VM_STEP_REASONS],
  Addressed: ['IPAssigned', 'IPChanged', 'WaitingForIP', 'NotRunning', ...VM_STEP_REASONS],
  GuestReachable: ['SSHReachable', 'SSHUnreachable', 'AuthFailed', 'HostKeyMismatch', 'SudoFailed', 'NotChecked'],
  Provisioned: ['Provisioned', 'NothingToProvision', 'ProvisioningFailed', 'Pending'],
  UpToDate: ['UpToDate', 'RestartPending', 'InsufficientHostCPU', 'InsufficientHostMemory', 'DiskShrinkRefused', 'NameConflict', 'RecordUnreadable'],
  Reconciling: ['Progressing', ...VM_STEP_REASONS],
  Stalled: ['InvalidSpec', 'InvalidSecret', 'NameConflict', 'RecordUnreadable'],
  Suspended: ['Suspended'],
} as const satisfies Record<string, readonly string[]>;
