// The composition root of the runtime: the kind modules (src/reconcilers/index.ts), the ports
// built from adapters or the sim host, and the manager that runs them. `up`, the tests and the
// bench build their manager here, so only this folder wires adapters, kinds and the manager.
import { Manager, type ManagerOptions } from '../controllers/manager.js';
import { SecretStore } from '../adapters/secrets/secret-store.js';
import type { GuestExec } from '../ports/guest-exec.js';
import type { HostPorts, KubernetesPorts } from '../ports/index.js';
import { createKubernetesPorts } from './kubernetes.js';
import type { Secrets } from '../ports/secrets.js';
import type { VmProvider } from '../ports/vm-provider.js';
import { KIND_MODULES } from '../reconcilers/index.js';
import type { VmOptions } from '../reconcilers/virtualmachine/module.js';

export type HostManager = Manager<HostPorts> & { readonly ports: HostPorts };

export interface HostManagerOptions extends Omit<ManagerOptions<HostPorts>, 'kinds' | 'ports' | 'kindOptions' | 'secretValues' | 'onStopped'>, VmOptions {
  provider: VmProvider;
  guest: GuestExec;
  /** Default: files in `<state>/secrets` and HOSTPLANE_SECRET_* variables. */
  secrets?: Secrets;
  /** Default: client-node, the helm CLI resolved on first use, and the chart source for the provider (stand-ins on the sim host). */
  kubernetes?: KubernetesPorts;
  /** The Cluster reconciler's knobs (src/reconcilers/cluster/reconciler.ts ClusterOptions; tests shorten them). */
  clusterOptions?: Record<string, unknown>;
  /** The LoadTest reconciler's knobs (src/reconcilers/loadtest/module.ts LoadTestOptions: the sim host's time-scaled clock). */
  loadtestOptions?: Record<string, unknown>;
}

export function createHostManager(opts: HostManagerOptions): HostManager {
  const { provider, guest, kubernetes: _kubernetes, clusterOptions, loadtestOptions, pollIntervalMs, ipWaitSeconds, stopTimeoutSeconds, crashLoop, observeMaxAgeMs, ...rest } = opts;
  const secrets = opts.secrets ?? new SecretStore(opts.stateDir.path('secrets'));
  const kubernetes = opts.kubernetes ?? createKubernetesPorts({ stateRoot: opts.stateDir.root, sim: provider.name === 'sim' });
  const ports: HostPorts = { provider, guest, secrets, kubernetes };
  const vm: VmOptions = { pollIntervalMs, ipWaitSeconds, stopTimeoutSeconds, crashLoop, observeMaxAgeMs };
  const manager = new Manager<HostPorts>({
    ...rest,
    kinds: KIND_MODULES,
    ports,
    kindOptions: { VirtualMachine: Object.fromEntries(Object.entries(vm).filter(([, v]) => v !== undefined)), ...(clusterOptions ? { Cluster: clusterOptions } : {}), ...(loadtestOptions ? { LoadTest: loadtestOptions } : {}) },
    secretValues: () => secrets.values(),
    onStopped: () => guest.close(),
  });
  return Object.assign(manager, { ports });
}
