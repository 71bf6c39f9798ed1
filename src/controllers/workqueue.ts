// The work queue, with client-go's semantics (util/workqueue): it holds keys, never events.
//   fair        keys are handed out in the order added (higher priority first, FIFO within one)
//   stingy      a key is never held by two workers, and many adds before a get mean one run
//   re-entrant  a key added while it is processed runs once more after done()
//   shutdown    new adds are ignored; workers drain what is queued, then get() says undefined
// Priorities come from controller-runtime's priority queue: initial-scan keys go in at
// LOW_PRIORITY so real changes after a restart jump ahead of the re-list flood.

import { realClock, type Clock, type TimerHandle } from './clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

export const DEFAULT_PRIORITY = 0;
export const LOW_PRIORITY = -100;
/**
 * Short follow-ups a reconcile asked for (an address or SSH probe of a booting guest): ahead of new
 * work, and the only keys a controller's follow-up workers take, so they never wait behind slow ones.
 */
export const FOLLOW_UP_PRIORITY = 100;

export interface AddOptions {
  priority?: number;
}

export interface QueueStats {
  /** Keys waiting for a worker (not counting delayed ones or ones being processed). */
  depth: number;
  processing: number;
  /** Keys waiting for their addAfter time. */
  delayed: number;
  /** How long the longest-waiting queued key has waited, 0 when none. */
  oldestWaitMs: number;
}

export interface WorkQueueOptions {
  clock?: Clock;
  limiter?: RateLimiter;
  /** A worker took `key` after it waited `waitMs` in the queue (for the wait histogram). */
  onGet?: (key: string, waitMs: number) => void;
  /** The number of queued keys changed. */
  onDepth?: (depth: number) => void;
}

interface Entry {
  key: string;
  priority: number;
  seq: number;
}

interface DelayedEntry extends Entry {
  readyAt: number;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly hooks: Pick<WorkQueueOptions, 'onGet' | 'onDepth'>;

  // Ready keys: one FIFO per priority. Entries are replaced, not moved, when a priority rises;
  // `queued` names the live entry per key and stale ones are skipped on pop.
  private readonly buckets = new Map<number, Fifo<Entry>>();
  private readonly queued = new Map<string, Entry>();
  /** Needs processing, with the highest priority asked for. */
  private readonly dirty = new Map<string, number>();
  private readonly processing = new Set<string>();
  /** When each queued key entered the queue; insertion order makes the first one the oldest. */
  private readonly enqueuedAt = new Map<string, number>();
  private seq = 0;

  private waiters: { minPriority: number; resolve: (key: string | undefined) => void }[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  // Delayed keys: a min-heap on (readyAt, seq) with the same stale-entry rule, one timer.
  private heap: DelayedEntry[] = [];
  private readonly waiting = new Map<string, DelayedEntry>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.limiter = options.limiter ?? defaultControllerRateLimiter({ clock: this.clock });
    this.hooks = { onGet: options.onGet, onDepth: options.onDepth };
  }

  add(key: string, options: AddOptions = {}): void {
    if (this.shuttingDown) return;
    const priority = options.priority ?? DEFAULT_PRIORITY;
    const current = this.dirty.get(key);
    if (current !== undefined) {
      if (priority > current) {
        this.dirty.set(key, priority);
        if (this.queued.has(key)) this.push(key, priority);
      }
      return;
    }
    this.dirty.set(key, priority);
    if (this.processing.has(key)) return; // done() puts it back
    this.push(key, priority);
    this.wake();
  }

