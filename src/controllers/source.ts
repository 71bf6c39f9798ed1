// The source: the specs directory, watched with chokidar, fed into the object store.
//
// Level-triggered: a file event only says "look at this file again"; the file's current content
// is always re-read and compared with what it held before. Safety rules (DESIGN.md §3.1, §5):
//  - an invalid edit keeps the last valid spec (a file that stops parsing deletes nothing);
//  - the first file to define a kind/name keeps it; duplicates are reported with both locations;
//  - a vanished document is deleted only after a grace period (a move is not a delete);
//  - a scan that would delete most objects at once, or a missing specs directory, pauses deletion.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { HostObject, SpecError } from '../api/types.js';
export { isIgnoredName, isSpecPath } from './spec-parse.js';
import { parseObjectKey } from '../api/types.js';
import type { ObjectStore } from './store.js';
import { setLongTimeout } from './clock.js';
import { DEFAULT_MASS_DELETION, deletionBatchReason, type DeletionIntents } from './deletion-guard.js';
import type { ReferenceRule } from '../api/references.js';
import { NotRegularFileError, SpecFileTooLargeError, readSpecText } from './spec-read.js';
import { GitRevisions, type GitRunner } from './git-revision.js';
import { YAML_FILE, formatSpecError, isIgnoredName, isSpecPath, parseSpecFile, type LineCol, type ParsedSpecFile, type SpecDocument, type SpecValidator } from './spec-parse.js';

import type { EventSink } from './sinks.js';
export type { EventSink };

export interface SourceLogger {
  info?(msg: string, fields?: Record<string, unknown>): void;
  warn?(msg: string, fields?: Record<string, unknown>): void;
}

export interface SpecSourceOptions {
  specsDir: string;
  store: ObjectStore;
  registry: SpecValidator;
  events?: EventSink;
  /** How long a vanished document waits before its object is marked deleting. */
  graceMs?: number;
  /** Pending deletions above this fraction of all objects pause deletion… */
  massDeleteFraction?: number;
  /** …when they are at least this many (deleting every object pauses whatever the count). */
  massDeleteMinObjects?: number;
  /** Deletions a person asked for by name (`hostplane delete`): the mass-deletion guard lets them through. */
  deletionIntents?: DeletionIntents;
  /** Each kind's reference fields: deleting an object that a staying object still names pauses too. */
  referenceRules?: (kind: string) => readonly ReferenceRule[];
  /** Kinds whose deletion waits for referrers by itself (see KindModule.deletionWaitsForReferrers). */
  deletionWaitsForReferrers?: (kind: string) => boolean;
  /** Largest spec file read (default MAX_SPEC_FILE_BYTES, 1 MiB). */
  maxFileBytes?: number;
  /** A key stopped waiting for deletion because its spec came back (the manager reconciles it again). */
  onPendingCleared?: (key: string) => void;
  logger?: SourceLogger;
  /** Quiet time per file before it is re-read (editors write in several steps). */
  debounceMs?: number;
  /** How often the watcher checks that the specs directory itself still exists (and is the same directory). */
  rootCheckMs?: number;
  /** Told to a person when deletion pauses: how to confirm. */
  confirmHint?: string;
  /**
   * Record in each object's status the git commit its spec came from and whether its file was dirty
   * (when the specs dir is in a checkout; HEAD is looked at every rootCheckMs). `run` replaces git (tests count calls).
   */
  gitRevisions?: boolean | { run?: GitRunner };
}

export interface SpecSourceStatus {
  files: number;
  objects: number;
  errors: number;
  deletionPaused?: { count: number; reason: string };
}

