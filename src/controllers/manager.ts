// The manager: owns the state dir and wires source → store → controllers, one controller per kind
// module it is given. It never names a kind: everything kind-specific comes from the modules
// (src/reconcilers/index.ts lists them; src/app builds the ports they need).
import type { HostObject, Kind, LastReconcile, ReconcileInfo } from '../api/types.js';
import { objectKey, parseObjectKey } from '../api/types.js';
import { parentsOf } from '../api/references.js';
import { getCondition, removeCondition, setCondition } from '../api/conditions.js';
import { loadSchemaRegistry, type SchemaRegistry } from '../api/schema.js';
import { HostCapacity, hostCapacityDefaults, type CapacityConfig } from './host-capacity.js';
import { Controller, addJitter, requeueAfter, type LastResult, type Reconciler } from './controller.js';
import { DependencyIndex } from './dependency-index.js';
import { FileDependencies } from './file-dependencies.js';
import { isSuspended, takeReconcileRequests } from './object-requests.js';
import { EventRecorder, redact, type HostEvent } from './events.js';
import { Registry } from './metrics.js';
import { SpecSource } from './source.js';
import { StateDirDeletionIntents } from './deletion-guard.js';
import { StateWriteRetry } from './state-write-retry.js';
import { StateDir } from './state-dir.js';
import { ObjectStore, StateDirPersistence, type WatchEvent } from './store.js';
import { FOLLOW_UP_PRIORITY, LOW_PRIORITY } from './workqueue.js';
import { realClock, setLongTimeout, type Clock } from './clock.js';
import type { KindModule, KindRuntime } from './kind-module.js';
import type { Logger } from './sinks.js';

/** Request file a CLI drops into the state dir to confirm a paused mass deletion. */
export const CONFIRM_DELETIONS = 'requests/confirm-deletions';

/** The Suspended condition's message while `hostplane suspend` holds an object (runtime hold, not spec.suspend). */
export const SUSPENDED_BY_REQUEST = 'hostplane suspend: held in the state dir until hostplane resume; the spec file is unchanged';

/** A safety net only: the source tells when a spec comes back (onPendingCleared). */
const PENDING_DELETION_RECHECK_MS = 30_000;

export interface ManagerOptions<Ports = unknown> {
  specsDir: string;
  stateDir: StateDir;
  /** The kinds this manager runs, each with its reconciler factory (src/reconcilers/index.ts). */
  kinds: readonly KindModule<Ports>[];
  /** The adapters the kinds' reconcilers drive (built by src/app). */
  ports: Ports;
  /** Per kind, its own knobs (e.g. VirtualMachine's poll interval), passed to its factory. */
  kindOptions?: Readonly<Record<string, Record<string, unknown>>>;
  log: Logger;
  registry?: SchemaRegistry;
  clock?: Clock;
  /** The clock of the controllers' queues (requeueAfter, back-off); default real time. Time-scaled runs pass their ScaledClock. */
  queueClock?: Clock;
  workers?: number;
  /** A spec gone from disk is deleted only after this long (a move is not a delete). */
  graceMs?: number;
  /** Record each object's git revision (lastAppliedRevision, dirty) when the specs dir is in a checkout. Default true. */
  gitRevisions?: boolean;
  /**
   * Safety-net resync (controller-runtime's SyncPeriod): every object is queued again this often,
   * at low priority, so one that settled on done or stalled is looked at again. Default 10 h.
   */
  resyncPeriodMs?: number;
  capacity?: Partial<CapacityConfig>;
  /** Every secret value handed out so far: blanked in logs the kinds write. */
  secretValues?: () => string[];
  /** Runs last in stop(), after every reconcile finished (close pooled connections). */
  onStopped?: () => Promise<void>;
  /** Back-off of retried state-dir writes after one failed (a full disk): default 1 s doubling to 60 s. */
  stateWriteRetry?: { initialMs?: number; maxMs?: number };
  /** Called as a reconcile begins (the bench measures edit → reconcile latency with it). */
  onReconcileStart?: (key: string) => void;
}

