// The manager: owns the state dir and wires source → store → controllers → providers → API.
// `hostplane up` is a thin shell around it; tests and the bench drive it directly.
import type { HostObject, Kind, LastReconcile, ReconcileInfo } from '../api/types.js';
import { KINDS, objectKey, parseObjectKey } from '../api/types.js';
import { loadSchemaRegistry, type SchemaRegistry } from '../api/schema.js';
import { HostCapacity, hostCapacityDefaults, type CapacityConfig } from './host-capacity.js';
import { Controller, TerminalError, addJitter, type LastResult, type Reconciler } from './controller.js';
import { DependencyIndex } from './dependency-index.js';
import { parentsOf } from './dependencies.js';
import { EventRecorder, redact, type HostEvent } from './events.js';
import { Registry, providerCommandMetrics } from './metrics.js';
import { SpecSource } from './source.js';
import { StateDir } from './state-dir.js';
import { ObjectStore, StateDirPersistence, type WatchEvent } from './store.js';
import { LOW_PRIORITY } from './workqueue.js';
import { setLongTimeout } from './clock.js';
import type { GuestExec } from '../providers/guest-exec.js';
import { SecretStore } from '../providers/secrets.js';
import { observedProvider } from '../providers/observed.js';
import type { VmProvider } from '../providers/vm-provider.js';
import { TerminalReconcileError } from '../reconcilers/framework.js';
import { createPendingReconciler } from '../reconcilers/pending/reconciler.js';
import type { CrashLoopPolicy } from '../reconcilers/virtualmachine/crash-loop.js';
import { VmCommandLog } from '../reconcilers/virtualmachine/command-log.js';
import { VmObserver } from '../reconcilers/virtualmachine/observer.js';
import { VmRecords } from '../reconcilers/virtualmachine/records.js';
import { createVmReconciler } from '../reconcilers/virtualmachine/reconciler.js';
import { toMiB } from '../reconcilers/virtualmachine/spec.js';
import type { Logger } from '../reconcilers/deps.js';

/** Request file a CLI drops into the state dir to confirm a paused mass deletion. */
export const CONFIRM_DELETIONS = 'requests/confirm-deletions';

export interface ManagerOptions {
  specsDir: string;
  stateDir: StateDir;
  provider: VmProvider;
  guest: GuestExec;
  log: Logger;
  registry?: SchemaRegistry;
  workers?: number;
  /** A spec gone from disk is deleted only after this long (a move is not a delete). */
  graceMs?: number;
  pollIntervalMs?: number;
  ipWaitSeconds?: number;
  stopTimeoutSeconds?: number;
  /**
   * Safety-net resync (controller-runtime's SyncPeriod): every object is queued again this often,
   * at low priority, so one that settled on done or stalled is looked at again. Default 10 h.
   */
  resyncPeriodMs?: number;
  /** Crash-loop back-off of VMs that keep stopping behind our back (tests shorten it). */
  crashLoop?: CrashLoopPolicy;
  /** How old one batched provider list may be and still serve a reconcile. */
  observeMaxAgeMs?: number;
  capacity?: Partial<CapacityConfig>;
  /** Called as a reconcile begins (the bench measures edit → reconcile latency with it). */
  onReconcileStart?: (key: string) => void;
}

export class Manager {
  readonly store: ObjectStore;
  readonly events: EventRecorder;
  readonly metrics = new Registry();
  readonly registry: SchemaRegistry;
  readonly capacity: HostCapacity;
  readonly secrets: SecretStore;
  readonly controllers = new Map<Kind, Controller>();
  readonly source: SpecSource;
  private readonly deps = new DependencyIndex();
  private readonly lastSignature = new Map<string, string>();
  private unwatch?: () => void;
  private requestTimer?: NodeJS.Timeout;
  private resyncTimer?: { clear(): void };

