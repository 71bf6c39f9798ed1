// Cluster inventory per Ready cluster, kept by @kubernetes/client-node informers (list + watch:
// nodes, pods, namespaces, services, endpoints, HPAs, deployments) — never kubectl polling. A
// sampler records node usage (metrics.k8s.io, where served) and HPA replicas/CPU into bounded
// rings every few seconds; the API serves summaries built from these caches.
import * as k8s from '@kubernetes/client-node';
import type { HostObject } from '../../api/types.js';
import { Ring } from './ring.js';
import type { HpaSample, HpaView, Inventory, NodeView, PodView, ServiceUrl, ServiceView } from '../../api/dashboard.js';
import { Periodic } from './periodic.js';

export type { HpaSample, HpaView, Inventory, NodeView, PodView, ServiceUrl, ServiceView };

type Obj = Record<string, any>;

const MAX_PODS_LISTED = 500;

function nodeReady(n: Obj): boolean {
  return (n.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
}

/** `500m` → 0.5, `2` → 2, `1500000n` → 0.0015. */
export function cpuCores(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([\d.]+)([nmuk]?)$/.exec(q);
  if (!m) return 0;
  const v = Number(m[1]);
  return m[2] === 'm' ? v / 1000 : m[2] === 'u' ? v / 1e6 : m[2] === 'n' ? v / 1e9 : v;
}

/** `2Gi`, `2048Mi`, `2097152Ki`, bytes → MiB. */
export function memoryMiB(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([\d.]+)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(q);
  if (!m) return 0;
  const mult: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1048576, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1 / 1048576);
}

class ClusterWatch {
  private informers: Array<k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>> = [];
  private caches: Record<string, () => Obj[]> = {};
  readonly hpaRings = new Map<string, Ring<HpaSample>>();
  nodeUsage = new Map<string, { cpu: number; memMiB: number }>();
  metricsServed = false;
  synced = false;
  error: string | null = null;
  updatedAt: number | null = null;
  private stopped = false;

  constructor(readonly cluster: string, readonly kubeconfigPath: string, private readonly kc: k8s.KubeConfig) {}

