// The VM provider port: every VM side effect on the host goes through it.
// Adapters: sim (in-process), tart (tart CLI via execa), qemu (qemu-system + QMP).

export type ProviderName = 'sim' | 'tart' | 'qemu';

export type VmPowerState = 'running' | 'stopped' | 'suspended' | 'starting' | 'stopping';

/** What one batched observation says about one VM on the host. */
export interface ObservedVm {
  /** The VM's name on the host (for tart: the local VM name). */
  name: string;
  state: VmPowerState;
  cpu?: number;
  memoryMiB?: number;
  diskGiB?: number;
  /** Identifies this incarnation of the VM: changes when the VM is deleted and created again. */
  incarnation?: string;
  /**
   * Set by providers whose guests keep nothing across a power cycle (the QEMU guest image boots from
   * its initramfs, no disk): identifies the current boot. Provisioning runs again when it changes;
   * host-key pins stay with the incarnation.
   */
  bootId?: string;
  /**
   * Identifies the current run of a running VM: it changes whenever the VM (re)starts or the process
   * running it changes. An address read during the same run still holds, so it is not asked again.
   */
  runId?: string;
  /**
   * Set when the provider calls the VM running but it cannot be: the process that ran it is gone
   * and it has had no address for a bounded time (tart after a host crash, seed 003 BUG-009). Says
   * so for a person; the VM reconciler stops and starts such a VM.
   */
  staleRun?: string;
  /** Provider-specific extra facts (accelerator, pid, source …) shown in status. */
  details?: Record<string, string | number | boolean>;
}

export type VmNetworkMode = 'shared' | 'softnet' | 'bridged';

export interface VmNetwork {
  mode: VmNetworkMode;
  /** softnet: CIDRs the VM may reach (VM↔VM traffic on tart needs this). */
  allow?: string[];
  /** bridged: host interface. */
  bridgeInterface?: string;
  /** qemu: name of the shared L2 segment VMs of one lab join. */
  segment?: string;
  /** qemu: static address on the segment, e.g. 10.77.0.11/24. */
  address?: string;
}

export interface VmCreateRequest {
  name: string;
  image: string;
  cpu: number;
  memoryMiB: number;
  diskGiB: number;
  network: VmNetwork;
  /** Host directories shared into the guest (tart --dir name:path[:ro]). */
  dirs?: { name: string; path: string; readOnly?: boolean }[];
  /** qemu direct kernel boot. */
  boot?: { kernel?: string; initrd?: string; append?: string };
  /** Guest identity handed to images that take it at boot (cloud-init NoCloud, kernel cmdline). */
  guest?: { hostname?: string; user?: string; authorizedKeys?: string[] };
}

export interface VmStartRequest {
  name: string;
  network: VmNetwork;
  dirs?: VmCreateRequest['dirs'];
  /** File the VM's console / `tart run` output is appended to. */
  logFile: string;
}

export interface VmResources {
  cpu?: number;
  memoryMiB?: number;
  diskGiB?: number;
}

/** Where a guest's SSH server is reached from the host. */
export interface GuestEndpoint {
  host: string;
  port: number;
}

export interface VmProvider {
  readonly name: ProviderName;
  /** One call lists every VM on the host (one `tart list` per resync, not one per VM). */
  list(): Promise<ObservedVm[]>;
  /** Clone/allocate the VM and size it; leaves it stopped. */
  create(req: VmCreateRequest): Promise<void>;
  /** Start detached: the VM must keep running when hostplane exits. */
  start(req: VmStartRequest): Promise<void>;
  /** Graceful stop, escalating to a hard stop after timeoutSeconds. */
  stop(name: string, opts?: { timeoutSeconds?: number }): Promise<void>;
  delete(name: string): Promise<void>;
  /** Change resources of a stopped VM (disk only grows). */
  configure(name: string, res: VmResources): Promise<void>;
  /** The address the guest's SSH is reached at, or undefined when it has none yet. */
  endpoint(name: string, opts?: { waitSeconds?: number }): Promise<GuestEndpoint | undefined>;
  /** The VM's own IP as the guest and other VMs see it (may equal endpoint.host). */
  ip(name: string, opts?: { waitSeconds?: number }): Promise<string | undefined>;
  /**
   * The VM as a fresh list() would show it, known without asking the host, or undefined (then
   * list). Optional: tart answers for a VM it started a moment ago whose run process still lives,
   * so the follow-ups of a booting VM do not wait for a `tart list` on a loaded host.
   */
  known?(name: string): ObservedVm | undefined;
}

export type ProviderErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'AlreadyRunning'
  | 'NotRunning'
  | 'NeedsPrivileges'
  | 'VmLimitReached'
  | 'NoIpYet'
  | 'InvalidArgument'
  | 'ProviderUnavailable'
  | 'CommandFailed';

/** A classified provider failure; `code` maps to a condition reason, `message` is for a person. */
export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly detail?: { command?: string[]; exitCode?: number; stderr?: string },
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
