// Host capacity admission: a VM that would not fit waits with a reason instead of freezing the host.
import { cpus, totalmem } from 'node:os';

export interface CapacityConfig {
  cpu: number;
  memoryMiB: number;
  /** How far VM vCPUs may exceed host cores (vCPUs are time-shared; memory is not). */
  cpuOvercommit: number;
  memoryOvercommit: number;
  /** Memory kept for the host itself. */
  reservedMemoryMiB: number;
}

export type Admission = { ok: true } | { ok: false; reason: 'InsufficientHostCPU' | 'InsufficientHostMemory'; message: string };

export function hostCapacityDefaults(): CapacityConfig {
  return { cpu: cpus().length, memoryMiB: Math.floor(totalmem() / 1024 ** 2), cpuOvercommit: 4, memoryOvercommit: 1, reservedMemoryMiB: 2048 };
}

export class HostCapacity {
  private readonly reservations = new Map<string, { cpu: number; memoryMiB: number }>();

  constructor(readonly config: CapacityConfig) {}

  get allocatable(): { cpu: number; memoryMiB: number } {
    return {
      cpu: Math.floor(this.config.cpu * this.config.cpuOvercommit),
      memoryMiB: Math.floor((this.config.memoryMiB - this.config.reservedMemoryMiB) * this.config.memoryOvercommit),
    };
  }

  get requested(): { cpu: number; memoryMiB: number } {
    let cpu = 0;
    let memoryMiB = 0;
    for (const r of this.reservations.values()) {
      cpu += r.cpu;
      memoryMiB += r.memoryMiB;
    }
    return { cpu, memoryMiB };
  }

  /** Reserves (or resizes) a VM's share. `force` records a VM that already runs, fitting or not. */
  reserve(key: string, cpu: number, memoryMiB: number, force = false): Admission {
    const mine = this.reservations.get(key) ?? { cpu: 0, memoryMiB: 0 };
    const used = this.requested;
    const alloc = this.allocatable;
    const cpuAfter = used.cpu - mine.cpu + cpu;
    const memAfter = used.memoryMiB - mine.memoryMiB + memoryMiB;
    if (!force && memAfter > alloc.memoryMiB) {
      return { ok: false, reason: 'InsufficientHostMemory', message: `needs ${memoryMiB} MiB but only ${Math.max(0, alloc.memoryMiB - (used.memoryMiB - mine.memoryMiB))} MiB of the host's ${alloc.memoryMiB} MiB budget is free` };
    }
    if (!force && cpuAfter > alloc.cpu) {
      return { ok: false, reason: 'InsufficientHostCPU', message: `needs ${cpu} vCPUs but only ${Math.max(0, alloc.cpu - (used.cpu - mine.cpu))} of the host's ${alloc.cpu} vCPU budget are free` };
    }
    this.reservations.set(key, { cpu, memoryMiB });
    return { ok: true };
  }

  release(key: string): void {
    this.reservations.delete(key);
  }

  has(key: string): boolean {
    return this.reservations.has(key);
  }
}
