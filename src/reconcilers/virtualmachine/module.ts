// The VirtualMachine kind as the runtime sees it: what it reconciles with, how many at once, what
// it restores at start, where its logs are.
import { objectKey } from '../../api/types.js';
import type { KindModule } from '../../controllers/kind-module.js';
import { providerCommandMetrics } from '../../controllers/metrics.js';
import { PowerHolds } from '../../controllers/power-holds.js';
import type { GuestExec } from '../../ports/guest-exec.js';
import type { Secrets } from '../../ports/secrets.js';
import type { VmProvider } from '../../ports/vm-provider.js';
import { BootWaits } from './boot-waits.js';
import { VmCommandLog } from './command-log.js';
import { VM_CONDITION_REASONS } from './conditions.js';
import type { CrashLoopPolicy } from './crash-loop.js';
import { VM_LOG_NAMES, vmLogPath } from './log-files.js';
import { observedProvider } from './observed-provider.js';
import { VmObserver } from './observer.js';
import { planVm } from './plan.js';
import { createVmReconciler } from './reconciler.js';
import { VmRecords } from './records.js';
import { toMiB } from './spec.js';

/** The ports a VM reconcile drives. */
export interface VmPorts {
  provider: VmProvider;
  guest: GuestExec;
  secrets: Secrets;
}

/** The VM reconciler's knobs (`up` flags; tests shorten them). */
export interface VmOptions {
  /** Health-poll interval of a converged VM (default 30 s). */
  pollIntervalMs?: number;
  /** How long a reconcile may block waiting for an IP before it requeues instead (default 2 s). */
  ipWaitSeconds?: number;
  stopTimeoutSeconds?: number;
  /** Crash-loop back-off of VMs that keep stopping behind our back. */
  crashLoop?: CrashLoopPolicy;
  /** How old one batched provider list may be and still serve a reconcile (default 2 s). */
  observeMaxAgeMs?: number;
}

export const virtualMachineModule: KindModule<VmPorts> = {
  kind: 'VirtualMachine',
  plan: planVm,
  shortNames: ['vm'],
  crdFile: 'virtualmachine.yaml',
  references: [],
  conditions: VM_CONDITION_REASONS,
  // Provider calls are separate processes waiting on I/O: 10 matches a script run with parallelism 10.
  workers: (requested) => requested ?? 10,
  // Address and SSH probes of a booting VM requeue after 1 s; they must not queue behind creates.
  followUps: { workers: 4, maxDelayMs: 2_000 },

  createReconciler(rt, ports, options) {
    const o = (options ?? {}) as VmOptions;
    const providerMetrics = providerCommandMetrics(rt.metrics);
    const now = () => new Date(rt.clock.now());
    const commandLog = new VmCommandLog(rt.stateDir, rt.redact, now);
    const provider = observedProvider(ports.provider, (cmd, args, ms, error) => {
      providerMetrics.observe(ports.provider.name, cmd, ms / 1000, error !== undefined);
      commandLog.record(cmd, args, ms, error);
    });
    return createVmReconciler({
      store: rt.store,
      provider,
      guest: ports.guest,
      observer: new VmObserver(provider, o.observeMaxAgeMs ?? 2_000),
      records: new VmRecords(rt.stateDir, now),
      capacity: rt.capacity,
      secrets: ports.secrets,
      events: rt.events,
      stateDir: rt.stateDir,
      log: rt.log,
      now,
      powerHolds: new PowerHolds(rt.stateDir.root),
      pollIntervalMs: o.pollIntervalMs ?? 30_000,
      ipWaitSeconds: o.ipWaitSeconds ?? 0, // no reconcile waits for a guest's address: it is asked again (requeue)
      stopTimeoutSeconds: o.stopTimeoutSeconds ?? 30,
      bootWaits: new BootWaits(),
      wake: (key) => void (rt.followUp ?? rt.enqueue)(key),
      ...(o.crashLoop ? { crashLoop: o.crashLoop } : {}),
    });
  },

  /** VMs that already run count against the host before any new VM is admitted. */
  restore(rt) {
    for (const obj of rt.store.list('VirtualMachine')) {
      if (obj.status?.state === 'running') {
        const s = obj.spec as { cpu?: number; memory?: string };
        rt.capacity.reserve(objectKey('VirtualMachine', obj.metadata.name), s.cpu ?? 2, toMiB(s.memory ?? '4Gi'), true);
      }
    }
  },

  logFiles: (stateRoot, name) => VM_LOG_NAMES.map((which) => ({ label: which, file: vmLogPath(stateRoot, name, which) })),
};
