// What the tart adapter already knows about each VM between polls, so a VM at rest costs nothing
// beyond the poll's one `tart list`: its power state, the address read in the current run, the
// cpu/memory read at its last power-state change, and how long a stale run has gone without an
// address (seed 003 BUG-009). Pure bookkeeping: no tart calls here.
import type { VmPowerState } from '../../ports/vm-provider.js';

export interface VmView {
  /** Power state from the last `tart list`, or from our own start/stop. */
  state?: VmPowerState;
  /** When `state` was learnt (epoch ms). */
  stateAt: number;
  /** When our own start() began the current run (undefined: a run we did not start). */
  startedByUsAt?: number;
  /** Bumps at every power-state change: an address read in an older run is not trusted. */
  run: number;
  /** The address read during run `run`, by the `tart run` process `pid` (undefined: not ours). */
  address?: { ip: string; run: number; pid?: number };
  /** cpu/memory from `tart get`, and the power state they were read (or set by us) in. */
  /** setByUs: the config.json modification time right after our own `tart set` (undefined: read by `tart get`). */
  sizes?: { cpu?: number; memoryMiB?: number; state: VmPowerState; setByUs?: { configMtimeMs?: number } };
  /** When we last created or configured it, and the disk it has since (undefined: not known). */
  changed?: { at: number; diskGiB?: number };
  /** First failed address read while tart said running and our recorded `tart run` was dead. */
  deadRunSince?: number;
}

export class VmViews {
  private readonly views = new Map<string, VmView>();

  get(name: string): VmView {
    let v = this.views.get(name);
    if (!v) {
      v = { stateAt: 0, run: 0 };
      this.views.set(name, v);
    }
    return v;
  }

  has(name: string): boolean {
    return this.views.has(name);
  }

  names(): string[] {
    return [...this.views.keys()];
  }

  forget(name: string): void {
    this.views.delete(name);
  }

  /** Drops VMs a full `tart list` begun at `at` no longer shows (not ones we learnt of since it began). */
  keepOnly(names: Set<string>, at: number): void {
    for (const [n, v] of [...this.views]) if (!names.has(n) && v.stateAt <= at) this.views.delete(n);
  }

  /** Records a power state; a change starts a new run (its address must be read again). */
  setState(name: string, state: VmPowerState, at: number): VmView {
    const v = this.get(name);
    if (at < v.stateAt) return v; // a list begun before our own start/stop knows less than we do
    if (v.state !== state) {
      v.state = state;
      v.run++;
      v.address = undefined;
      v.deadRunSince = undefined;
      v.startedByUsAt = undefined;
    }
    v.stateAt = at;
    return v;
  }

  /**
   * Our own start: a new run even if no list saw the VM stopped in between. Sizes we set while it
   * was stopped (create, configure) are what it boots with, unless its config changed since
   * (`configMtimeMs`: the config file's modification time now; a `tart set` by hand changes it):
   * then no `tart get` is needed to learn them.
   */
  started(name: string, at: number, configMtimeMs?: number): VmView {
    const v = this.get(name);
    const mine = v.sizes?.setByUs;
    if (mine && v.sizes!.state !== 'running' && mine.configMtimeMs !== undefined && mine.configMtimeMs === configMtimeMs) v.sizes = { ...v.sizes!, state: 'running' };
    v.state = 'running';
    v.startedByUsAt = at;
    v.run++;
    v.address = undefined;
    v.deadRunSince = undefined;
    v.stateAt = at;
    return v;
  }

  /** The address of the current run, if read by the same `tart run` process that still runs it. */
  knownAddress(name: string, pid: number | undefined, pidAlive: boolean): string | undefined {
    const v = this.views.get(name);
    const a = v?.address;
    if (!v || !a || v.state !== 'running' || a.run !== v.run || a.pid !== pid) return undefined;
    if (pid !== undefined && !pidAlive) return undefined;
    return a.ip;
  }

  /** True when sizes must be read (never read, or read in another power state). */
  needsSizes(name: string, state: VmPowerState): boolean {
    const s = this.views.get(name)?.sizes;
    return !s || s.state !== state;
  }
}
