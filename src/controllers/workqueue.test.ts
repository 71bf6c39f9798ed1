import { describe, expect, it } from 'vitest';
import { FakeClock, settle } from './clock.js';
import { ExponentialFailureRateLimiter } from './rate-limiter.js';
import { FOLLOW_UP_PRIORITY, LOW_PRIORITY, WorkQueue } from './workqueue.js';

function newQueue(extra: ConstructorParameters<typeof WorkQueue>[0] = {}) {
  const clock = new FakeClock(1_000_000);
  const queue = new WorkQueue({ clock, limiter: new ExponentialFailureRateLimiter(), ...extra });
  return { clock, queue };
}

/** Take everything currently queued, marking each key done. */
async function drain(queue: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (queue.len() > 0) {
    const key = (await queue.get())!;
    out.push(key);
    queue.done(key);
  }
  return out;
}

async function isPending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true));
  await settle();
  return !settled;
}

describe('WorkQueue: client-go properties', () => {
  it('is fair: keys come out in the order they were added', async () => {
    const { queue } = newQueue();
    for (const k of ['c', 'a', 'b']) queue.add(k);
    expect(await drain(queue)).toEqual(['c', 'a', 'b']);
  });

  it('is stingy: many adds before a get give one run', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await drain(queue)).toEqual(['a', 'b']);
  });

  it('is stingy: a key being processed is not handed to a second getter', async () => {
    const { queue } = newQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a'); // dirty while processing
    const second = queue.get();
    expect(await isPending(second)).toBe(true);
    queue.done('a');
    expect(await second).toBe('a');
  });

  it('is re-entrant: re-added while processing runs exactly once more after done', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const key = (await queue.get())!;
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0); // not queued while processing
    queue.done(key);
    expect(queue.len()).toBe(1);
    expect(await drain(queue)).toEqual(['a']);
    expect(queue.len()).toBe(0);
  });

  it('done on a key not re-added does not re-queue it', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.done((await queue.get())!);
    expect(queue.len()).toBe(0);
  });

  it('wakes a waiting getter when a key arrives', async () => {
    const { queue } = newQueue();
    const waiting = queue.get();
    expect(await isPending(waiting)).toBe(true);
    queue.add('x');
    expect(await waiting).toBe('x');
  });

  it('shuts down: new adds ignored, queued keys drained, then undefined', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    queue.shutDown();
    queue.add('c');
    queue.addAfter('d', 10);
    queue.addRateLimited('e');
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(await queue.get()).toBeUndefined();
    expect(queue.isShuttingDown()).toBe(true);
  });

  it('shutdown releases getters that are waiting', async () => {
    const { queue } = newQueue();
    const a = queue.get();
    const b = queue.get();
    queue.shutDown();
    expect(await a).toBeUndefined();
    expect(await b).toBeUndefined();
  });

  it('shutdown drops delayed keys and their timer', () => {
    const { clock, queue } = newQueue();
    queue.addAfter('a', 1000);
    expect(clock.pending()).toBe(1);
    queue.shutDown();
    expect(clock.pending()).toBe(0);
    clock.advance(5000);
    expect(queue.len()).toBe(0);
  });

  it('shutDownWithDrain waits until processing is empty', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const key = (await queue.get())!;
    const drained = queue.shutDownWithDrain(10_000);
    expect(await isPending(drained)).toBe(true);
    queue.done(key);
    expect(await drained).toBe(true);
  });

  it('shutDownWithDrain gives up after its timeout', async () => {
    const { clock, queue } = newQueue();
    queue.add('a');
    await queue.get();
    const drained = queue.shutDownWithDrain(5_000);
    clock.advance(4_999);
    expect(await isPending(drained)).toBe(true);
    clock.advance(1);
    expect(await drained).toBe(false);
  });

  it('shutDownWithDrain with nothing processing resolves at once', async () => {
    const { queue } = newQueue();
    expect(await queue.shutDownWithDrain(1)).toBe(true);
  });
});

describe('WorkQueue: priority', () => {
  const cases: { name: string; adds: [string, number | undefined][]; want: string[] }[] = [
    {
      name: 'initial-scan keys go after normal keys',
      adds: [['scan1', LOW_PRIORITY], ['scan2', LOW_PRIORITY], ['edit', undefined], ['scan3', LOW_PRIORITY]],
      want: ['edit', 'scan1', 'scan2', 'scan3'],
    },
    {
      name: 'FIFO within one priority',
      adds: [['b', 5], ['a', 5], ['c', 5]],
      want: ['b', 'a', 'c'],
    },
    {
      name: 'a re-add at a higher priority moves the key up',
      adds: [['a', LOW_PRIORITY], ['b', LOW_PRIORITY], ['b', 0]],
      want: ['b', 'a'],
    },
    {
      name: 'a re-add at a lower priority keeps the higher one',
      adds: [['a', 0], ['b', 0], ['a', LOW_PRIORITY]],
      want: ['a', 'b'],
    },
    {
      name: 'several levels, highest first',
      adds: [['low', -100], ['mid', 0], ['high', 10], ['mid2', 0]],
      want: ['high', 'mid', 'mid2', 'low'],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { queue } = newQueue();
      for (const [key, priority] of c.adds) queue.add(key, priority === undefined ? {} : { priority });
      expect(await drain(queue)).toEqual(c.want);
    });
  }

  it('a key re-added at high priority while processing comes back at that priority', async () => {
    const { queue } = newQueue();
    queue.add('a', { priority: LOW_PRIORITY });
    queue.add('b', { priority: LOW_PRIORITY });
    expect(await queue.get()).toBe('a');
    queue.add('a', { priority: 0 });
    queue.done('a');
    expect(await drain(queue)).toEqual(['a', 'b']);
  });
});