  constructor(readonly opts: ManagerOptions) {
    const dir = opts.stateDir;
    this.registry = opts.registry ?? loadSchemaRegistry();
    this.store = new ObjectStore(new StateDirPersistence(dir));
    this.events = new EventRecorder({
      persistence: { load: () => dir.readJson<HostEvent[]>('events.json') ?? [], save: (events) => dir.writeJson('events.json', events) },
    });
    this.secrets = new SecretStore(dir);
    this.capacity = new HostCapacity({ ...hostCapacityDefaults(), ...opts.capacity });
    this.source = new SpecSource({ specsDir: opts.specsDir, store: this.store, registry: this.registry, events: this.events, graceMs: opts.graceMs ?? 3_000 });

    const providerMetrics = providerCommandMetrics(this.metrics);
    const commandLog = new VmCommandLog(dir, (text) => redact(text, this.secrets.values()));
    const provider = observedProvider(opts.provider, (cmd, args, ms, error) => {
      providerMetrics.observe(opts.provider.name, cmd, ms / 1000, error !== undefined);
      commandLog.record(cmd, args, ms, error);
    });
    const vmReconcile = createVmReconciler({
      store: this.store,
      provider,
      guest: opts.guest,
      observer: new VmObserver(provider, opts.observeMaxAgeMs ?? 2_000),
      records: new VmRecords(dir),
      capacity: this.capacity,
      secrets: this.secrets,
      events: this.events,
      stateDir: dir,
      log: opts.log,
      now: () => new Date(),
      pollIntervalMs: opts.pollIntervalMs ?? 30_000,
      ipWaitSeconds: opts.ipWaitSeconds ?? 0, // no reconcile waits for a guest's address: it is asked again (requeue)
      stopTimeoutSeconds: opts.stopTimeoutSeconds ?? 30,
      ...(opts.crashLoop ? { crashLoop: opts.crashLoop } : {}),
    });
    const pending = createPendingReconciler(this.store);
    for (const kind of KINDS) {
      const reconcile: Reconciler = kind === 'VirtualMachine' ? vmReconcile : pending;
      this.controllers.set(
        kind,
        new Controller({
          name: kind,
          workers: kind === 'VirtualMachine' ? (opts.workers ?? 4) : 1,
          metrics: this.metrics,
          reconcile: terminalAware(reconcile, opts.onReconcileStart),
          exists: (key) => this.store.getByKey(key) !== undefined,
          logger: { info: () => {}, warn: (m) => opts.log.warn(m), error: (m) => opts.log.warn(m) },
        }),
      );
    }
  }

  /** Takes the lock, restores what the last run knew, scans the specs, starts the controllers. */
  async start(): Promise<void> {
    this.opts.stateDir.acquireLock();
    try {
      this.store.restore();
      this.seedCapacity();
      // A confirmation belongs to a pause a running process reported; one left over from before must not
      // skip the grace period and the mass-deletion pause of this run.
      this.opts.stateDir.remove(CONFIRM_DELETIONS);
      await this.source.start();
      for (const obj of this.store.list()) {
        const key = objectKey(obj.kind, obj.metadata.name);
        this.deps.set(key, parentsOf(obj));
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
    this.unwatch?.();
    await this.source.stop();
    await Promise.all([...this.controllers.values()].map((c) => c.stop(timeoutMs)));
    this.events.flush();
    await this.opts.guest.close();
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
      this.lastSignature.delete(key);
      this.controllerFor(obj.kind).forget(key);
      this.enqueueChildren(key);
      return;
    }
    this.deps.set(key, parentsOf(obj));
    // A status write of our own does not need another reconcile of the same object; its children may care.
    const sig = lifecycleSignature(obj);
    const changed = this.lastSignature.get(key) !== sig;
    this.lastSignature.set(key, sig);
    if (e.type === 'ADDED' || changed) this.controllerFor(obj.kind).enqueue(key);
    else this.enqueueChildren(key);
  }

  private enqueueChildren(parentKey: string): void {
    for (const child of this.deps.childrenOf(parentKey)) {
      const obj = this.store.getByKey(child);
      if (obj) this.controllerFor(obj.kind).enqueue(child);
    }
  }

  /** VMs that already run count against the host before any new VM is admitted. */
  private seedCapacity(): void {
    for (const obj of this.store.list('VirtualMachine')) {
      if (obj.status?.state === 'running') {
        const s = obj.spec as { cpu?: number; memory?: string };
        this.capacity.reserve(objectKey('VirtualMachine', obj.metadata.name), s.cpu ?? 2, toMiB(s.memory ?? '4Gi'), true);
      }
    }
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

/** Our reconcilers throw TerminalReconcileError; the controller knows TerminalError. */
function terminalAware(reconcile: Reconciler, onStart?: (key: string) => void): Reconciler {
  return async (key, ctx) => {
    onStart?.(key);
    try {
      return await reconcile(key, ctx);
    } catch (err) {
      if (err instanceof TerminalReconcileError) throw new TerminalError(err.reason, err.message, { cause: err });
      throw err;
    }
  };
}

