// A small QMP (QEMU Machine Protocol) client over a unix socket: greeting, `qmp_capabilities`
// handshake, then `execute` commands one at a time. Events are collected, not acted upon.
import net from 'node:net';

export interface QmpError {
  class: string;
  desc: string;
}

export class QmpCommandError extends Error {
  constructor(readonly command: string, readonly qmpError: QmpError) {
    super(`QMP ${command}: ${qmpError.class}: ${qmpError.desc}`);
    this.name = 'QmpCommandError';
  }
}

export interface QmpEvent {
  event: string;
  data?: unknown;
  timestamp?: { seconds: number; microseconds: number };
}

interface Pending {
  id: string;
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class QmpClient {
  readonly events: QmpEvent[] = [];
  private buf = '';
  private pending = new Map<string, Pending>();
  private seq = 0;
  private closed = false;
  private closeError: Error | undefined;

  private constructor(private readonly sock: net.Socket) {}

  /** Connects, reads the greeting and negotiates capabilities; everything bounded by timeoutMs. */
  static async connect(path: string, timeoutMs = 2000): Promise<QmpClient> {
    const sock = net.connect({ path });
    const client = new QmpClient(sock);
    const greeting = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`QMP ${path}: no greeting within ${timeoutMs} ms`));
      }, timeoutMs);
      client.onGreeting = () => {
        clearTimeout(timer);
        resolve();
      };
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => client.onData(chunk));
    sock.on('error', (e) => client.fail(e));
    sock.on('close', () => client.fail(new Error('QMP connection closed')));
    await greeting;
    await client.execute('qmp_capabilities', undefined, timeoutMs);
    return client;
  }

  private onGreeting: (() => void) | undefined;

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if ('QMP' in msg) {
        this.onGreeting?.();
        this.onGreeting = undefined;
      } else if ('event' in msg) {
        this.events.push(msg as unknown as QmpEvent);
      } else if ('return' in msg || 'error' in msg) {
        const id = typeof msg.id === 'string' ? msg.id : undefined;
        const p = id ? this.pending.get(id) : this.pending.values().next().value;
        if (!p) continue;
        this.pending.delete(p.id);
        clearTimeout(p.timer);
        if ('error' in msg) p.reject(new QmpCommandError(p.command, msg.error as QmpError));
        else p.resolve(msg.return);
      }
    }
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = e;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<T> {
    if (this.closed) return Promise.reject(this.closeError ?? new Error('QMP connection closed'));
    const id = `hp-${++this.seq}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { id, command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.sock.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  close(): void {
    this.fail(new Error('QMP connection closed by client'));
    this.sock.destroy();
  }
}

export interface QmpStatus {
  status: string;
  running: boolean;
}

/** One short QMP session: connect, run `fn`, always close. */
export async function withQmp<T>(path: string, fn: (c: QmpClient) => Promise<T>, timeoutMs = 2000): Promise<T> {
  const c = await QmpClient.connect(path, timeoutMs);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
