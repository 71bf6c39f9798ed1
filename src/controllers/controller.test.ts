import { describe, expect, it } from 'vitest';
import { FakeClock, settle } from './clock.js';
import {
  Controller,
  DependencyIndex,
  TerminalError,
  addJitter,
  done,
  requeueAfter,
  type ControllerOptions,
  type ReconcileResult,
  type Reconciler,
} from './controller.js';
import { Counter, Gauge, Histogram, Registry } from './metrics.js';
import { ExponentialFailureRateLimiter } from './rate-limiter.js';
import { LOW_PRIORITY } from './workqueue.js';

function setup(reconcile: Reconciler, extra: Partial<ControllerOptions> & { clock?: FakeClock } = {}) {
  const clock = extra.clock ?? new FakeClock(Date.UTC(2026, 0, 1));
  const metrics = new Registry();
  const controller = new Controller({
    name: 'VirtualMachine',
    reconcile,
    clock,
    metrics,
    limiter: new ExponentialFailureRateLimiter(),
    jitter: (ms) => ms,
    ...extra,
  });
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const total = (result: string) => (metrics.get('hostplane_reconcile_total') as Counter).get({ kind: 'VirtualMachine', result });
  return { clock, metrics, controller, sleep, total };
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A reconcile that logs each call's start time and returns scripted results in turn. */
function scripted(clock: FakeClock, script: (() => ReconcileResult | Promise<ReconcileResult>)[]) {
  const calls: number[] = [];
  const start = clock.now();
  const reconcile: Reconciler = async () => {
    calls.push(clock.now() - start);
    const step = script[Math.min(calls.length - 1, script.length - 1)];
    return step();
  };
  return { calls, reconcile };
}

describe('Controller: one key, one worker at a time', () => {
  it('never runs one key on two workers, while running different keys in parallel', async () => {
    const active = new Map<string, number>();
    let maxPerKey = 0;
    let maxTotal = 0;
    let runs = 0;
    const ctx = setup(async (key) => {
      runs++;
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, active.get(key)!);
      maxTotal = Math.max(maxTotal, [...active.values()].reduce((a, b) => a + b, 0));
      await ctx.sleep(100);
      active.set(key, active.get(key)! - 1);
      return done();
    }, { workers: 4 });
    ctx.controller.start();
    // Hammer three keys while they are being reconciled.
    for (let round = 0; round < 10; round++) {
      for (const k of ['VirtualMachine/a', 'VirtualMachine/b', 'VirtualMachine/c']) ctx.controller.enqueue(k);
      await ctx.clock.tick(30);
    }
    await ctx.clock.tick(1000);
    await ctx.controller.onIdle();
    expect(maxPerKey).toBe(1);
    expect(maxTotal).toBe(3);
    expect(runs).toBeGreaterThan(3);
  });

  it('a key re-added while it is processed runs exactly once more', async () => {
    const gate = deferred();
    let runs = 0;
    const { controller } = setup(async () => {
      runs++;
      if (runs === 1) await gate.promise;
      return done();
    }, { workers: 3 });
    controller.start();
    controller.enqueue('VirtualMachine/a');
    await settle();
    for (let i = 0; i < 5; i++) controller.enqueue('VirtualMachine/a');
    await settle();
    expect(runs).toBe(1);
    gate.resolve();
    await controller.onIdle();
    expect(runs).toBe(2);
  });

  it('initial-scan keys run after keys with normal priority', async () => {
    const order: string[] = [];
    const { controller } = setup(async (key) => {
      order.push(key);
      return done();
    });
    controller.enqueue('VirtualMachine/scan-1', { priority: LOW_PRIORITY });
    controller.enqueue('VirtualMachine/scan-2', { priority: LOW_PRIORITY });
    controller.enqueue('VirtualMachine/edited');
    controller.start();
    await controller.onIdle();
    expect(order).toEqual(['VirtualMachine/edited', 'VirtualMachine/scan-1', 'VirtualMachine/scan-2']);
  });
});

