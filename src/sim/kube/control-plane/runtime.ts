// The machinery every simulated controller shares: one watch per resource fanned out to handlers
// (an informer without a cache: the store is in memory, so controllers read it directly), and a
// work queue that runs on the injected clock. Watch handlers only enqueue keys; syncs run in a
// later clock turn, never inside the store write that triggered them.
import type { Clock, TimerHandle } from '../../../controllers/clock.js';
import type { ObjectStore, ResourceRef, WatchEvent } from '../object-store.js';
import { isStatusError } from './util.js';

export type Handler = (ev: WatchEvent) => void;

export class InformerHub {
  private handlers = new Map<string, Handler[]>();
  private stops: (() => void)[] = [];
  private started = new Set<string>();

  constructor(private readonly store: ObjectStore) {}

  /** Register before start(); handlers see a synthetic ADDED for every existing object. */
  on(res: ResourceRef, h: Handler): void {
    const k = `${res.group}/${res.version}/${res.resource}`;
    const list = this.handlers.get(k) ?? [];
    list.push(h);
    this.handlers.set(k, list);
    if (this.started.has(k)) {
      // A late handler (a kubelet added after start) sees what exists, as a new informer would.
      for (const o of this.store.list(res).items) h({ type: 'ADDED', object: o });
    } else if (this.started.size) this.startOne(k, res);
  }

  private resources = new Map<string, ResourceRef>();

  start(refs: ResourceRef[]): void {
    for (const r of refs) this.resources.set(`${r.group}/${r.version}/${r.resource}`, r);
    for (const [k] of this.handlers) {
      const r = this.resources.get(k) ?? this.parse(k);
      this.startOne(k, r);
    }
  }

  private parse(k: string): ResourceRef {
    const [group, version, resource] = k.split('/');
    return { group, version, resource };
  }

  private startOne(k: string, res: ResourceRef): void {
    if (this.started.has(k)) return;
    this.started.add(k);
    this.stops.push(
      this.store.watch(res, {}, (ev) => {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
        for (const h of this.handlers.get(k) ?? []) h(ev);
      }),
    );
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s();
  }
}

export interface QueueStats {
  syncs: number;
  errors: number;
  lastError?: string;
}

/**
 * A keyed work queue on the clock: add() coalesces, addAfter() keeps the earliest due time, a
 * failed sync is retried with back-off (1 s doubling to 30 s; a 409 Conflict at once). A key synced
 * over 200 times at one instant is deferred 100 ms, so a controller bug cannot spin a FakeClock.
 */
export class WorkQueue {
  private dirty = new Set<string>();
  private timer: TimerHandle | undefined;
  private delayed = new Map<string, { at: number; handle: TimerHandle }>();
  private failures = new Map<string, number>();
  private spin = new Map<string, { at: number; n: number }>();
  private stopped = false;
  readonly stats: QueueStats = { syncs: 0, errors: 0 };

  constructor(
    private readonly clock: Clock,
    readonly name: string,
    private readonly sync: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    if (this.timer === undefined) this.timer = this.clock.setTimeout(() => this.flush(), 0);
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (!(ms > 0)) return this.add(key);
    const at = this.clock.now() + ms;
    const cur = this.delayed.get(key);
    if (cur && cur.at <= at) return;
    if (cur) this.clock.clearTimeout(cur.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  private flush(): void {
    this.timer = undefined;
    const keys = [...this.dirty];
    this.dirty.clear();
    const now = this.clock.now();
    for (const key of keys) {
      if (this.stopped) return;
      const s = this.spin.get(key);
      if (s && s.at === now) {
        if (++s.n > 200) {
          this.stats.lastError = `${this.name}: ${key} synced over 200 times at one instant; deferred`;
          this.addAfter(key, 100);
          continue;
        }
      } else this.spin.set(key, { at: now, n: 1 });
      this.stats.syncs++;
      try {
        this.sync(key);
        this.failures.delete(key);
      } catch (e) {
        this.stats.errors++;
        this.stats.lastError = `${this.name} ${key}: ${isStatusError(e) ? e.message : String((e as Error)?.stack ?? e)}`;
        if (isStatusError(e, 409)) {
          this.add(key);
          continue;
        }
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        this.addAfter(key, Math.min(30_000, 1000 * 2 ** (n - 1)));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.handle);
    this.delayed.clear();
    this.dirty.clear();
  }
}

/** mulberry32: a small seeded generator, so names and jitter repeat for a given seed. */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A 5-character suffix from Kubernetes' safe alphabet, as generateName produces. */
  suffix(n = 5): string {
    const a = 'bcdfghjklmnpqrstvwxz2456789';
    let out = '';
    for (let i = 0; i < n; i++) out += a[Math.floor(this.next() * a.length)];
    return out;
  }
  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
}
