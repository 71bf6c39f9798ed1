// The dashboard's data shapes, as the API serves them (/api/v1/dashboard/summary, …/inventory,
// …/traffic, …/scaling, vms/NAME/metrics): one definition shared by the collectors that fill them
// (src/app/collectors), the stand-in Hubble relay that generates flows (src/sim/hubble) and the
// pages that draw them (ui/src/store/domain.ts). Types only.

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

/** One VM's guest metrics: newest sample last, listening TCP ports. */
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

export interface ServiceView {
  namespace: string;
  name: string;
  type: string;
  clusterIP?: string;
  selector: Record<string, string>;
  ports: Array<{ name?: string; port: number; nodePort?: number; protocol: string }>;
  endpoints: string[];
}

export interface PodView {
  namespace: string;
  name: string;
  phase: string;
  node?: string;
  ready: boolean;
  restarts: number;
  labels: Record<string, string>;
}

export interface PodCounts {
  running: number;
  pending: number;
  failed: number;
  total: number;
}

export interface Inventory {
  cluster: string;
  synced: boolean;
  updatedAt: number | null;
  error: string | null;
  metricsServed: boolean;
  nodes: NodeView[];
  namespaces: string[];
  pods: PodCounts & {
    succeeded: number;
    byNamespace: Record<string, PodCounts>;
    items: PodView[];
    truncated: boolean;
  };
  services: ServiceView[];
  deployments: Array<{ namespace: string; name: string; replicas: number; ready: number }>;
  hpas: HpaView[];
}

/** A URL a person opens: a NodePort on a node's address (as `minikube service --url`). */
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
  pods?: PodCounts;
  byNamespace?: Record<string, PodCounts>;
  avgCpuPercent?: number | null;
  avgMemPercent?: number | null;
  metricsServed?: boolean;
  /** Where the averages come from: metrics-server, the VMs' guest metrics (no metrics-server), or both. */
  usageSource?: 'metrics-server' | 'guest' | 'mixed';
  hpas?: number;
}

export interface DashboardSummary {
  clusters: ClusterCard[];
  vms: Array<{ name: string; updatedAt: number | null; error: string | null; sample: GuestSample | null }>;
}

/** Field names follow Hubble's flow.proto in the camelCase of its JSON mapping. */
export interface FlowEndpoint {
  namespace: string;
  podName: string;
  labels: string[];
}

export interface Flow {
  time: string;
  verdict: 'FORWARDED' | 'DROPPED';
  /** Why it was dropped, in words (Hubble sends an enum; the reader words it). */
  dropReasonDesc?: string;
  source: FlowEndpoint;
  destination: FlowEndpoint;
  destinationService?: { namespace: string; name: string };
  l4: { protocol: 'TCP' | 'UDP'; destinationPort: number };
  l7?: { http: { method: string; url: string } };
  trafficDirection: 'INGRESS' | 'EGRESS';
  isReply: boolean;
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
