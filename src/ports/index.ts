// The ports the kinds drive, together: what src/app builds from adapters (or the sim host) and
// hands the manager. Each kind's module takes the part it needs.
import type { GuestExec } from './guest-exec.js';
import type { Secrets } from './secrets.js';
import type { VmProvider } from './vm-provider.js';

export interface HostPorts {
  provider: VmProvider;
  guest: GuestExec;
  secrets: Secrets;
}