interface FileState {
  parsed: ParsedSpecFile;
  /** key → claim sequence number (smaller = claimed earlier). Includes keys kept while the file is broken. */
  claims: Map<string, number>;
  /** key → the first document in this file that defines it (current parse only). */
  docs: Map<string, SpecDocument>;
  /** The file is broken in a way that hides which objects it defines (syntax error, unidentifiable document). */
  held: boolean;
  /** Held since first sight: the objects it defines are unknown. */
  unknownClaims: boolean;
  /** The text last read (undefined when unreadable): an identical re-read changes nothing. */
  text?: string;
}

/** The event object for source-wide events (deletion paused/resumed): the specs directory itself. */
export const SOURCE_OBJECT = 'File/.';

/** Longer than chokidar's per-file throttles (50 ms for change, 100 ms for unlink). */
const SETTLE_MS = 120;

export class SpecSource {
  readonly specsDir: string;
  private readonly store: ObjectStore;
  private readonly registry: SpecValidator;
  private readonly events?: EventSink;
  private readonly logger?: SourceLogger;
  private readonly graceMs: number;
  private readonly massDeleteFraction: number;
  private readonly massDeleteMinObjects: number;
  private readonly debounceMs: number;
  private readonly rootCheckMs: number;
  private readonly confirmHint: string;
  private readonly intents?: DeletionIntents;
  private readonly referenceRules?: (kind: string) => readonly ReferenceRule[];
  private readonly deletionWaitsForReferrers?: (kind: string) => boolean;
  private readonly maxFileBytes?: number;
  private readonly onPendingCleared?: (key: string) => void;

  private readonly files = new Map<string, FileState>();
  private readonly claimants = new Map<string, Map<string, number>>();
  private readonly seenClaimed = new Set<string>();
  private readonly pending = new Map<string, number>(); // key → due time (ms)
  private readonly reported = new Map<string, Set<string>>(); // file → error identities already told as events
  private readonly debounces = new Map<string, NodeJS.Timeout>();
  private readonly settles = new Map<string, NodeJS.Timeout>();
  private seq = 0;
  private watcher?: FSWatcher;
  private deletionTimer?: { clear(): void };
  private rootTimer?: NodeJS.Timeout;
  private rootIdentity?: string; // dev:ino of the specs dir while it exists
  private dirProblem?: string; // why the specs dir cannot be read
  private paused?: { count: number; reason: string };
  private watching = false;
  private restarting = false;
  private readonly git?: GitRevisions;

  constructor(opts: SpecSourceOptions) {
    this.specsDir = resolve(opts.specsDir);
    this.store = opts.store;
    this.registry = opts.registry;
    this.events = opts.events;
    this.logger = opts.logger;
    this.graceMs = opts.graceMs ?? 3000;
    this.massDeleteFraction = opts.massDeleteFraction ?? DEFAULT_MASS_DELETION.fraction;
    this.massDeleteMinObjects = opts.massDeleteMinObjects ?? DEFAULT_MASS_DELETION.minObjects;
    this.intents = opts.deletionIntents;
    this.referenceRules = opts.referenceRules;
    this.deletionWaitsForReferrers = opts.deletionWaitsForReferrers;
    this.maxFileBytes = opts.maxFileBytes;
    this.onPendingCleared = opts.onPendingCleared;
    this.debounceMs = opts.debounceMs ?? 50;
    this.rootCheckMs = opts.rootCheckMs ?? 1000;
    this.confirmHint = opts.confirmHint ?? 'run `hostplane confirm-deletions`';
    if (opts.gitRevisions) {
      this.git = new GitRevisions({
        specsDir: this.specsDir,
        ...(typeof opts.gitRevisions === 'object' && opts.gitRevisions.run ? { run: opts.gitRevisions.run } : {}),
        onChange: (files) => this.applyRevisions(files === 'all' ? [...this.files.keys()] : files),
        onError: (m) => this.logger?.warn?.(m),
      });
    }
  }

  /** Git invocations so far for revisions (0 without gitRevisions). */
  gitCalls(): number {
    return this.git?.execs ?? 0;
  }

