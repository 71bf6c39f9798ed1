import { describe, expect, it } from 'vitest';
import { recordUnexpectedStop, type CrashLoopPolicy } from './crash-loop.js';

const policy: CrashLoopPolicy = { windowMs: 600_000, threshold: 3, baseMs: 10_000, maxMs: 300_000 };
const t = (s: number) => new Date(Date.UTC(2026, 10, 22, 12, 0, s)).toISOString();

describe('crash-loop back-off', () => {
  it.each([
    { reason: 'the first stop restarts at once', history: [], delayMs: 0, count: 1 },
    { reason: 'the second stop restarts at once', history: [t(0)], delayMs: 0, count: 2 },
    { reason: 'the third stop within the window waits the base delay', history: [t(0), t(10)], delayMs: 10_000, count: 3 },
    { reason: 'each further stop doubles the wait', history: [t(0), t(10), t(20), t(30)], delayMs: 40_000, count: 5 },
    { reason: 'the wait never exceeds the cap', history: Array.from({ length: 12 }, (_, i) => t(i)), delayMs: 300_000, count: 13 },
  ])('$reason', ({ history, delayMs, count }) => {
    const r = recordUnexpectedStop(history, new Date(t(59)), policy);
    expect(r.delayMs).toBe(delayMs);
    expect(r.stops).toHaveLength(count);
    expect(r.stops.at(-1)).toBe(t(59));
  });

  it('forgets stops older than the window, so a VM that ran fine for a while restarts at once again', () => {
    const old = [new Date(Date.UTC(2026, 10, 22, 11, 0, 0)).toISOString(), new Date(Date.UTC(2026, 10, 22, 11, 5, 0)).toISOString()];
    const r = recordUnexpectedStop(old, new Date(t(0)), policy);
    expect(r).toEqual({ stops: [t(0)], delayMs: 0 });
  });
});
