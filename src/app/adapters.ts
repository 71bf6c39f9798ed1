// Builds the VM provider and guest-exec adapters for a provider name.
import type { StateDir } from '../controllers/state-dir.js';
import type { GuestExec } from '../ports/guest-exec.js';
import type { VmProvider } from '../ports/vm-provider.js';
import { SimGuestExec } from '../sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../sim/host/sim-vm-provider.js';
import { SimClusters } from '../sim/host/sim-clusters.js';
import { createSshGuestExec } from '../adapters/ssh/index.js';
import { TartProvider } from '../adapters/tart/index.js';
import { QemuProvider } from '../adapters/qemu/index.js';

export interface Providers {
  provider: VmProvider;
  guest: GuestExec;
}

export interface ProviderFactoryOptions {
  simScale?: number;
  env?: NodeJS.ProcessEnv;
}

export async function createProviders(name: 'sim' | 'tart' | 'qemu', stateDir: StateDir, opts: ProviderFactoryOptions = {}): Promise<Providers> {
  const env = opts.env ?? process.env;
  if (name === 'sim') {
    // kubeadm in the sim guests starts simulated API servers on the control-plane VMs' addresses
    const clusters = new SimClusters(stateDir.ensure('sim/clusters'));
    const provider = new SimVmProvider(stateDir, { scale: opts.simScale ?? 1, clusters });
    return { provider, guest: new SimGuestExec(provider) };
  }
  // Real providers reach their guests over SSH, with host keys pinned in the state dir.
  const guest = createSshGuestExec({ knownHostsDir: stateDir.ensure('known-hosts') });
  if (name === 'tart') {
    return { provider: new TartProvider({ tartPath: env.HOSTPLANE_TART ?? 'tart', runPidDir: stateDir.ensure('tart-runs'), ...(env.TART_HOME ? { tartHome: env.TART_HOME } : {}) }), guest };
  }
  return { provider: new QemuProvider({ stateDir: stateDir.root }), guest };
}
