import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, MAX_TIMER_MS, realClock, setLongTimeout } from './clock.js';

describe('FakeClock', () => {
  it('fires due timers in time order, ties in the order set, with now() at each timer', () => {
    const clock = new FakeClock(100);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 31);
    clock.advance(30);
    expect(fired).toEqual([['a', 110], ['b', 120], ['c', 120]]);
    expect(clock.now()).toBe(130);
    expect(clock.pending()).toBe(1);
  });

  it('fires a timer set by a timer when it falls inside the same advance', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(fired).toEqual([5, 10]);
  });

  it('clearTimeout cancels', () => {
    const clock = new FakeClock();
    let fired = false;
    const h = clock.setTimeout(() => (fired = true), 1);
    clock.clearTimeout(h);
    clock.advance(10);
    expect(fired).toBe(false);
  });

  it('tick lets promise chains react between timers', async () => {
    const clock = new FakeClock();
    const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
    const log: number[] = [];
    void (async () => {
      await sleep(10);
      log.push(clock.now());
      await sleep(10); // set only after the first sleep resolved
      log.push(clock.now());
    })();
    await clock.tick(20);
    expect(log).toEqual([10, 20]);
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('timers for any delay', () => {
  // Node fires a setTimeout of more than 2^31-1 ms after 1 ms: a 600 h resync would become a busy loop.
  it.each([
    ['30 days', 30 * 24 * 3_600_000],
    ['just over the limit', MAX_TIMER_MS + 5],
    ['a normal delay', 1_500],
  ])('fires once, after %s and not before', (_what, ms) => {
    vi.useFakeTimers();
    const fired = vi.fn();
    setLongTimeout(fired, ms);
    vi.advanceTimersByTime(ms - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(ms * 2);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('clears a long timer in any of its steps', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const t = realClock.setTimeout(fired, MAX_TIMER_MS * 2);
    vi.advanceTimersByTime(MAX_TIMER_MS + 10); // into the second step
    realClock.clearTimeout(t);
    vi.advanceTimersByTime(MAX_TIMER_MS * 2);
    expect(fired).not.toHaveBeenCalled();
  });
});
