// `hostplane logs vm/NAME [-f] [--tail N]`: what the log files hold, then (with -f) what is
// appended to them, like `tail -F`: a file that does not exist yet is picked up when it appears,
// a file that is truncated is read again from its start, and at rotation (the file renamed, a new
// one started) the old file is read to its end before the new one is read from its start.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { watch } from 'chokidar';
import { untilStopped } from './stop-signal.js';
import { inside } from './watch.js';

/** The last `n` lines of `text` (kubectl --tail: a negative n means all). A final newline ends a line, it does not start one. */
export function lastLines(text: string, n: number): string {
  if (n < 0) return text;
  if (n === 0) return '';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  let at = body.length;
  for (let i = 0; i < n; i++) {
    const nl = body.lastIndexOf('\n', at - 1);
    if (nl < 0) return text;
    at = nl;
  }
  return text.slice(at + 1);
}

/** Splits a stream of text into complete lines; the unfinished tail waits for its newline. */
export class LineBuffer {
  private partial = '';

  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The unfinished line, if any (printed when following ends). */
  flush(): string | undefined {
    const p = this.partial;
    this.partial = '';
    return p ? p : undefined;
  }
}

export interface LogFile {
  /** e.g. console, provision */
  label: string;
  file: string;
}

/** `logs` without -f: each file that exists, under a `==> label (file) <==` header. */
export function printLogs(files: LogFile[], tail: number, out: (s: string) => void): boolean {
  let any = false;
  for (const { label, file } of files) {
    if (!existsSync(file)) continue;
    any = true;
    out(`==> ${label} (${file}) <==`);
    out(lastLines(readFileSync(file, 'utf8'), tail).trimEnd());
  }
  return any;
}

/**
 * Reads what was appended to one file since the last read; notices truncation and replacement.
 * The file being read stays open: when the name comes to point at another file (rotation renames
 * the log to `NAME.1` and starts a new one), what was appended to the old file is read to its end
 * first, then the new file from its start, as one stream (a line cut by the rotation is joined).
 * Call close() when done following.
 */
export class FileFollower {
  private fd: number | undefined;
  private ino: number | undefined;
  private dev: number | undefined;
  private pos = 0;
  private decoder = new StringDecoder('utf8');
  readonly lines = new LineBuffer();

  constructor(readonly file: string) {}

  /** The whole file as it is now (undefined when it does not exist); following goes on from its end. */
  readInitial(): string | undefined {
    if (!this.open()) return undefined;
    const chunks: Buffer[] = [];
    this.drain((b) => chunks.push(Buffer.from(b)));
    return Buffer.concat(chunks).toString('utf8');
  }

  /** New complete lines, and a note when the file was truncated or replaced. */
  read(): { lines: string[]; note?: string } {
    const lines: string[] = [];
    const take = (b: Buffer) => lines.push(...this.lines.push(this.decoder.write(b)));
    let note: string | undefined;
    if (this.fd !== undefined) {
      const now = this.identity();
      if (now && now.ino === this.ino && now.dev === this.dev) {
        if (fstatSync(this.fd).size < this.pos) {
          note = 'file truncated';
          this.restart();
        }
        this.drain(take);
        return note ? { lines, note } : { lines };
      }
      // Renamed away or removed: what was written to it before that comes first.
      this.drain(take);
      if (!now) return { lines }; // between rotations: the old file stays open until a new one appears
      this.close();
      this.pos = 0; // a continuation of the same stream: the decoder and an unfinished line carry over
      note = 'file replaced; following the new one';
    }
    if (this.open()) this.drain(take);
    return note ? { lines, note } : { lines };
  }

