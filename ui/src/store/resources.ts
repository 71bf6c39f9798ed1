// One store for the whole app, fed by list-then-watch. Objects are keyed `Kind/name`; updates
// whose resourceVersion is not newer than what we hold are dropped (Headlamp's applyUpdate).
import { batch, createSignal } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import { getJson } from '../api/client';
import { runWatch, type SseMessage, type StreamState } from '../api/stream';
import type { HostCapacity, HostEvent, HostObject, KindInfo, SpecError } from '../api/types';

interface State {
  objects: Record<string, HostObject>;
  kinds: KindInfo[];
  events: HostEvent[];
  specErrors: SpecError[];
  host: HostCapacity | null;
  loaded: boolean;
  loadError: string | null;
}

const [state, setState] = createStore<State>({ objects: {}, kinds: [], events: [], specErrors: [], host: null, loaded: false, loadError: null });
const [stream, setStream] = createSignal<StreamState>({ phase: 'connecting' });
const [lastChange, setLastChange] = createSignal(0);
/** When the live stream was last lost (ms), null while live: what is shown is as of then. */
const [disconnectedAt, setDisconnectedAt] = createSignal<number | null>(null);

export { state, stream, lastChange, disconnectedAt };

const MAX_EVENTS = 2000;
const keyOf = (o: HostObject): string => `${o.kind}/${o.metadata.name}`;
const rvOf = (o: HostObject | undefined): number => Number(o?.metadata.resourceVersion ?? 0);

/** The kind a URL names: its plural, singular, a short name (`vm`, like kubectl) or the kind itself. */
export function kindByPlural(plural: string): KindInfo | undefined {
  const p = plural.toLowerCase();
  return state.kinds.find((k) => k.plural === p) ?? state.kinds.find((k) => k.singular === p || k.kind.toLowerCase() === p || (k.shortNames ?? []).includes(p));
}
/** A kind's reference rules, as the server describes them. */
export function referencesOf(kind: string): { path: string; kind: string }[] {
  return state.kinds.find((k) => k.kind === kind)?.references ?? [];
}
export function pluralOf(kind: string): string {
  return state.kinds.find((k) => k.kind === kind)?.plural ?? `${kind.toLowerCase()}s`;
}
export function detailHref(key: string): string {
  const i = key.indexOf('/');
  return `/resources/${pluralOf(key.slice(0, i))}/${encodeURIComponent(key.slice(i + 1))}`;
}

// --- events: one aggregated record per (object, type, reason, firstTimestamp); an update gets a new id.
function eventIdentity(e: HostEvent): string {
  return `${e.object}\u0000${e.type}\u0000${e.reason}\u0000${e.firstTimestamp}`;
}
let maxEventId = 0;
function upsertEvents(list: HostEvent[]): void {
  if (!list.length) return;
  setState(
    'events',
    produce((events) => {
      for (const e of list) {
        maxEventId = Math.max(maxEventId, e.id);
        const ident = eventIdentity(e);
        const i = events.findIndex((x) => eventIdentity(x) === ident);
        if (i >= 0) events.splice(i, 1);
        events.push(e);
      }
      if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    }),
  );
}

// --- host capacity: refetched (debounced) when VMs change
let hostTimer: ReturnType<typeof setTimeout> | undefined;
function refreshHost(delay = 500): void {
  clearTimeout(hostTimer);
  hostTimer = setTimeout(() => {
    getJson<HostCapacity>('/api/v1/host')
      .then((h) => setState('host', { cpu: h.cpu, memoryMiB: h.memoryMiB, requestedCpu: h.requestedCpu, requestedMemoryMiB: h.requestedMemoryMiB }))
      .catch(() => {});
  }, delay);
}

async function relist(): Promise<string> {
  const kinds = await getJson<{ items: KindInfo[] }>('/api/v1/kinds');
  const lists = await Promise.all(kinds.items.map((k) => getJson<{ metadata: { resourceVersion: string }; items: HostObject[] }>(`/api/v1/${k.plural}`)));
  const [errors, events] = await Promise.all([getJson<{ items: SpecError[] }>('/api/v1/spec-errors'), getJson<{ items: HostEvent[] }>('/api/v1/events')]);
  const objects: Record<string, HostObject> = {};
  for (const l of lists) for (const o of l.items) objects[keyOf(o)] = o;
  // Lists were taken one after another; watching from the oldest is safe because stale updates are dropped.
  const rv = Math.min(...lists.map((l) => Number(l.metadata.resourceVersion)));
  batch(() => {
    setState('kinds', reconcile(kinds.items));
    setState('objects', reconcile(objects, { key: null, merge: false }));
    setState('specErrors', reconcile(errors.items));
    setState('loaded', true);
    setState('loadError', null);
    upsertEvents(events.items);
    setLastChange(Date.now());
  });
  refreshHost(0);
  return String(rv);
}

// Watch messages are applied in small batches so a burst re-renders once.
let pending: SseMessage[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;
function flush(): void {
  flushTimer = undefined;
  const msgs = pending;
  pending = [];
  let vmTouched = false;
  const events: HostEvent[] = [];
  batch(() => {
    for (const m of msgs) {
      let d: any;
      try {
        d = JSON.parse(m.data);
      } catch {
        continue;
      }
      if (m.event === 'ADDED' || m.event === 'MODIFIED') {
        const o = d.object as HostObject;
        const k = keyOf(o);
        if (rvOf(o) !== 0 && rvOf(o) <= rvOf(state.objects[k])) continue;
        setState('objects', k, reconcile(o, { merge: false }));
        if (o.kind === 'VirtualMachine') vmTouched = true;
      } else if (m.event === 'DELETED') {
        const o = d.object as HostObject;
        const k = keyOf(o);
        if (state.objects[k] && rvOf(state.objects[k]) > Number(m.id ?? 0)) continue;
        setState('objects', produce((all) => void delete all[k]));
        if (o.kind === 'VirtualMachine') vmTouched = true;
      } else if (m.event === 'specErrors') {
        setState('specErrors', reconcile(d.items as SpecError[]));
      } else if (m.event === 'hostEvent') {
        events.push(d as HostEvent);
      }
    }
    upsertEvents(events);
    setLastChange(Date.now());
  });
  if (vmTouched) refreshHost();
}

let started = false;
/** Starts the one watch stream for the app (idempotent). */
export function startLive(): void {
  if (started) return;
  started = true;
  runWatch({
    relist: async () => {
      try {
        return await relist();
      } catch (err) {
        setState('loadError', err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
    extraParams: (): Record<string, string> => (maxEventId ? { eventsSince: String(maxEventId) } : {}),
    onMessage: (m) => {
      pending.push(m);
      flushTimer ??= setTimeout(flush, 100);
    },
    onState: (s) => {
      if (s.phase === 'live') setDisconnectedAt(null);
      else if (stream().phase === 'live') setDisconnectedAt(Date.now());
      setStream(s);
    },
  });
}
