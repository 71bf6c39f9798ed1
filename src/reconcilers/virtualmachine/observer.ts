// Batched observation: one provider list() serves every VM reconcile in a resync (one `tart list`,
// not one call per VM). A VM we just changed is never answered from a list older than the change.
import type { ObservedVm, VmProvider } from '../../ports/vm-provider.js';

export class VmObserver {
  private snapshot?: { at: number; vms: Map<string, ObservedVm> };
  private inflight?: { startedAt: number; promise: Promise<Map<string, ObservedVm>> };
  private readonly changedAt = new Map<string, number>();

  constructor(private readonly provider: VmProvider, private readonly maxAgeMs: number, private readonly now: () => number = Date.now) {}

  /** The VM as observed by a list that is fresh enough and newer than our last change to it. */
  async get(name: string): Promise<ObservedVm | undefined> {
    // What the provider knows as well as a fresh list would (a VM it just started, still running
    // under it) needs no list: on a loaded host one takes seconds, and a booting VM's follow-ups
    // would each wait for one.
    const known = this.provider.known?.(name);
    if (known) return known;
    const vms = await this.listFresh(this.changedAt.get(name));
    return vms.get(name);
  }

  async all(): Promise<Map<string, ObservedVm>> {
    return this.listFresh();
  }

  /** VMs whose last change no list has answered yet (diagnostics, tests). */
  get pendingChanges(): number {
    return this.changedAt.size;
  }

  /** Call after changing a VM: its next observation must come from a newer list. */
  changed(name: string): void {
    this.changedAt.set(name, this.now());
  }

  private async listFresh(notBefore?: number): Promise<Map<string, ObservedVm>> {
    const t = this.now();
    const okAt = (at: number) => t - at <= this.maxAgeMs && (notBefore === undefined || at > notBefore);
    if (this.snapshot && okAt(this.snapshot.at)) return this.snapshot.vms;
    // Join a list that started after what we need; otherwise start a new one.
    if (this.inflight && (notBefore === undefined || this.inflight.startedAt > notBefore)) return this.inflight.promise;
    const startedAt = this.now();
    const promise = this.provider.list().then(
      (list) => {
        const vms = new Map(list.map((v) => [v.name, v]));
        if (!this.snapshot || this.snapshot.at <= startedAt) this.snapshot = { at: startedAt, vms };
        // A change older than this list is answered by it: forget it, so the map does not keep every VM ever changed.
        for (const [n, at] of this.changedAt) if (at < startedAt) this.changedAt.delete(n);
        return vms;
      },
    );
    this.inflight = { startedAt, promise };
    try {
      return await promise;
    } finally {
      if (this.inflight?.promise === promise) this.inflight = undefined;
    }
  }
}
