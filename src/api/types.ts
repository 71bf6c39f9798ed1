// Object model shared by every part of hostplane. Shapes follow Kubernetes' metav1 conventions.

export const GROUP = 'hostplane.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/**
 * A kind's name, e.g. `VirtualMachine`. The known kinds are the CRDs in crds/ (`knownKinds()` in
 * schema.ts); the runtime's list of kind modules is src/reconcilers/index.ts.
 */
export type Kind = string;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Shaped like metav1.Condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ObjectMeta {
  name: string;
  uid?: string;
  creationTimestamp?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  phase?: string;
  [field: string]: unknown;
}

export interface HostObject<Spec = Record<string, unknown>, Status extends ObjectStatus = ObjectStatus> {
  apiVersion: string;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** Where a document came from on disk, so every error can name file:line:col. */
export interface SourcePosition {
  file: string; // relative to the specs directory
  line: number; // 1-based
  col: number; // 1-based
}

/** A problem with a spec document that a person can act on. */
export interface SpecError {
  file: string;
  line: number;
  col: number;
  /** JSON-pointer-like field path, e.g. `spec.cpu`; empty when the whole document is at fault. */
  field: string;
  message: string;
  /** `kind/name` when the document got far enough to say which object it is. */
  object?: string;
}

export function objectKey(kind: Kind, name: string): string {
  return `${kind}/${name}`;
}

export function parseObjectKey(key: string): { kind: Kind; name: string } {
  const i = key.indexOf('/');
  return { kind: key.slice(0, i) as Kind, name: key.slice(i + 1) };
}

/** How a reconcile ended: the reconciler's result, or what it threw. */
export type ReconcileOutcomeName = 'done' | 'requeueAfter' | 'error' | 'terminal';

/** The last finished reconcile of one object, measured by the controller (kept in memory, never in status). */
export interface LastReconcile {
  /** When it started, ISO 8601. */
  startTime: string;
  /** When it finished, ISO 8601. */
  finishTime: string;
  durationMs: number;
  result: ReconcileOutcomeName;
  /** For requeueAfter and error: when the controller comes back (after jitter or backoff). */
  requeueAfterMs?: number;
  /** For error and terminal. */
  message?: string;
  /** For terminal: the CamelCase reason. */
  reason?: string;
}

/** `GET /api/v1/:plural/:name/reconcile`. */
export interface ReconcileInfo {
  /** null until the first reconcile of this object in this process finishes. */
  lastReconcile: LastReconcile | null;
  /** A worker is reconciling the object right now. */
  inFlight: boolean;
}
