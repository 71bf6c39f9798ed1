// The in-memory object store behind the simulated API server: the semantics kube-apiserver and
// etcd give clients (resourceVersions, optimistic concurrency, patches, server-side apply,
// finalizers, garbage collection, namespace termination, watch history), in one process.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../controllers/clock.js';
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  ObjectList,
  ObjectStore,
  PatchType,
  ResourceRef,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from '../object-store.js';
import { CrdValidator, crdStatus, defFromCrd } from './crd.js';
import { applyDefaults } from './defaults.js';
import { checkUpdate } from './immutability.js';
import { alreadyExists, badRequest, conflict, forbidden, gone, invalid, KubeStatusError, notFound, qualified, unsupportedMediaType } from './errors.js';
import { serverSideApply, trackUpdate } from './fields.js';
import { applyJsonPatch, applyMergePatch, deepEqual, strategicMerge } from './patch.js';
import { apiVersionOf, ResourceRegistry, storageKey, type ResourceDef } from './registry.js';
import { nameFromFieldSelector, parseFieldSelector, parseLabelSelector } from './selectors.js';

type Obj = Record<string, any>;

export interface MemoryStoreOptions {
  clock: Clock;
  /** Most objects of all kinds together (403 beyond). */
  maxObjects?: number;
  /** Most objects of one resource (403 beyond). */
  maxObjectsPerResource?: number;
  /** Watch events kept for resuming watches; older resourceVersions get 410 Gone. */
  eventHistory?: number;
  /** Seed for generateName suffixes (deterministic tests). */
  seed?: number;
}

export interface StoreSnapshot {
  version: 1;
  resourceVersion: number;
  nextClusterIP: number;
  nextNodePort: number;
  objects: { group: string; resource: string; object: KubeObject }[];
}

interface HistoryEvent {
  rv: number;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  old?: KubeObject;
}

interface Watcher {
  key: string;
  namespace?: string;
  name?: string;
  label: (l: Record<string, string> | undefined) => boolean;
  field: (o: unknown) => boolean;
  cb: (e: WatchEvent) => void;
  stopped: boolean;
}