  /**
   * The next key, waiting if none; undefined once shut down and nothing is left queued. With
   * `minPriority` only keys queued at that priority or higher are taken (a follow-up worker).
   */
  get(minPriority = -Infinity): Promise<string | undefined> {
    const key = this.take(minPriority);
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push({ minPriority, resolve }));
  }

  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const priority = this.dirty.get(key);
    if (priority !== undefined) {
      this.push(key, priority);
      this.wake();
    }
    if (this.processing.size === 0) {
      const drained = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of drained) resolve();
    }
  }

  /** Add `key` after `ms`; a key already waiting keeps the earlier of the two times. */
  addAfter(key: string, ms: number, options: AddOptions = {}): void {
    if (this.shuttingDown) return;
    const priority = options.priority ?? DEFAULT_PRIORITY;
    if (ms <= 0) return this.add(key, { priority });
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAt <= readyAt) {
      existing.priority = Math.max(existing.priority, priority);
      return;
    }
    const entry: DelayedEntry = {
      key,
      priority: Math.max(priority, existing?.priority ?? -Infinity),
      seq: this.seq++,
      readyAt,
    };
    this.waiting.set(key, entry);
    heapPush(this.heap, entry);
    this.schedule();
  }

  /** addAfter(key, limiter.when(key)); returns the delay used (undefined when shut down). */
  addRateLimited(key: string, options: AddOptions = {}): number | undefined {
    if (this.shuttingDown) return undefined;
    const delay = this.limiter.when(key);
    this.addAfter(key, delay, options);
    return delay;
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** Ignore new adds and drop delayed ones; workers still drain what is queued. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap = [];
    this.waiting.clear();
    // Waiters exist only while nothing is queued, so each of them is told to stop.
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(undefined);
  }

  /** Shut down, then wait until every processed key is done(); false if the timeout hit first. */
  shutDownWithDrain(timeoutMs: number): Promise<boolean> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== onDrained);
        resolve(false);
      }, timeoutMs);
      const onDrained = (): void => {
        this.clock.clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(onDrained);
    });
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  len(): number {
    return this.queued.size;
  }

  stats(): QueueStats {
    const first = this.enqueuedAt.values().next();
    return {
      depth: this.queued.size,
      processing: this.processing.size,
      delayed: this.waiting.size,
      oldestWaitMs: first.done ? 0 : Math.max(0, this.clock.now() - first.value),
    };
  }

  private push(key: string, priority: number): void {
    const entry = { key, priority, seq: this.seq++ };
    if (!this.queued.has(key)) this.enqueuedAt.set(key, this.clock.now());
    this.queued.set(key, entry);
    let bucket = this.buckets.get(priority);
    if (!bucket) this.buckets.set(priority, (bucket = new Fifo()));
    bucket.push(entry);
    this.hooks.onDepth?.(this.queued.size);
  }

  /** Pop the next live entry at `minPriority` or above and move its key from dirty to processing. */
  private take(minPriority: number): string | undefined {
    if (this.queued.size === 0) return undefined;
    const priorities = [...this.buckets.keys()].filter((p) => p >= minPriority).sort((a, b) => b - a);
    for (const priority of priorities) {
      const bucket = this.buckets.get(priority)!;
      for (let entry = bucket.shift(); entry; entry = bucket.shift()) {
        if (this.queued.get(entry.key) !== entry) continue; // superseded by a higher priority
        if (bucket.length === 0) this.buckets.delete(priority);
        const key = entry.key;
        const waitMs = this.clock.now() - (this.enqueuedAt.get(key) ?? this.clock.now());
        this.queued.delete(key);
        this.enqueuedAt.delete(key);
        this.dirty.delete(key);
        this.processing.add(key);
        this.hooks.onDepth?.(this.queued.size);
        this.hooks.onGet?.(key, waitMs);
        return key;
      }
      this.buckets.delete(priority);
    }
    return undefined;
  }

  /** Hand queued keys to waiting workers, oldest waiter first among those a key fits. */
  private wake(): void {
    for (let i = 0; i < this.waiters.length && this.queued.size > 0; ) {
      const key = this.take(this.waiters[i]!.minPriority);
      if (key === undefined) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1)[0]!.resolve(key);
    }
  }

  /** Keep one timer, armed for the earliest live delayed entry. */
  private schedule(): void {
    const top = this.peekDelayed();
    if (!top) return;
    if (this.timer !== undefined && this.timerAt <= top.readyAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = top.readyAt;
    this.timer = this.clock.setTimeout(() => this.fireDue(), top.readyAt - this.clock.now());
  }

  private fireDue(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    for (let top = this.peekDelayed(); top && top.readyAt <= now; top = this.peekDelayed()) {
      heapPop(this.heap);
      this.waiting.delete(top.key);
      this.add(top.key, { priority: top.priority }); // de-duplicated like any add
    }
    this.schedule();
  }

  private peekDelayed(): DelayedEntry | undefined {
    while (this.heap.length > 0 && this.waiting.get(this.heap[0].key) !== this.heap[0]) heapPop(this.heap);
    return this.heap[0];
  }
}

/** An array queue with a moving head: shift() without Array.prototype.shift's O(n) copy. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

function before(a: DelayedEntry, b: DelayedEntry): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}

function heapPush(heap: DelayedEntry[], entry: DelayedEntry): void {
  heap.push(entry);
  for (let i = heap.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function heapPop(heap: DelayedEntry[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l], heap[m])) m = l;
    if (r < heap.length && before(heap[r], heap[m])) m = r;
    if (m === i) break;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}
