// The state directory: everything hostplane must remember that is not a spec.
// Status, uids, markers, events and logs live here so spec files stay clean for git.
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

export class StateLockedError extends Error {
  constructor(readonly root: string, readonly pid: number) {
    super(`State directory ${root} is in use by hostplane process ${pid}; stop it first (kill ${pid}) or pass --state DIR`);
    this.name = 'StateLockedError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Roots locked by this process: a second owner inside one process is refused too. */
const lockedHere = new Set<string>();

/**
 * Writes `data` to an open temp file; `write` is the real one (writeSync). Injected by tests to
 * simulate a full disk (ENOSPC) without filling one.
 */
export type RawWrite = (fd: number, data: Buffer, write: (fd: number, data: Buffer) => void) => void;

export interface StateDirOptions {
  rawWrite?: RawWrite;
}

export class StateDir {
  readonly root: string;
  private locked = false;
  private readonly rawWrite?: RawWrite;

  constructor(root: string, opts: StateDirOptions = {}) {
    this.root = resolve(root);
    this.rawWrite = opts.rawWrite;
  }

  /** Absolute path of a file inside the state dir; refuses paths that would escape it. */
  path(...parts: string[]): string {
    const p = resolve(this.root, ...parts);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`path escapes the state directory: ${parts.join('/')}`);
    return p;
  }

  ensure(...parts: string[]): string {
    const p = this.path(...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  /**
   * Takes the single-owner lock. A lock whose pid is dead is taken over; a live owner is refused.
   * link(2) makes taking a free lock atomic; replacing a stale one happens under an exclusive
   * `lock.takeover` marker, re-checking the owner there, so two processes that both saw the same
   * dead pid cannot both end up owning the directory.
   */
  acquireLock(pid = process.pid): void {
    if (lockedHere.has(this.root)) throw new StateLockedError(this.root, process.pid);
    this.ensure();
    const lock = this.path('lock');
    for (let attempt = 0; attempt < 50; attempt++) {
      if (this.tryLink(lock, pid)) {
        this.locked = true;
        lockedHere.add(this.root);
        return;
      }
      const owner = this.lockOwner();
      if (owner !== undefined && owner !== pid && processAlive(owner)) throw new StateLockedError(this.root, owner);
      this.underTakeover(pid, () => {
        if (this.lockOwner() === owner) rmSync(lock, { force: true }); // still the stale one we saw
      });
      sleepSync(10 + Math.random() * 20);
    }
    throw new Error(`could not take the lock in ${this.root}`);
  }

  private tryLink(target: string, pid: number): boolean {
    const tmp = this.path(`lock.${pid}.${randomBytes(4).toString('hex')}`);
    writeFileAtomicRaw(tmp, `${pid}\n`, 0o644, false);
    try {
      linkSync(tmp, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false;
    } finally {
      unlinkSync(tmp);
    }
  }

  private underTakeover(pid: number, fn: () => void): void {
    const marker = this.path('lock.takeover');
    if (!this.tryLink(marker, pid)) {
      // Someone else is replacing the stale lock; clear their marker only if they died doing it.
      try {
        const holder = Number.parseInt(readFileSync(marker, 'utf8').trim(), 10);
        if (Number.isFinite(holder) && !processAlive(holder)) rmSync(marker, { force: true });
      } catch {
        /* gone meanwhile */
      }
      return;
    }
    try {
      fn();
    } finally {
      rmSync(marker, { force: true });
    }
  }

  lockOwner(): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(this.path('lock'), 'utf8').trim(), 10);
      return Number.isFinite(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  releaseLock(): void {
    if (!this.locked) return;
    if (this.lockOwner() === process.pid) rmSync(this.path('lock'), { force: true });
    this.locked = false;
    lockedHere.delete(this.root);
  }

  readJson<T>(rel: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.path(rel), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) return undefined; // a torn file is impossible with atomic writes; treat as absent
      throw err;
    }
  }

  /** `durable` adds an fsync: needed for intent records that must survive a power loss, not for status. */
  writeJson(rel: string, data: unknown, opts: { mode?: number; durable?: boolean } = {}): void {
    writeFileAtomic(this.path(rel), JSON.stringify(data, null, 2) + '\n', opts.mode ?? 0o644, opts.durable ?? false, this.rawWrite);
  }

  remove(rel: string): void {
    rmSync(this.path(rel), { force: true, recursive: true });
  }

  exists(rel: string): boolean {
    return existsSync(this.path(rel));
  }

  /** Relative paths of the files directly inside a state-dir folder (empty when it does not exist). */
  list(relDir: string): string[] {
    try {
      return readdirSync(this.path(relDir));
    } catch {
      return [];
    }
  }

  relative(abs: string): string {
    return relative(this.root, abs);
  }
}

/**
 * temp file + rename: readers, and a process killed with -9, see the old or the new file, never a
 * torn one. `durable` adds an fsync so the new content also survives a power loss.
 */
export function writeFileAtomic(file: string, content: string | Buffer, mode = 0o644, durable = false, rawWrite?: RawWrite): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileAtomicRaw(tmp, content, mode, durable, rawWrite);
    renameSync(tmp, file);
  } catch (err) {
    // A full disk (ENOSPC) or any failed write must not leave a half-written temp file behind.
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) fsyncDir(dirname(file)); // the rename itself must survive a power loss too
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function writeFileAtomicRaw(file: string, content: string | Buffer, mode: number, sync: boolean, rawWrite?: RawWrite): void {
  const fd = openSync(file, 'wx', mode);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content) : content;
    if (rawWrite) rawWrite(fd, buf, writeAll);
    else writeAll(fd, buf);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Safe file name for an object key (`Kind/name` → `Kind/name.json`); names are DNS-1123 so no escaping is needed. */
export function objectRecordPath(kind: string, name: string): string {
  return join('objects', kind, `${name}.json`);
}