const CORE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** kube-apiserver's per-resource name rules: RBAC names are path segments (`system:metrics-server`), namespaces DNS labels, services DNS-1035 labels, the rest DNS subdomains. */
function nameProblem(d: { group: string; resource: string }, name: string): string | undefined {
  if (d.group === 'rbac.authorization.k8s.io') {
    if (name === '.' || name === '..' || /[/%]/.test(name)) return `may not be '.' or '..' and may not contain '/' or '%'`;
    return undefined;
  }
  if (!d.group && d.resource === 'namespaces') {
    if (name.length > 63 || !DNS_LABEL.test(name)) return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
    return undefined;
  }
  if (!d.group && d.resource === 'services') {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) return `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;
    return undefined;
  }
  if (name.length > 253 || !NAME_RE.test(name)) return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return undefined;
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

const objKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

/** First index whose key is >= k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements ObjectStore {
  readonly clock: Clock;
  readonly registry = new ResourceRegistry();
  private data = new Map<string, Map<string, KubeObject>>();
  private rv = 1;
  private count = 0;
  private history: HistoryEvent[] = [];
  /** Events with rv > historyFloor are all in `history`. */
  private historyFloor = 1;
  private watchers = new Map<string, Set<Watcher>>();
  private pending: HistoryEvent[] = [];
  private dispatching = false;
  /** owner uid → dependents (storage key + object key). */
  private dependents = new Map<string, Set<string>>();
  private validator = new CrdValidator();
  /** Each bucket's keys in order ("ns/name"), rebuilt after an object is added or removed. */
  private sortedKeys = new WeakMap<Map<string, KubeObject>, string[]>();
  private changeListeners = new Set<() => void>();
  private rand: number;
  private nextClusterIP = 10;
  private nextNodePort = 30000;
  private readonly maxObjects: number;
  private readonly maxPerResource: number;
  private readonly historySize: number;

  constructor(opts: MemoryStoreOptions) {
    this.clock = opts.clock;
    this.maxObjects = opts.maxObjects ?? 100_000;
    this.maxPerResource = opts.maxObjectsPerResource ?? 50_000;
    this.historySize = opts.eventHistory ?? 10_000;
    this.rand = (opts.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0 || 1;
    for (const ns of CORE_NAMESPACES) this.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    this.create({ group: '', version: 'v1', resource: 'services' }, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
  }

  // -------------------------------------------------------------------------------------------
  // helpers

  currentResourceVersion(): string {
    return String(this.rv);
  }

  onChange(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private def(res: ResourceRef | { group: string; resource: string; version?: string }): ResourceDef {
    const d = this.registry.find(res);
    if (!d) throw new KubeStatusError(404, 'NotFound', `the server could not find the requested resource (${qualified(res.resource, res.group)}${res.version ? ' ' + res.version : ''})`, { group: res.group, kind: res.resource });
    return d;
  }

  private bucket(d: ResourceDef): Map<string, KubeObject> {
    const k = storageKey(d.group, d.resource);
    let b = this.data.get(k);
    if (!b) this.data.set(k, (b = new Map()));
    return b;
  }

  private nsOf(d: ResourceDef, ns: string | undefined): string | undefined {
    if (!d.namespaced) return undefined;
    if (!ns) throw badRequest(`a namespace is required for ${qualified(d.resource, d.group)}`);
    return ns;
  }

  private suffix(): string {
    let s = '';
    for (let i = 0; i < 5; i++) {
      this.rand = (Math.imul(this.rand, 1103515245) + 12345) >>> 0;
      s += SUFFIX_CHARS[(this.rand >>> 16) % SUFFIX_CHARS.length];
    }
    return s;
  }

  private defaultCtx() {
    return {
      allocateClusterIP: () => {
        const n = this.nextClusterIP++;
        return `10.96.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`;
      },
      allocateNodePort: () => {
        const p = this.nextNodePort++;
        if (this.nextNodePort > 32767) this.nextNodePort = 30000;
        return p;
      },
    };
  }

  private stamp(d: ResourceDef, obj: KubeObject): void {
    obj.apiVersion = apiVersionOf(d);
    obj.kind = d.kind;
  }

  private specChanged(a: Obj, b: Obj): boolean {
    const strip = (o: Obj) => {
      const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    };
    return !deepEqual(strip(a), strip(b));
  }

  private index(d: ResourceDef, obj: KubeObject, add: boolean): void {
    const ref = `${storageKey(d.group, d.resource)}|${objKey(obj.metadata.namespace, obj.metadata.name!)}`;
    for (const o of obj.metadata.ownerReferences ?? []) {
      let s = this.dependents.get(o.uid);
      if (add) {
        if (!s) this.dependents.set(o.uid, (s = new Set()));
        s.add(ref);
      } else if (s) {
        s.delete(ref);
        if (s.size === 0) this.dependents.delete(o.uid);
      }
    }
  }

  private findByRef(ref: string): { def: ResourceDef; obj: KubeObject } | undefined {
    const [sk, ok] = ref.split('|');
    const [group, resource] = [sk.slice(0, sk.indexOf('/')), sk.slice(sk.indexOf('/') + 1)];
    const def = this.registry.find({ group, resource });
    const obj = this.data.get(sk)?.get(ok);
    return def && obj ? { def, obj } : undefined;
  }

  private emit(d: ResourceDef, type: HistoryEvent['type'], object: KubeObject, old?: KubeObject): void {
    const ev: HistoryEvent = { rv: Number(object.metadata.resourceVersion), key: storageKey(d.group, d.resource), type, object, old };
    this.history.push(ev);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.historyFloor = dropped[dropped.length - 1].rv;
    }
    this.pending.push(ev);
    for (const fn of this.changeListeners) fn();
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      // Writes made by watchers while we deliver are queued, so every watcher sees events in order.
      for (let ev2 = this.pending.shift(); ev2; ev2 = this.pending.shift()) this.deliver(ev2);
    } finally {
      this.dispatching = false;
    }
  }

  private deliver(ev: HistoryEvent): void {
    const ws = this.watchers.get(ev.key);
    if (!ws) return;
    for (const w of [...ws]) this.deliverTo(w, ev);
  }

  private deliverTo(w: Watcher, ev: HistoryEvent): void {
    if (w.stopped) return;
    const now = this.matches(w, ev.object);
    const before = ev.old ? this.matches(w, ev.old) : false;
    let type: WatchEvent['type'] | undefined;
    if (ev.type === 'MODIFIED') type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    else type = now ? ev.type : undefined;
    if (!type) return;
    try {
      w.cb({ type, object: clone(ev.object) });
    } catch {
      /* a watcher's failure is its own */
    }
  }

  private matches(w: { namespace?: string; name?: string; label: Watcher['label']; field: Watcher['field'] }, o: KubeObject): boolean {
    if (w.namespace !== undefined && o.metadata.namespace !== w.namespace) return false;
    if (w.name !== undefined && o.metadata.name !== w.name) return false;
    return w.label(o.metadata.labels) && w.field(o);
  }

  // -------------------------------------------------------------------------------------------
  // reads

  get(res: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const d = this.def(res);
    const o = this.bucket(d).get(objKey(d.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** get that throws NotFound (the HTTP layer's GET). */
  mustGet(res: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const o = this.get(res, namespace, name);
    if (!o) throw notFound(res.resource, res.group, name);
    return o;
  }

  list(res: ResourceRef, opts: ListOptions = {}): ObjectList {
    const d = this.def(res);
    const label = parseLabelSelector(opts.labelSelector);
    const field = parseFieldSelector(opts.fieldSelector);
    const name = nameFromFieldSelector(opts.fieldSelector);
    const ns = d.namespaced ? opts.namespace : undefined;
    const b = this.bucket(d);
    let keys: string[];
    let start = 0;
    if (name !== undefined && (ns !== undefined || !d.namespaced)) keys = b.has(objKey(ns, name)) ? [objKey(ns, name)] : [];
    else {
      keys = this.sortedKeys.get(b) ?? [...b.keys()].sort();
      this.sortedKeys.set(b, keys);
      // One namespace: start at its first key (keys sort as "ns/name"); the loop stops after its last.
      if (ns !== undefined) start = lowerBound(keys, `${ns}/`);
    }
    if (opts.continue) {
      let after: string;
      try {
        after = JSON.parse(Buffer.from(opts.continue, 'base64url').toString()).k;
      } catch {
        throw badRequest('continue key is not valid: ask for the list again without continue');
      }
      start = Math.max(start, lowerBound(keys, after + '\u0000'));
    }
    const items: KubeObject[] = [];
    let next: string | undefined;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    for (let i = start; i < keys.length; i++) {
      const o = b.get(keys[i])!;
      if (ns !== undefined && o.metadata.namespace !== ns) break;
      if (!label(o.metadata.labels) || !field(o)) continue;
      if (items.length >= limit) {
        next = Buffer.from(JSON.stringify({ k: keys[i - 1] })).toString('base64url');
        break;
      }
      items.push(clone(o));
    }
    // A continue token only when something really follows.
    if (next !== undefined && items.length) next = Buffer.from(JSON.stringify({ k: objKey(items[items.length - 1].metadata.namespace, items[items.length - 1].metadata.name!) })).toString('base64url');
    return { items, resourceVersion: String(this.rv), ...(next ? { continue: next } : {}) };
  }

  watch(res: ResourceRef, opts: WatchOptions, onEvent: (event: WatchEvent) => void): () => void {
    const d = this.def(res);
    const key = storageKey(d.group, d.resource);
    const w: Watcher = {
      key,
      namespace: d.namespaced ? opts.namespace : undefined,
      name: nameFromFieldSelector(opts.fieldSelector),
      label: parseLabelSelector(opts.labelSelector),
      field: parseFieldSelector(opts.fieldSelector),
      cb: onEvent,
      stopped: false,
    };
    const from = opts.resourceVersion;
    if (from === undefined || from === '' || from === '0') {
      for (const o of this.list(res, { namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }).items) onEvent({ type: 'ADDED', object: o });
    } else {
      const n = Number(from);
      if (!Number.isFinite(n)) throw badRequest(`invalid resourceVersion "${from}"`);
      if (n < this.historyFloor) throw gone(`too old resource version: ${from} (${this.historyFloor})`);
      for (const ev of this.history) if (ev.rv > n && ev.key === key) this.deliverTo(w, ev);
    }
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(w);
    return () => {
      w.stopped = true;
      this.watchers.get(key)?.delete(w);
    };
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  // -------------------------------------------------------------------------------------------
  // writes

  create(res: ResourceRef, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const d = this.def(res);
    if (!input || typeof input !== 'object' || !input.metadata || typeof input.metadata !== 'object') throw badRequest('the object has no metadata');
    const sent = input; // read only: what the writer sent, for field ownership
    const obj = clone(input) as KubeObject;
    this.stamp(d, obj);
    const meta = obj.metadata;
    const ns = d.namespaced ? this.nsOf(d, meta.namespace) : undefined;
    if (ns === undefined) delete meta.namespace;
    else meta.namespace = ns;
    if (!meta.name) {
      if (!meta.generateName) throw invalid(d.kind, d.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
      meta.name = (meta.generateName + this.suffix()).slice(0, 63);
    }
    const bad = nameProblem(d, meta.name);
    if (bad) throw invalid(d.kind, d.group, meta.name, [{ field: 'metadata.name', message: `Invalid value: "${meta.name}": ${bad}` }]);
    if (ns !== undefined) {
      const nsObj = this.data.get('/namespaces')?.get(objKey(undefined, ns));
      if (!nsObj) throw notFound('namespaces', '', ns);
      if (nsObj.metadata.deletionTimestamp) throw forbidden(`${d.resource} "${meta.name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, { name: meta.name, kind: d.resource });
    }
    const b = this.bucket(d);
    if (b.has(objKey(ns, meta.name))) throw alreadyExists(d.resource, d.group, meta.name);
    if (this.count >= this.maxObjects) throw forbidden(`${d.resource} "${meta.name}" is forbidden: exceeded quota: the simulated cluster holds at most ${this.maxObjects} objects (raise maxObjects / --max-objects)`);
    if (b.size >= this.maxPerResource) throw forbidden(`${d.resource} "${meta.name}" is forbidden: exceeded quota: the simulated cluster holds at most ${this.maxPerResource} ${d.resource} (raise maxObjectsPerResource / --max-objects-per-resource)`);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.now();
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    if (d.crd) this.validateCr(d, obj);
    applyDefaults(d.kind, d.group, obj, this.defaultCtx(), true);
    if (d.group === 'apiextensions.k8s.io' && d.kind === 'CustomResourceDefinition') this.checkCrd(obj);
    if (d.group === 'apiextensions.k8s.io' && d.kind === 'CustomResourceDefinition') obj.status = crdStatus(obj, meta.creationTimestamp);
    if (d.group === 'apiregistration.k8s.io' && d.kind === 'APIService') obj.status = this.apiServiceStatus(obj);
    if (opts.fieldManager) trackUpdate(undefined, obj as Obj, opts.fieldManager, obj.apiVersion, meta.creationTimestamp!, { sent: sent as Obj, atomicLists: !!d.crd });
    if (opts.dryRun) return obj;
    meta.resourceVersion = String(++this.rv);
    b.set(objKey(ns, meta.name), obj);
    this.sortedKeys.delete(b);
    this.count++;
    this.index(d, obj, true);
    if (d.kind === 'CustomResourceDefinition' && d.group === 'apiextensions.k8s.io') this.registerCrd(obj);
    this.emit(d, 'ADDED', obj);
    this.afterWrite(d, obj);
    return clone(obj);
  }

  update(res: ResourceRef, input: KubeObject, opts: WriteOptions & { subresource?: 'status' | 'scale' } = {}): KubeObject {
    const d = this.def(res);
    const name = input?.metadata?.name;
    if (!name) throw badRequest('metadata.name is required for an update');
    const ns = d.namespaced ? this.nsOf(d, input.metadata.namespace) : undefined;
    const old = this.bucket(d).get(objKey(ns, name));
    if (!old) throw notFound(d.resource, d.group, name);
    if (opts.subresource === 'scale') return this.writeScale(d, old, input, opts);
    if (input.metadata.resourceVersion && input.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(d.resource, d.group, name);
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) throw conflict(d.resource, d.group, name, `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    return this.commit(d, old, clone(input), opts);
  }

  /** Common tail of update and patch: keep what the server owns, default, validate, store, notify. */
  private commit(d: ResourceDef, old: KubeObject, next: KubeObject, opts: WriteOptions & { subresource?: string; apply?: boolean; specAndStatus?: boolean }): KubeObject {
    this.stamp(d, next);
    const hasStatus = d.subresources.includes('status');
    if (opts.subresource === 'status') {
      const status = next.status;
      next = clone(old);
      if (status === undefined) delete next.status;
      else next.status = status;
    } else if (hasStatus && !opts.specAndStatus) {
      if (old.status === undefined) delete next.status;
      else next.status = clone(old.status);
    }
    const m = next.metadata ?? (next.metadata = {});
    m.name = old.metadata.name;
    if (old.metadata.namespace) m.namespace = old.metadata.namespace;
    else delete m.namespace;
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    m.generation = old.metadata.generation;
    if (old.metadata.deletionTimestamp) m.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (!opts.apply && m.managedFields === undefined && old.metadata.managedFields) m.managedFields = clone(old.metadata.managedFields);
    if (d.crd) this.validateCr(d, next);
    applyDefaults(d.kind, d.group, next as Obj, this.defaultCtx(), false);
    if (d.kind === 'Namespace' && !d.group && old.status) next.status = { ...((next.status as Obj | undefined) ?? {}), phase: (old.status as Obj).phase };
    if (d.kind === 'CustomResourceDefinition' && d.group === 'apiextensions.k8s.io') {
      this.checkCrd(next);
      if (opts.subresource !== 'status') next.status = crdStatus(next, this.now());
    }
    if (d.group === 'apiregistration.k8s.io' && d.kind === 'APIService' && opts.subresource !== 'status') next.status = this.apiServiceStatus(next);
    if (old.metadata.deletionTimestamp) {
      // A terminating object may lose finalizers, never gain new ones.
      const added = (m.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) throw forbidden(`${d.resource} "${m.name}" is forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
    }
    if (opts.subresource !== 'status' && !opts.specAndStatus) checkUpdate(d.group, d.kind, old as Obj, next as Obj);
    if (this.specChanged(old as Obj, next as Obj)) m.generation = (old.metadata.generation ?? 1) + 1;
    if (opts.fieldManager && !opts.apply) trackUpdate(old as Obj, next as Obj, opts.fieldManager, next.apiVersion, this.now(), { subresource: opts.subresource, atomicLists: !!d.crd });
    const { resourceVersion: _rv, ...restMeta } = m;
    const { resourceVersion: _orv, ...oldMeta } = old.metadata;
    if (deepEqual({ ...next, metadata: restMeta }, { ...old, metadata: oldMeta })) return clone(old); // no-op writes keep the resourceVersion
    if (opts.dryRun) return { ...next, metadata: { ...m, resourceVersion: old.metadata.resourceVersion } };
    m.resourceVersion = String(++this.rv);
    this.index(d, old, false);
    this.bucket(d).set(objKey(m.namespace, m.name!), next);
    this.index(d, next, true);
    if (d.kind === 'CustomResourceDefinition' && d.group === 'apiextensions.k8s.io') this.registerCrd(next);
    this.emit(d, 'MODIFIED', next, old);
    if (m.deletionTimestamp && !(m.finalizers ?? []).length) this.finalize(d, next);
    else this.afterWrite(d, next);
    return clone(this.bucket(d).get(objKey(m.namespace, m.name!)) ?? next);
  }

  patch(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, body: unknown, opts: WriteOptions & { subresource?: 'status' | 'scale' } = {}): KubeObject {
    const d = this.def(res);
    const ns = d.namespaced ? this.nsOf(d, namespace) : undefined;
    const old = this.bucket(d).get(objKey(ns, name));
    if (type === 'strategic' && d.crd) throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    if (type === 'apply') return this.apply(d, ns, name, old, body, opts);
    if (!old) throw notFound(d.resource, d.group, name);
    if (opts.subresource === 'scale') {
      const scale = this.scaleOf(d, old);
      const patched = this.applyPatch(type, scale, body) as KubeObject;
      return this.writeScale(d, old, patched, opts);
    }
    const base = clone(old) as Obj;
    const patched = this.applyPatch(type, base, body) as KubeObject;
    if (!patched || typeof patched !== 'object') throw badRequest('the patch did not produce an object');
    patched.metadata ??= {};
    if (patched.metadata.resourceVersion && patched.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(d.resource, d.group, name);
    return this.commit(d, old, patched, opts);
  }

  private applyPatch(type: PatchType, base: unknown, body: unknown): unknown {
    switch (type) {
      case 'json':
        return applyJsonPatch(base, body);
      case 'merge':
        return applyMergePatch(base, body);
      case 'strategic':
        return strategicMerge(base, body);
      default:
        throw unsupportedMediaType(`unsupported patch type ${type}`);
    }
  }

  private apply(d: ResourceDef, ns: string | undefined, name: string, old: KubeObject | undefined, body: unknown, opts: WriteOptions & { subresource?: string }): KubeObject {
    if (!opts.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml: fieldManager is required for apply requests');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('apply: the body must be one object');
    const applied = clone(body) as Obj;
    if (applied.apiVersion && applied.apiVersion !== apiVersionOf(d)) throw badRequest(`apply: apiVersion "${applied.apiVersion}" does not match ${apiVersionOf(d)}`);
    if (applied.kind && applied.kind !== d.kind) throw badRequest(`apply: kind "${applied.kind}" does not match ${d.kind}`);
    applied.metadata ??= {};
    if (applied.metadata.name && applied.metadata.name !== name) throw badRequest(`apply: the name in the body ("${applied.metadata.name}") does not match the name in the URL ("${name}")`);
    applied.metadata.name = name;
    if (ns) applied.metadata.namespace = ns;
    delete applied.metadata.managedFields;
    if (opts.subresource !== 'status' && d.subresources.includes('status') && old) delete applied.status;
    const time = this.now();
    const apiVersion = apiVersionOf(d);
    if (!old) {
      const fresh = serverSideApply(undefined, applied, opts.fieldManager, apiVersion, time, { atomicLists: !!d.crd }) as KubeObject;
      const mf = fresh.metadata.managedFields;
      const created = this.create({ group: d.group, version: d.version, resource: d.resource }, fresh, { dryRun: opts.dryRun });
      if (opts.dryRun) return { ...created, metadata: { ...created.metadata, managedFields: mf } };
      // managedFields as apply computed them (create would otherwise record nothing)
      const stored = this.bucket(d).get(objKey(ns, name));
      if (stored) stored.metadata.managedFields = mf;
      return clone(stored ?? created);
    }
    if (applied.metadata.resourceVersion && applied.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(d.resource, d.group, name);
    const merged = serverSideApply(old as Obj, applied, opts.fieldManager, apiVersion, time, { force: opts.force, atomicLists: !!d.crd, subresource: opts.subresource }) as KubeObject;
    delete merged.metadata.resourceVersion;
    return this.commit(d, old, merged, { ...opts, apply: true });
  }

  /** POST pods/{name}/binding: set an unbound pod's spec.nodeName and PodScheduled=True (409 when already bound). */
  bind(namespace: string, podName: string, nodeName: string): KubeObject {
    const d = this.def({ group: '', version: 'v1', resource: 'pods' });
    const old = this.bucket(d).get(objKey(namespace, podName));
    if (!old) throw notFound('pods', '', podName);
    const spec = (old.spec ?? {}) as Obj;
    if (spec.nodeName) throw conflict('pods/binding', '', podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
    if (old.metadata.deletionTimestamp) throw conflict('pods/binding', '', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
    const next = clone(old) as Obj;
    next.spec = { ...spec, nodeName };
    const status = (next.status ??= {});
    const conditions: Obj[] = (status.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
    status.conditions = [...conditions, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: this.now() }];
    // A binding writes spec and status in one update (one watch event), as the real registry does.
    return this.commit(d, old, next as KubeObject, { specAndStatus: true });
  }

  /** autoscaling/v1 Scale for a resource with a scale subresource. */
  getScale(res: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const d = this.def(res);
    if (!d.scale) throw notFound(`${d.resource}/scale`, d.group, name);
    const o = this.bucket(d).get(objKey(d.namespaced ? namespace : undefined, name));
    if (!o) throw notFound(d.resource, d.group, name);
    return this.scaleOf(d, o);
  }

  private scaleOf(d: ResourceDef, o: KubeObject): KubeObject {
    const s = d.scale!;
    const read = (path: string | undefined) => {
      let cur: any = o;
      for (const seg of (path ?? '').split('.').filter(Boolean)) cur = cur?.[seg];
      return cur;
    };
    let selector = read(s.labelSelectorPath);
    if (!d.crd) {
      const sel = (o.spec as Obj | undefined)?.selector;
      selector = sel?.matchLabels ? Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`).join(',') : typeof sel === 'object' && sel ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') : '';
    }
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
      spec: { replicas: read(s.specReplicasPath) ?? 0 },
      status: { replicas: read(s.statusReplicasPath) ?? 0, ...(selector ? { selector } : {}) },
    };
  }

  private writeScale(d: ResourceDef, old: KubeObject, scale: KubeObject, opts: WriteOptions): KubeObject {
    if (!d.scale) throw notFound(`${d.resource}/scale`, d.group, old.metadata.name!);
    if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(d.resource, d.group, old.metadata.name!);
    const replicas = (scale.spec as Obj | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) throw invalid('Scale', 'autoscaling', old.metadata.name!, [{ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    const next = clone(old) as Obj;
    const segs = d.scale.specReplicasPath.split('.').filter(Boolean);
    let cur = next;
    for (const s of segs.slice(0, -1)) cur = cur[s] ??= {};
    cur[segs[segs.length - 1]] = replicas;
    const stored = this.commit(d, old, next as KubeObject, { ...opts, subresource: undefined });
    return this.scaleOf(d, stored);
  }

  delete(res: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject | undefined {
    const d = this.def(res);
    const ns = d.namespaced ? this.nsOf(d, namespace) : undefined;
    const o = this.bucket(d).get(objKey(ns, name));
    if (!o) throw notFound(d.resource, d.group, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== o.metadata.uid) throw conflict(d.resource, d.group, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${o.metadata.uid}`);
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== o.metadata.resourceVersion) throw conflict(d.resource, d.group, name, `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion}`);
    const policy = opts.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') this.orphan(o);
    const isNs = !d.group && d.resource === 'namespaces';
    const deps = this.dependents.get(o.metadata.uid!);
    const foreground = policy === 'Foreground' && deps && deps.size > 0;
    const finalizers = [...(o.metadata.finalizers ?? [])];
    if (foreground && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (finalizers.length || isNs) {
      if (!o.metadata.deletionTimestamp || finalizers.length !== (o.metadata.finalizers ?? []).length) {
        const next = clone(o);
        next.metadata.deletionTimestamp ??= this.now();
        next.metadata.deletionGracePeriodSeconds ??= 0;
        if (finalizers.length) next.metadata.finalizers = finalizers;
        if (isNs) next.status = { ...(next.status as Obj), phase: 'Terminating' };
        next.metadata.resourceVersion = String(++this.rv);
        this.bucket(d).set(objKey(ns, name), next);
        this.emit(d, 'MODIFIED', next, o);
      }
      if (foreground) for (const ref of [...(deps ?? [])]) this.deleteRef(ref, 'Foreground');
      if (isNs) this.terminateNamespace(name);
      const now = this.bucket(d).get(objKey(ns, name));
      if (now && foreground) this.maybeFinishForeground(now);
      const after = this.bucket(d).get(objKey(ns, name));
      return after ? clone(after) : undefined;
    }
    this.finalize(d, o);
    return undefined;
  }

  /** Delete every object a list would return (DELETE on a collection). */
  deleteCollection(res: ResourceRef, opts: ListOptions & DeleteOptions = {}): KubeObject[] {
    const items = this.list(res, { namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }).items;
    const out: KubeObject[] = [];
    for (const o of items) {
      try {
        this.delete(res, o.metadata.namespace, o.metadata.name!, { propagationPolicy: opts.propagationPolicy });
        out.push(o);
      } catch (e) {
        if (!(e instanceof KubeStatusError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  private deleteRef(ref: string, policy: 'Foreground' | 'Background'): void {
    const f = this.findByRef(ref);
    if (!f) return;
    try {
      this.delete({ group: f.def.group, version: f.def.version, resource: f.def.resource }, f.obj.metadata.namespace, f.obj.metadata.name!, { propagationPolicy: policy });
    } catch (e) {
      if (!(e instanceof KubeStatusError && e.code === 404)) throw e;
    }
  }

  private orphan(owner: KubeObject): void {
    for (const ref of [...(this.dependents.get(owner.metadata.uid!) ?? [])]) {
      const f = this.findByRef(ref);
      if (!f) continue;
      const next = clone(f.obj);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
      if (!next.metadata.ownerReferences.length) delete next.metadata.ownerReferences;
      this.commit(f.def, f.obj, next, {});
    }
  }

  /** The object leaves the store: DELETED, then garbage collection and waiting owners/namespaces. */
  private finalize(d: ResourceDef, o: KubeObject): void {
    const key = objKey(o.metadata.namespace, o.metadata.name!);
    const b = this.bucket(d);
    if (!b.has(key)) return;
    b.delete(key);
    this.sortedKeys.delete(b);
    this.count--;
    this.index(d, o, false);
    const gone = clone(o);
    gone.metadata.resourceVersion = String(++this.rv);
    if (d.kind === 'CustomResourceDefinition' && d.group === 'apiextensions.k8s.io') this.unregisterCrd(o);
    this.emit(d, 'DELETED', gone);
    // Background GC: dependents whose owners are all gone follow; others drop the dangling ref.
    for (const ref of [...(this.dependents.get(o.metadata.uid!) ?? [])]) {
      const f = this.findByRef(ref);
      if (!f) continue;
      const alive = (f.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.metadata.uid && this.uidExists(r));
      if (alive.length === 0) this.deleteRef(ref, 'Background');
      else {
        const next = clone(f.obj);
        next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.metadata.uid);
        this.commit(f.def, f.obj, next, {});
      }
    }
    this.dependents.delete(o.metadata.uid!);
    // Owners waiting in foreground deletion, and a terminating namespace, may now be done.
    for (const r of o.metadata.ownerReferences ?? []) {
      const owner = this.findOwner(o.metadata.namespace, r);
      if (owner) this.maybeFinishForeground(owner.obj);
    }
    if (o.metadata.namespace) this.maybeFinishNamespace(o.metadata.namespace);
  }

  private uidExists(r: { apiVersion: string; kind: string; uid: string; name: string }): boolean {
    return this.findOwnerAny(r) !== undefined;
  }

  private findOwnerAny(r: { apiVersion: string; kind: string; uid: string; name: string }, namespace?: string): { def: ResourceDef; obj: KubeObject } | undefined {
    const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
    const def = this.registry.byKind(group, r.kind);
    if (!def) return undefined;
    const b = this.bucket(def);
    if (namespace !== undefined || !def.namespaced) {
      const o = b.get(objKey(def.namespaced ? namespace : undefined, r.name));
      return o && o.metadata.uid === r.uid ? { def, obj: o } : undefined;
    }
    for (const o of b.values()) if (o.metadata.uid === r.uid) return { def, obj: o };
    return undefined;
  }

  private findOwner(namespace: string | undefined, r: { apiVersion: string; kind: string; uid: string; name: string }) {
    return this.findOwnerAny(r, namespace);
  }

  private maybeFinishForeground(owner: KubeObject): void {
    if (!owner.metadata.deletionTimestamp || !(owner.metadata.finalizers ?? []).includes('foregroundDeletion')) return;
    if ((this.dependents.get(owner.metadata.uid!)?.size ?? 0) > 0) return;
    const def = this.registry.byKind(owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '', owner.kind);
    if (!def) return;
    const next = clone(owner);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
    this.commit(def, owner, next, {});
  }

  private terminateNamespace(ns: string): void {
    for (const def of this.registry.all()) {
      if (!def.namespaced) continue;
      const b = this.data.get(storageKey(def.group, def.resource));
      if (!b) continue;
      for (const o of [...b.values()]) {
        if (o.metadata.namespace !== ns || o.metadata.deletionTimestamp) continue;
        try {
          this.delete({ group: def.group, version: def.version, resource: def.resource }, ns, o.metadata.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!(e instanceof KubeStatusError && e.code === 404)) throw e;
        }
      }
    }
    this.maybeFinishNamespace(ns);
  }

  private maybeFinishNamespace(ns: string): void {
    const nsDef = this.registry.find({ group: '', resource: 'namespaces' })!;
    const nsObj = this.bucket(nsDef).get(objKey(undefined, ns));
    if (!nsObj?.metadata.deletionTimestamp) return;
    for (const def of this.registry.all()) {
      if (!def.namespaced) continue;
      const b = this.data.get(storageKey(def.group, def.resource));
      if (b) for (const o of b.values()) if (o.metadata.namespace === ns) return;
    }
    if ((nsObj.metadata.finalizers ?? []).length) return;
    this.finalize(nsDef, nsObj);
  }

  // -------------------------------------------------------------------------------------------
  // CRDs and APIServices

  private checkCrd(crd: Obj): void {
    const s = crd.spec;
    const name = crd.metadata?.name ?? '';
    const causes: { field: string; message: string }[] = [];
    if (!s?.group) causes.push({ field: 'spec.group', message: 'Required value' });
    if (!s?.names?.plural) causes.push({ field: 'spec.names.plural', message: 'Required value' });
    if (!s?.names?.kind) causes.push({ field: 'spec.names.kind', message: 'Required value' });
    if (!Array.isArray(s?.versions) || !s.versions.length) causes.push({ field: 'spec.versions', message: 'Required value: must have at least one version' });
    if (s?.group && s?.names?.plural && name !== `${s.names.plural}.${s.group}`) causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group` });
    if (!['Namespaced', 'Cluster'].includes(s?.scope)) causes.push({ field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(s?.scope)}: supported values: "Cluster", "Namespaced"` });
    if (causes.length) throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', name, causes);
  }

  private registerCrd(crd: KubeObject): void {
    const def = defFromCrd(crd as Obj);
    if (def) this.registry.add(def);
  }

  private unregisterCrd(crd: KubeObject): void {
    const def = defFromCrd(crd as Obj);
    if (!def) return;
    const b = this.data.get(storageKey(def.group, def.resource));
    if (b) {
      for (const o of [...b.values()]) {
        b.delete(objKey(o.metadata.namespace, o.metadata.name!));
        this.sortedKeys.delete(b);
        this.count--;
        this.index(def, o, false);
        const g = clone(o);
        g.metadata.resourceVersion = String(++this.rv);
        this.emit(def, 'DELETED', g);
      }
    }
    this.registry.remove(def.group, def.resource);
  }

  private validateCr(d: ResourceDef, obj: KubeObject): void {
    const crd = this.data.get('apiextensions.k8s.io/customresourcedefinitions')?.get(objKey(undefined, d.crd!));
    if (crd) this.validator.validate(crd as Obj, obj);
  }

  /** Local APIServices are Available; service-backed ones when the service has ready endpoints (kube-aggregator's check). */
  private apiServiceStatus(svc: Obj): Obj {
    const ref = svc.spec?.service;
    const now = this.now();
    let ok = true;
    let reason = 'Local';
    let message = 'Local APIServices are always available';
    if (ref?.name) {
      const ep = this.data.get('/endpoints')?.get(objKey(ref.namespace, ref.name));
      ok = !!(ep?.subsets as Obj[] | undefined)?.some((s) => (s.addresses ?? []).length > 0);
      reason = ok ? 'Passed' : 'MissingEndpoints';
      message = ok ? 'all checks passed' : `endpoints for service/${ref.name} in "${ref.namespace}" have no addresses with port name ""`;
    }
    const prev = (svc.status?.conditions ?? []).find((c: Obj) => c.type === 'Available');
    const status = ok ? 'True' : 'False';
    return { conditions: [{ type: 'Available', status, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now, reason, message }] };
  }

  private afterWrite(d: ResourceDef, o: KubeObject): void {
    // Endpoints decide whether a service-backed APIService (metrics-server) is Available.
    if (!d.group && d.resource === 'endpoints') {
      const b = this.data.get('apiregistration.k8s.io/apiservices');
      if (!b) return;
      const def = this.registry.find({ group: 'apiregistration.k8s.io', resource: 'apiservices' })!;
      for (const a of [...b.values()]) {
        const ref = (a.spec as Obj | undefined)?.service;
        if (ref?.name !== o.metadata.name || ref?.namespace !== o.metadata.namespace) continue;
        const status = this.apiServiceStatus(a as Obj);
        if (deepEqual(status.conditions[0].status, (a.status as Obj | undefined)?.conditions?.[0]?.status)) continue;
        this.commit(def, a, { ...clone(a), status }, { subresource: 'status' });
      }
    }
  }

  /** Whether an APIService for this group/version exists and is Available. */
  apiServiceAvailable(group: string, version: string): boolean {
    const a = this.data.get('apiregistration.k8s.io/apiservices')?.get(objKey(undefined, `${version}.${group}`));
    return !!(a?.status as Obj | undefined)?.conditions?.some((c: Obj) => c.type === 'Available' && c.status === 'True');
  }

  // -------------------------------------------------------------------------------------------
  // persistence

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = [];
    for (const [k, b] of this.data) {
      const i = k.indexOf('/');
      for (const o of b.values()) objects.push({ group: k.slice(0, i), resource: k.slice(i + 1), object: o });
    }
    // CRDs first, so restoring registers their resources before their objects.
    objects.sort((a, b) => Number(b.resource === 'customresourcedefinitions') - Number(a.resource === 'customresourcedefinitions'));
    return { version: 1, resourceVersion: this.rv, nextClusterIP: this.nextClusterIP, nextNodePort: this.nextNodePort, objects: clone(objects) };
  }

  /** The snapshot as JSON text, without the deep copy snapshot() makes (for writing to disk). */
  snapshotJson(): string {
    const objects: StoreSnapshot['objects'] = [];
    for (const [k, b] of this.data) {
      const i = k.indexOf('/');
      const crd = k === 'apiextensions.k8s.io/customresourcedefinitions';
      for (const o of b.values()) (crd ? objects.unshift.bind(objects) : objects.push.bind(objects))({ group: k.slice(0, i), resource: k.slice(i + 1), object: o });
    }
    const snap: StoreSnapshot = { version: 1, resourceVersion: this.rv, nextClusterIP: this.nextClusterIP, nextNodePort: this.nextNodePort, objects };
    return JSON.stringify(snap);
  }

  /** Replace everything with a snapshot (no watch events: call before anyone watches). */
  restore(s: StoreSnapshot): void {
    this.data.clear();
    this.dependents.clear();
    this.history = [];
    this.count = 0;
    for (const d of this.registry.all()) if (d.crd) this.registry.remove(d.group, d.resource);
    for (const { group, resource, object } of s.objects) {
      if (group === 'apiextensions.k8s.io' && resource === 'customresourcedefinitions') this.registerCrd(object);
      const def = this.registry.find({ group, resource });
      if (!def) continue;
      this.bucket(def).set(objKey(object.metadata.namespace, object.metadata.name!), clone(object));
      this.sortedKeys.delete(this.bucket(def));
      this.index(def, object, true);
      this.count++;
    }
    this.rv = s.resourceVersion;
    this.historyFloor = s.resourceVersion;
    this.nextClusterIP = s.nextClusterIP;
    this.nextNodePort = s.nextNodePort;
  }

  objectCount(): number {
    return this.count;
  }
}
