// The example lab's add-on charts (stand-ins) installed by the real helm 3.17.3 and 4.1.4 into a
// simulated 3-node platform cluster with the lab's values: the workloads run, the seed's NodePorts
// are served, and Jenkins' PVC stays Pending until local-path (from the stand-in manifest library)
// is the default StorageClass (seed 003 BUG-006).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelmCli } from '../../src/adapters/helm/helm-cli.js';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
import { helmBinaries } from '../../src/adapters/tools/test-binaries.js';
import type { KubeObject } from '../../src/ports/kube.js';
import { SimChartSource } from '../../src/sim/charts/sim-chart-source.js';
import { SimCluster } from '../../src/sim/kube/sim-cluster.js';

const LAB = path.resolve(import.meta.dirname, '../..');
const NODES = ['platform-master', 'platform-worker1', 'platform-worker2'];

async function values(file: string): Promise<Record<string, unknown>> {
  return YAML.parse(await fs.readFile(path.join(LAB, file), 'utf8')) as Record<string, unknown>;
}

// [repo, chart, version, release, namespace, values]. metrics-server is covered by the render tests
// only: the simulated API server refuses its ClusterRole name "system:metrics-server" (RBAC names
// may contain ':' on a real server) — see the report to the API-server helper.
async function releases(): Promise<Array<[string, string, string, string, string, Record<string, unknown>]>> {
  return [
    ['https://helm.cilium.io/', 'cilium', '1.16.5', 'cilium', 'kube-system', { k8sServiceHost: '127.0.0.1', k8sServicePort: 6443, kubeProxyReplacement: true, ipam: { operator: { clusterPoolIPv4PodCIDRList: ['10.10.0.0/16'] } }, operator: { replicas: 1 }, hubble: { relay: { enabled: true }, ui: { enabled: true, service: { type: 'NodePort', nodePort: 31235 } } } }],
    ['https://istio-release.storage.googleapis.com/charts', 'base', '1.24.2', 'istio-base', 'istio-system', { defaultRevision: 'default' }],
    ['https://istio-release.storage.googleapis.com/charts', 'istiod', '1.24.2', 'istiod', 'istio-system', await values('manifests/values/istiod-values.yaml')],
    ['https://istio-release.storage.googleapis.com/charts', 'gateway', '1.24.2', 'istio-ingressgateway', 'istio-ingress', { service: { type: 'NodePort' } }],
    ['https://prometheus-community.github.io/helm-charts', 'kube-prometheus-stack', '66.3.1', 'monitoring', 'monitoring', await values('manifests/values/monitoring-values.yaml')],
    ['https://grafana.github.io/helm-charts', 'loki-stack', '2.10.2', 'loki', 'monitoring', await values('manifests/values/loki-values.yaml')],
    ['https://argoproj.github.io/argo-helm', 'argo-cd', '7.7.11', 'argocd', 'argocd', await values('manifests/values/argocd-values.yaml')],
    ['https://charts.jenkins.io', 'jenkins', '5.7.15', 'jenkins', 'jenkins', await values('manifests/values/jenkins-values.yaml')],
  ];
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-standin-install-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe.each([3, 4] as const)('helm %i installs the lab add-ons', (major) => {
  let cluster: SimCluster;
  let kube: ClientNodeKube;
  let kubeconfig: string;

  beforeAll(async () => {
    cluster = await SimCluster.start({ name: `p${major}`, host: '127.0.0.1', port: 0, nodes: NODES.map((n) => ({ name: n, ip: '127.0.0.1', cpu: 8, memoryMiB: 16384, labels: { 'kubernetes.io/hostname': n } })) });
    kubeconfig = path.join(tmp, `p${major}.kubeconfig`);
    cluster.writeKubeconfig(kubeconfig);
    kube = new ClientNodeKube({ kubeconfig });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('installs every chart with the lab values; nodes Ready, NodePorts as in the seed', async () => {
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    const helm = await createHelmCli({ binary: bin, helmHome: path.join(tmp, `h${major}`) });
    const source = new SimChartSource({ cacheDir: path.join(tmp, 'charts') });
    for (const [repo, chart, version, release, namespace, v] of await releases()) {
      const resolved = await source.resolve({ repo, chart, version });
      const rel = await helm.upgradeInstall({ kubeconfig, namespace, release }, resolved, { values: v, createNamespace: true, timeoutMs: 60_000 });
      expect([release, rel.info.status, rel.chart?.version]).toEqual([release, 'deployed', version]);
    }
    expect((await kube.listNodes()).filter((n) => n.ready).map((n) => n.name).sort()).toEqual(NODES);
    const svc = async (ns: string, name: string) => ((await kube.get({ apiVersion: 'v1', kind: 'Service', name, namespace: ns }))?.spec as { ports: Array<{ nodePort?: number }> }).ports.map((p) => p.nodePort);
    expect(await svc('monitoring', 'monitoring-grafana')).toEqual([30300]);
    expect(await svc('monitoring', 'monitoring-kube-prometheus-alertmanager')).toEqual([30903]);
    expect(await svc('argocd', 'argocd-server')).toContain(30800);
    expect(await svc('jenkins', 'jenkins')).toEqual([30900]);
    expect(await svc('kube-system', 'hubble-ui')).toEqual([31235]);
    const agents = await kube.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system', labelSelector: 'k8s-app=cilium' });
    expect(agents.items.map((p) => (p.spec as { nodeName?: string }).nodeName).sort()).toEqual(NODES);
    expect(await helm.list({ kubeconfig })).toHaveLength(8);
  });

  it('keeps the Jenkins PVC Pending without a StorageClass; with local-path as default (the lab dependsOn order) it binds', async () => {
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    const helm = await createHelmCli({ binary: bin, helmHome: path.join(tmp, `h${major}`) });
    const phase = async () => ((await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'jenkins', namespace: 'jenkins' }))?.status as { phase?: string } | undefined)?.phase;
    expect(await phase()).toBe('Pending');
    // As the seed fixed it: install local-path with a default class, then (re)install Jenkins.
    expect(await helm.uninstall({ kubeconfig, namespace: 'jenkins', release: 'jenkins' }, { wait: true, timeoutMs: 60_000 })).toEqual({ existed: true });
    const source = new SimChartSource({ cacheDir: path.join(tmp, 'charts') });
    const manifest = await source.fetchManifest('https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.28/deploy/local-path-storage.yaml');
    const docs = [
      ...YAML.parseAllDocuments(await fs.readFile(manifest.path, 'utf8')),
      ...YAML.parseAllDocuments(await fs.readFile(path.join(LAB, 'manifests/storage/local-path-default-class.yaml'), 'utf8')),
    ].map((d) => d.toJSON() as KubeObject);
    for (const d of docs.filter(Boolean)) await kube.apply(d, { force: true });
    const jenkins = (await releases()).find((r) => r[1] === 'jenkins')!;
    const rel = await helm.upgradeInstall({ kubeconfig, namespace: 'jenkins', release: 'jenkins' }, await source.resolve({ repo: jenkins[0], chart: 'jenkins', version: jenkins[2] }), { values: jenkins[5], wait: true, timeoutMs: 20_000 });
    expect(rel.info.status).toBe('deployed');
    expect(await phase()).toBe('Bound');
  });
});
