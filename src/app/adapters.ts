// Builds the VM provider and guest-exec adapters for a provider name.
import type { StateDir } from '../controllers/state-dir.js';
import type { GuestExec } from '../ports/guest-exec.js';
import type { VmProvider } from '../ports/vm-provider.js';
import { SimGuestExec } from '../sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../sim/host/sim-vm-provider.js';
import { SimClusters } from '../sim/host/sim-clusters.js';
import { simHostClock } from '../sim/host/sim-time.js';
import type { Clock } from '../controllers/clock.js';
import { createSshGuestExec } from '../adapters/ssh/index.js';
import { TartProvider } from '../adapters/tart/index.js';
import { QemuProvider } from '../adapters/qemu/index.js';

export interface Providers {
  provider: VmProvider;
  guest: GuestExec;
  /** The sim host's simulated clusters' clock when time-scaled (--sim-time-scale); LoadTest runs follow it. */
  simClock?: Clock & { scale: number };
}

export interface ProviderFactoryOptions {
  simScale?: number;
  /** Simulated seconds per real second for the sim host's clusters (default 1: real time). */
  simTimeScale?: number;
  env?: NodeJS.ProcessEnv;
}

export async function createProviders(name: 'sim' | 'tart' | 'qemu', stateDir: StateDir, opts: ProviderFactoryOptions = {}): Promise<Providers> {
  const env = opts.env ?? process.env;
  if (name === 'sim') {
    // kubeadm in the sim guests starts simulated API servers on the control-plane VMs' addresses
    const simClock = opts.simTimeScale !== undefined && opts.simTimeScale !== 1 ? simHostClock(stateDir.path('sim/time.json'), opts.simTimeScale) : undefined;
    const clusters = new SimClusters(stateDir.ensure('sim/clusters'), simClock ? { clock: simClock } : {});
    const provider = new SimVmProvider(stateDir, { scale: opts.simScale ?? 1, clusters });
    return { provider, guest: new SimGuestExec(provider), ...(simClock ? { simClock } : {}) };
  }
  // Real providers reach their guests over SSH, with host keys pinned in the state dir.
  const guest = createSshGuestExec({ knownHostsDir: stateDir.ensure('known-hosts') });
  if (name === 'tart') {
    return { provider: new TartProvider({ tartPath: env.HOSTPLANE_TART ?? 'tart', runPidDir: stateDir.ensure('tart-runs'), ...(env.TART_HOME ? { tartHome: env.TART_HOME } : {}) }), guest };
  }
  return { provider: new QemuProvider({ stateDir: stateDir.root }), guest };
}
