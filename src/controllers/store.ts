// The object store: the in-memory view every controller, the API and the CLI read.
// Specs come from the source (disk); status comes from reconcilers; both are persisted per object
// in the state dir so a restart (even after kill -9) keeps uids, generations and status.
import { randomUUID } from 'node:crypto';
import type { HostObject, Kind, ObjectMeta, ObjectStatus, SourcePosition, SpecError } from '../api/types.js';
import { objectKey } from '../api/types.js';
import { canonicalHash, canonicalJson } from './canonical.js';
import { StateDir, objectRecordPath } from './state-dir.js';
import type { SpecRevision } from './git-revision.js';

/** What the source hands the store for one valid document (already defaulted by the schema). */
export interface SpecInput {
  apiVersion: string;
  kind: Kind;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** One object as persisted: the last valid spec, identity and status. */
export interface ObjectRecord {
  apiVersion: string;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
  specHash: string;
  status?: ObjectStatus;
  /** Where the spec came from in git (kept apart so a restart knows it is the store's, not the reconciler's). */
  revision?: SpecRevision;
}

export interface StorePersistence {
  loadAll(): ObjectRecord[];
  save(record: ObjectRecord): void;
  delete(kind: Kind, name: string): void;
}

export class StateDirPersistence implements StorePersistence {
  constructor(private readonly dir: StateDir, private readonly readOnly = false) {}

  loadAll(): ObjectRecord[] {
    const out: ObjectRecord[] = [];
    for (const kind of this.dir.list('objects')) {
      for (const file of this.dir.list(`objects/${kind}`)) {
        if (!file.endsWith('.json')) continue;
        const rec = this.dir.readJson<ObjectRecord>(`objects/${kind}/${file}`);
        if (rec?.kind && rec.metadata?.name) out.push(rec);
      }
    }
    return out;
  }

  save(record: ObjectRecord): void {
    if (this.readOnly) return;
    this.dir.writeJson(objectRecordPath(record.kind, record.metadata.name), record);
  }

  delete(kind: Kind, name: string): void {
    if (this.readOnly) return;
    this.dir.remove(objectRecordPath(kind, name));
  }
}

export class MemoryPersistence implements StorePersistence {
  readonly records = new Map<string, ObjectRecord>();
  saves = 0;
  loadAll(): ObjectRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  save(record: ObjectRecord): void {
    this.saves++;
    this.records.set(objectKey(record.kind, record.metadata.name), structuredClone(record));
  }
  delete(kind: Kind, name: string): void {
    this.records.delete(objectKey(kind, name));
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: HostObject;
  resourceVersion: number;
}

/** The requested resourceVersion is older than the history kept: list again (HTTP 410 Gone). */
export class ResourceVersionGoneError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`resourceVersion ${requested} is too old (oldest kept: ${oldest}); list again and watch from the list's resourceVersion`);
    this.name = 'ResourceVersionGoneError';
  }
}

interface Entry {
  object: HostObject; // immutable: replaced, never mutated, so readers can hold references
  specHash: string;
  source?: SourcePosition;
  /** The git revision of the spec (from the source); shown in status, kept across every status write. */
  revision?: SpecRevision;
  /** A spec that came back while the old object was being deleted: created anew once deletion ends. */
  pendingRecreate?: { input: SpecInput; source?: SourcePosition };
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export interface StoreOptions {
  historySize?: number;
  now?: () => Date;
  /**
   * A save or delete in the persistence failed (a full state disk). The change stays in memory and
   * is written by `flushUnsaved()`; the store never throws it at the caller (a watcher callback, a
   * file event) where it would go uncaught.
   */
  onPersistError?: (err: unknown, key: string) => void;
  /** First resourceVersion; defaults to a time-based value so a watcher's RV from an earlier process is never mistaken for a current one. */
  initialResourceVersion?: number;
  /** A watcher threw: the store goes on, and says so here (default: one line on stderr). */
  onWatcherError?: (err: unknown, event: WatchEvent) => void;
}

export class ObjectStore {
  private readonly entries = new Map<string, Entry>();
  private readonly history: WatchEvent[] = [];
  private readonly listeners = new Set<(e: WatchEvent) => void>();
  private readonly errorsByFile = new Map<string, SpecError[]>();
  private readonly errorListeners = new Set<() => void>();
  private rv: number;
  private readonly historySize: number;
  private readonly now: () => Date;
  private readonly onPersistError?: (err: unknown, key: string) => void;
  /** Keys whose latest record (or deletion) is not on disk yet: true = save, false = delete. */
  private readonly unsaved = new Map<string, boolean>();

