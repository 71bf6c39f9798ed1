// The VirtualMachine spec as the reconciler reads it (defaults already applied by the CRD schema).
import type { VmNetwork } from '../../ports/vm-provider.js';

export interface VmUser {
  name: string;
  groups?: string[];
  sudo?: boolean;
  shell?: string;
  authorizedKeys?: string[];
}

export interface VmFile {
  path: string;
  content: string;
  mode?: string;
  owner?: string;
}

export interface VmCommand {
  name: string;
  run: string;
  unless?: string;
}

export interface VmSpec {
  provider?: 'tart' | 'qemu';
  image: string;
  cpu: number;
  memory: string;
  diskSize: string;
  powerState: 'Running' | 'Stopped';
  restartPolicy: 'Always' | 'Never';
  deletionPolicy: 'Delete' | 'Retain';
  suspend?: boolean;
  network: VmNetwork;
  ssh: { user: string; port: number; passwordSecret?: string; keySecret?: string };
  provision?: { hostname?: string; users?: VmUser[]; packages?: string[]; files?: VmFile[]; commands?: VmCommand[] };
  dirs?: { name: string; path: string; readOnly?: boolean }[];
  boot?: { kernel?: string; initrd?: string; append?: string };
}

/** Reads a spec with safe fallbacks, so a reconciler never crashes on a field the schema defaulted differently. */
export function readVmSpec(raw: Record<string, unknown>): VmSpec {
  const s = raw as Partial<VmSpec>;
  return {
    ...s,
    image: s.image ?? '',
    cpu: s.cpu ?? 2,
    memory: s.memory ?? '4Gi',
    diskSize: s.diskSize ?? '30Gi',
    powerState: s.powerState ?? 'Running',
    restartPolicy: s.restartPolicy ?? 'Always',
    deletionPolicy: s.deletionPolicy ?? 'Delete',
    network: { mode: 'shared', ...(s.network ?? {}) },
    ssh: { user: 'admin', port: 22, ...(s.ssh ?? {}) },
  };
}

// The quantity parser is the object model's (src/api/quantity.ts), shared with the CLI and the dashboard.
export { quantityToBytes, toGiB, toMiB } from '../../api/quantity.js';
