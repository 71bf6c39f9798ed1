// The contract between the simulated Kubernetes API server's storage (served over HTTPS to the real
// kubectl/helm/client-node) and the in-process simulated control plane (controllers, scheduler,
// kubelets, workload model). Controllers act through this interface the way kube-controller-manager
// acts through the API: every change they make is a normal write that bumps resourceVersion and
// reaches watchers, so what a client sees is exactly what the simulation did.
import type { Clock } from '../../controllers/clock.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

/** Any Kubernetes object as JSON. Typed access is the caller's business (cast to client-node's V1Pod etc.). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A resource as the URL names it: group '' is core. `resource` is the plural lower-case name. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface ListOptions {
  /** undefined = all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  /** kubectl syntax: `app=web,tier in (a,b),!legacy`. */
  labelSelector?: string;
  /** `metadata.name=x,spec.nodeName=node1,status.phase!=Running`. */
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions extends ListOptions {
  /** Deliver events after this resourceVersion; '' or undefined = synthetic ADDED for every current object first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteOptions {
  fieldManager?: string;
  /** Server-side apply only: take over fields owned by other managers. */
  force?: boolean;
  dryRun?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * Errors thrown by the store carry the Kubernetes Status shape, so the HTTP layer answers with
 * the real code and reason (NotFound 404, AlreadyExists 409, Conflict 409, Invalid 422,
 * Gone 410, Forbidden 403, BadRequest 400, UnsupportedMediaType 415, RequestEntityTooLarge 413).
 */
export interface KubeStatusErrorShape {
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/**
 * The store all simulated components share. Synchronous where the data is in memory, so
 * controllers stay simple; writes notify watchers before they return.
 */
export interface ObjectStore {
  readonly clock: Clock;
  get(res: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined;
  list(res: ResourceRef, opts?: ListOptions): ObjectList;
  create(res: ResourceRef, obj: KubeObject, opts?: WriteOptions): KubeObject;
  /** Optimistic concurrency when obj.metadata.resourceVersion is set (409 Conflict on mismatch). */
  update(res: ResourceRef, obj: KubeObject, opts?: WriteOptions & { subresource?: 'status' | 'scale' }): KubeObject;
  patch(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: WriteOptions & { subresource?: 'status' | 'scale' },
  ): KubeObject;
  /** Returns the object as it is after the call: with deletionTimestamp set while finalizers remain, or gone. */
  delete(res: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOptions): KubeObject | undefined;
  /** Returns the function that stops the watch. */
  watch(res: ResourceRef, opts: WatchOptions, onEvent: (event: WatchEvent) => void): () => void;
  /**
   * Optional: what POST pods/{name}/binding does — set an unbound pod's spec.nodeName (409 if it
   * is already bound). The simulated scheduler uses it when present; without it, it updates the
   * pod with spec.nodeName set, which a store enforcing pod-spec immutability must then allow.
   */
  bind?(namespace: string, podName: string, nodeName: string): KubeObject;
}

/** Pod logs come from the kubelet that runs the pod (the simulated control plane supplies them). */
export interface PodLogOptions {
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
}

export interface PodLogSource {
  /** The log so far (NotFound/BadRequest as KubeStatusErrorShape throws), plus, for follow, a subscription to what comes next that ends when the container ends. */
  read(namespace: string, pod: string, opts: PodLogOptions): {
    text: string;
    follow(onChunk: (chunk: string) => void, onEnd: () => void): () => void;
  };
}

/**
 * Resource usage for metrics.k8s.io/v1beta1 (what metrics-server would report). The simulated
 * control plane supplies it; the API server serves it only once an APIService named
 * v1beta1.metrics.k8s.io is Available, as the real aggregator does. Quantities are Kubernetes
 * strings ("250m", "128Mi").
 */
export interface NodeMetricsSample {
  name: string;
  /** RFC 3339 */
  timestamp: string;
  /** e.g. "10s" */
  window: string;
  usage: { cpu: string; memory: string };
}

export interface PodMetricsSample {
  namespace: string;
  name: string;
  timestamp: string;
  window: string;
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}

export interface MetricsSource {
  nodes(): NodeMetricsSample[];
  /** undefined = every namespace. */
  pods(namespace?: string): PodMetricsSample[];
}