export class Manager<Ports = unknown> {
  readonly store: ObjectStore;
  readonly events: EventRecorder;
  readonly metrics = new Registry();
  readonly registry: SchemaRegistry;
  readonly capacity: HostCapacity;
  readonly controllers = new Map<Kind, Controller>();
  readonly source: SpecSource;
  private readonly runtime: KindRuntime;
  private readonly modules = new Map<Kind, KindModule<Ports>>();
  private readonly stateWrites: StateWriteRetry;
  private readonly deps = new DependencyIndex();
  private readonly fileDeps = new FileDependencies((key) => this.reconcileNow(key));
  private readonly lastSignature = new Map<string, string>();
  private unwatch?: () => void;
  private requestTimer?: NodeJS.Timeout;
  private resyncTimer?: { clear(): void };

  constructor(readonly opts: ManagerOptions<Ports>) {
    const dir = opts.stateDir;
    this.registry = opts.registry ?? loadSchemaRegistry();
    // A failed status write (full disk) goes to stateWrites, which reports and retries it.
    this.store = new ObjectStore(new StateDirPersistence(dir), {
      onPersistError: (err, key) => this.stateWrites.failed(err, key),
      onWatcherError: (err, e) => opts.log.warn(`a store watcher failed on ${e.type} ${e.object.kind}/${e.object.metadata.name}: ${err instanceof Error ? err.message : String(err)}`),
    });
    this.events = new EventRecorder({
      persistence: { load: () => dir.readJson<HostEvent[]>('events.json') ?? [], save: (events) => dir.writeJson('events.json', events) },
      onSaveError: (err) => opts.log.warn(`cannot save events.json: ${(err as Error).message}`),
    });
    this.stateWrites = new StateWriteRetry({
      dir,
      flush: () => this.store.flushUnsaved(),
      pending: () => this.store.unsavedCount(),
      events: this.events,
      metrics: this.metrics,
      log: opts.log,
      ...opts.stateWriteRetry,
    });
    this.capacity = new HostCapacity({ ...hostCapacityDefaults(), ...opts.capacity });
    this.source = new SpecSource({ specsDir: opts.specsDir, store: this.store, registry: this.registry, events: this.events, graceMs: opts.graceMs ?? 3_000,
      deletionIntents: new StateDirDeletionIntents(dir),
      referenceRules: (kind) => this.modules.get(kind as Kind)?.references ?? [],
      deletionWaitsForReferrers: (kind) => this.modules.get(kind as Kind)?.deletionWaitsForReferrers === true,
      gitRevisions: opts.gitRevisions ?? true,
      // Its spec came back: reconcile what heldWhilePendingDeletion left alone.
      onPendingCleared: (key) => this.controllers.get(parseObjectKey(key).kind as Kind)?.enqueue(key),
    });
    this.runtime = {
      store: this.store,
      events: this.events,
      log: opts.log,
      metrics: this.metrics,
      clock: opts.clock ?? realClock,
      stateDir: dir,
      capacity: this.capacity,
      redact: (text) => redact(text, opts.secretValues?.() ?? []),
      referenceRules: (kind) => this.modules.get(kind as Kind)?.references ?? [],
      specsDir: opts.specsDir,
      enqueue: (key) => this.reconcileNow(key),
      followUp: (key) => {
        const obj = this.store.getByKey(key);
        if (!obj) return false;
        this.controllerFor(obj.kind).enqueue(key, { priority: FOLLOW_UP_PRIORITY });
        return true;
      },
      watchFiles: (key, files) => this.fileDeps.set(key, files),
    };
    for (const info of this.registry.kinds()) {
      const module = opts.kinds.find((m) => m.kind === info.kind);
      if (!module) throw new Error(`the CRD of ${info.kind} has no kind module in src/reconcilers/index.ts`);
      this.modules.set(info.kind, module);
      const reconcile = module.createReconciler(this.runtime, opts.ports, opts.kindOptions?.[info.kind]);
      this.controllers.set(
        info.kind,
        new Controller({
          name: info.kind,
          workers: module.workers(opts.workers),
          followUps: module.followUps,
          metrics: this.metrics,
          reconcile: withStartHook(this.heldWhilePendingDeletion(module.reportsSuspension ? reconcile : this.skippedWhileSuspended(reconcile)), opts.onReconcileStart),
          exists: (key) => this.store.getByKey(key) !== undefined,
          ...(opts.queueClock ? { clock: opts.queueClock } : {}),
          logger: { info: () => {}, warn: (m) => opts.log.warn(m), error: (m) => opts.log.warn(m) },
        }),
      );
    }
  }

