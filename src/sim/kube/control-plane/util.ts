// Small helpers the simulated controllers share: resource refs, quantities, label selectors,
// conditions, hashing and a status write that skips no-op updates (so controllers converge).
import type { KubeObject, ObjectStore, OwnerReference, ResourceRef } from '../object-store.js';

/** Loose JSON access for Kubernetes objects; the store hands back plain JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = KubeObject & Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const R = {
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  events: { group: '', version: 'v1', resource: 'events' },
  pvcs: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  pvs: { group: '', version: 'v1', resource: 'persistentvolumes' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  hpas: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  pdbs: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  apiservices: { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' },
} satisfies Record<string, ResourceRef>;

export function nsName(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** MicroTime as the API uses it for Lease renewTime and Event eventTime. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

/** A Kubernetes quantity as a number in base units ("250m" → 0.25, "1Gi" → 1073741824). */
export function parseQuantity(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const mult = SUFFIX[m[2]];
  return mult === undefined ? 0 : Number(m[1]) * mult;
}

export function milliCpu(q: unknown): number {
  return Math.round(parseQuantity(q) * 1000);
}

export function formatMilliCpu(m: number): string {
  return `${Math.max(0, Math.round(m))}m`;
}

export function formatBytesKi(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

// ---- label selectors -----------------------------------------------------------------------

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A metav1.LabelSelector: empty matches everything; undefined matches nothing (as the API says). */
export function matchesSelector(labels: Record<string, string> | undefined, sel: LabelSelector | undefined | null): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !vals.includes(l[e.key])) return false; break;
      case 'NotIn': if (has && vals.includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service-style selector (a plain map): empty or missing selects nothing. */
export function matchesMap(labels: Record<string, string> | undefined, sel: Record<string, string> | undefined): boolean {
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

// ---- owners ---------------------------------------------------------------------------------

export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

export function isOwnedBy(o: KubeObject, owner: KubeObject): boolean {
  return controllerOf(o)?.uid === owner.metadata.uid;
}

// ---- conditions ----------------------------------------------------------------------------

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
  lastHeartbeatTime?: string;
  [k: string]: unknown;
}

export function getCondition(conds: Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

/**
 * Set a condition keeping lastTransitionTime unless the status changes. `extra` carries kind-specific
 * time fields (Deployments' lastUpdateTime, which changes with reason/message).
 */
export function setCondition(
  conds: Condition[],
  c: Omit<Condition, 'lastTransitionTime'>,
  now: number,
  opts: { updateTime?: boolean; probeTime?: boolean; touch?: boolean } = {},
): Condition[] {
  const old = conds.find((x) => x.type === c.type);
  const ts = rfc3339(now);
  const next: Condition = { ...c } as Condition;
  if (opts.probeTime) next.lastProbeTime = old?.lastProbeTime ?? null;
  if (opts.updateTime) {
    next.lastUpdateTime = !opts.touch && old && old.status === c.status && old.reason === c.reason && old.message === c.message ? old.lastUpdateTime : ts;
  }
  next.lastTransitionTime = old && old.status === c.status ? (old.lastTransitionTime ?? ts) : ts;
  const out = conds.filter((x) => x.type !== c.type);
  const idx = conds.findIndex((x) => x.type === c.type);
  if (idx < 0) out.push(next);
  else out.splice(idx, 0, next);
  return out;
}

// ---- hashing / names ------------------------------------------------------------------------

/** JSON with sorted keys, so equal objects hash alike. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The alphabet Kubernetes uses for generated names and hashes (no vowels, no confusable digits). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString(fmt.Sprint(hash)) as the Deployment controller writes pod-template-hash. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

export function templateHash(template: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(stableJson(template) + (collisionCount ? String(collisionCount) : ''))));
}

// ---- writes ---------------------------------------------------------------------------------

export function isStatusError(e: unknown, code?: number): e is { code: number; reason: string; message: string } {
  return !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'number' && (code === undefined || (e as { code: number }).code === code);
}

/** Write `status` through the status subresource unless it is unchanged. Returns the stored object. */
export function writeStatus(store: ObjectStore, res: ResourceRef, obj: Obj, status: Json): Obj {
  if (stableJson(obj.status ?? {}) === stableJson(status)) return obj;
  const next = { ...obj, status };
  return store.update(res, next, { subresource: 'status', fieldManager: 'kube-controller-manager' }) as Obj;
}

export function podReady(pod: Obj): boolean {
  return getCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

export function podTerminal(pod: Obj): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function podDeleting(pod: Obj): boolean {
  return !!pod.metadata.deletionTimestamp;
}

/** Ready for at least minReadySeconds at `now`. Returns [available, ms until it will be]. */
export function podAvailable(pod: Obj, minReadySeconds: number, now: number): [boolean, number] {
  const c = getCondition(pod.status?.conditions, 'Ready');
  if (c?.status !== 'True') return [false, Infinity];
  if (!minReadySeconds) return [true, 0];
  const since = parseTime(c.lastTransitionTime) ?? now;
  const left = since + minReadySeconds * 1000 - now;
  return left <= 0 ? [true, 0] : [false, left];
}

/** IntOrString percent/absolute resolution as intstr.GetScaledValueFromIntOrPercent does. */
export function scaledValue(v: unknown, total: number, roundUp: boolean, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Requests of a pod summed over its app containers, with init containers' max as the floor (as the scheduler does). */
export function podRequests(pod: Obj): { cpuMilli: number; memory: number } {
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += milliCpu(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
    mem += parseQuantity(c.resources?.requests?.memory ?? c.resources?.limits?.memory);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    cpu = Math.max(cpu, milliCpu(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu));
    mem = Math.max(mem, parseQuantity(c.resources?.requests?.memory ?? c.resources?.limits?.memory));
  }
  return { cpuMilli: cpu, memory: mem };
}