  /** Resolves once the git revisions of what was read so far are in the store (HEAD looked at now). */
  async revisionsSettled(): Promise<void> {
    await this.git?.poll();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Watches the specs directory; resolves once the initial scan is in the store. */
  async start(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    await this.openWatcher();
    this.fullScan();
    await this.git?.poll();
    this.rootTimer = setInterval(() => {
      this.checkRoot();
      void this.git?.poll(); // a commit or checkout changes no spec file: HEAD is looked at here
    }, this.rootCheckMs);
    this.rootTimer.unref?.();
  }

  /** Parses the specs directory once, without watching and without deleting anything. */
  async scanOnce(): Promise<void> {
    this.fullScan();
  }

  async stop(): Promise<void> {
    this.watching = false;
    for (const t of [...this.debounces.values(), ...this.settles.values()]) clearTimeout(t);
    this.debounces.clear();
    this.settles.clear();
    this.deletionTimer?.clear();
    this.deletionTimer = undefined;
    if (this.rootTimer) clearInterval(this.rootTimer);
    this.rootTimer = undefined;
    const w = this.watcher;
    this.watcher = undefined;
    await w?.close();
  }

  status(): SpecSourceStatus {
    let objects = 0;
    for (const c of this.claimants.values()) if (c.size) objects++;
    let errors = 0;
    for (const f of this.files.keys()) errors += this.errorsOf(f).length;
    return { files: this.files.size, objects, errors, ...(this.paused ? { deletionPaused: { ...this.paused } } : {}) };
  }

  /** Every file event seen so far has been read, its second look included, and the watcher is not being reopened. */
  isIdle(): boolean {
    return this.debounces.size === 0 && this.settles.size === 0 && !this.restarting;
  }

  /** Keys waiting for their grace period (or for confirmation while deletion is paused). */
  pendingDeletions(): string[] {
    return [...this.pending.keys()].sort();
  }

  /** Files that do not parse now: their first error, and their text when it could be read. */
  unparsedFiles(): { file: string; error: SpecError; text?: string }[] {
    const out: { file: string; error: SpecError; text?: string }[] = [];
    for (const [file, st] of this.files) {
      if (st.parsed.syntaxOk || !st.parsed.errors.length) continue;
      out.push({ file, error: st.parsed.errors[0], ...(st.text !== undefined ? { text: st.text } : {}) });
    }
    return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  /** True while `key`'s spec is gone and its deletion waits (grace period or paused): it must not be created or started. */
  isPendingDeletion(key: string): boolean {
    return this.pending.has(key);
  }

  /** A person confirmed: everything pending is marked deleting now. Returns how many. */
  confirmDeletions(): number {
    const keys = [...this.pending.keys()];
    this.pending.clear();
    let n = 0;
    for (const key of keys) if (this.markDeleting(key, 'deletion confirmed')) n++;
    if (this.paused) {
      this.paused = undefined;
      this.record(SOURCE_OBJECT, 'Normal', 'DeletionConfirmed', `deletion confirmed: ${n} object(s) marked for deletion`);
    }
    this.armDeletionTimer();
    return n;
  }

  // ---------------------------------------------------------------- watching

  private async openWatcher(): Promise<void> {
    const root = this.specsDir;
    this.rootIdentity = this.readRootIdentity();
    const w = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      ignored: (p: string, stats?: Stats) => {
        const rel = this.rel(p);
        if (rel === '' || rel.startsWith('..')) return false;
        if (rel.split('/').some(isIgnoredName)) return true;
        return !!stats?.isFile() && !YAML_FILE.test(rel);
      },
    });
    this.watcher = w;
    const onFile = (p: string) => {
      const rel = this.rel(p);
      if (isSpecPath(rel)) this.touch(rel);
    };
    w.on('add', onFile);
    w.on('change', onFile);
    w.on('unlink', onFile);
    w.on('addDir', (p: string) => {
      const rel = this.rel(p);
      if (rel === '') return;
      for (const f of this.walk(p)) this.touch(f);
    });
    w.on('unlinkDir', (p: string) => {
      const rel = this.rel(p);
      if (rel === '') return this.checkRoot();
      for (const f of this.files.keys()) if (f.startsWith(rel + '/')) this.touch(f);
    });
    w.on('error', (err: unknown) => {
      this.logger?.warn?.(`spec watcher error: ${(err as Error).message}`);
      this.checkRoot();
    });
    await new Promise<void>((res) => w.once('ready', () => res()));
  }