describe('Controller: results', () => {
  it('a thrown error retries with exponential backoff; success then forgets it', async () => {
    const fail = () => {
      throw new Error('tart clone failed');
    };
    const clock = new FakeClock(0);
    const s = scripted(clock, [fail, fail, fail, () => done()]);
    const ctx = setup(s.reconcile, { clock });
    const controller = ctx.controller;
    controller.start();
    controller.enqueue('VirtualMachine/a');
    await clock.tick(60_000);
    expect(s.calls).toEqual([0, 1000, 3000, 7000]);
    expect(controller.queue.numRequeues('VirtualMachine/a')).toBe(0);
    expect(controller.lastResult('VirtualMachine/a')?.result).toBe('success');
    expect(ctx.total('error')).toBe(3);
    expect(ctx.total('success')).toBe(1);
    expect((ctx.metrics.get('hostplane_workqueue_retries_total') as Counter).get({ kind: 'VirtualMachine' })).toBe(3);
  });

  const notErrors: { name: string; throwIt: () => Promise<ReconcileResult> }[] = [
    { name: 'a thrown string', throwIt: async () => { throw 'boom'; } },
    { name: 'a thrown object', throwIt: async () => { throw { code: 7 }; } },
    { name: 'a rejected promise', throwIt: () => Promise.reject(new Error('rejected')) },
    { name: 'a synchronous throw from a non-async reconciler', throwIt: () => { throw new Error('sync'); } },
    { name: 'an invalid result', throwIt: async () => undefined as unknown as ReconcileResult },
    { name: 'requeueAfter with a non-positive delay', throwIt: async () => requeueAfter(0) },
  ];
  for (const c of notErrors) {
    it(`${c.name} counts as an error and backs off`, async () => {
      const ctx = setup(() => c.throwIt());
      ctx.controller.start();
      ctx.controller.enqueue('VirtualMachine/a');
      await ctx.controller.onIdle();
      const last = ctx.controller.lastResult('VirtualMachine/a');
      expect(last).toMatchObject({ result: 'error', requeueAfterMs: 1000 });
      expect(last?.message).toBeTruthy();
      expect(ctx.controller.queue.numRequeues('VirtualMachine/a')).toBe(1);
      expect(ctx.controller.queue.stats().delayed).toBe(1);
      expect(ctx.total('error')).toBe(1);
    });
  }

  it('requeueAfter resets the backoff and re-runs after the jittered delay', async () => {
    const clock = new FakeClock(0);
    const fail = () => {
      throw new Error('not yet');
    };
    const s = scripted(clock, [fail, fail, () => requeueAfter(10_000), () => done()]);
    const { controller, total } = setup(s.reconcile, { clock, jitter: (ms) => addJitter(ms, () => 0.5) });
    controller.start();
    controller.enqueue('VirtualMachine/a');
    await clock.tick(3000); // runs at 0 (fail), 1000 (fail), 3000 (requeueAfter)
    expect(s.calls).toEqual([0, 1000, 3000]);
    expect(controller.queue.numRequeues('VirtualMachine/a')).toBe(0);
    expect(controller.lastResult('VirtualMachine/a')).toMatchObject({ result: 'requeue_after', requeueAfterMs: 10_500 });
    await clock.tick(10_499);
    expect(s.calls).toHaveLength(3);
    await clock.tick(1);
    expect(s.calls).toEqual([0, 1000, 3000, 13_500]);
    expect(total('requeue_after')).toBe(1);
  });

  it('a failure after a requeueAfter starts the backoff from the base again', async () => {
    const clock = new FakeClock(0);
    const fail = () => {
      throw new Error('x');
    };
    const s = scripted(clock, [fail, fail, fail, () => requeueAfter(100), fail, () => done()]);
    const { controller } = setup(s.reconcile, { clock });
    controller.start();
    controller.enqueue('VirtualMachine/a');
    await clock.tick(60_000);
    // 0 fail(+1 s), 1000 fail(+2 s), 3000 fail(+4 s), 7000 poll(+100 ms), 7100 fail(+1 s again), 8100 done
    expect(s.calls).toEqual([0, 1000, 3000, 7000, 7100, 8100]);
  });

  const jitterCases = [
    { random: 0, ms: 10_000, want: 10_000 },
    { random: 0.5, ms: 10_000, want: 10_500 },
    { random: 0.99999, ms: 10_000, want: 11_000 },
    { random: 0.25, ms: 30_000, want: 30_750 },
  ];
  for (const c of jitterCases) {
    it(`addJitter(${c.ms}) with random ${c.random} is ${c.want}`, () => {
      expect(addJitter(c.ms, () => c.random)).toBe(c.want);
    });
  }

  it('default jitter stays within +0..10%', async () => {
    for (let i = 0; i < 1000; i++) {
      const j = addJitter(60_000);
      expect(j).toBeGreaterThanOrEqual(60_000);
      expect(j).toBeLessThanOrEqual(66_000);
    }
    // And the controller uses it when no jitter is injected.
    const clock = new FakeClock(0);
    const controller = new Controller({ name: 'Cluster', reconcile: async () => requeueAfter(60_000), clock });
    controller.start();
    controller.enqueue('Cluster/dev');
    await controller.onIdle();
    const used = controller.lastResult('Cluster/dev')!.requeueAfterMs!;
    expect(used).toBeGreaterThanOrEqual(60_000);
    expect(used).toBeLessThanOrEqual(66_000);
  });

  it('a TerminalError is not retried, forgets the backoff and calls onTerminal', async () => {
    const terminal: [string, TerminalError][] = [];
    let runs = 0;
    const ctx = setup(
      async () => {
        runs++;
        if (runs === 1) throw new Error('transient');
        throw new TerminalError('UnsupportedImage', 'image ghcr.io/x is not a macOS image');
      },
      { onTerminal: (key, err) => void terminal.push([key, err]) },
    );
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.clock.tick(1000);
    await ctx.clock.tick(3_600_000);
    expect(runs).toBe(2);
    expect(terminal).toHaveLength(1);
    expect(terminal[0][0]).toBe('VirtualMachine/a');
    expect(terminal[0][1].reason).toBe('UnsupportedImage');
    expect(ctx.controller.queue.numRequeues('VirtualMachine/a')).toBe(0);
    expect(ctx.controller.lastResult('VirtualMachine/a')).toMatchObject({
      result: 'terminal',
      reason: 'UnsupportedImage',
      message: 'image ghcr.io/x is not a macOS image',
    });
    expect(ctx.total('terminal')).toBe(1);
    expect(ctx.total('error')).toBe(1);
  });

  it('a new enqueue after a terminal error runs the key again (a spec edit can fix it)', async () => {
    let runs = 0;
    const ctx = setup(async () => {
      runs++;
      if (runs === 1) throw new TerminalError('BadSpec', 'bad');
      return done();
    });
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.controller.onIdle();
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.controller.onIdle();
    expect(runs).toBe(2);
    expect(ctx.controller.lastResult('VirtualMachine/a')?.result).toBe('success');
  });

  it('a failing onTerminal hook does not break the worker', async () => {
    const ctx = setup(async (key) => {
      if (key.endsWith('/bad')) throw new TerminalError('BadSpec', 'bad');
      return done();
    }, { onTerminal: () => Promise.reject(new Error('hook broke')) });
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/bad');
    ctx.controller.enqueue('VirtualMachine/good');
    await ctx.controller.onIdle();
    expect(ctx.controller.lastResult('VirtualMachine/good')?.result).toBe('success');
  });

  it('records when each key was last reconciled and how long it took', async () => {
    const ctx = setup(async () => {
      await ctx.sleep(1500);
      return done();
    });
    const started = ctx.clock.now();
    ctx.controller.start();
    expect(ctx.controller.isInFlight('VirtualMachine/a')).toBe(false);
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.clock.tick(500);
    expect(ctx.controller.isInFlight('VirtualMachine/a')).toBe(true);
    await ctx.clock.tick(1000);
    await ctx.controller.onIdle();
    expect(ctx.controller.isInFlight('VirtualMachine/a')).toBe(false);
    expect(ctx.controller.lastResult('VirtualMachine/a')).toEqual({
      result: 'success',
      startedAt: new Date(started).toISOString(),
      at: new Date(started + 1500).toISOString(),
      durationMs: 1500,
    });
    expect(ctx.controller.lastResult('VirtualMachine/other')).toBeUndefined();
    ctx.controller.forget('VirtualMachine/a');
    expect(ctx.controller.lastResult('VirtualMachine/a')).toBeUndefined();
  });

  it('keeps no last result for an object deleted during its own reconcile', async () => {
    // The VM reconciler removes the object from the store before it returns.
    const store = new Set(['VirtualMachine/gone', 'VirtualMachine/kept']);
    const ctx = setup(
      async (key) => {
        if (key === 'VirtualMachine/gone') store.delete(key);
        return done();
      },
      { exists: (key) => store.has(key) },
    );
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/gone');
    ctx.controller.enqueue('VirtualMachine/kept');
    await settle();
    await ctx.controller.onIdle();
    expect(ctx.total('success')).toBe(2);
    expect(ctx.controller.lastResult('VirtualMachine/gone')).toBeUndefined();
    expect(ctx.controller.lastResult('VirtualMachine/kept')?.result).toBe('success');
  });
});

