// Events: what happened to an object, for people (`hostplane events`, the dashboard).
// Aggregated like client-go's EventCorrelator (tools/record/events_cache.go):
//   spam filter  a token bucket per object (burst 25, one more every 5 min); excess is dropped
//   similar      10 distinct messages for one (object, type, reason) within 600 s of each other
//                become one "(combined from similar events): <latest>" event
//   identical    the same (object, type, reason, message) bumps count and lastTimestamp
// An updated event gets a new id, so a watcher reading "since id N" sees it. The log is a bounded
// ring; persistence is a port the state dir implements, saved at most once per debounce window.

import { realClock, type Clock, type TimerHandle } from './clock.js';

export type EventType = 'Normal' | 'Warning';

export interface HostEvent {
  id: number;
  /** `Kind/name`. */
  object: string;
  type: EventType;
  /** CamelCase; names exactly one situation. */
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

export interface EventInput {
  object: string;
  type: EventType;
  reason: string;
  message: string;
}

export interface EventPersistence {
  load(): HostEvent[];
  save(events: HostEvent[]): void;
}

export interface EventRecorderOptions {
  clock?: Clock;
  persistence?: EventPersistence;
  /** Ring size; the oldest event is evicted beyond it. */
  maxEvents?: number;
  /** At most one save per this many ms. */
  saveDebounceMs?: number;
  /** Distinct messages for one (object, type, reason) before they are combined. */
  similarLimit?: number;
  similarWindowMs?: number;
  spamBurst?: number;
  /** One spam-filter token comes back per this many ms. */
  spamRefillMs?: number;
  secrets?: string[];
  /** A debounced save threw (flush() throws instead). */
  onSaveError?: (err: unknown) => void;
}

export interface EventFilter {
  object?: string;
  /** Only events with a larger id. */
  sinceId?: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';
export const REDACTED = '[REDACTED]';

/** Replace every occurrence of each non-empty secret, longest first (one may contain another). */
export function redact(text: string, secrets: Iterable<string>): string {
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const s of list) text = text.split(s).join(REDACTED);
  return text;
}

/** How many objects' spam drops are counted one by one. */
export const MAX_DROP_OBJECTS = 1000;

export class EventRecorder {
  private readonly clock: Clock;
  private readonly persistence: EventPersistence | undefined;
  private readonly maxEvents: number;
  private readonly saveDebounceMs: number;
  private readonly similarLimit: number;
  private readonly similarWindowMs: number;
  private readonly spamBurst: number;
  private readonly spamRefillMs: number;
  private readonly onSaveError: (err: unknown) => void;
  private readonly secrets = new Set<string>();

  /** The ring, keyed by dedupe key; Map order is id order because updates re-insert. */
  private readonly events = new Map<string, HostEvent>();
  private readonly similar = new Map<string, { messages: Set<string>; last: number }>();
  private readonly spam = new Map<string, { tokens: number; last: number }>();
  private readonly drops = new Map<string, number>();
  private dropsElsewhere = 0;
  private readonly subscribers = new Set<(e: HostEvent) => void>();
  private nextId = 1;
  private saveTimer: TimerHandle | undefined;
  private unsaved = false;

  constructor(options: EventRecorderOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.persistence = options.persistence;
    this.maxEvents = options.maxEvents ?? 1000;
    this.saveDebounceMs = options.saveDebounceMs ?? 1000;
    this.similarLimit = options.similarLimit ?? 10;
    this.similarWindowMs = options.similarWindowMs ?? 600_000;
    this.spamBurst = options.spamBurst ?? 25;
    this.spamRefillMs = options.spamRefillMs ?? 300_000;
    this.onSaveError = options.onSaveError ?? (() => {});
    for (const s of options.secrets ?? []) this.addSecret(s);
    if (this.persistence) this.restore(this.persistence.load());
  }

  addSecret(secret: string): void {
    if (secret) this.secrets.add(secret);
  }

