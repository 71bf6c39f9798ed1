// The watch stream: one server-sent-events response carrying object changes, recorder events and
// spec-error changes. Object changes carry `id: <resourceVersion>`, so a client reconnecting with
// `Last-Event-ID` (or `?resourceVersion=`) gets every change after it from the store's history,
// exactly once. Other event types carry no id: per the SSE spec the last id then stays the last
// resourceVersion, which is what a resume needs.
import type { ObjectStore, WatchEvent } from '../controllers/store.js';
import { ResourceVersionGoneError } from '../controllers/store.js';
import type { Redactor } from './redact.js';

/** The part of a recorder event the stream relies on; every other field is passed through. */
export interface WatchHostEvent {
  id: number;
  object: string;
}

export interface WatchSources {
  store: ObjectStore;
  events: {
    list(filter?: { object?: string; sinceId?: number }): readonly WatchHostEvent[];
    subscribe(fn: (e: WatchHostEvent) => void): () => void;
  };
}

export interface WatchOptions {
  /** Resume after this resourceVersion; absent ⇒ start with a synthetic ADDED for every object. */
  sinceResourceVersion?: number;
  /** Replay recorder events with a larger id first (the client's last seen event id). */
  eventsSinceId?: number;
  heartbeatMs: number;
  /** Read per event, so a secret learned after the stream opened is still hidden. */
  redactor: () => Redactor;
  /** Fires when the client goes away. */
  signal?: AbortSignal;
  /** A client this far behind (bytes queued) is cut off; it resumes from its last id. */
  maxQueuedBytes?: number;
}

export interface WatchHandle {
  response: Response;
  close(): void;
}

const encoder = new TextEncoder();

export function sseFrame(f: { event?: string; id?: string | number; data?: string; retry?: number; comment?: string }): string {
  let s = '';
  if (f.comment !== undefined) s += `: ${f.comment}\n`;
  if (f.retry !== undefined) s += `retry: ${f.retry}\n`;
  if (f.event) s += `event: ${f.event}\n`;
  if (f.id !== undefined) s += `id: ${f.id}\n`;
  if (f.data !== undefined) for (const line of f.data.split('\n')) s += `data: ${line}\n`;
  return s + '\n';
}

/** Builds the SSE response. Everything the client must see is enqueued synchronously, so nothing falls between replay and live. */
export function openWatch(src: WatchSources, opts: WatchOptions): WatchHandle {
  const cleanups: (() => void)[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const highWaterMark = 1024 * 1024;
  const maxQueued = opts.maxQueuedBytes ?? 32 * 1024 * 1024;

  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const c of cleanups.splice(0)) {
      try {
        c();
      } catch {
        /* cleanup must not throw */
      }
    }
    try {
      controller.close();
    } catch {
      /* already closed or cancelled */
    }
  };

  const send = (frame: string): void => {
    if (closed) return;
    const bytes = encoder.encode(frame);
    const backlog = highWaterMark - (controller.desiredSize ?? 0);
    if (backlog > maxQueued) {
      close(); // a client this slow resumes from its Last-Event-ID instead of holding memory
      return;
    }
    controller.enqueue(bytes);
  };

  const objectEvent = (e: WatchEvent): void => {
    send(sseFrame({ event: e.type, id: e.resourceVersion, data: JSON.stringify({ type: e.type, object: opts.redactor().value(e.object) }) }));
  };
  const bookmark = (): void => {
    const rv = src.store.resourceVersion;
    send(sseFrame({ event: 'BOOKMARK', id: rv, data: JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Bookmark', metadata: { resourceVersion: String(rv) } } }) }));
  };
  const specErrors = (): void => {
    send(sseFrame({ event: 'specErrors', data: JSON.stringify({ items: opts.redactor().value(src.store.specErrors()) }) }));
  };
  const hostEvent = (e: WatchHostEvent): void => {
    send(sseFrame({ event: 'hostEvent', data: JSON.stringify(opts.redactor().value(e)) }));
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        send(sseFrame({ retry: 2000, comment: 'hostplane watch' }));
        try {
          if (opts.sinceResourceVersion === undefined) {
            for (const o of src.store.list()) {
              send(sseFrame({ event: 'ADDED', data: JSON.stringify({ type: 'ADDED', object: opts.redactor().value(o) }) }));
            }
            cleanups.push(src.store.watch(objectEvent));
          } else {
            cleanups.push(src.store.watch(objectEvent, { sinceResourceVersion: opts.sinceResourceVersion }));
          }
        } catch (err) {
          if (!(err instanceof ResourceVersionGoneError)) throw err;
          const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: `${err.message}` };
          send(sseFrame({ event: 'ERROR', data: JSON.stringify({ type: 'ERROR', object: status }) }));
          close();
          return;
        }
        bookmark();
        specErrors();
        cleanups.push(src.store.onSpecErrors(specErrors));
        if (opts.eventsSinceId !== undefined) for (const e of src.events.list({ sinceId: opts.eventsSinceId })) hostEvent(e);
        cleanups.push(src.events.subscribe(hostEvent));
        const timer = setInterval(() => send(sseFrame({ comment: `ping ${src.store.resourceVersion}` })), opts.heartbeatMs);
        timer.unref?.();
        cleanups.push(() => clearInterval(timer));
        if (opts.signal) {
          if (opts.signal.aborted) close();
          else {
            const onAbort = (): void => close();
            opts.signal.addEventListener('abort', onAbort, { once: true });
            cleanups.push(() => opts.signal?.removeEventListener('abort', onAbort));
          }
        }
      },
      cancel() {
        close();
      },
    },
    // Count bytes so desiredSize tells how far behind the client is.
    { highWaterMark, size: (chunk) => chunk.byteLength },
  );

  const response = new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
  return { response, close };
}