describe('Controller: timeouts and stopping', () => {
  it('a reconcile past reconcileTimeoutMs has its signal aborted and counts as an error', async () => {
    let signal: AbortSignal | undefined;
    const ctx = setup(
      (_key, c) => {
        signal = c.signal;
        return new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason)));
      },
      { reconcileTimeoutMs: 5000 },
    );
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.clock.tick(4999);
    expect(signal?.aborted).toBe(false);
    await ctx.clock.tick(1);
    expect(signal?.aborted).toBe(true);
    await ctx.controller.onIdle();
    const last = ctx.controller.lastResult('VirtualMachine/a');
    expect(last?.result).toBe('error');
    expect(last?.message).toMatch(/timed out after 5000 ms/);
    expect(ctx.controller.queue.numRequeues('VirtualMachine/a')).toBe(1);
  });

  it('a reconcile that ignores its signal still ends at the timeout', async () => {
    const ctx = setup(() => new Promise<ReconcileResult>(() => {}), { reconcileTimeoutMs: 1000 });
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.clock.tick(1000);
    await ctx.controller.onIdle();
    expect(ctx.controller.lastResult('VirtualMachine/a')?.result).toBe('error');
  });

  it('does not run a key again while its timed-out reconcile still runs', async () => {
    const first = deferred<ReconcileResult>();
    let active = 0;
    let most = 0;
    let calls = 0;
    const ctx = setup(
      async () => {
        calls++;
        active++;
        most = Math.max(most, active);
        try {
          return calls === 1 ? await first.promise : done(); // the first ignores its signal
        } finally {
          active--;
        }
      },
      { reconcileTimeoutMs: 1000, workers: 2 },
    );
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    await ctx.clock.tick(1000); // timed out: an error, retried with backoff
    expect(ctx.controller.lastResult('VirtualMachine/a')?.result).toBe('error');
    await ctx.clock.tick(60_000); // the retry is due long since
    await settle();
    expect(calls).toBe(1); // …but waits for the first, which still runs
    first.resolve(done());
    await settle();
    await ctx.controller.onIdle();
    expect(calls).toBe(2);
    expect(most).toBe(1);
  });

  it('stop lets an in-flight reconcile finish within the timeout and skips queued keys', async () => {
    const ran: string[] = [];
    let signal: AbortSignal | undefined;
    const ctx = setup(async (key, c) => {
      ran.push(key);
      signal = c.signal;
      await ctx.sleep(2000);
      return done();
    });
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    ctx.controller.enqueue('VirtualMachine/b');
    await settle();
    let stopped = false;
    const stopping = ctx.controller.stop(10_000).then(() => (stopped = true));
    ctx.controller.enqueue('VirtualMachine/c'); // ignored after stop
    await ctx.clock.tick(1999);
    expect(stopped).toBe(false);
    await ctx.clock.tick(1);
    await stopping;
    expect(signal?.aborted).toBe(false);
    expect(ran).toEqual(['VirtualMachine/a']);
    expect(ctx.controller.lastResult('VirtualMachine/a')?.result).toBe('success');
  });

  it('stop aborts in-flight reconciles when the timeout runs out', async () => {
    let signal: AbortSignal | undefined;
    const ctx = setup(async (_key, c) => {
      signal = c.signal;
      await ctx.sleep(60_000); // ignores the signal: stop must not wait for it
      return done();
    }, { workers: 2 });
    ctx.controller.start();
    ctx.controller.enqueue('VirtualMachine/a');
    await settle();
    let stopped = false;
    const stopping = ctx.controller.stop(5000).then(() => (stopped = true));
    await ctx.clock.tick(4999);
    expect(stopped).toBe(false);
    expect(signal?.aborted).toBe(false);
    await ctx.clock.tick(1);
    await stopping;
    expect(signal?.aborted).toBe(true);
    expect(ctx.controller.lastResult('VirtualMachine/a')).toMatchObject({ result: 'error', message: 'VirtualMachine controller stopping' });
    expect(ctx.controller.queue.stats().delayed).toBe(0); // no retry scheduled after stop
  });

  it('stop with nothing in flight returns at once', async () => {
    const ctx = setup(async () => done(), { workers: 3 });
    ctx.controller.start();
    await ctx.controller.stop(1000);
    expect(ctx.clock.pending()).toBe(0);
  });
});

