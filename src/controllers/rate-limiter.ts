// Retry pacing, as client-go's default controller limiter: per-key exponential backoff combined
// with one global token bucket, the larger delay wins. Numbers are tuned for slow host work
// (VM boots, kubeadm) rather than an API server: 1 s → 5 min per key.

import { realClock, type Clock } from './clock.js';

export interface RateLimiter {
  /** Delay in ms before `key` may be retried; counts as one more failure. */
  when(key: string): number;
  /** Clear the key's failure history (after a success). */
  forget(key: string): void;
  /** Consecutive failures recorded for `key`. */
  numRequeues(key: string): number;
}

export interface ExponentialOptions {
  baseMs?: number;
  maxMs?: number;
  factor?: number;
}

/** base · factor^failures, capped. */
export class ExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly factor: number;

  constructor({ baseMs = 1_000, maxMs = 300_000, factor = 2 }: ExponentialOptions = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.factor = factor;
  }

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // Math.pow overflows to Infinity long after the cap; min() keeps the result finite.
    return Math.min(this.baseMs * Math.pow(this.factor, n), this.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  qps?: number;
  burst?: number;
  clock?: Clock;
}

/**
 * One bucket for all keys (like golang.org/x/time/rate's Reserve): each call takes a token,
 * going into debt when empty, and the delay is how long until that token has refilled.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor({ qps = 10, burst = 100, clock = realClock }: TokenBucketOptions = {}) {
    if (qps <= 0 || burst < 1) throw new Error('token bucket needs qps > 0 and burst >= 1');
    this.qps = qps;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The slowest of several limiters decides; failure counts come from the most pessimistic one. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    // Every limiter must see the call (each one counts it), so no short-circuit.
    return this.limiters.map((l) => l.when(key)).reduce((a, b) => Math.max(a, b), 0);
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiters.map((l) => l.numRequeues(key)).reduce((a, b) => Math.max(a, b), 0);
  }
}

export interface ControllerRateLimiterOptions extends ExponentialOptions, TokenBucketOptions {}

/** The default for every controller: exponential 1 s → 5 min per key, max-of 10 qps / burst 100. */
export function defaultControllerRateLimiter(options: ControllerRateLimiterOptions = {}): RateLimiter {
  return new MaxOfRateLimiter(
    new ExponentialFailureRateLimiter(options),
    new TokenBucketRateLimiter(options),
  );
}
