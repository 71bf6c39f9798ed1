// The controller loop for one kind: N workers take keys from a WorkQueue and run the reconciler,
// and the outcome decides what happens to the key (controller-runtime's reconcileHandler):
//   done()           forget (reset backoff); nothing more until the next enqueue
//   requeueAfter(ms) forget, then addAfter(ms + jitter): polling must not inherit failure backoff
//   throw Error      addRateLimited (exponential backoff); so do non-Errors and timeouts
//   throw Terminal   forget, no retry; onTerminal lets the caller set Stalled

import { randomUUID } from 'node:crypto';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { Registry } from './metrics.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';
import { FOLLOW_UP_PRIORITY, WorkQueue, type AddOptions } from './workqueue.js';

export { DependencyIndex } from './dependency-index.js';

export type ReconcileResult = { kind: 'done' } | { kind: 'requeueAfter'; ms: number };

export function done(): ReconcileResult {
  return { kind: 'done' };
}

export function requeueAfter(ms: number): ReconcileResult {
  return { kind: 'requeueAfter', ms };
}

/** An error retrying cannot fix (bad spec, unsupported host): the key is not retried. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';

  constructor(
    /** CamelCase, for the Stalled condition's reason. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ReconcileContext {
  /** Aborted when the reconcile times out or the controller stops; pass it to every command. */
  signal: AbortSignal;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

export type ResultLabel = 'success' | 'error' | 'requeue_after' | 'terminal';

export interface LastResult {
  result: ResultLabel;
  /** When the reconcile started, ISO 8601. */
  startedAt: string;
  /** When the reconcile finished, ISO 8601. */
  at: string;
  durationMs: number;
  /** The error's message, for error and terminal. */
  message?: string;
  /** TerminalError's reason. */
  reason?: string;
  /** The delay actually used (after jitter), for requeue_after and error. */
  requeueAfterMs?: number;
}

import type { Logger } from './sinks.js';
export type { Logger };

export interface ControllerOptions {
  /** The kind this controller reconciles; the `kind` label of its metrics. */
  name: string;
  reconcile: Reconciler;
  workers?: number;
  /**
   * Short follow-ups: a requeueAfter of at most `maxDelayMs` (polling a booting guest) goes back in
   * ahead of new work, and `workers` extra workers take only such keys, so a cheap probe never
   * waits behind slow reconciles holding the regular workers. Off when unset.
   */
  followUps?: { workers: number; maxDelayMs: number };
  clock?: Clock;
  limiter?: RateLimiter;
  metrics?: Registry;
  logger?: Logger;
  /** Abort a reconcile that runs longer than this and count it as an error. Off when unset. */
  reconcileTimeoutMs?: number;
  /** Called (and awaited, the key still held) after a TerminalError; the caller sets Stalled. */
  onTerminal?: (key: string, err: TerminalError) => void | Promise<void>;
  /** Turns a requeueAfter delay into the delay used; default adds 0..10%. */
  jitter?: (ms: number) => number;
  /**
   * Whether the key's object still exists. After a reconcile of a gone object (the one that deleted
   * it, or a poll queued before) nothing about the key is kept. Everything exists when unset.
   */
  exists?: (key: string) => boolean;
}

/** ms plus up to `fraction` of it, so objects polled at the same interval spread out. */
export function addJitter(ms: number, random: () => number = Math.random, fraction = 0.1): number {
  return ms + Math.round(ms * fraction * random());
}

const quietLogger: Logger = { info() {}, warn() {}, error() {} };

