// The app's one watch stream: fetch-based SSE (so a reconnect can send Last-Event-ID and back off),
// parsed incrementally. The owner lists first and hands the list's resourceVersion in.

export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

/** Incremental SSE parser (WHATWG rules for event, id, data; comments ignored). */
export class SseParser {
  private buf = '';
  feed(chunk: string, emit: (m: SseMessage) => void): void {
    this.buf += chunk.replace(/\r\n?/g, '\n');
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length) emit({ event, id, data: data.join('\n') });
    }
  }
}

export type StreamState = { phase: 'connecting' } | { phase: 'live' } | { phase: 'retrying'; inMs: number; reason: string } | { phase: 'unauthorized'; reason: string };

export interface WatchHooks {
  /** Lists everything; returns the resourceVersion to watch from. Called first and after a 410. */
  relist(): Promise<string>;
  /** Query parameters for each (re)connect, e.g. the last recorder event id seen. */
  extraParams(): Record<string, string>;
  onMessage(m: SseMessage): void;
  onState(s: StreamState): void;
}

const STALL_MS = 45_000; // three missed heartbeats

/** Runs until `stop()`: list, watch, reconnect with exponential backoff and Last-Event-ID, relist on 410. */
export function runWatch(hooks: WatchHooks): { stop(): void } {
  let stopped = false;
  let abort: AbortController | undefined;
  let lastId: string | undefined;
  let needList = true;
  let failures = 0;

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  async function once(): Promise<void> {
    if (needList) {
      lastId = await hooks.relist();
      needList = false;
    }
    abort = new AbortController();
    const params = new URLSearchParams(hooks.extraParams());
    if (lastId) params.set('resourceVersion', lastId);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastId) headers['last-event-id'] = lastId;
    const res = await fetch(`/api/v1/watch?${params}`, { headers, credentials: 'same-origin', signal: abort.signal });
    if (res.status === 401 || res.status === 403) {
      const e = new Error(`the API refused the watch (${res.status}); open the dashboard with the link hostplane printed`);
      (e as Error & { auth?: boolean }).auth = true;
      throw e;
    }
    if (!res.ok || !res.body) throw new Error(`watch failed: HTTP ${res.status}`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    const parser = new SseParser();
    let stall = setTimeout(() => abort?.abort(), STALL_MS);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        clearTimeout(stall);
        stall = setTimeout(() => abort?.abort(), STALL_MS);
        parser.feed(dec.decode(value, { stream: true }), (m) => {
          if (m.event === 'ERROR') {
            // 410 Gone: our resourceVersion left the server's history. Start over from a fresh list.
            needList = true;
            lastId = undefined;
            abort?.abort();
            return;
          }
          if (m.id) lastId = m.id;
          if (m.event === 'BOOKMARK') {
            failures = 0;
            hooks.onState({ phase: 'live' });
          }
          hooks.onMessage(m);
        });
      }
    } finally {
      clearTimeout(stall);
    }
  }

  void (async () => {
    while (!stopped) {
      hooks.onState({ phase: 'connecting' });
      let reason = 'the stream ended';
      try {
        await once();
      } catch (err) {
        if (stopped) break;
        reason = err instanceof Error ? err.message : String(err);
        if ((err as { auth?: boolean }).auth) {
          hooks.onState({ phase: 'unauthorized', reason });
          await sleep(15_000);
          continue;
        }
      }
      if (stopped) break;
      if (needList) continue; // a 410: relist right away
      const inMs = Math.min(15_000, 500 * 2 ** failures) * (0.8 + Math.random() * 0.4);
      failures++;
      hooks.onState({ phase: 'retrying', inMs, reason });
      await sleep(inMs);
    }
  })();

  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
