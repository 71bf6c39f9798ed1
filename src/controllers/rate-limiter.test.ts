import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import {
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiter.js';

describe('ExponentialFailureRateLimiter', () => {
  it('doubles from 1 s up to the 5 min cap', () => {
    const l = new ExponentialFailureRateLimiter();
    const got = Array.from({ length: 11 }, () => l.when('k'));
    expect(got).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000]);
    expect(l.numRequeues('k')).toBe(11);
  });

  it('stays at the cap after very many failures (no overflow to NaN or Infinity)', () => {
    const l = new ExponentialFailureRateLimiter();
    for (let i = 0; i < 2000; i++) l.when('k');
    expect(l.when('k')).toBe(300_000);
  });

  it('forget resets the sequence', () => {
    const l = new ExponentialFailureRateLimiter();
    l.when('k');
    l.when('k');
    l.forget('k');
    expect(l.numRequeues('k')).toBe(0);
    expect(l.when('k')).toBe(1000);
  });

  it('keys are independent', () => {
    const l = new ExponentialFailureRateLimiter();
    l.when('a');
    l.when('a');
    expect(l.when('b')).toBe(1000);
    expect(l.when('a')).toBe(4000);
  });

  it('takes configured numbers', () => {
    const l = new ExponentialFailureRateLimiter({ baseMs: 5, maxMs: 100, factor: 3 });
    expect([l.when('k'), l.when('k'), l.when('k'), l.when('k')]).toEqual([5, 15, 45, 100]);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('lets a burst through, then paces at qps', () => {
    const clock = new FakeClock();
    const l = new TokenBucketRateLimiter({ qps: 10, burst: 3, clock });
    expect([l.when(), l.when(), l.when()]).toEqual([0, 0, 0]);
    // Each further call reserves the next token: 100 ms apart at 10 qps.
    expect([l.when(), l.when(), l.when()]).toEqual([100, 200, 300]);
  });

  it('refills with time, never above the burst', () => {
    const clock = new FakeClock();
    const l = new TokenBucketRateLimiter({ qps: 10, burst: 2, clock });
    l.when();
    l.when();
    expect(l.when()).toBe(100);
    clock.advance(60_000);
    expect([l.when(), l.when(), l.when()]).toEqual([0, 0, 100]);
  });

  it('has no per-key memory', () => {
    const l = new TokenBucketRateLimiter({ clock: new FakeClock() });
    l.when();
    expect(l.numRequeues()).toBe(0);
  });

  it('rejects a bucket that could never hand out a token', () => {
    expect(() => new TokenBucketRateLimiter({ qps: 0 })).toThrow();
  });
});

describe('defaultControllerRateLimiter (max of both)', () => {
  it('per-key backoff wins while the bucket has tokens', () => {
    const l = defaultControllerRateLimiter({ clock: new FakeClock() });
    expect([l.when('a'), l.when('a'), l.when('a')]).toEqual([1000, 2000, 4000]);
    expect(l.numRequeues('a')).toBe(3);
  });

  it('the bucket wins when many keys fail at once', () => {
    const clock = new FakeClock();
    const l = defaultControllerRateLimiter({ clock, qps: 1, burst: 2, baseMs: 10 });
    expect(['a', 'b', 'c', 'd'].map((k) => l.when(k))).toEqual([10, 10, 1000, 2000]);
  });

  it('forget resets the per-key part', () => {
    const l = new MaxOfRateLimiter(new ExponentialFailureRateLimiter(), new TokenBucketRateLimiter({ clock: new FakeClock() }));
    l.when('a');
    l.when('a');
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(1000);
  });
});
