// Ownership and crash-safety records for VMs (Crossplane's create-pending pattern).
// Intent is written durably BEFORE a VM is created; only VMs with a record are ever touched.
import type { StateDir } from '../../controllers/state-dir.js';

export interface VmRecord {
  /** The VM's name on the provider. */
  providerName: string;
  provider: string;
  /** The object that owns it; a record of another uid is an earlier object of the same name. */
  objectUid: string;
  phase: 'CreatePending' | 'Created';
  incarnation?: string;
  requestedAt: string;
  createdAt?: string;
}

export class VmRecords {
  constructor(private readonly dir: StateDir) {}

  get(name: string): VmRecord | undefined {
    return this.dir.readJson<VmRecord>(this.file(name));
  }

  markCreatePending(name: string, rec: Omit<VmRecord, 'phase' | 'requestedAt'>): VmRecord {
    const r: VmRecord = { ...rec, phase: 'CreatePending', requestedAt: new Date().toISOString() };
    this.dir.writeJson(this.file(name), r, { durable: true });
    return r;
  }

  markCreated(name: string, rec: VmRecord, incarnation?: string): VmRecord {
    const r: VmRecord = { ...rec, phase: 'Created', incarnation, createdAt: new Date().toISOString() };
    this.dir.writeJson(this.file(name), r, { durable: true });
    return r;
  }

  remove(name: string): void {
    this.dir.remove(this.file(name));
  }

  all(): VmRecord[] {
    return this.dir
      .list('vms')
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.dir.readJson<VmRecord>(`vms/${f}`))
      .filter((r): r is VmRecord => !!r);
  }

  private file(name: string): string {
    return `vms/${name}.json`;
  }
}