  /**
   * An object whose spec is gone but whose deletion still waits (grace period, paused guard) is
   * left alone: reconciling it would create or start what is about to be deleted (a spec removed
   * while `up` was down). Looked at again when the spec comes back or deletion begins.
   */
  private heldWhilePendingDeletion(reconcile: Reconciler): Reconciler {
    return async (key, ctx) => {
      const obj = this.store.getByKey(key);
      if (obj && !obj.metadata.deletionTimestamp && this.source.isPendingDeletion(key)) return requeueAfter(PENDING_DELETION_RECHECK_MS);
      return reconcile(key, ctx);
    };
  }

  /**
   * `hostplane suspend` (a file in the state dir): the object is left exactly as it is, with a
   * Suspended condition saying so; deletion still proceeds. Resume clears the condition, unless
   * spec.suspend (the declarative form, which the kind reports itself) still holds it.
   */
  private skippedWhileSuspended(reconcile: Reconciler): Reconciler {
    return async (key, ctx) => {
      const obj = this.store.getByKey(key);
      const held = getCondition(obj?.status?.conditions, 'Suspended');
      if (obj && !obj.metadata.deletionTimestamp && isSuspended(this.opts.stateDir, key)) {
        if (held?.status !== 'True') {
          const conditions = setCondition(obj.status?.conditions ?? [], { type: 'Suspended', status: 'True', reason: 'Suspended', message: SUSPENDED_BY_REQUEST }, obj.status?.observedGeneration, new Date(this.runtime.clock.now()));
          this.store.updateStatus(obj.kind as Kind, obj.metadata.name, { ...obj.status, conditions });
        }
        return { kind: 'done' };
      }
      if (obj && held?.message === SUSPENDED_BY_REQUEST) this.store.updateStatus(obj.kind as Kind, obj.metadata.name, { ...obj.status, conditions: removeCondition(obj.status?.conditions ?? [], 'Suspended') });
      return reconcile(key, ctx);
    };
  }

  /** Takes the lock, restores what the last run knew, scans the specs, starts the controllers. */
  async start(): Promise<void> {
    this.opts.stateDir.acquireLock();
    try {
      this.store.restore();
      this.stateWrites.start();
      for (const m of this.modules.values()) m.restore?.(this.runtime);
      // A confirmation belongs to a pause a running process reported; one left over from before must not
      // skip the grace period and the mass-deletion pause of this run.
      this.opts.stateDir.remove(CONFIRM_DELETIONS);
      await this.source.start();
      for (const obj of this.store.list()) {
        const key = objectKey(obj.kind, obj.metadata.name);
        this.deps.set(key, this.parentsOf(obj));
        this.lastSignature.set(key, lifecycleSignature(obj));
      }
      this.unwatch = this.store.watch((e) => this.onChange(e));
      // The initial scan goes in at low priority so real edits made now jump ahead of it.
      for (const obj of this.store.list()) this.controllerFor(obj.kind).enqueue(objectKey(obj.kind, obj.metadata.name), { priority: LOW_PRIORITY });
      for (const c of this.controllers.values()) c.start();
      // `hostplane confirm-deletions` (another process) leaves a request file in the state dir.
      this.requestTimer = setInterval(() => this.takeRequests(), 1_000);
      this.requestTimer.unref();
      this.scheduleResync();
    } catch (err) {
      await this.source.stop().catch(() => {});
      this.opts.stateDir.releaseLock();
      throw err;
    }
  }

  /** Graceful: stop taking keys, let in-flight reconciles finish within the timeout, release the lock. */
  async stop(timeoutMs = 20_000): Promise<void> {
    clearInterval(this.requestTimer);
    this.resyncTimer?.clear();
    this.stateWrites.stop();
    this.store.flushUnsaved(); // one last try for what a full disk held back
    this.unwatch?.();
    this.fileDeps.close();
    await this.source.stop();
    await Promise.all([...this.controllers.values()].map((c) => c.stop(timeoutMs)));
    try {
      this.events.flush();
    } catch (err) {
      this.opts.log.warn(`cannot save events.json on the way out: ${(err as Error).message}`);
    }
    await this.opts.onStopped?.();
    this.opts.stateDir.releaseLock();
  }

