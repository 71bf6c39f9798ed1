// Builds the VM provider and guest-exec adapters for a provider name.
import type { StateDir } from '../controllers/state-dir.js';
import type { GuestExec } from './guest-exec.js';
import type { VmProvider } from './vm-provider.js';
import { SimGuestExec } from './sim/sim-guest-exec.js';
import { SimVmProvider } from './sim/sim-vm-provider.js';

export interface Providers {
  provider: VmProvider;
  guest: GuestExec;
}

export async function createProviders(name: 'sim' | 'tart' | 'qemu', stateDir: StateDir, opts: { simScale?: number } = {}): Promise<Providers> {
  switch (name) {
    case 'sim': {
      const provider = new SimVmProvider(stateDir, { scale: opts.simScale ?? 1 });
      return { provider, guest: new SimGuestExec(provider) };
    }
    default:
      throw new Error(`provider ${name} is not wired into hostplane up yet`);
  }
}
