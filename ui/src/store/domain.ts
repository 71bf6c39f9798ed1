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

// --- shapes the API serves (src/app/collectors) ----------------------------------------------

export interface GuestSample {
  t: number;
  cpuPercent: number;
  memPercent: number;
  memUsedMiB: number;
  memTotalMiB: number;
  diskPercent: number;
  diskUsedGiB: number;
  diskTotalGiB: number;
  rxBytesPerSec: number;
  txBytesPerSec: number;
}
export interface GuestMetrics {
  vm: string;
  updatedAt: number | null;
  error: string | null;
  ports: number[];
  samples: GuestSample[];
}
export interface NodeView {
  name: string;
  ready: boolean;
  roles: string[];
  internalIP?: string;
  cpuCores: number;
  memoryMiB: number;
  cpuPercent: number | null;
  memPercent: number | null;
}
export interface HpaView {
  namespace: string;
  name: string;
  target: string;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  cpuPercent: number | null;
  targetCpuPercent: number | null;
}
export interface HpaSample {
  t: number;
  current: number;
  desired: number;
  cpu: number | null;
}
export interface PodView {
  namespace: string;
  name: string;
  phase: string;
  node?: string;
  ready: boolean;
  restarts: number;
}
export interface ServiceView {
  namespace: string;
  name: string;
  type: string;
  clusterIP?: string;
  ports: Array<{ name?: string; port: number; nodePort?: number; protocol: string }>;
  endpoints: string[];
}
export interface Inventory {
  cluster: string;
  synced: boolean;
  updatedAt: number | null;
  error: string | null;
  metricsServed: boolean;
  nodes: NodeView[];
  namespaces: string[];
  pods: { total: number; running: number; pending: number; failed: number; byNamespace: Record<string, { running: number; pending: number; failed: number; total: number }>; items: PodView[]; truncated: boolean };
  services: ServiceView[];
  deployments: Array<{ namespace: string; name: string; replicas: number; ready: number }>;
  hpas: HpaView[];
}
export interface ServiceUrl {
  namespace: string;
  service: string;
  port: number;
  nodePort: number;
  url: string;
}
export interface ClusterCard {
  name: string;
  watched: boolean;
  synced?: boolean;
  error?: string | null;
  nodes?: { ready: number; total: number };
  pods?: { running: number; pending: number; failed: number; total: number };
  byNamespace?: Record<string, { running: number; pending: number; failed: number; total: number }>;
  avgCpuPercent?: number | null;
  avgMemPercent?: number | null;
  metricsServed?: boolean;
  hpas?: number;
}
export interface DashboardSummary {
  clusters: ClusterCard[];
  vms: Array<{ name: string; updatedAt: number | null; error: string | null; sample: GuestSample | null }>;
}
export interface FlowEndpoint {
  namespace: string;
  podName: string;
  labels: string[];
}
export interface Flow {
  time: string;
  verdict: 'FORWARDED' | 'DROPPED';
  dropReasonDesc?: string;
  source: FlowEndpoint;
  destination: FlowEndpoint;
  destinationService?: { namespace: string; name: string };
  l4: { protocol: string; destinationPort: number };
  l7?: { http: { method: string; url: string } };
}
export interface FlowEdge {
  from: string;
  to: string;
  fromNamespace: string;
  toNamespace: string;
  forwarded: number;
  dropped: number;
  protocol: string;
  port: number;
}
export interface TrafficView {
  cluster: string;
  updatedAt: number | null;
  error: string | null;
  total: number;
  forwarded: number;
  dropped: number;
  byProtocol: Record<string, number>;
  edges: FlowEdge[];
  recent: Flow[];
}
export interface ScalingHistory {
  cluster: string;
  hpas: HpaView[];
  history: Record<string, HpaSample[]>;
}

export function bytesRate(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB/s` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB/s` : `${n} B/s`;
}

export function endpointLabel(e: FlowEndpoint): string {
  if (!e.namespace) return e.labels.includes('reserved:world') ? 'world' : 'host';
  const app = e.labels.find((l) => l.startsWith('k8s:app=') || l.startsWith('k8s:k8s-app='));
  return `${e.namespace}/${app ? app.slice(app.indexOf('=') + 1) : e.podName}`;
}