  async start(): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const apps = this.kc.makeApiClient(k8s.AppsV1Api);
    const as = this.kc.makeApiClient(k8s.AutoscalingV2Api);
    const defs: Array<[string, string, () => Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>]> = [
      ['nodes', '/api/v1/nodes', () => core.listNode()],
      ['pods', '/api/v1/pods', () => core.listPodForAllNamespaces()],
      ['namespaces', '/api/v1/namespaces', () => core.listNamespace()],
      ['services', '/api/v1/services', () => core.listServiceForAllNamespaces()],
      ['endpoints', '/api/v1/endpoints', () => core.listEndpointsForAllNamespaces()],
      ['deployments', '/apis/apps/v1/deployments', () => apps.listDeploymentForAllNamespaces()],
      ['hpas', '/apis/autoscaling/v2/horizontalpodautoscalers', () => as.listHorizontalPodAutoscalerForAllNamespaces()],
    ];
    await Promise.all(
      defs.map(async ([name, path, list]) => {
        const inf = k8s.makeInformer(this.kc, path, list) as k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;
        inf.on('error', (e) => {
          if (this.stopped) return;
          this.error = `${name}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300);
          // The informer stops on error; restart it after a pause (bounded by stop()).
          setTimeout(() => void (this.stopped || inf.start().then(() => (this.error = null), () => undefined)), 3000).unref();
        });
        const touch = () => (this.updatedAt = Date.now());
        inf.on('add', touch);
        inf.on('update', touch);
        inf.on('delete', touch);
        this.informers.push(inf);
        this.caches[name] = () => inf.list() as Obj[];
        await inf.start();
      }),
    );
    this.synced = true;
    this.updatedAt = Date.now();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  list(name: string): Obj[] {
    return this.caches[name]?.() ?? [];
  }

  /** Node usage from metrics.k8s.io (absent until metrics-server's APIService is Available) and HPA rings. */
  async sample(now: number): Promise<void> {
    try {
      const m = await new k8s.Metrics(this.kc).getNodeMetrics();
      this.nodeUsage = new Map(m.items.map((i) => [i.metadata.name, { cpu: cpuCores(i.usage.cpu), memMiB: memoryMiB(i.usage.memory) }]));
      this.metricsServed = true;
    } catch {
      this.metricsServed = false;
      this.nodeUsage.clear();
    }
    for (const h of this.hpas()) {
      const key = `${h.namespace}/${h.name}`;
      let r = this.hpaRings.get(key);
      if (!r) this.hpaRings.set(key, (r = new Ring<HpaSample>()));
      r.push({ t: now, current: h.currentReplicas, desired: h.desiredReplicas, cpu: h.cpuPercent });
    }
  }

  hpas(): HpaView[] {
    return this.list('hpas').map((h) => {
      const cpuMetric = (h.spec?.metrics ?? []).find((m: Obj) => m.type === 'Resource' && m.resource?.name === 'cpu');
      const cpuNow = (h.status?.currentMetrics ?? []).find((m: Obj) => m.type === 'Resource' && m.resource?.name === 'cpu');
      return {
        namespace: h.metadata.namespace,
        name: h.metadata.name,
        target: `${h.spec?.scaleTargetRef?.kind ?? ''}/${h.spec?.scaleTargetRef?.name ?? ''}`,
        minReplicas: h.spec?.minReplicas ?? 1,
        maxReplicas: h.spec?.maxReplicas ?? 1,
        currentReplicas: h.status?.currentReplicas ?? 0,
        desiredReplicas: h.status?.desiredReplicas ?? 0,
        cpuPercent: cpuNow?.resource?.current?.averageUtilization ?? null,
        targetCpuPercent: cpuMetric?.resource?.target?.averageUtilization ?? null,
      };
    });
  }

  inventory(): Inventory {
    const nodes: NodeView[] = this.list('nodes').map((n) => {
      const cpu = cpuCores(n.status?.capacity?.cpu);
      const mem = memoryMiB(n.status?.capacity?.memory);
      const u = this.nodeUsage.get(n.metadata.name);
      return {
        name: n.metadata.name,
        ready: nodeReady(n),
        roles: Object.keys(n.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice(24)),
        internalIP: (n.status?.addresses ?? []).find((a: Obj) => a.type === 'InternalIP')?.address,
        cpuCores: cpu,
        memoryMiB: Math.round(mem),
        cpuPercent: u && cpu > 0 ? Math.round((1000 * u.cpu) / cpu) / 10 : null,
        memPercent: u && mem > 0 ? Math.round((1000 * u.memMiB) / mem) / 10 : null,
      };
    });
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    const byNamespace: Inventory['pods']['byNamespace'] = {};
    const counts = { running: 0, pending: 0, failed: 0, succeeded: 0 };
    const items: PodView[] = [];
    const pods = this.list('pods');
    for (const p of pods) {
      const phase: string = p.status?.phase ?? 'Pending';
      const ns: string = p.metadata.namespace;
      const b = (byNamespace[ns] ??= { running: 0, pending: 0, failed: 0, total: 0 });
      b.total++;
      if (phase === 'Running') (b.running++, counts.running++);
      else if (phase === 'Pending') (b.pending++, counts.pending++);
      else if (phase === 'Failed') (b.failed++, counts.failed++);
      else if (phase === 'Succeeded') counts.succeeded++;
      if (items.length < MAX_PODS_LISTED)
        items.push({
          namespace: ns,
          name: p.metadata.name,
          phase,
          node: p.spec?.nodeName,
          ready: (p.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True'),
          restarts: (p.status?.containerStatuses ?? []).reduce((a: number, c: Obj) => a + (c.restartCount ?? 0), 0),
          labels: p.metadata.labels ?? {},
        });
    }
    items.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const endpoints = new Map(this.list('endpoints').map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
    const services: ServiceView[] = this.list('services').map((s) => {
      const ep = endpoints.get(`${s.metadata.namespace}/${s.metadata.name}`);
      const addrs: string[] = [];
      for (const sub of ep?.subsets ?? []) for (const a of sub.addresses ?? []) for (const pt of sub.ports ?? [{}]) addrs.push(pt.port ? `${a.ip}:${pt.port}` : a.ip);
      return {
        namespace: s.metadata.namespace,
        name: s.metadata.name,
        type: s.spec?.type ?? 'ClusterIP',
        clusterIP: s.spec?.clusterIP,
        selector: s.spec?.selector ?? {},
        ports: (s.spec?.ports ?? []).map((p: Obj) => ({ name: p.name, port: p.port, nodePort: p.nodePort, protocol: p.protocol ?? 'TCP' })),
        endpoints: addrs.slice(0, 50),
      };
    });
    services.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return {
      cluster: this.cluster,
      synced: this.synced,
      updatedAt: this.updatedAt,
      error: this.error,
      metricsServed: this.metricsServed,
      nodes,
      namespaces: this.list('namespaces').map((n) => n.metadata.name as string).sort(),
      pods: { total: pods.length, ...counts, byNamespace, items, truncated: pods.length > items.length },
      services,
      deployments: this.list('deployments').map((d) => ({ namespace: d.metadata.namespace, name: d.metadata.name, replicas: d.spec?.replicas ?? 0, ready: d.status?.readyReplicas ?? 0 })),
      hpas: this.hpas(),
    };
  }
}

/** NodePort services as the URLs a person opens (like `minikube service`): the first Ready node's InternalIP. */
export function serviceUrls(inv: Inventory): ServiceUrl[] {
  const ip = inv.nodes.find((n) => n.ready && n.internalIP)?.internalIP ?? inv.nodes.find((n) => n.internalIP)?.internalIP;
  if (!ip) return [];
  const out: ServiceUrl[] = [];
  for (const s of inv.services) {
    if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') continue;
    for (const p of s.ports) {
      if (!p.nodePort) continue;
      const scheme = p.port === 443 || p.name === 'https' ? 'https' : 'http';
      out.push({ namespace: s.namespace, service: s.name, port: p.port, nodePort: p.nodePort, url: `${scheme}://${ip}:${p.nodePort}` });
    }
  }
  return out;
}

export interface InventoryOptions {
  /** The Cluster objects; a Ready one with status.kubeconfigPath is watched. */
  clusters(): HostObject[];
  intervalMs?: number;
}

/** Ready with a kubeconfig: the convention every Kubernetes-facing kind uses. */
export function usableKubeconfig(c: HostObject): string | undefined {
  const st = (c.status ?? {}) as Obj;
  const ready = (st.conditions ?? []).some((x: Obj) => x.type === 'Ready' && x.status === 'True');
  return ready && typeof st.kubeconfigPath === 'string' ? st.kubeconfigPath : undefined;
}

export class ClusterInventoryCollector {
  private watches = new Map<string, ClusterWatch>();
  private readonly clock: Periodic;
  constructor(private readonly opts: InventoryOptions) {
    this.clock = new Periodic(() => this.sync(), opts.intervalMs);
  }

  start(): void {
    this.clock.start();
  }

  async stop(): Promise<void> {
    await this.clock.stop();
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
    this.watches.clear();
  }

  /** Starts watches for newly usable clusters, stops gone ones, samples the rest. */
  tick(): Promise<void> {
    return this.clock.tick();
  }

  private async sync(): Promise<void> {
    const want = new Map<string, string>();
    for (const c of this.opts.clusters()) {
      const kc = usableKubeconfig(c);
      if (kc) want.set(c.metadata.name, kc);
    }
    for (const [name, w] of this.watches) {
      if (want.get(name) !== w.kubeconfigPath) {
        this.watches.delete(name);
        await w.stop();
      }
    }
    await Promise.all(
      [...want].map(async ([name, path]) => {
        let w = this.watches.get(name);
        if (!w) {
          const kc = new k8s.KubeConfig();
          try {
            kc.loadFromFile(path);
          } catch (e) {
            return;
          }
          w = new ClusterWatch(name, path, kc);
          this.watches.set(name, w);
          try {
            await w.start();
          } catch (e) {
            w.error = e instanceof Error ? e.message.slice(0, 300) : String(e);
          }
        }
        await w.sample(Date.now());
      }),
    );
  }

  clusters(): string[] {
    return [...this.watches.keys()].sort();
  }

  inventory(cluster: string): Inventory | undefined {
    return this.watches.get(cluster)?.inventory();
  }

  hpaHistory(cluster: string, limit?: number): Record<string, HpaSample[]> | undefined {
    const w = this.watches.get(cluster);
    if (!w) return undefined;
    return Object.fromEntries([...w.hpaRings].map(([k, r]) => [k, r.list(limit)]));
  }
}
