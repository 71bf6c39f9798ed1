import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../controllers/clock.js';
import { MemoryStore } from '../store/index.js';
import { EventRecorder } from './events.js';
import { SeededRandom, WorkQueue } from './runtime.js';
import { ScaledClock } from './scaled-clock.js';
import { R, type Obj } from './util.js';

describe('WorkQueue', () => {
  it('coalesces adds and runs them in a later clock turn, not inside the caller', () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    const q = new WorkQueue(clock, 't', (k) => seen.push(k));
    q.add('a');
    q.add('a');
    q.add('b');
    expect(seen).toEqual([]);
    clock.advance(0);
    expect(seen).toEqual(['a', 'b']);
  });

  it('keeps the earliest due time for addAfter', () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    const q = new WorkQueue(clock, 't', () => seen.push(clock.now()));
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    clock.advance(10_000);
    expect(seen).toEqual([1000]);
  });

  it('retries a failing sync with back-off 1 s, 2 s, 4 s … and records the error', () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const q = new WorkQueue(clock, 't', () => {
      at.push(clock.now());
      throw new Error('boom');
    });
    q.add('a');
    clock.advance(7001);
    expect(at).toEqual([0, 1000, 3000, 7000]);
    expect(q.stats.lastError).toMatch(/boom/);
  });

  it('defers a key that spins at one instant instead of hanging the clock', () => {
    const clock = new FakeClock(0);
    let n = 0;
    const q: WorkQueue = new WorkQueue(clock, 'spin', (k) => {
      n++;
      q.add(k);
    });
    q.add('a');
    clock.advance(0);
    expect(n).toBe(200);
    expect(q.stats.lastError).toMatch(/synced over 200 times at one instant/);
    q.stop();
  });
});

describe('EventRecorder', () => {
  it('aggregates repeats of the same event into count and lastTimestamp', () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new MemoryStore({ clock, seed: 1 });
    const rec = new EventRecorder(store, clock, new SeededRandom(1));
    const pod: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' } };
    rec.emit({ component: 'kubelet', host: 'n1' }, pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    clock.advance(10_000);
    rec.emit({ component: 'kubelet', host: 'n1' }, pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    rec.emit({ component: 'kubelet', host: 'n1' }, pod, 'Normal', 'Pulled', 'other');
    const evs = store.list(R.events, { namespace: 'default' }).items as Obj[];
    expect(evs).toHaveLength(2);
    const b = evs.find((e) => e.reason === 'BackOff')!;
    expect(b).toMatchObject({ count: 2, type: 'Warning', firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:10Z', source: { component: 'kubelet', host: 'n1' }, involvedObject: { kind: 'Pod', name: 'p', uid: 'u1' } });
    expect(b.metadata.name).toMatch(/^p\.[0-9a-f]+$/);
  });
});

describe('ScaledClock', () => {
  it('runs simulated time `scale` times faster than its base clock', () => {
    const base = new FakeClock(0);
    const c = new ScaledClock(60, 1_000_000, base);
    let fired = -1;
    c.setTimeout(() => (fired = c.now()), 60_000); // a simulated minute
    base.advance(999);
    expect(fired).toBe(-1);
    base.advance(1);
    expect(fired).toBe(1_060_000);
    expect(() => new ScaledClock(0)).toThrow(/time scale must be above 0/);
  });
});
