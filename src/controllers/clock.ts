// Time as a port: everything time-based in the runtime takes a Clock so tests can drive time by hand.

/** Opaque timer handle; only the clock that made it can clear it. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's setTimeout fires after 1 ms for any delay above this (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A timer for any delay: longer ones are re-armed in steps, so a long poll or resync never fires early. */
export function setLongTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): { clear(): void } {
  const due = Date.now() + Math.max(0, ms);
  let t: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = Math.max(0, due - Date.now());
    t = setTimeout(left > MAX_TIMER_MS ? arm : fn, Math.min(left, MAX_TIMER_MS));
    if (opts.unref) t.unref();
  };
  arm();
  return { clear: () => clearTimeout(t) };
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (handle) => (handle as { clear(): void } | undefined)?.clear(),
};

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told. `advance(ms)` fires due timers in time order (ties in the
 * order they were set), moving `now()` to each timer's time before calling it, so a timer that
 * sets another timer inside the window sees it fire too.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Number of timers not yet fired. */
  pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.nextDue(end);
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
    }
    this.current = end;
  }

  /**
   * Advance, letting promise chains settle after each fired timer. Async code under test (a
   * worker awaiting a reconcile) reacts to a timer only after its microtasks run.
   */
  async tick(ms: number): Promise<void> {
    const end = this.current + ms;
    await settle();
    for (;;) {
      const due = this.nextDue(end);
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
      await settle();
    }
    this.current = end;
    await settle();
  }

  private nextDue(end: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= end && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}

/** Let pending promise callbacks run: one macrotask turn drains the microtask queue. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
