import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';

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
