// Time as a port: everything time-based in the runtime takes a Clock so tests can drive time by hand.

/** Opaque timer handle; only the clock that made it can clear it. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
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