describe('WorkQueue: delayed adds', () => {
  it('adds the key when its time comes, not before', () => {
    const { clock, queue } = newQueue();
    queue.addAfter('a', 1000);
    clock.advance(999);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });

  const earliest: { name: string; delays: number[]; readyAfter: number }[] = [
    { name: 'a later addAfter does not push the time back', delays: [1000, 5000], readyAfter: 1000 },
    { name: 'an earlier addAfter pulls the time in', delays: [5000, 1000], readyAfter: 1000 },
    { name: 'the earliest of many wins', delays: [3000, 2000, 4000, 2500], readyAfter: 2000 },
  ];
  for (const c of earliest) {
    it(`keeps the earliest time: ${c.name}`, async () => {
      const { clock, queue } = newQueue();
      for (const d of c.delays) queue.addAfter('k', d);
      clock.advance(c.readyAfter - 1);
      expect(queue.len()).toBe(0);
      clock.advance(1);
      expect(queue.len()).toBe(1);
      expect(await drain(queue)).toEqual(['k']);
      clock.advance(10_000); // the superseded times do not fire again
      expect(queue.len()).toBe(0);
    });
  }

  it('due keys go through add, so they de-duplicate with queued ones', async () => {
    const { clock, queue } = newQueue();
    queue.add('a');
    queue.addAfter('a', 100);
    clock.advance(100);
    expect(await drain(queue)).toEqual(['a']);
  });

  it('due keys fire in time order', async () => {
    const { clock, queue } = newQueue();
    queue.addAfter('c', 300);
    queue.addAfter('a', 100);
    queue.addAfter('b', 200);
    clock.advance(300);
    expect(await drain(queue)).toEqual(['a', 'b', 'c']);
  });

  it('a zero or negative delay adds at once', () => {
    const { queue } = newQueue();
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    expect(queue.len()).toBe(2);
  });

  it('delayed keys do not count as depth', () => {
    const { queue } = newQueue();
    queue.addAfter('a', 100);
    expect(queue.stats()).toMatchObject({ depth: 0, delayed: 1, processing: 0 });
  });
});

describe('WorkQueue: rate limiting', () => {
  it('addRateLimited backs off per key and forget resets it', () => {
    const { clock, queue } = newQueue();
    expect(queue.addRateLimited('a')).toBe(1000);
    expect(queue.numRequeues('a')).toBe(1);
    clock.advance(1000);
    expect(queue.len()).toBe(1);
    expect(queue.addRateLimited('a')).toBe(2000);
    expect(queue.numRequeues('a')).toBe(2);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
    expect(queue.addRateLimited('b')).toBe(1000);
  });
});

describe('WorkQueue: stats', () => {
  it('reports depth and the oldest wait, and the wait of each key taken', async () => {
    const waits: [string, number][] = [];
    const depths: number[] = [];
    const { clock, queue } = newQueue({ onGet: (k, ms) => waits.push([k, ms]), onDepth: (d) => depths.push(d) });
    queue.add('a');
    clock.advance(300);
    queue.add('b');
    clock.advance(200);
    expect(queue.stats()).toEqual({ depth: 2, processing: 0, delayed: 0, oldestWaitMs: 500 });
    const a = (await queue.get())!;
    expect(queue.stats()).toEqual({ depth: 1, processing: 1, delayed: 0, oldestWaitMs: 200 });
    clock.advance(50);
    await queue.get();
    expect(waits).toEqual([['a', 500], ['b', 250]]);
    expect(queue.stats().oldestWaitMs).toBe(0);
    // A key re-queued by done() waits from the moment it re-enters the queue.
    queue.add(a);
    clock.advance(1000);
    queue.done(a);
    clock.advance(10);
    await queue.get();
    expect(waits[2]).toEqual(['a', 10]);
    expect(depths).toEqual([1, 2, 1, 0, 1, 0]);
  });
});

describe('WorkQueue: follow-up workers', () => {
  it('a worker asking for a minimum priority takes only keys at it, and waits while only lower ones are queued', async () => {
    const { queue } = newQueue();
    queue.add('create-1');
    const fast = queue.get(FOLLOW_UP_PRIORITY);
    expect(await isPending(fast)).toBe(true);
    queue.add('probe', { priority: FOLLOW_UP_PRIORITY });
    expect(await fast).toBe('probe');
    expect(await queue.get()).toBe('create-1');
  });

  it('a key being processed is not handed to a follow-up worker until done()', async () => {
    const { queue } = newQueue();
    queue.add('a', { priority: FOLLOW_UP_PRIORITY });
    expect(await queue.get()).toBe('a');
    queue.add('a', { priority: FOLLOW_UP_PRIORITY });
    const fast = queue.get(FOLLOW_UP_PRIORITY);
    expect(await isPending(fast)).toBe(true);
    queue.done('a');
    expect(await fast).toBe('a');
  });

  it('shutDown tells a waiting follow-up worker to stop while lower keys still drain', async () => {
    const { queue } = newQueue();
    queue.add('create-1');
    const fast = queue.get(FOLLOW_UP_PRIORITY);
    queue.shutDown();
    expect(await fast).toBeUndefined();
    expect(await queue.get()).toBe('create-1');
  });
});