  /** Lets go of the open file. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  /** Opens the file the name points at now; false when there is none. */
  private open(): boolean {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // not there (yet, or between rotations)
      throw e;
    }
    const st = fstatSync(fd);
    this.fd = fd;
    this.ino = st.ino;
    this.dev = st.dev;
    return true;
  }

  /** What the name points at now (undefined: nothing). */
  private identity(): { ino: number; dev: number } | undefined {
    try {
      const st = statSync(this.file);
      return { ino: st.ino, dev: st.dev };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Reads the open file from `pos` to its current end. */
  private drain(take: (b: Buffer) => void): void {
    const fd = this.fd!;
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(64 * 1024);
    while (this.pos < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - this.pos), this.pos);
      if (n <= 0) break;
      this.pos += n;
      take(buf.subarray(0, n));
    }
  }

  private restart(): void {
    this.pos = 0;
    this.decoder = new StringDecoder('utf8');
    this.lines.flush(); // an unfinished line of the old content goes with it
  }
}

export interface FollowOptions {
  /** The folder to watch (the state dir): the files are somewhere under it, their folders may not exist yet. */
  root: string;
  files: LogFile[];
  tail: number;
  out: (s: string) => void;
  err: (s: string) => void;
  abort?: AbortSignal;
  /** Safety net for events a file watcher can miss; events normally come first. */
  pollMs?: number;
}

/** `logs -f`: prints what is there, then follows every file until SIGINT/SIGTERM; returns the exit code (0). */
export async function followLogs(o: FollowOptions): Promise<number> {
  const stop = untilStopped(o.abort);
  const followers = o.files.map((f) => ({ ...f, follower: new FileFollower(f.file) }));
  let lastLabel: string | undefined;
  const header = (f: LogFile) => {
    if (lastLabel === f.label) return;
    lastLabel = f.label;
    o.out(`==> ${f.label} (${f.file}) <==`);
  };

  // One watcher on the root, everything ignored but the way to the files and the files themselves
  // (chokidar notices a missing folder appear only one level deep, so the root is watched, not the files' folder).
  const rels = o.files.map((f) => inside(o.root, f.file) ?? f.file);
  const watcher = watch(o.root, {
    ignoreInitial: true,
    persistent: true,
    followSymlinks: false,
    ignored: (p: string) => {
      const r = inside(o.root, p);
      return r !== undefined && r !== '' && !rels.some((f) => f === r || f.startsWith(r + '/'));
    },
  });
  let closed = false;
  let settle: NodeJS.Timeout | undefined;
  const pump = () => {
    if (closed) return;
    for (const f of followers) {
      try {
        const { lines, note } = f.follower.read();
        if (note) o.err(`==> ${f.label} (${f.file}): ${note} <==`);
        if (lines.length) {
          header(f);
          for (const l of lines) o.out(l);
        }
      } catch (e) {
        o.err(`error: reading ${f.file}: ${(e as Error).message}`);
      }
    }
  };
  let poll: NodeJS.Timeout | undefined;
  try {
    await Promise.race([new Promise<void>((r) => watcher.once('ready', () => r())), stop.stopped]);
    watcher.on('all', () => {
      pump();
      // chokidar drops a file's events for 50 ms after one it delivered: look once more after that.
      clearTimeout(settle);
      settle = setTimeout(pump, 120);
    });
    watcher.on('error', (e: unknown) => o.err(`warning: file watcher: ${(e as Error).message}`));
    // What is there now, read after the watcher is ready so nothing written later is missed.
    let any = false;
    for (const f of followers) {
      const text = f.follower.readInitial();
      if (text === undefined) continue;
      any = true;
      header(f);
      // --tail counts an unfinished last line as a line (as logs without -f does); it waits for its
      // newline in the follower's buffer, so the rest of it is printed on the same line.
      const shown = lastLines(text, o.tail);
      const cut = shown.lastIndexOf('\n') + 1;
      if (cut) o.out(shown.slice(0, cut - 1));
      if (shown.slice(cut)) f.follower.lines.push(shown.slice(cut));
    }
    if (!any) o.err('No logs yet; waiting for them (Ctrl-C to stop).');
    pump();
    poll = setInterval(pump, o.pollMs ?? 1000);
    await stop.stopped;
  } finally {
    closed = true;
    stop.dispose();
    clearInterval(poll);
    clearTimeout(settle);
    await watcher.close();
    for (const f of followers) f.follower.close();
  }
  for (const f of followers) {
    const rest = f.follower.lines.flush();
    if (rest) {
      header(f);
      o.out(rest);
    }
  }
  return 0;
}