  constructor(private readonly persistence: StorePersistence = new MemoryPersistence(), opts: StoreOptions = {}) {
    this.historySize = opts.historySize ?? 10_000;
    this.now = opts.now ?? (() => new Date());
    this.rv = opts.initialResourceVersion ?? Date.now() * 1000;
    this.onPersistError = opts.onPersistError;
    this.onWatcherError = opts.onWatcherError ?? ((err, e) => console.error(`store watcher failed on ${e.type} ${e.object.kind}/${e.object.metadata.name}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** How many objects have changes not yet on disk (their save failed). */
  unsavedCount(): number {
    return this.unsaved.size;
  }

  /** Writes every change whose save failed earlier. Returns how many are still not on disk, and the last error. */
  flushUnsaved(): { pending: number; error?: unknown } {
    let error: unknown;
    for (const [key, save] of [...this.unsaved]) {
      const entry = this.entries.get(key);
      try {
        if (save && entry) this.persistence.save(this.recordOf(entry));
        else if (!entry) {
          const [kind, ...rest] = key.split('/');
          this.persistence.delete(kind as Kind, rest.join('/'));
        }
        this.unsaved.delete(key);
      } catch (err) {
        error = err;
      }
    }
    return { pending: this.unsaved.size, ...(error !== undefined ? { error } : {}) };
  }

  private persist(key: string, fn: () => void, save: boolean): void {
    try {
      fn();
      this.unsaved.delete(key);
    } catch (err) {
      this.unsaved.set(key, save);
      if (this.onPersistError) this.onPersistError(err, key);
      else throw err;
    }
  }

  private recordOf(entry: Entry): ObjectRecord {
    const object = entry.object;
    // The resourceVersion is kept: a reader of the state dir (the CLI) and a restarted `up` show the
    // version the object had, so it changes only when the object changes.
    return { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, spec: object.spec, specHash: entry.specHash, status: object.status, ...(entry.revision ? { revision: entry.revision } : {}) };
  }

  private readonly onWatcherError: (err: unknown, event: WatchEvent) => void;

  /** Loads what the last run knew. Objects whose spec is gone from disk are found by the source after its first scan. */
  restore(): number {
    let n = 0;
    for (const rec of this.persistence.loadAll()) {
      const key = objectKey(rec.kind, rec.metadata.name);
      const kept = Number(rec.metadata.resourceVersion);
      const rv = Number.isSafeInteger(kept) && kept > 0 ? kept : ++this.rv;
      this.rv = Math.max(this.rv, rv);
      const object = freeze({ apiVersion: rec.apiVersion, kind: rec.kind, metadata: { ...rec.metadata, resourceVersion: String(rv) }, spec: rec.spec, status: rec.status });
      this.entries.set(key, { object, specHash: rec.specHash, ...(rec.revision ? { revision: rec.revision } : {}) });
      n++;
    }
    return n;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(kind: Kind, name: string): HostObject | undefined {
    return this.entries.get(objectKey(kind, name))?.object;
  }

  getByKey(key: string): HostObject | undefined {
    return this.entries.get(key)?.object;
  }

  list(kind?: Kind): HostObject[] {
    const out: HostObject[] = [];
    for (const e of this.entries.values()) if (!kind || e.object.kind === kind) out.push(e.object);
    return out.sort((a, b) => (a.kind === b.kind ? cmp(a.metadata.name, b.metadata.name) : cmp(a.kind, b.kind)));
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  sourceOf(kind: Kind, name: string): SourcePosition | undefined {
    return this.entries.get(objectKey(kind, name))?.source;
  }

  /** Applies a valid spec from disk. `generation` moves only when the canonical spec hash changes. */
  applySpec(input: SpecInput, source?: SourcePosition): ApplyOutcome {
    const key = objectKey(input.kind, input.metadata.name);
    const entry = this.entries.get(key);
    const specHash = canonicalHash(input.spec);
    if (entry?.object.metadata.deletionTimestamp) {
      entry.pendingRecreate = { input, source };
      return 'unchanged';
    }
    if (!entry) {
      const metadata: ObjectMeta = {
        name: input.metadata.name,
        uid: randomUUID(),
        creationTimestamp: this.now().toISOString(),
        generation: 1,
        ...(input.metadata.labels ? { labels: input.metadata.labels } : {}),
        ...(input.metadata.annotations ? { annotations: input.metadata.annotations } : {}),
      };
      this.commit(key, { object: this.build(input, metadata, undefined), specHash, source }, 'ADDED');
      return 'created';
    }
    entry.source = source ?? entry.source;
    const old = entry.object;
    const sameSpec = entry.specHash === specHash;
    const sameMeta = canonicalJson([old.metadata.labels, old.metadata.annotations, old.apiVersion]) === canonicalJson([input.metadata.labels, input.metadata.annotations, input.apiVersion]);
    if (sameSpec && sameMeta) return 'unchanged';
    const metadata: ObjectMeta = {
      ...old.metadata,
      labels: input.metadata.labels,
      annotations: input.metadata.annotations,
      generation: (old.metadata.generation ?? 1) + (sameSpec ? 0 : 1),
    };
    this.commit(key, { ...entry, object: this.build(input, metadata, old.status), specHash }, 'MODIFIED');
    return 'updated';
  }

  /** Starts deletion (finalizer semantics): the object stays until its reconciler calls remove(). */
  markDeleting(kind: Kind, name: string): boolean {
    const key = objectKey(kind, name);
    const entry = this.entries.get(key);
    if (!entry || entry.object.metadata.deletionTimestamp) return false;
    const object = { ...entry.object, metadata: { ...entry.object.metadata, deletionTimestamp: this.now().toISOString() } };
    this.commit(key, { ...entry, object: freeze(object) }, 'MODIFIED');
    return true;
  }

  /** Forgets an object once its host resources are gone. A spec that reappeared meanwhile becomes a new object. */
  remove(kind: Kind, name: string): boolean {
    const key = objectKey(kind, name);
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.persist(key, () => this.persistence.delete(kind, name), false);
    this.emit({ type: 'DELETED', object: entry.object, resourceVersion: ++this.rv });
    if (entry.pendingRecreate) this.applySpec(entry.pendingRecreate.input, entry.pendingRecreate.source);
    return true;
  }

  /** Replaces status. Returns false, writing nothing, when it did not change (no churn on disk or watchers). */
  updateStatus(kind: Kind, name: string, status: ObjectStatus): boolean {
    const key = objectKey(kind, name);
    const entry = this.entries.get(key);
    if (!entry) return false;
    const next = withRevision(structuredClone(status), entry.revision);
    if (canonicalJson(entry.object.status ?? {}) === canonicalJson(next)) return false;
    const object: HostObject = { ...entry.object, status: next };
    this.commit(key, { ...entry, object: freeze(object) }, 'MODIFIED');
    return true;
  }

  /**
   * Records the git revision the spec came from (undefined: not in a checkout). It is the store's
   * field, whatever kind the object is: every later status write keeps it. Returns false when unchanged.
   */
  setRevision(kind: Kind, name: string, revision: SpecRevision | undefined): boolean {
    const key = objectKey(kind, name);
    const entry = this.entries.get(key);
    if (!entry || canonicalJson(entry.revision ?? null) === canonicalJson(revision ?? null)) return false;
    const status = withRevision({ ...(entry.object.status ?? {}) }, revision);
    const object: HostObject = { ...entry.object, ...(Object.keys(status).length ? { status } : {}) };
    if (!Object.keys(status).length) delete (object as { status?: ObjectStatus }).status;
    const { revision: _old, ...rest } = entry;
    this.commit(key, { ...rest, ...(revision ? { revision } : {}), object: freeze(object) }, 'MODIFIED');
    return true;
  }

  /**
   * Streams changes. With `sinceResourceVersion`, first replays every change after it from history,
   * so a client that reconnects loses and repeats nothing; too old ⇒ ResourceVersionGoneError.
   */
  watch(listener: (e: WatchEvent) => void, opts: { sinceResourceVersion?: number } = {}): () => void {
    if (opts.sinceResourceVersion !== undefined) {
      const since = opts.sinceResourceVersion;
      const oldest = this.history.length ? this.history[0].resourceVersion : this.rv + 1;
      if (since < oldest - 1 || since > this.rv) throw new ResourceVersionGoneError(since, oldest);
      for (const e of this.history) if (e.resourceVersion > since) listener(e);
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setSpecErrors(file: string, errors: SpecError[]): void {
    const before = canonicalJson(this.errorsByFile.get(file) ?? []);
    if (errors.length) this.errorsByFile.set(file, errors);
    else this.errorsByFile.delete(file);
    if (before !== canonicalJson(errors)) for (const l of this.errorListeners) l();
  }

  specErrors(): SpecError[] {
    return [...this.errorsByFile.values()].flat();
  }

  specErrorsFor(kind: Kind, name: string): SpecError[] {
    const key = objectKey(kind, name);
    return this.specErrors().filter((e) => e.object === key);
  }

  onSpecErrors(listener: () => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  private build(input: SpecInput, metadata: ObjectMeta, status: ObjectStatus | undefined): HostObject {
    return freeze({ apiVersion: input.apiVersion, kind: input.kind, metadata, spec: input.spec, ...(status ? { status } : {}) });
  }

  private commit(key: string, entry: Entry, type: WatchEventType): void {
    const rv = ++this.rv;
    const object = freeze({ ...entry.object, metadata: { ...entry.object.metadata, resourceVersion: String(rv) } });
    const next = { ...entry, object };
    this.entries.set(key, next);
    this.persist(key, () => this.persistence.save(this.recordOf(next)), true);
    this.emit({ type, object, resourceVersion: rv });
  }

  private emit(e: WatchEvent): void {
    this.history.push(e);
    // Trim in chunks: splicing on every event would make each emit O(history).
    if (this.history.length > this.historySize + 1024) this.history.splice(0, this.history.length - this.historySize);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        // A broken watcher must not break the store or the other watchers, nor fail unseen.
        try {
          this.onWatcherError(err, e);
        } catch {
          /* the reporter itself failed: nothing better to do */
        }
      }
    }
  }
}

/** `status` with the revision fields set from `revision` (or removed when there is none). */
function withRevision(status: ObjectStatus, revision: SpecRevision | undefined): ObjectStatus {
  delete status.lastAppliedRevision;
  delete status.dirty;
  return revision ? { ...status, lastAppliedRevision: revision.lastAppliedRevision, dirty: revision.dirty } : status;
}

function freeze<T extends object>(o: T): T {
  return Object.freeze(o);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
