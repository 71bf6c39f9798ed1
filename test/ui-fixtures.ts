// A small lab for the dashboard's tests: a SimCluster (control plane, three nodes) running the
// example manifests (demo nginx-web/httpbin/redis, their HPAs, the CiliumNetworkPolicies), a
// metrics-server APIService so metrics.k8s.io is served, and a NodePort Grafana; plus a
// test-only way to mark a Cluster object Ready with the kubeconfig path (what the Cluster
// controller writes) until that controller lands.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ScaledClock } from '../src/sim/kube/control-plane/index.js';
import { cniDaemonSet } from '../src/sim/kube/control-plane/testing/harness.js';
import { SimCluster } from '../src/sim/kube/sim-cluster.js';
import type { ObjectStore } from '../src/controllers/store.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '..');

const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  Service: { group: '', version: 'v1', resource: 'services' },
  Endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  HorizontalPodAutoscaler: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  APIService: { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' },
  CustomResourceDefinition: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' },
  CiliumNetworkPolicy: { group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies' },
};

export interface UiLab {
  cluster: SimCluster;
  kubeconfig: string;
  dir: string;
  apply(obj: Obj): void;
  stop(): Promise<void>;
}

const CILIUM_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ciliumnetworkpolicies.cilium.io' },
  spec: {
    group: 'cilium.io',
    scope: 'Namespaced',
    names: { plural: 'ciliumnetworkpolicies', singular: 'ciliumnetworkpolicy', kind: 'CiliumNetworkPolicy', shortNames: ['cnp'] },
    versions: [{ name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

function manifests(dir: string): Obj[] {
  const out: Obj[] = [];
  for (const f of readdirSync(join(ROOT, 'manifests', dir)).filter((f) => f.endsWith('.yaml')).sort())
    for (const d of parseAllDocuments(readFileSync(join(ROOT, 'manifests', dir, f), 'utf8'))) {
      const o = d.toJS() as Obj | null;
      if (o?.kind) out.push(o);
    }
  return out;
}

export async function startUiLab(opts: { name?: string; host?: string; timeScale?: number; policies?: boolean } = {}): Promise<UiLab> {
  const dir = mkdtempSync(join(tmpdir(), 'hostplane-uilab-'));
  const cluster = await SimCluster.start({
    name: opts.name ?? 'dev',
    host: opts.host ?? '127.0.0.1',
    port: 0,
    clock: new ScaledClock(opts.timeScale ?? 10),
    nodes: [
      { name: 'dev-master', ip: '10.200.0.10', cpu: 2, memoryMiB: 4096, labels: { 'node-role.kubernetes.io/control-plane': '' } },
      { name: 'dev-worker1', ip: '10.200.0.11', cpu: 2, memoryMiB: 4096 },
      { name: 'dev-worker2', ip: '10.200.0.12', cpu: 2, memoryMiB: 4096 },
    ],
  });
  const apply = (o: Obj) => {
    const r = RESOURCES[o.kind];
    if (!r) throw new Error(`ui-fixtures: no resource mapping for kind ${o.kind}`);
    cluster.store.create(r, o as never);
  };
  apply(cniDaemonSet() as Obj);
  for (const ns of ['loadtest', 'monitoring']) apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const o of manifests('demo')) apply(o);
  for (const o of manifests('hpa').filter((o) => o.kind === 'HorizontalPodAutoscaler')) apply(o);
  // metrics-server, as its chart would leave it: an APIService backed by ready endpoints.
  apply({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'kube-system' }, groupPriorityMinimum: 100, versionPriority: 100 } });
  apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server', namespace: 'kube-system' }, subsets: [{ addresses: [{ ip: '10.244.0.9' }], ports: [{ port: 10250 }] }] });
  // Grafana on its NodePort, as the kube-prometheus-stack add-on exposes it.
  apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'grafana', namespace: 'monitoring', labels: { app: 'grafana' } }, spec: { replicas: 1, selector: { matchLabels: { app: 'grafana' } }, template: { metadata: { labels: { app: 'grafana' } }, spec: { containers: [{ name: 'grafana', image: 'grafana/grafana:11.1.0', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } } } });
  apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'grafana', namespace: 'monitoring' }, spec: { type: 'NodePort', selector: { app: 'grafana' }, ports: [{ name: 'http', port: 80, targetPort: 3000, nodePort: 30300 }] } });
  // A load generator pod, so flows from the loadtest namespace appear.
  apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'k6', namespace: 'loadtest', labels: { app: 'k6' } }, spec: { replicas: 1, selector: { matchLabels: { app: 'k6' } }, template: { metadata: { labels: { app: 'k6' } }, spec: { containers: [{ name: 'k6', image: 'grafana/k6:0.52.0' }] } } } });
  if (opts.policies !== false) {
    apply(CILIUM_CRD);
    for (const o of manifests('network-policies')) apply(o);
  }
  const kubeconfig = join(dir, 'kubeconfig');
  cluster.writeKubeconfig(kubeconfig);
  return {
    cluster,
    kubeconfig,
    dir,
    apply,
    async stop() {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the Cluster controller writes once a cluster works: Ready=True and the kubeconfig path. */
export function markClusterReady(store: ObjectStore, name: string, kubeconfigPath: string): void {
  store.updateStatus('Cluster', name, {
    observedGeneration: 1,
    phase: 'Ready',
    kubeconfigPath,
    conditions: [{ type: 'Ready', status: 'True', reason: 'Available', message: 'all nodes Ready', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 }],
  });
}