describe('Controller: metrics', () => {
  it('records totals, durations, queue depth, wait and retries by kind', async () => {
    let runs = 0;
    const ctx = setup(async () => {
      runs++;
      await ctx.sleep(250);
      if (runs === 1) throw new Error('first fails');
      return done();
    });
    const depth = ctx.metrics.get('hostplane_workqueue_depth') as Gauge;
    ctx.controller.enqueue('VirtualMachine/a');
    ctx.controller.enqueue('VirtualMachine/b');
    expect(depth.get({ kind: 'VirtualMachine' })).toBe(2);
    await ctx.clock.tick(100); // both wait 100 ms before a worker starts
    ctx.controller.start();
    await ctx.clock.tick(5000);
    await ctx.controller.onIdle();
    expect(depth.get({ kind: 'VirtualMachine' })).toBe(0);
    expect(ctx.total('success')).toBe(2);
    expect(ctx.total('error')).toBe(1);
    expect(ctx.total('terminal')).toBe(0);
    const duration = (ctx.metrics.get('hostplane_reconcile_duration_seconds') as Histogram).get({ kind: 'VirtualMachine' });
    expect(duration).toEqual({ count: 3, sum: 0.75 });
    const wait = (ctx.metrics.get('hostplane_workqueue_wait_seconds') as Histogram).get({ kind: 'VirtualMachine' });
    // a waited 0.1 s, b 0.1 + 0.25 s, the retry of a 0 s once due.
    expect(wait.count).toBe(3);
    expect(wait.sum).toBeCloseTo(0.45, 10);
    expect(ctx.metrics.render()).toContain('hostplane_workqueue_retries_total{kind="VirtualMachine"} 1\n');
  });

  it('two controllers share the metric families of one registry', () => {
    const metrics = new Registry();
    new Controller({ name: 'Cluster', reconcile: async () => done(), metrics });
    new Controller({ name: 'Addon', reconcile: async () => done(), metrics });
    const text = metrics.render();
    expect(text).toContain('hostplane_reconcile_total{kind="Addon",result="success"} 0');
    expect(text).toContain('hostplane_reconcile_total{kind="Cluster",result="terminal"} 0');
    expect(text.match(/# TYPE hostplane_reconcile_total counter/g)).toHaveLength(1);
  });
});

describe('DependencyIndex', () => {
  it('answers children and parents, and set replaces earlier parents', () => {
    const idx = new DependencyIndex();
    idx.set('Addon/cilium', ['Cluster/dev']);
    idx.set('Addon/ingress', ['Cluster/dev']);
    idx.set('Cluster/dev', ['VirtualMachine/dev-cp', 'VirtualMachine/dev-w1']);
    expect(idx.childrenOf('Cluster/dev')).toEqual(['Addon/cilium', 'Addon/ingress']);
    expect(idx.childrenOf('VirtualMachine/dev-w1')).toEqual(['Cluster/dev']);
    expect(idx.parentsOf('Cluster/dev')).toEqual(['VirtualMachine/dev-cp', 'VirtualMachine/dev-w1']);

    idx.set('Cluster/dev', ['VirtualMachine/dev-cp']);
    expect(idx.childrenOf('VirtualMachine/dev-w1')).toEqual([]);
    expect(idx.parentsOf('Cluster/dev')).toEqual(['VirtualMachine/dev-cp']);

    idx.remove('Addon/cilium');
    expect(idx.childrenOf('Cluster/dev')).toEqual(['Addon/ingress']);
    expect(idx.parentsOf('Addon/cilium')).toEqual([]);
    idx.set('Addon/ingress', []);
    expect(idx.childrenOf('Cluster/dev')).toEqual([]);
  });

  it('a parent status change enqueues its children', async () => {
    const idx = new DependencyIndex();
    idx.set('Addon/cilium', ['Cluster/dev']);
    idx.set('LoadTest/smoke', ['Cluster/dev']);
    const ran: string[] = [];
    const ctx = setup(async (key) => {
      ran.push(key);
      return done();
    });
    ctx.controller.start();
    for (const child of idx.childrenOf('Cluster/dev')) ctx.controller.enqueue(child);
    await ctx.controller.onIdle();
    expect(ran).toEqual(['Addon/cilium', 'LoadTest/smoke']);
  });
});

describe('Controller: follow-up workers', () => {
  it('a short requeue runs on a follow-up worker while slow reconciles hold every regular worker', async () => {
    const release = deferred();
    const started: string[] = [];
    let probes = 0;
    const ctx = setup(async (key) => {
      started.push(key);
      if (key.startsWith('slow')) {
        await release.promise;
        return done();
      }
      probes++;
      return probes < 3 ? requeueAfter(1_000) : done();
    }, { workers: 2, followUps: { workers: 1, maxDelayMs: 2_000 } });
    ctx.controller.start();
    ctx.controller.enqueue('probe');
    await settle();
    ctx.controller.enqueue('slow-1');
    ctx.controller.enqueue('slow-2');
    ctx.controller.enqueue('slow-3');
    await settle();
    // Both regular workers hold slow keys; the probe's requeues still run, each after 1 s.
    for (let i = 0; i < 2; i++) {
      ctx.clock.advance(1_000);
      await settle();
    }
    expect(probes).toBe(3);
    expect(started.filter((k) => k.startsWith('slow'))).toEqual(['slow-1', 'slow-2']);
    release.resolve();
    await ctx.controller.onIdle();
    expect(started.filter((k) => k.startsWith('slow'))).toEqual(['slow-1', 'slow-2', 'slow-3']);
    await ctx.controller.stop();
  });

  it('without follow-up workers the same requeue waits for a regular worker', async () => {
    const release = deferred();
    let probes = 0;
    const ctx = setup(async (key) => {
      if (key.startsWith('slow')) {
        await release.promise;
        return done();
      }
      probes++;
      return probes < 3 ? requeueAfter(1_000) : done();
    }, { workers: 2 });
    ctx.controller.start();
    ctx.controller.enqueue('probe');
    await settle();
    ctx.controller.enqueue('slow-1');
    ctx.controller.enqueue('slow-2');
    await settle();
    ctx.clock.advance(1_000);
    await settle();
    expect(probes).toBe(1);
    release.resolve();
    await settle();
    expect(probes).toBe(2);
    await ctx.controller.stop();
  });
});
