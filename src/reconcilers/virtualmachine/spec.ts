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

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** Kubernetes quantity → bytes ("4Gi", "512Mi", "2G", "1073741824"). */
export function quantityToBytes(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9]+(?:\.[0-9]+)?)([kMGT]i?|Ki)?$/.exec(q.trim());
  if (!m) throw new Error(`"${q}" is not a quantity like 4Gi, 512Mi or 2G`);
  const unit = UNITS[m[2] ?? ''];
  if (unit === undefined) throw new Error(`"${q}" has an unknown unit`);
  return Math.round(Number(m[1]) * unit);
}

export const toMiB = (q: string | number): number => Math.round(quantityToBytes(q) / 1024 ** 2);
export const toGiB = (q: string | number): number => Math.ceil(quantityToBytes(q) / 1024 ** 3);
