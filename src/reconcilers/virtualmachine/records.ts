// Ownership and crash-safety records for VMs (Crossplane's create-pending pattern).
// Intent is written durably BEFORE a VM is created; only VMs with a record are ever touched.
import { readFileSync } from 'node:fs';
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
  /** hostplane started it and has not stopped it since: finding it stopped means something else did. */
  running?: boolean;
  /** When it was found stopped behind our back, within the crash-loop window (ISO times). */
  unexpectedStops?: string[];
  /** Crash-loop back-off: do not start it again before this time (ISO). */
  restartAfter?: string;
  /** The last IP the VM had, kept across stops and recreation: an IP change is judged against it. */
  lastIp?: string;
  /** The address read during the provider's run `runId` (ObservedVm.runId): not asked again in that run. */
  address?: { runId: string; ip: string; host: string; port: number };
}

export class VmRecords {
  /** Write-through cache: one process owns the state dir (its lock), so the files change only through us. */
  private cache?: Map<string, VmRecord>;
  /** Records that exist but cannot be read (damaged JSON, missing fields): name → why. */
  private readonly damaged = new Map<string, string>();

  constructor(
    private readonly dir: StateDir,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(name: string): VmRecord | undefined {
    return this.loaded().get(name);
  }

  /**
   * Why the record of `name` exists but cannot be read, with its path, or undefined. Such a VM may
   * well be ours: it must be reported as a damaged record, never as someone else's VM.
   */
  unreadable(name: string): { path: string; why: string } | undefined {
    this.loaded();
    const why = this.damaged.get(name);
    return why === undefined ? undefined : { path: this.dir.path(this.file(name)), why };
  }

  markCreatePending(name: string, rec: Omit<VmRecord, 'phase' | 'requestedAt'>): VmRecord {
    const r: VmRecord = { ...rec, phase: 'CreatePending', requestedAt: this.now().toISOString() };
    this.dir.writeJson(this.file(name), r, { durable: true });
    this.loaded().set(name, r);
    this.damaged.delete(name);
    return r;
  }

  markCreated(name: string, rec: VmRecord, incarnation?: string): VmRecord {
    const r: VmRecord = { ...rec, phase: 'Created', incarnation, createdAt: this.now().toISOString() };
    this.dir.writeJson(this.file(name), r, { durable: true });
    this.loaded().set(name, r);
    return r;
  }

  /** Remembers whether we left the VM running, so a stop by anyone else is recognised. */
  setRunning(name: string, running: boolean): void {
    this.update(name, { running });
  }

  /**
   * Merges bookkeeping (not intent: no fsync) into the record; undefined fields are dropped. Writes
   * only when something changes, so callers on the poll path need no guard of their own.
   */
  update(name: string, patch: Partial<Pick<VmRecord, 'running' | 'unexpectedStops' | 'restartAfter' | 'lastIp' | 'address'>>): void {
    const r = this.loaded().get(name);
    if (!r) return;
    const next: VmRecord = { ...r, ...patch };
    for (const k of Object.keys(patch) as (keyof typeof patch)[]) if (patch[k] === undefined) delete next[k];
    if (JSON.stringify(next) === JSON.stringify(r)) return;
    this.dir.writeJson(this.file(name), next);
    this.loaded().set(name, next);
  }

  remove(name: string): void {
    this.dir.remove(this.file(name));
    this.loaded().delete(name);
    this.damaged.delete(name);
  }

  all(): VmRecord[] {
    return [...this.loaded().values()];
  }

  private loaded(): Map<string, VmRecord> {
    if (!this.cache) {
      this.cache = new Map();
      for (const f of this.dir.list('vms')) {
        if (!f.endsWith('.json')) continue;
        const name = f.slice(0, -'.json'.length);
        let r: VmRecord;
        try {
          r = JSON.parse(readFileSync(this.dir.path(`vms/${f}`), 'utf8')) as VmRecord;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          this.damaged.set(name, (err as Error).message);
          continue;
        }
        if (!r || typeof r !== 'object' || typeof r.providerName !== 'string' || typeof r.provider !== 'string' || (r.phase !== 'CreatePending' && r.phase !== 'Created')) {
          this.damaged.set(name, 'it lacks providerName, provider or phase');
          continue;
        }
        this.cache.set(name, r);
      }
    }
    return this.cache;
  }

  private file(name: string): string {
    return `vms/${name}.json`;
  }
}