  /** Queues every object again after a jittered period (+0..10 %, so many hosts do not beat in step). */
  private scheduleResync(): void {
    const period = this.opts.resyncPeriodMs ?? 10 * 60 * 60_000;
    this.resyncTimer = setLongTimeout(
      () => {
        for (const obj of this.store.list()) this.controllerFor(obj.kind).enqueue(objectKey(obj.kind, obj.metadata.name), { priority: LOW_PRIORITY });
        this.scheduleResync();
      },
      addJitter(period),
      { unref: true },
    );
  }

  private takeRequests(): void {
    const dir = this.opts.stateDir;
    // `hostplane reconcile|suspend|resume KIND/NAME` from another process.
    for (const key of takeReconcileRequests(dir)) this.reconcileNow(key);
    if (!dir.exists(CONFIRM_DELETIONS)) return;
    dir.remove(CONFIRM_DELETIONS);
    if (this.source.status().deletionPaused) this.source.confirmDeletions();
    else this.events.record({ object: 'File/.', type: 'Normal', reason: 'ConfirmationIgnored', message: 'hostplane confirm-deletions: no deletion is paused, so nothing was confirmed' });
  }

  reconcileNow(key: string): boolean {
    const obj = this.store.getByKey(key);
    if (!obj) return false;
    this.controllerFor(obj.kind).enqueue(key);
    return true;
  }

  /**
   * The last finished reconcile of `Kind/name` and whether one runs now, as the controller measured
   * them. In memory only: writing it into status would rewrite the status file on every reconcile.
   */
  reconcileInfo(key: string): ReconcileInfo {
    const kind = parseObjectKey(key).kind as Kind;
    const controller = this.controllers.get(kind);
    const last = controller?.lastResult(key);
    return { lastReconcile: last ? toLastReconcile(last) : null, inFlight: controller?.isInFlight(key) ?? false };
  }

  /** Resolves when every controller is idle (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.controllers.values()].map((c) => c.onIdle()));
  }

  private controllerFor(kind: Kind): Controller {
    return this.controllers.get(kind)!;
  }

  private onChange(e: WatchEvent): void {
    const obj = e.object;
    const key = objectKey(obj.kind, obj.metadata.name);
    if (e.type === 'DELETED') {
      this.deps.remove(key);
      this.fileDeps.forget(key);
      this.lastSignature.delete(key);
      this.controllerFor(obj.kind).forget(key);
      this.enqueueChildren(key);
      return;
    }
    this.deps.set(key, this.parentsOf(obj));
    // A status write of our own does not need another reconcile of the same object; its children may care.
    const sig = lifecycleSignature(obj);
    const changed = this.lastSignature.get(key) !== sig;
    this.lastSignature.set(key, sig);
    if (e.type === 'ADDED' || changed) this.controllerFor(obj.kind).enqueue(key);
    // Children look again when a parent appears (a dangling reference resolves), changes its spec
    // (a dependsOn cycle may form or break) or its status.
    this.enqueueChildren(key);
  }

  private enqueueChildren(parentKey: string): void {
    for (const child of this.deps.childrenOf(parentKey)) {
      const obj = this.store.getByKey(child);
      if (obj) this.controllerFor(obj.kind).enqueue(child);
    }
  }

  private parentsOf(obj: HostObject): string[] {
    return parentsOf(obj, this.modules.get(obj.kind)?.references ?? []);
  }
}

const OUTCOME_NAMES: Record<LastResult['result'], LastReconcile['result']> = { success: 'done', requeue_after: 'requeueAfter', error: 'error', terminal: 'terminal' };

function toLastReconcile(r: LastResult): LastReconcile {
  return {
    startTime: r.startedAt,
    finishTime: r.at,
    durationMs: r.durationMs,
    result: OUTCOME_NAMES[r.result],
    ...(r.requeueAfterMs !== undefined ? { requeueAfterMs: r.requeueAfterMs } : {}),
    ...(r.message !== undefined ? { message: r.message } : {}),
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
  };
}

/** What about an object makes its own reconcile necessary: spec generation and deletion, not status. */
function lifecycleSignature(obj: HostObject): string {
  return `${obj.metadata.generation}|${obj.metadata.deletionTimestamp ?? ''}|${JSON.stringify(obj.metadata.annotations ?? {})}`;
}

/** Tells `onStart` (the bench) as each reconcile begins. */
function withStartHook(reconcile: Reconciler, onStart?: (key: string) => void): Reconciler {
  if (!onStart) return reconcile;
  return async (key, ctx) => {
    onStart(key);
    return await reconcile(key, ctx);
  };
}
