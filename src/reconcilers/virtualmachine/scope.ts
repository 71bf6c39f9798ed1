// Everything one VirtualMachine reconcile learns and decides; steps fill it, status reads it.
import type { HostObject } from '../../api/types.js';
import type { PowerHolds } from '../../controllers/power-holds.js';
import type { ObjectStore } from '../../controllers/store.js';
import type { StateDir } from '../../controllers/state-dir.js';
import type { HostCapacity, Admission } from '../../controllers/host-capacity.js';
import type { GuestExec } from '../../ports/guest-exec.js';
import type { Secrets } from '../../ports/secrets.js';
import type { GuestEndpoint, ObservedVm, VmProvider } from '../../ports/vm-provider.js';
import type { EventSink, Logger } from '../../controllers/sinks.js';
import type { CrashLoopPolicy } from './crash-loop.js';
import type { BootWaits } from './boot-waits.js';
import type { VmObserver } from './observer.js';
import type { ProvisionRecord } from './provision.js';
import type { VmRecord, VmRecords } from './records.js';
import type { VmSpec } from './spec.js';
import type { Classified } from './classify.js';
import { vmLogPath } from './log-files.js';

export interface VmDeps {
  store: ObjectStore;
  provider: VmProvider;
  guest: GuestExec;
  observer: VmObserver;
  records: VmRecords;
  capacity: HostCapacity;
  secrets: Secrets;
  events: EventSink;
  stateDir: StateDir;
  log: Logger;
  now: () => Date;
  /** Health-poll interval of a converged VM. */
  pollIntervalMs: number;
  /** How long a reconcile may block waiting for an IP before it requeues instead. */
  ipWaitSeconds: number;
  stopTimeoutSeconds: number;
  /** Back-off for a VM that keeps stopping behind our back (default DEFAULT_CRASH_LOOP). */
  crashLoop?: CrashLoopPolicy;
  /** Power states parents hold for their VMs (a stopped Cluster), in place of spec.powerState. */
  powerHolds?: PowerHolds;
  /** Retry pacing of SSH probes and background address waits of booting VMs. */
  bootWaits?: BootWaits;
  /** Queues a VM's reconcile now, ahead of new work (a background wait it requeued for has ended). */
  wake?: (key: string) => void;
  /** How long a background address wait may last (s, default 60). */
  addressWatchSeconds?: number;
}

export interface VmScope {
  deps: VmDeps;
  object: HostObject;
  key: string;
  spec: VmSpec;
  /** `Kind/name` of the parent whose power hold replaced spec.powerState this reconcile. */
  powerHeldBy?: string;
  /** Set by observe: the provider's view and our ownership record. */
  observed?: ObservedVm;
  record?: VmRecord;
  /** Facts gathered by the steps, read by the status computation. */
  admission?: Admission;
  /** What the observation means (set by observe, again after a create): the steps act on it. */
  classified?: Classified;
  endpoint?: GuestEndpoint;
  ip?: string;
  previousIp?: string;
  guestReachable?: { ok: boolean; reason: string; message: string };
  provisioned?: ProvisionRecord[];
  provisionFailure?: string;
  deleting?: boolean;
  /**
   * Writes status now, as if the chain had stopped at `step` for `reason`: a repair that finishes
   * within this reconcile (a VM found stopped or missing) must still show watchers that it was down.
   */
  reportInterim?: (step: string, reason: string, message: string) => void;
}

export function vmLogFile(deps: VmDeps, name: string, which: 'console' | 'provision'): string {
  deps.stateDir.ensure('logs', 'VirtualMachine');
  return vmLogPath(deps.stateDir.root, name, which);
}