  private rel(abs: string): string {
    const r = relative(this.specsDir, abs);
    return sep === '/' ? r : r.split(sep).join('/');
  }

  /**
   * Debounces one file; when quiet, re-reads it. chokidar drops a file's `change` events for 50 ms
   * after one it delivered (and `unlink`s for 100 ms), so each read is followed by one more look a
   * little later: an edit inside that window is still seen (level-triggered, nothing is lost).
   */
  private touch(rel: string): void {
    const t = this.debounces.get(rel);
    if (t) clearTimeout(t);
    const s = this.settles.get(rel);
    if (s) clearTimeout(s);
    this.settles.delete(rel);
    this.debounces.set(
      rel,
      setTimeout(() => {
        this.debounces.delete(rel);
        if (!this.watching) return;
        this.refresh(rel);
        this.settles.set(
          rel,
          setTimeout(() => {
            this.settles.delete(rel);
            if (this.watching) this.refresh(rel);
          }, SETTLE_MS),
        );
      }, this.debounceMs),
    );
  }

  private refresh(rel: string): void {
    const dirty = new Set<string>();
    if (this.readFile(rel, dirty)) {
      this.reconcile(dirty, [rel]);
      void this.git?.poll([rel]);
    }
  }

  /** Each file's objects get the file's git revision (only the objects the file owns). */
  private applyRevisions(files: string[]): void {
    if (!this.git) return;
    for (const file of files) {
      const rev = this.git.of(file);
      for (const key of this.files.get(file)?.docs.keys() ?? []) {
        if (this.ownerOf(key) !== file) continue;
        const { kind, name } = parseObjectKey(key);
        this.store.setRevision(kind, name, rev);
      }
    }
  }

  private readRootIdentity(): string | undefined {
    try {
      const st = statSync(this.specsDir);
      if (!st.isDirectory()) return undefined;
      readdirSync(this.specsDir);
      return `${st.dev}:${st.ino}`;
    } catch {
      return undefined;
    }
  }

  /** The specs directory vanished, came back, or was replaced (git checkout, rm -rf + restore). */
  private checkRoot(): void {
    if (!this.watching || this.restarting) return;
    const id = this.readRootIdentity();
    if (id === this.rootIdentity) return;
    this.rootIdentity = id;
    if (!id) {
      this.logger?.warn?.(`specs directory ${this.specsDir} is missing or unreadable`);
      this.fullScan();
      return;
    }
    // Back (or a different directory now): watch it afresh and read everything again.
    this.restarting = true;
    const old = this.watcher;
    this.watcher = undefined;
    void (async () => {
      try {
        await old?.close();
        if (!this.watching) return;
        await this.openWatcher();
        this.fullScan();
      } catch (err) {
        this.logger?.warn?.(`cannot watch ${this.specsDir} again: ${(err as Error).message}`);
      } finally {
        this.restarting = false;
      }
    })();
  }

  // ---------------------------------------------------------------- scanning

