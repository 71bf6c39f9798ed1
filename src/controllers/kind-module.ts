// What one kind brings to the runtime. A kind's folder (src/reconcilers/<kind>/) exports one
// KindModule; src/reconcilers/index.ts lists them; the manager, the API server and the CLI read
// everything kind-specific from here, so none of them names a kind.
import type { Command } from 'commander';
import type { HostObject, Kind } from '../api/types.js';
import type { ReferenceRule } from '../api/references.js';
import type { Clock } from './clock.js';
import type { Reconciler } from './controller.js';
import type { HostCapacity } from './host-capacity.js';
import type { Registry } from './metrics.js';
import type { EventSink, Logger } from './sinks.js';
import type { StateDir } from './state-dir.js';
import type { ObjectStore } from './store.js';

/** What the runtime hands every kind's reconciler factory (ports come separately, typed by the kind). */
export interface KindRuntime {
  store: ObjectStore;
  events: EventSink;
  log: Logger;
  metrics: Registry;
  clock: Clock;
  /** Where the kind keeps its own records and logs (`records/<Kind>/…`, `logs/<Kind>/…`). */
  stateDir: StateDir;
  /** The host's CPU and memory, shared by every kind that places workloads on it. */
  capacity: HostCapacity;
  /** Blanks every secret value handed out so far (for logs the kind writes itself). */
  redact(text: string): string;
  /** The reference rules of any kind (its module's `references`), for checks that follow references across kinds. */
  referenceRules(kind: string): readonly ReferenceRule[];
  /** The specs directory; the lab root (paths in specs are relative to it) is its parent. */
  specsDir: string;
  /** Queues `Kind/name` for a reconcile now (false when no such object). */
  enqueue(key: string): boolean;
  /**
   * Queues `Kind/name` now as a follow-up (ahead of new work, taken by the follow-up workers): a wait
   * it requeued for has ended early (a booting VM's address arrived). Optional for runtimes in tests.
   */
  followUp?(key: string): boolean;
  /** Declares the files (besides its spec) the last reconcile of `key` read: a change to one queues it again. */
  watchFiles(key: string, files: readonly string[]): void;
}

/** One log file of an object, as `hostplane logs` and the API list it. */
export interface KindLogFile {
  label: string;
  file: string;
}

/** An extra HTTP route of a kind, mounted under /api/v1/<plural>/:name/<path>. */
export interface KindRoute {
  method: 'GET' | 'POST';
  /** e.g. `run` → POST /api/v1/loadtests/:name/run */
  path: string;
  handle(obj: HostObject, ctx: KindRouteContext): Promise<KindRouteResponse> | KindRouteResponse;
}

/** A route's answer: JSON by default; with `contentType` the body is sent as that text (e.g. CSV). */
export interface KindRouteResponse {
  status: number;
  body: unknown;
  contentType?: string;
  /** With `contentType`: sent as a download of this name (`content-disposition: attachment`). */
  filename?: string;
}

export interface KindRouteContext {
  stateRoot: string;
  reconcileNow(key: string): boolean;
  /** The request's query parameters (e.g. ?run=ID&format=csv). */
  query?: Record<string, string>;
}

/** What a kind's CLI verbs get: where the specs and the state dir are, and how to print. */
export interface KindCliContext {
  /** Resolved from the global --specs/--state flags when the verb runs. */
  dirs(): { specs: string; state: string };
  out(s: string): void;
  err(s: string): void;
  /** Sets the command's exit code (e.g. from a run's verdict); process.exitCode would be overwritten. */
  setCode?(code: number): void;
  /**
   * The object as the specs and the state dir know it (as `get` sees it). When it is unknown: prints
   * `get`'s NotFound error, sets exit code 4 and returns undefined.
   */
  lookup?(kind: Kind, name: string): Promise<HostObject | undefined>;
}

/**
 * A closed vocabulary per condition type: the reasons the kind may set on it. The CRD's
 * status.conditions description names every one (a test checks), and `explain` prints them.
 */
export type ConditionVocabulary = Readonly<Record<string, readonly string[]>>;

export interface KindModule<Ports = unknown> {
  kind: Kind;
  /** Short names the CLI accepts (`vm`); must equal the CRD's spec.names.shortNames. */
  shortNames: readonly string[];
  /** The kind's CRD, a file name in crds/. */
  crdFile: string;
  /** Which objects this kind's objects depend on (the dependency index and the dashboard graph). */
  references: readonly ReferenceRule[];
  /**
   * Its reconciler holds an object's deletion while other objects still reference it (a Cluster waits
   * for its Addons). The mass-deletion guard leaves references to such kinds alone; a kind without it
   * (a VM) would go at once, so a spec change deleting one that a staying object names pauses.
   */
  deletionWaitsForReferrers?: boolean;
  conditions: ConditionVocabulary;
  /** Parallel reconciles of this kind; `requested` is `up --workers` (a kind may ignore it). */
  workers(requested: number | undefined): number;
  /** Extra workers for short requeues of at most maxDelayMs (see ControllerOptions.followUps). */
  followUps?: { workers: number; maxDelayMs: number };
  /**
   * The kind's reconciler shows suspension itself (`hostplane suspend`, see object-requests.ts).
   * Otherwise the runtime simply does not reconcile a suspended object until it is resumed.
   */
  reportsSuspension?: boolean;
  /** Builds the reconciler once, at start. `options` are the kind's own knobs (tests shorten them). */
  createReconciler(rt: KindRuntime, ports: Ports, options?: Record<string, unknown>): Reconciler;
  /** Runs after the store is restored, before the first reconcile (e.g. re-reserve host capacity). */
  restore?(rt: KindRuntime): void;
  /** The log files one object of this kind has (may not exist yet). */
  logFiles?(stateRoot: string, name: string): KindLogFile[];
  routes?: readonly KindRoute[];
  /** Extra CLI verbs (commander Commands), added beside the built-in ones. */
  commands?(ctx: KindCliContext): Command[];
  /**
   * What a reconcile would do to `obj` now, decided from the last observation kept in the state dir
   * (its status and the kind's own records) without acting (`hostplane diff`). Pure apart from
   * reading the state dir; a kind without it is shown as "no plan available yet".
   */
  plan?(obj: HostObject, ctx: KindPlanContext): KindPlan;
}

export interface KindPlanContext {
  stateDir: StateDir;
}

/** One object's next action: `nothing` when converged. */
export interface KindPlan {
  action: 'create' | 'recreate' | 'start' | 'stop' | 'resize' | 'delete' | 'nothing' | 'blocked';
  /** For people: "cpu 2 → 4", "a VM of the name exists that hostplane did not create". */
  detail?: string;
}
