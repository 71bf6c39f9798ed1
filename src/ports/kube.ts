// A small Kubernetes client port: what the Cluster, Addon and LoadTest reconcilers need from a
// cluster's API. Objects are plain JSON (KubeObject); callers cast to client-node's model types
// when they want typed fields. One KubePort instance talks to one cluster (one kubeconfig).

export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

/** Which objects: apiVersion + kind, as in a manifest. */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface ObjectRef extends KindRef {
  name: string;
  namespace?: string;
}

export interface ListQuery extends KindRef {
  /** Omit for cluster-scoped kinds or all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface NodeSummary {
  name: string;
  ready: boolean;
  /** Reason/message of the Ready condition when not ready. */
  readyReason?: string;
  unschedulable: boolean;
  internalIP?: string;
  kubeletVersion?: string;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchHandle {
  /** Stops the watch; resolves when the stream is closed. */
  stop(): Promise<void>;
  /** Settles when the stream ends (by stop, by the server, or an error). */
  done: Promise<void>;
}

export type KubeErrorKind = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Forbidden' | 'Unauthorized' | 'Unreachable' | 'Timeout' | 'Unknown';

export class KubeError extends Error {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    /** HTTP status when the server answered. */
    readonly code?: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export interface ApplyOptions {
  /** Default 'hostplane'. */
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface LogOptions {
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
}

export interface KubePort {
  /** GET /readyz: true when 200 "ok". Never throws for an unreachable server (false + reason). */
  readyz(opts?: { timeoutMs?: number }): Promise<{ ok: boolean; reason?: string }>;
  serverVersion(): Promise<{ gitVersion: string; major: string; minor: string }>;
  listNodes(): Promise<NodeSummary[]>;
  /** Server-side apply (PATCH application/apply-patch+yaml). Returns the object the server holds. */
  apply(obj: KubeObject, opts?: ApplyOptions): Promise<KubeObject>;
  create(obj: KubeObject): Promise<KubeObject>;
  /** undefined when not found. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(q: ListQuery): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Merge patch (RFC 7386), e.g. cordon: {spec:{unschedulable:true}}. */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** false when it was already gone. */
  delete(ref: ObjectRef, opts?: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; gracePeriodSeconds?: number }): Promise<boolean>;
  /** Evicts a pod (honours PDBs; a 429 becomes KubeError 'Conflict' with reason TooManyRequests). */
  evict(pod: { name: string; namespace: string }): Promise<void>;
  podLogs(pod: { name: string; namespace: string }, opts?: LogOptions): Promise<string>;
  /**
   * Watches a kind from a resourceVersion (or from now when omitted). Events arrive in order;
   * a 410 Gone ends the watch with KubeError 'Conflict' reason 'Expired' on `done`.
   */
  watch(
    q: ListQuery & { resourceVersion?: string },
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Promise<WatchHandle>;
}