  /** Record an event; returns the stored (new or updated) event, or undefined if spam-dropped. */
  record(input: EventInput): HostEvent | undefined {
    const now = this.clock.now();
    if (!this.allow(input.object, now)) {
      // Counted per object up to a bound; beyond it (objects come and go) in one total.
      if (this.drops.has(input.object) || this.drops.size < MAX_DROP_OBJECTS) this.drops.set(input.object, (this.drops.get(input.object) ?? 0) + 1);
      else this.dropsElsewhere++;
      return undefined;
    }
    const message = redact(input.message, this.secrets);
    const aggKey = [input.object, input.type, input.reason].join('\u0000');
    const combined = this.noteSimilar(aggKey, message, now);
    const key = combined ? `${aggKey}\u0000combined` : `${aggKey}\u0000${message}`;
    const at = new Date(now).toISOString();
    const previous = this.events.get(key);
    const event: HostEvent = {
      id: this.nextId++,
      object: input.object,
      type: input.type,
      reason: input.reason,
      message: combined ? COMBINED_PREFIX + message : message,
      count: (previous?.count ?? 0) + 1,
      firstTimestamp: previous?.firstTimestamp ?? at,
      lastTimestamp: at,
    };
    this.events.delete(key);
    this.events.set(key, event);
    this.evict();
    for (const fn of this.subscribers) {
      try {
        fn(event);
      } catch {
        // One broken watcher must not stop recording or the other watchers.
      }
    }
    this.scheduleSave();
    return event;
  }

  /** Matching events, oldest first (newest last). */
  list(filter: EventFilter = {}): HostEvent[] {
    const out: HostEvent[] = [];
    for (const e of this.events.values()) {
      if (filter.object !== undefined && e.object !== filter.object) continue;
      if (filter.sinceId !== undefined && e.id <= filter.sinceId) continue;
      out.push({ ...e });
    }
    return out;
  }

  /** `fn` sees every new or updated event; returns the unsubscribe function. */
  subscribe(fn: (event: HostEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => {
      this.subscribers.delete(fn);
    };
  }

  /** Events the spam filter dropped, for one object or in total. */
  dropped(object?: string): number {
    if (object !== undefined) return this.drops.get(object) ?? 0;
    let total = this.dropsElsewhere;
    for (const n of this.drops.values()) total += n;
    return total;
  }

  /** Save now if anything changed since the last save (on shutdown); throws if save does. */
  flush(): void {
    if (this.saveTimer !== undefined) this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.unsaved || !this.persistence) return;
    this.unsaved = false;
    try {
      this.persistence.save(this.list());
    } catch (err) {
      this.unsaved = true;
      throw err;
    }
  }

  private allow(object: string, now: number): boolean {
    let bucket = this.spam.get(object);
    if (!bucket) this.spam.set(object, (bucket = { tokens: this.spamBurst, last: now }));
    bucket.tokens = Math.min(this.spamBurst, bucket.tokens + (now - bucket.last) / this.spamRefillMs);
    bucket.last = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Track distinct messages per (object, type, reason); true when this one is to be combined. */
  private noteSimilar(aggKey: string, message: string, now: number): boolean {
    let rec = this.similar.get(aggKey);
    if (!rec || now - rec.last > this.similarWindowMs) {
      rec = { messages: new Set(), last: now };
      this.similar.set(aggKey, rec);
    }
    rec.messages.add(message);
    rec.last = now;
    if (rec.messages.size < this.similarLimit) return false;
    // Like client-go, stay one below the limit so every further new message combines too.
    rec.messages.delete(rec.messages.values().next().value!);
    return true;
  }

  private evict(): void {
    while (this.events.size > this.maxEvents) {
      const oldest = this.events.keys().next().value!;
      this.events.delete(oldest);
    }
    // The side tables grow with distinct objects; trim them when they outgrow the ring a lot.
    if (this.similar.size > 4 * this.maxEvents) this.pruneSideTables();
  }

  private pruneSideTables(): void {
    const now = this.clock.now();
    for (const [k, rec] of this.similar) if (now - rec.last > this.similarWindowMs) this.similar.delete(k);
    for (const [k, b] of this.spam) {
      if (b.tokens + (now - b.last) / this.spamRefillMs >= this.spamBurst) this.spam.delete(k);
    }
  }

  private scheduleSave(): void {
    if (!this.persistence) return;
    this.unsaved = true;
    if (this.saveTimer !== undefined) return;
    this.saveTimer = this.clock.setTimeout(() => {
      this.saveTimer = undefined;
      try {
        this.flush();
      } catch (err) {
        this.onSaveError(err);
      }
    }, this.saveDebounceMs);
  }

  private restore(loaded: HostEvent[]): void {
    const valid = loaded
      .filter((e) => e && typeof e.id === 'number' && typeof e.object === 'string' && typeof e.message === 'string')
      .sort((a, b) => a.id - b.id)
      .slice(-this.maxEvents);
    for (const e of valid) {
      const aggKey = [e.object, e.type, e.reason].join('\u0000');
      const key = e.message.startsWith(COMBINED_PREFIX) ? `${aggKey}\u0000combined` : `${aggKey}\u0000${e.message}`;
      this.events.delete(key);
      this.events.set(key, { ...e });
      this.nextId = Math.max(this.nextId, e.id + 1);
    }
  }
}