type Outcome = { ok: true; result: ReconcileResult } | { ok: false; err: unknown };

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;

  private readonly reconciler: Reconciler;
  private readonly workers: number;
  private readonly followUpWorkers: number;
  private readonly followUpMaxMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly timeoutMs: number | undefined;
  /** Reconciles that lost the race to their abort and may still run, by key. */
  private readonly orphans = new Map<string, Promise<void>>();
  private readonly onTerminal: ControllerOptions['onTerminal'];
  private readonly jitter: (ms: number) => number;
  private readonly exists?: (key: string) => boolean;
  private readonly m: ReturnType<typeof controllerMetrics>;
  private readonly stopCollect: () => void;

  private readonly inFlight = new Map<string, AbortController>();
  private readonly results = new Map<string, LastResult>();
  private idleWaiters: (() => void)[] = [];
  private running: Promise<void>[] = [];
  private started = false;
  private stopping = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.reconciler = options.reconcile;
    this.workers = Math.max(1, options.workers ?? 1);
    this.followUpWorkers = Math.max(0, options.followUps?.workers ?? 0);
    this.followUpMaxMs = options.followUps?.maxDelayMs ?? -1;
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? quietLogger;
    this.timeoutMs = options.reconcileTimeoutMs;
    this.onTerminal = options.onTerminal;
    this.jitter = options.jitter ?? ((ms) => addJitter(ms));
    this.exists = options.exists;
    const registry = options.metrics ?? new Registry();
    const kind = { kind: this.name };
    this.m = controllerMetrics(registry, this.name);
    this.queue = new WorkQueue({
      clock: this.clock,
      limiter: options.limiter ?? defaultControllerRateLimiter({ clock: this.clock }),
      onDepth: (depth) => this.m.depth.set(kind, depth),
      onGet: (_key, waitMs) => this.m.wait.observe(kind, waitMs / 1000),
    });
    this.stopCollect = registry.onCollect(() => {
      this.m.longestWait.set(kind, this.queue.stats().oldestWaitMs / 1000);
    });
  }

  enqueue(key: string, options: AddOptions = {}): void {
    this.queue.add(key, options);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.workers; i++) this.running.push(this.work());
    for (let i = 0; i < this.followUpWorkers; i++) this.running.push(this.work(FOLLOW_UP_PRIORITY));
  }

  /**
   * Stop taking keys, give in-flight reconciles `timeoutMs` to finish, then abort their signals.
   * Keys still queued are dropped: on the next start the initial scan enqueues everything again.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopping = true;
    const drained = await this.queue.shutDownWithDrain(timeoutMs);
    if (!drained) {
      for (const ac of this.inFlight.values()) ac.abort(new Error(`${this.name} controller stopping`));
    }
    await Promise.all(this.running);
    this.stopCollect();
    this.resolveIdle();
  }

  /** Resolves when nothing is queued or processing (delayed keys do not count). */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  lastResult(key: string): LastResult | undefined {
    return this.results.get(key);
  }

  /** True while a worker is reconciling `key`. */
  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** The object is gone: drop its backoff and last result. */
  forget(key: string): void {
    this.queue.forget(key);
    this.results.delete(key);
  }

  /** One worker; with `minPriority` it takes only keys queued at that priority or above. */
  private async work(minPriority?: number): Promise<void> {
    for (let key = await this.queue.get(minPriority); key !== undefined; key = await this.queue.get(minPriority)) {
      // After stop(), queued keys are handed back without running.
      if (!this.stopping) await this.process(key);
      if (this.exists && !this.exists(key)) this.forget(key);
      this.queue.done(key);
      if (this.isIdle()) this.resolveIdle();
    }
  }

  private async process(key: string): Promise<void> {
    const reconcileId = randomUUID();
    const started = this.clock.now();
    const outcome = await this.run(key);
    const finished = this.clock.now(); // read once: finish time and duration must agree
    const durationMs = finished - started;
    this.m.duration.observe({ kind: this.name }, durationMs / 1000);
    const base = { startedAt: new Date(started).toISOString(), at: new Date(finished).toISOString(), durationMs };
    const log = { kind: this.name, key, reconcileId, durationMs };

    if (outcome.ok && isValidResult(outcome.result)) {
      this.queue.forget(key);
      if (outcome.result.kind === 'done') {
        this.record(key, { ...base, result: 'success' });
      } else {
        const delay = Math.max(0, Math.round(this.jitter(outcome.result.ms)));
        const followUp = outcome.result.ms <= this.followUpMaxMs;
        this.queue.addAfter(key, delay, followUp ? { priority: FOLLOW_UP_PRIORITY } : {});
        this.record(key, { ...base, result: 'requeue_after', requeueAfterMs: delay });
      }
      this.logger.debug?.('reconciled', log);
      return;
    }

    const err = outcome.ok ? new Error(`reconcile returned an invalid result: ${JSON.stringify(outcome.result)}`) : outcome.err;
    if (err instanceof TerminalError) {
      this.queue.forget(key);
      this.record(key, { ...base, result: 'terminal', message: err.message, reason: err.reason });
      (this.logger.error ?? this.logger.warn).call(this.logger, 'reconcile failed terminally; not retrying', { ...log, reason: err.reason, error: err.message });
      try {
        await this.onTerminal?.(key, err);
      } catch (hookErr) {
        (this.logger.error ?? this.logger.warn).call(this.logger, 'onTerminal hook failed', { ...log, error: messageOf(hookErr) });
      }
      return;
    }

    const message = messageOf(err);
    const delay = this.queue.addRateLimited(key);
    this.m.retries.inc({ kind: this.name });
    this.record(key, { ...base, result: 'error', message, requeueAfterMs: delay });
    this.logger.warn('reconcile failed; retrying with backoff', {
      ...log,
      error: message,
      retries: this.queue.numRequeues(key),
      retryInMs: delay,
    });
  }

  /**
   * Run the reconciler under an AbortSignal; a timeout or stop() wins the race at once. A reconcile
   * that lost the race may still be running (it ignored its signal): the next run of the same key
   * waits for it, so one key is never reconciled twice at the same time.
   */
  private async run(key: string): Promise<Outcome> {
    const ac = new AbortController();
    this.inFlight.set(key, ac);
    const aborted = new Promise<never>((_, reject) => {
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    aborted.catch(() => {}); // only observed through the race below
    const orphan = this.orphans.get(key);
    if (orphan) {
      try {
        await Promise.race([orphan, aborted]);
      } catch (err) {
        this.inFlight.delete(key);
        return { ok: false, err };
      }
    }
    let timer: TimerHandle | undefined;
    if (this.timeoutMs !== undefined && this.timeoutMs > 0) {
      const ms = this.timeoutMs;
      timer = this.clock.setTimeout(() => ac.abort(new Error(`reconcile of ${key} timed out after ${ms} ms`)), ms);
    }
    const reconciling = Promise.resolve().then(() => this.reconciler(key, { signal: ac.signal }));
    reconciling.catch(() => {}); // a reconcile that loses the race may still reject later
    try {
      return { ok: true, result: await Promise.race([reconciling, aborted]) };
    } catch (err) {
      if (ac.signal.aborted) {
        const settled: Promise<void> = reconciling.then(
          () => {},
          () => {},
        );
        this.orphans.set(key, settled);
        void settled.then(() => {
          if (this.orphans.get(key) === settled) this.orphans.delete(key);
        });
      }
      return { ok: false, err };
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      this.inFlight.delete(key);
    }
  }

  private record(key: string, result: LastResult): void {
    this.results.set(key, result);
    this.m.total.inc({ kind: this.name, result: result.result });
  }

  private isIdle(): boolean {
    const s = this.queue.stats();
    return s.depth === 0 && s.processing === 0;
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function isValidResult(r: unknown): r is ReconcileResult {
  if (typeof r !== 'object' || r === null) return false;
  const { kind, ms } = r as { kind?: unknown; ms?: unknown };
  return kind === 'done' || (kind === 'requeueAfter' && typeof ms === 'number' && Number.isFinite(ms) && ms > 0);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return typeof err === 'string' ? err : `non-Error thrown: ${JSON.stringify(err)}`;
  } catch {
    return `non-Error thrown: ${String(err)}`;
  }
}

const RESULTS: readonly ResultLabel[] = ['success', 'error', 'requeue_after', 'terminal'];

function controllerMetrics(registry: Registry, kind: string) {
  const m = {
    total: registry.counter('hostplane_reconcile_total', 'Reconciles by kind and result.', ['kind', 'result']),
    duration: registry.histogram('hostplane_reconcile_duration_seconds', 'Time spent in one reconcile, in seconds.', ['kind']),
    depth: registry.gauge('hostplane_workqueue_depth', 'Keys waiting in the work queue.', ['kind']),
    longestWait: registry.gauge(
      'hostplane_workqueue_longest_wait_seconds',
      'How long the longest-waiting queued key has waited, in seconds.',
      ['kind'],
    ),
    wait: registry.histogram('hostplane_workqueue_wait_seconds', 'Time a key waits in the queue before a worker takes it, in seconds.', ['kind']),
    retries: registry.counter('hostplane_workqueue_retries_total', 'Keys re-queued with backoff after an error.', ['kind']),
  };
  // Series exist at zero from the start, so rate() works before the first event.
  for (const result of RESULTS) m.total.inc({ kind, result }, 0);
  m.depth.set({ kind }, 0);
  m.retries.inc({ kind }, 0);
  return m;
}
