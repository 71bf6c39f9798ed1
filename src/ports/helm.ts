// The helm port: what the Cluster (Cilium) and Addon reconcilers ask of Helm. The adapter drives
// the real helm CLI (3 or 4); reconcilers see typed results and classified errors only. Values are
// plain objects here and never appear in logs, errors or the command log.

/** Helm's release status enum (pkg/release/common/status.go). */
export type ReleaseStatus =
  | 'unknown'
  | 'deployed'
  | 'uninstalled'
  | 'superseded'
  | 'failed'
  | 'uninstalling'
  | 'pending-install'
  | 'pending-upgrade'
  | 'pending-rollback';

export const PENDING_STATUSES: readonly ReleaseStatus[] = ['pending-install', 'pending-upgrade', 'pending-rollback'];

export type Values = Record<string, unknown>;

/** Where the cluster is and which release: every call carries it. */
export interface ReleaseTarget {
  /** Path of the cluster's kubeconfig (passed as --kubeconfig). */
  kubeconfig: string;
  /** Kube context inside it; default the current one. */
  context?: string;
  namespace: string;
  release: string;
}

export interface ChartRef {
  /** Local .tgz or chart directory (what the chart source returned). */
  path: string;
}

export interface WriteOptions {
  /** Complete values (merged by the caller); written to a 0600 temp file, never on the command line. */
  values?: Values;
  /** Per-operation timeout, ms. Default 5 min, as helm. */
  timeoutMs?: number;
  /** Wait until the release's resources are ready. helm 4: watcher (kstatus); helm 3: --wait. */
  wait?: boolean;
  /** helm 4's wait strategy when wait is set (default watcher); helm 3 has only its legacy waiter. */
  waitStrategy?: 'watcher' | 'legacy';
  waitForJobs?: boolean;
  createNamespace?: boolean;
  /** helm 4 --force-replace, helm 3 --force. */
  forceReplace?: boolean;
  /** helm 4 only: server-side apply true/false/auto. Omitted: helm's default. */
  serverSide?: boolean | 'auto';
  skipCrds?: boolean;
  takeOwnership?: boolean;
  /** Labels on the release's storage record (helm --labels), e.g. who installed it. */
  labels?: Record<string, string>;
  disableHooks?: boolean;
  disableOpenAPIValidation?: boolean;
  cleanupOnFail?: boolean;
  historyMax?: number;
  description?: string;
  /** Aborts the helm process (SIGTERM) — used by tests to leave a release pending like a killed helm. */
  signal?: AbortSignal;
}

export interface ReleaseInfo {
  firstDeployed?: string;
  lastDeployed?: string;
  deleted?: string;
  description?: string;
  status: ReleaseStatus;
  notes?: string;
}

/** `helm status -o json` (and install/upgrade -o json), chart metadata when helm gives it. */
export interface Release {
  name: string;
  namespace: string;
  /** Revision. */
  version: number;
  info: ReleaseInfo;
  /** User-supplied values (may be absent). Do not log. */
  config?: Values;
  manifest?: string;
  chart?: { name: string; version: string; appVersion?: string };
  hooks?: Array<{ name: string; kind: string; events?: string[]; lastRun?: { phase?: string; startedAt?: string; completedAt?: string } }>;
  /** helm 4: 'ssa' | 'csa'. */
  applyMethod?: string;
}

/** One row of `helm history -o json`. */
export interface HistoryEntry {
  revision: number;
  updated: string;
  status: ReleaseStatus;
  /** "<name>-<version>" */
  chart: string;
  appVersion: string;
  description: string;
}

/** One row of `helm list -o json`. */
export interface ListEntry {
  name: string;
  namespace: string;
  revision: number;
  updated: string;
  status: ReleaseStatus;
  chart: string;
  appVersion: string;
}

export interface TestResult {
  /** Hook name → phase (Succeeded/Failed/...). */
  hooks: Record<string, string>;
  ok: boolean;
}

/** What went wrong, in words a reconciler can turn into a condition reason. */
export type HelmErrorKind =
  | 'Locked' // another operation (install/upgrade/rollback) is in progress
  | 'SchemaViolation' // values don't meet the chart's values.schema.json
  | 'TemplateFailure' // a template `fail` or render error (e.g. a renamed value)
  | 'NoDeployedReleases' // upgrade without --install of a release that never deployed
  | 'ReleaseNotFound' // release: not found
  | 'NameInUse' // cannot re-use a name that is still in use
  | 'Timeout' // context deadline exceeded / timed out waiting / not ready
  | 'ChartNotFound' // chart or version missing in the repo/registry, or bad local path
  | 'RepoUnreachable' // the repository or registry cannot be reached
  | 'KubeUnreachable' // the cluster API cannot be reached
  | 'OwnershipConflict' // object exists and is owned by another release / not by helm
  | 'InvalidObject' // the API server rejected a rendered object (422 "is invalid")
  | 'Aborted' // the process was stopped (signal)
  | 'Unknown';

export class HelmError extends Error {
  constructor(
    readonly kind: HelmErrorKind,
    message: string,
    /** helm's own `Error: …` text (no values: helm does not print them). */
    readonly stderr: string,
    /** Subcommand that failed ("upgrade", "status", ...). */
    readonly command: string,
    /** The value path helm/the chart named, for SchemaViolation and TemplateFailure when found. */
    readonly valuePath?: string,
  ) {
    super(message);
    this.name = 'HelmError';
  }
  /** Worth retrying later without a spec change. */
  get retryable(): boolean {
    return this.kind === 'Timeout' || this.kind === 'RepoUnreachable' || this.kind === 'KubeUnreachable' || this.kind === 'Locked';
  }
}

export interface HelmPort {
  /** The major version of the helm binary behind this port (3 or 4). */
  readonly major: 3 | 4;
  readonly version: string;
  /** `upgrade --install`: installs when absent (or all revisions uninstalled), upgrades otherwise. */
  upgradeInstall(target: ReleaseTarget, chart: ChartRef, opts?: WriteOptions): Promise<Release>;
  install(target: ReleaseTarget, chart: ChartRef, opts?: WriteOptions): Promise<Release>;
  upgrade(target: ReleaseTarget, chart: ChartRef, opts?: WriteOptions): Promise<Release>;
  /** undefined when the release does not exist. */
  status(target: ReleaseTarget, revision?: number): Promise<Release | undefined>;
  /** Newest last, as helm prints it; [] when the release does not exist. */
  history(target: ReleaseTarget, max?: number): Promise<HistoryEntry[]>;
  rollback(target: ReleaseTarget, revision: number, opts?: Omit<WriteOptions, 'values' | 'createNamespace' | 'skipCrds' | 'takeOwnership'>): Promise<void>;
  /** Succeeds when the release was already gone. */
  uninstall(target: ReleaseTarget, opts?: { timeoutMs?: number; wait?: boolean; keepHistory?: boolean; disableHooks?: boolean }): Promise<{ existed: boolean }>;
  /** All statuses (pending included) on both majors. namespace undefined: all namespaces. */
  list(where: { kubeconfig: string; context?: string; namespace?: string }): Promise<ListEntry[]>;
  /** User-supplied values (all=true: computed). {} when none. */
  getValues(target: ReleaseTarget, opts?: { all?: boolean; revision?: number }): Promise<Values>;
  getManifest(target: ReleaseTarget, revision?: number): Promise<string>;
  test(target: ReleaseTarget, opts?: { timeoutMs?: number }): Promise<TestResult>;
}