  /** Every spec file under `absDir` (relative paths, sorted). Does not follow symlinked directories. */
  private walk(absDir: string): string[] {
    const out: string[] = [];
    const visit = (dir: string) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        if (dir === this.specsDir) throw err;
        return;
      }
      for (const e of entries) {
        if (isIgnoredName(e.name)) continue;
        const abs = join(dir, e.name);
        if (e.isDirectory()) visit(abs);
        // Not only regular files: a FIFO or device named like a spec file is refused by name (readFile).
        else if (YAML_FILE.test(e.name)) out.push(this.rel(abs));
      }
    };
    visit(absDir);
    return out.sort();
  }

  /** Reads every file again (lexical order, so the lexically first path owns a duplicate at start-up). */
  private fullScan(): void {
    let found: string[];
    try {
      found = this.walk(this.specsDir);
      this.dirProblem = undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      this.dirProblem = `specs directory ${this.specsDir} is missing or unreadable (${code})`;
      found = [];
    }
    const dirty = new Set<string>();
    const onDisk = new Set(found);
    const changed: string[] = [];
    for (const f of [...this.files.keys()]) {
      if (!onDisk.has(f)) {
        this.dropFile(f, dirty);
        changed.push(f);
      }
    }
    for (const f of found) {
      this.readFile(f, dirty);
      changed.push(f);
    }
    this.reconcile(dirty, changed, true);
  }

  /**
   * Re-reads one file and updates its claims; keys whose owner or document may have changed go to
   * `dirty`. Returns false when the file is exactly as last read.
   */
  private readFile(rel: string, dirty: Set<string>): boolean {
    let text: string;
    try {
      // Non-blocking and bounded: a FIFO must not hang us, a huge file must not be read whole.
      text = readSpecText(join(this.specsDir, rel), { label: rel, ...(this.maxFileBytes !== undefined ? { maxBytes: this.maxFileBytes } : {}) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
        if (!this.files.has(rel)) return false;
        this.dropFile(rel, dirty);
        return true;
      }
      const prev = this.files.get(rel);
      // A FIFO, socket or device named like a spec file: refused by name (README), unread, as a spec
      // error until it goes. One that never was a regular file defines nothing.
      if (err instanceof NotRegularFileError) {
        if (prev && prev.text === undefined && prev.parsed.errors[0]?.message.startsWith(err.message)) return false;
        const message = `${err.message}; it is not read${prev?.claims.size ? '; keeping the objects it defined' : ''}; remove it or replace it with a regular file`;
        this.setFile(rel, { file: rel, syntaxOk: false, documents: [], errors: [{ file: rel, line: 1, col: 1, field: '', message }] }, dirty, undefined, !prev);
        return true;
      }
      // Exists but cannot be read (permissions, I/O, too large): like a file that does not parse.
      const message = err instanceof SpecFileTooLargeError ? `${err.message}${prev?.claims.size ? '; keeping the objects it defined' : '; it defines nothing yet'}` : `cannot read file: ${(err as Error).message}`;
      const parsed: ParsedSpecFile = { file: rel, syntaxOk: false, documents: [], errors: [{ file: rel, line: 1, col: 1, field: '', message }] };
      this.setFile(rel, parsed, dirty, undefined);
      return true;
    }
    if (this.files.get(rel)?.text === text) return false;
    // An empty file is what a truncated write or a half-finished checkout leaves: not a deletion.
    const prev = this.files.get(rel);
    const parsed: ParsedSpecFile = text.trim() === ''
      ? {
          file: rel,
          syntaxOk: false,
          documents: [],
          errors: [{ file: rel, line: 1, col: 1, field: '', message: prev?.claims.size ? `the file is empty (${text.length} bytes): keeping the objects it defined; delete the file to delete them` : `the file is empty (${text.length} bytes): it defines nothing yet` }],
        }
      : parseSpecFile(rel, text, this.registry);
    this.setFile(rel, parsed, dirty, text);
    return true;
  }

  /** `definesNothing`: the file is known to define no object (a FIFO never read), so it hides none. */
  private setFile(rel: string, parsed: ParsedSpecFile, dirty: Set<string>, text: string | undefined, definesNothing = false): void {
    const prev = this.files.get(rel);
    const claims = new Map<string, number>();
    const docs = new Map<string, SpecDocument>();
    for (const d of parsed.documents) {
      if (!d.key || docs.has(d.key)) continue;
      docs.set(d.key, d);
      claims.set(d.key, prev?.claims.get(d.key) ?? ++this.seq);
    }
    const held = !parsed.syntaxOk || parsed.documents.some((d) => !d.key);
    if (held && prev) for (const [k, s] of prev.claims) if (!claims.has(k)) claims.set(k, s);
    const unknownClaims = !definesNothing && held && (!prev || prev.unknownClaims);
    for (const k of prev?.claims.keys() ?? []) dirty.add(k);
    for (const k of claims.keys()) dirty.add(k);
    this.setClaims(rel, prev?.claims, claims);
    this.files.set(rel, { parsed, claims, docs, held, unknownClaims, text });
  }

  private dropFile(rel: string, dirty: Set<string>): void {
    const prev = this.files.get(rel);
    if (!prev) return;
    for (const k of prev.claims.keys()) dirty.add(k);
    this.setClaims(rel, prev.claims, new Map());
    this.files.delete(rel);
  }

  private setClaims(rel: string, before: Map<string, number> | undefined, after: Map<string, number>): void {
    for (const k of before?.keys() ?? []) {
      if (after.has(k)) continue;
      const c = this.claimants.get(k);
      c?.delete(rel);
      if (c && !c.size) this.claimants.delete(k);
    }
    for (const [k, s] of after) {
      let c = this.claimants.get(k);
      if (!c) this.claimants.set(k, (c = new Map()));
      c.set(rel, s);
      this.seenClaimed.add(k);
    }
  }

  /** The file that defined `key` first (smallest claim number; the lexically first path on a tie). */
  private ownerOf(key: string): string | undefined {
    let best: string | undefined;
    let bestSeq = Infinity;
    for (const [file, s] of this.claimants.get(key) ?? []) {
      if (s < bestSeq || (s === bestSeq && best !== undefined && file < best)) {
        best = file;
        bestSeq = s;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- applying

  /**
   * Applies owners' documents for dirty keys, schedules or cancels deletions, and republishes the
   * errors of every file that names a dirty key (a duplicate's error depends on the other file).
   */
  private reconcile(dirty: Set<string>, changedFiles: string[], orphanCheck = false): void {
    const errorFiles = new Set(changedFiles);
    for (const key of dirty) {
      for (const f of this.claimants.get(key)?.keys() ?? []) errorFiles.add(f);
      const owner = this.ownerOf(key);
      if (owner) {
        if (this.pending.delete(key)) this.pendingCleared(key);
        const doc = this.files.get(owner)?.docs.get(key);
        if (doc?.input) {
          this.store.applySpec(doc.input, { file: owner, line: doc.position.line, col: doc.position.col });
          // What git knew of the file so far; a changed file is looked at again right after (refresh).
          if (this.git) this.store.setRevision(doc.input.kind, doc.input.metadata.name, this.git.of(owner));
        }
      } else {
        this.scheduleDeletion(key);
      }
    }
    if (orphanCheck || this.unknownClaimsCleared()) this.scheduleOrphans();
    for (const f of errorFiles) this.publishErrors(f);
    this.evaluateDeletions();
  }

  private lastUnknown = false;
  private unknownClaimsCleared(): boolean {
    const now = this.anyUnknownClaims();
    const cleared = this.lastUnknown && !now;
    this.lastUnknown = now;
    return cleared;
  }

  private anyUnknownClaims(): boolean {
    for (const f of this.files.values()) if (f.unknownClaims) return true;
    return false;
  }

  /** Objects in the store (restored from the state dir) that no file defines. */
  private scheduleOrphans(): void {
    this.lastUnknown = this.anyUnknownClaims();
    for (const key of this.store.keys()) if (!this.claimants.has(key)) this.scheduleDeletion(key);
  }

  private scheduleDeletion(key: string): void {
    if (this.pending.has(key)) return;
    const obj = this.store.getByKey(key);
    if (!obj || obj.metadata.deletionTimestamp) return;
    // A file broken since start-up may define this object: keep it until we can tell.
    if (!this.seenClaimed.has(key) && this.anyUnknownClaims()) {
      this.logger?.info?.(`not scheduling deletion of ${key}: a spec file that does not parse may define it`);
      return;
    }
    this.pending.set(key, Date.now() + this.graceMs);
  }

  // ---------------------------------------------------------------- deletion

  private guardReason(): string | undefined {
    if (this.dirProblem) return this.dirProblem;
    // Deletions a person asked for by name are not a mass deletion: leave them out of the count.
    let count = 0;
    for (const key of this.pending.keys()) if (!this.isIntended(key)) count++;
    if (count === 0) return undefined;
    const pending: HostObject[] = [];
    const staying: HostObject[] = [];
    for (const o of this.store.list()) {
      const key = `${o.kind}/${o.metadata.name}`;
      if (o.metadata.deletionTimestamp || this.isIntended(key)) continue;
      (this.pending.has(key) ? pending : staying).push(o);
    }
    return deletionBatchReason({ pending, staying, ...(this.referenceRules ? { referenceRules: this.referenceRules } : {}), ...(this.deletionWaitsForReferrers ? { waitsForReferrers: this.deletionWaitsForReferrers } : {}) }, { fraction: this.massDeleteFraction, minObjects: this.massDeleteMinObjects });
  }

  /** Marks due deletions, unless the guard pauses them. Re-arms the timer for the next due one. */
  private evaluateDeletions(): void {
    for (const key of [...this.pending.keys()]) {
      const o = this.store.getByKey(key);
      if (!o || o.metadata.deletionTimestamp || this.claimants.has(key)) {
        this.pending.delete(key);
        if (o && !o.metadata.deletionTimestamp) this.pendingCleared(key);
      }
    }
    if (this.paused) {
      const reason = this.pending.size ? this.guardReason() : undefined;
      if (reason) {
        this.pause(reason);
        return;
      }
      this.paused = undefined;
      // Files coming back one by one must not let the rest through at once: a fresh grace period.
      const due = Date.now() + this.graceMs;
      for (const key of this.pending.keys()) this.pending.set(key, due);
      this.record(
        SOURCE_OBJECT,
        'Normal',
        'DeletionResumed',
        this.pending.size
          ? `deletion resumed: ${this.pending.size} object(s) still have no spec and will be deleted in ${this.graceMs} ms unless their files come back`
          : 'the spec files are back: nothing was deleted',
      );
    }
    const now = Date.now();
    const due = [...this.pending].filter(([, t]) => t <= now).map(([k]) => k);
    if (due.length) {
      const reason = this.guardReason();
      if (reason) {
        this.pause(reason);
        return;
      }
      if (this.watching) {
        // scanOnce never deletes: it has no grace period to honour.
        for (const key of due) {
          this.pending.delete(key);
          this.markDeleting(key, `its spec is gone from ${this.specsDir}`);
        }
      }
    }
    this.armDeletionTimer();
  }

  private pause(reason: string): void {
    const count = this.pending.size;
    if (!this.paused || this.paused.reason !== reason) {
      this.record(SOURCE_OBJECT, 'Warning', 'DeletionPaused', `deletion of ${count} object(s) paused: ${reason}. Restore the spec files to cancel, or ${this.confirmHint} to delete them`);
      this.logger?.warn?.(`deletion paused: ${reason}`, { count });
    }
    this.paused = { count, reason };
    this.armDeletionTimer();
  }

  private armDeletionTimer(): void {
    this.deletionTimer?.clear();
    this.deletionTimer = undefined;
    if (!this.watching || !this.pending.size || this.paused) return;
    let next = Infinity;
    for (const due of this.pending.values()) next = Math.min(next, due);
    // A long --grace must not overflow Node's timer (it would fire at once, over and over).
    this.deletionTimer = setLongTimeout(() => {
      this.deletionTimer = undefined;
      if (this.dirProblem === undefined && !this.readRootIdentity()) {
        this.dirProblem = `specs directory ${this.specsDir} is missing or unreadable`;
      }
      this.evaluateDeletions();
    }, Math.max(0, next - Date.now()) + 1);
  }

  private pendingCleared(key: string): void {
    try {
      this.onPendingCleared?.(key);
    } catch (err) {
      this.logger?.warn?.(`pending-cleared listener failed: ${(err as Error).message}`);
    }
  }

  private isIntended(key: string): boolean {
    try {
      return this.intents?.intended(key) ?? false;
    } catch {
      return false;
    }
  }

  private markDeleting(key: string, why: string): boolean {
    const { kind, name } = parseObjectKey(key);
    const ok = this.store.markDeleting(kind, name);
    if (ok && this.intents?.done) {
      try {
        this.intents.done(key);
      } catch (err) {
        this.logger?.warn?.(`cannot clear the deletion request of ${key}: ${(err as Error).message}`);
      }
    }
    if (ok) this.record(key, 'Normal', 'SpecRemoved', `marked for deletion: ${why}`);
    return ok;
  }

  // ---------------------------------------------------------------- errors

  /** The file's errors now: its own, plus duplicates (which depend on other files). */
  private errorsOf(rel: string): SpecError[] {
    const st = this.files.get(rel);
    if (!st) return [];
    if (!st.parsed.syntaxOk) return st.parsed.errors;
    const out: SpecError[] = [];
    const firstInFile = new Map<string, SpecDocument>();
    for (const d of st.parsed.documents) {
      out.push(...d.errors);
      if (!d.key) continue;
      const first = firstInFile.get(d.key);
      if (!first) firstInFile.set(d.key, d);
      const owner = this.ownerOf(d.key);
      if (first) {
        out.push(this.duplicateError(rel, d, `${rel}:${loc(first.namePosition)}`));
      } else if (owner !== undefined && owner !== rel) {
        const od = this.files.get(owner)?.docs.get(d.key);
        out.push(this.duplicateError(rel, d, od ? `${owner}:${loc(od.namePosition)}` : owner));
      }
    }
    return out;
  }

  private duplicateError(rel: string, d: SpecDocument, ownerLoc: string): SpecError {
    return {
      file: rel,
      line: d.namePosition.line,
      col: d.namePosition.col,
      field: 'metadata.name',
      message: `duplicate ${d.key}: already defined at ${ownerLoc}, which is the one in use; this definition at ${rel}:${loc(d.namePosition)} is ignored (rename or remove one of them)`,
      object: d.key,
    };
  }

  private publishErrors(rel: string): void {
    const errors = this.errorsOf(rel);
    this.store.setSpecErrors(rel, errors);
    const before = this.reported.get(rel) ?? new Set<string>();
    const now = new Set<string>();
    for (const e of errors) {
      // Identity without the position: moving a broken line does not repeat the event.
      let id = `${e.object ?? ''}\u0000${e.field}\u0000${e.message}`;
      for (let n = 1; now.has(id); n++) id = `${id}\u0000${n}`;
      now.add(id);
      if (!before.has(id)) this.record(e.object ?? `File/${rel}`, 'Warning', 'SpecInvalid', formatSpecError(e));
    }
    if (now.size) this.reported.set(rel, now);
    else this.reported.delete(rel);
  }

  private record(object: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      this.events?.record({ object, type, reason, message });
    } catch (err) {
      this.logger?.warn?.(`event sink failed: ${(err as Error).message}`);
    }
  }
}

function loc(p: LineCol): string {
  return `${p.line}:${p.col}`;
}
