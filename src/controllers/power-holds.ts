// Power holds: a parent object holds its children's power state without rewriting their spec files
// (a Cluster stopped for the night stops its VMs). Kind-agnostic: a holder writes
// `{holder, powerState}` for a child key; the child's reconciler uses it in place of
// spec.powerState and shows it in status (`powerHeldBy`). Kept in the state dir, so a hold survives
// a restart of hostplane, and read on every reconcile, so a change is seen on the child's next poll.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PowerHold {
  /** `Kind/name` of the parent holding the power state. */
  holder: string;
  powerState: 'Running' | 'Stopped';
}

export class PowerHolds {
  private readonly file: string;
  constructor(stateRoot: string) {
    this.file = join(stateRoot, 'records', 'power-holds.json');
  }

  private read(): Record<string, PowerHold> {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, PowerHold>;
    } catch {
      return {};
    }
  }

  private write(all: Record<string, PowerHold>): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 1), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  get(child: string): PowerHold | undefined {
    return this.read()[child];
  }

  set(child: string, hold: PowerHold): void {
    const all = this.read();
    if (all[child]?.holder === hold.holder && all[child]?.powerState === hold.powerState) return;
    all[child] = hold;
    this.write(all);
  }

  /** Releases every hold of `holder` (or only on `child`). */
  release(holder: string, child?: string): void {
    const all = this.read();
    let changed = false;
    for (const [k, h] of Object.entries(all)) {
      if (h.holder === holder && (!child || k === child)) {
        delete all[k];
        changed = true;
      }
    }
    if (changed) this.write(all);
  }
}
