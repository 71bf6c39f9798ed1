// What `up` does when the state dir cannot be written (a full disk, ENOSPC; a read-only remount):
// it keeps running on what it has in memory, says so (a StateWriteFailed event, a marker that
// `hostplane get` reads, metrics), retries with backoff, and says when it is written again.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { StateDir } from './state-dir.js';
import type { Registry } from './metrics.js';

/** Written at start with room to spare, then overwritten in place: telling of a full disk must not need new space. */
export const STATE_HEALTH_FILE = 'state-health.json';
const MARKER_BYTES = 2048;

export interface StateHealth {
  ok: boolean;
  /** When writes began to fail (ISO), the error, and how many objects wait to be written. */
  since?: string;
  error?: string;
  pending?: number;
}

/** What `hostplane get` shows: the health `up` last wrote, or undefined when it never did. */
export function readStateHealth(dir: StateDir): StateHealth | undefined {
  try {
    return JSON.parse(readFileSync(dir.path(STATE_HEALTH_FILE), 'utf8')) as StateHealth;
  } catch {
    return undefined;
  }
}

export interface StateWriteRetryOptions {
  dir: StateDir;
  /** Writes what failed again; returns how many still wait. */
  flush(): { pending: number; error?: unknown };
  pending(): number;
  events: { record(e: { object: string; type: 'Normal' | 'Warning'; reason: string; message: string }): unknown };
  metrics: Registry;
  log?: { warn(msg: string): void };
  initialMs?: number;
  maxMs?: number;
}

export class StateWriteRetry {
  private timer?: NodeJS.Timeout;
  private delay: number;
  private since?: string;
  private lastError = '';
  private readonly failures;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(private readonly opts: StateWriteRetryOptions) {
    this.initialMs = opts.initialMs ?? 1_000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.delay = this.initialMs;
    this.failures = opts.metrics.counter('hostplane_state_write_failures_total', 'Writes to the state dir that failed (a full disk, a read-only file system)');
    const pendingGauge = opts.metrics.gauge('hostplane_state_writes_pending', 'Objects whose latest status is only in memory because writing it to the state dir failed');
    opts.metrics.onCollect(() => pendingGauge.set({}, opts.pending()));
  }

  /** Reserves the marker's space while the disk still has some. */
  start(): void {
    try {
      this.opts.dir.writeJson(STATE_HEALTH_FILE, { ok: true });
      this.writeMarker({ ok: true });
    } catch (err) {
      this.opts.log?.warn(`cannot write ${STATE_HEALTH_FILE}: ${(err as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A write of `object` failed: tell, and make sure a retry is scheduled. */
  failed(err: unknown, object: string): void {
    this.failures.inc({});
    const message = errorText(err);
    const first = this.since === undefined;
    this.since ??= new Date().toISOString();
    if (first || message !== this.lastError) {
      this.opts.log?.warn(`cannot write the state dir ${this.opts.dir.root}: ${message}`);
    }
    this.lastError = message;
    this.opts.events.record({
      object,
      type: 'Warning',
      reason: 'StateWriteFailed',
      message: `cannot save ${object} to the state dir ${this.opts.dir.root}: ${message}; hostplane keeps running on what it holds in memory and retries with backoff (free some space)`,
    });
    this.writeMarker({ ok: false, since: this.since, error: message, pending: this.opts.pending() });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retry();
    }, this.delay);
    this.timer.unref?.();
    this.delay = Math.min(this.delay * 2, this.maxMs);
  }

  private retry(): void {
    const res = this.opts.flush();
    if (res.pending > 0) {
      this.failures.inc({});
      this.lastError = res.error !== undefined ? errorText(res.error) : this.lastError;
      this.writeMarker({ ok: false, since: this.since, error: this.lastError, pending: res.pending });
      this.schedule();
      return;
    }
    const since = this.since;
    this.since = undefined;
    this.delay = this.initialMs;
    this.writeMarker({ ok: true });
    this.opts.events.record({ object: 'File/.', type: 'Normal', reason: 'StateWriteRecovered', message: `the state dir ${this.opts.dir.root} is written again (writes had failed since ${since})` });
  }

  /** Overwrites the marker in place, padded to its reserved size: no new blocks needed on a full disk. */
  private writeMarker(h: StateHealth): void {
    let text = JSON.stringify(h);
    if (text.length > MARKER_BYTES - 1) text = JSON.stringify({ ...h, error: h.error?.slice(0, 200) });
    const buf = Buffer.alloc(MARKER_BYTES, ' ');
    buf.write(text, 0, 'utf8');
    buf[MARKER_BYTES - 1] = 0x0a;
    let fd: number | undefined;
    try {
      fd = openSync(this.opts.dir.path(STATE_HEALTH_FILE), 'r+');
      writeSync(fd, buf, 0, buf.length, 0);
    } catch {
      /* best effort: the event and the metrics still tell */
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.message ?? String(err);
}
