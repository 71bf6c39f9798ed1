// The dashboard's collected data (VM metrics, cluster inventory, traffic, HPA history): the server
// collects it once; pages read it here, refreshed every few seconds and whenever the watch stream
// brings a change. Each poll stops when its page goes away.
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { getJson } from '../api/client';

export const POLL_MS = 3000;

export interface Poll<T> {
  data: Accessor<T | undefined>;
  error: Accessor<string | null>;
  refresh(): void;
}

/** Fetches `path()` now and every `ms`; a null path means "nothing to fetch yet". */
export function poll<T>(path: () => string | null, ms = POLL_MS): Poll<T> {
  const [data, setData] = createSignal<T | undefined>(undefined);
  const [error, setError] = createSignal<string | null>(null);
  let ctl: AbortController | undefined;
  let last: string | null = null;
  const refresh = () => {
    const p = path();
    if (p !== last) setData(undefined);
    last = p;
    if (!p) return;
    ctl?.abort();
    ctl = new AbortController();
    getJson<T>(p, ctl.signal).then(
      (d) => {
        setData(() => d);
        setError(null);
      },
      (e: Error) => e.name !== 'AbortError' && setError(e.message),
    );
  };
  // Fetch at once whenever the path changes (e.g. the store loaded, or another cluster was picked).
  createEffect(on(path, () => refresh()));
  const t = setInterval(refresh, ms);
  onCleanup(() => {
    clearInterval(t);
    ctl?.abort();
  });
  return { data, error, refresh };
}

// --- shapes the API serves: one definition with the collectors (src/api/dashboard.ts) ---------

export type {
  ClusterCard,
  DashboardSummary,
  Flow,
  FlowEdge,
  FlowEndpoint,
  GuestMetrics,
  GuestSample,
  HpaSample,
  HpaView,
  Inventory,
  NodeView,
  PodView,
  ScalingHistory,
  ServiceUrl,
  ServiceView,
  TrafficView,
} from '../../../src/api/dashboard';
import type { FlowEndpoint } from '../../../src/api/dashboard';

export function bytesRate(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB/s` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB/s` : `${n} B/s`;
}

export function endpointLabel(e: FlowEndpoint): string {
  if (!e.namespace) return e.labels.includes('reserved:world') ? 'world' : 'host';
  const app = e.labels.find((l) => l.startsWith('k8s:app=') || l.startsWith('k8s:k8s-app='));
  return `${e.namespace}/${app ? app.slice(app.indexOf('=') + 1) : e.podName}`;
}
