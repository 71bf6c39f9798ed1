// Every stand-in chart, packed by the sim chart source, linted and rendered by the real helm 3.17.3
// and 4.1.4 with exactly the values the example lab passes (its Addon specs' valuesFiles and inline
// values; for cilium the values the Cluster reconciler sets). No cluster needed.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmBinaries } from '../../src/adapters/tools/test-binaries.js';
import { STAND_IN_CHARTS, libraryRoot } from '../../src/sim/charts/library.js';
import { SimChartSource } from '../../src/sim/charts/sim-chart-source.js';

const LAB = path.resolve(import.meta.dirname, '../..');

interface LabRelease {
  addon: string;
  repo: string;
  chart: string;
  version: string;
  release: string;
  namespace: string;
  valuesFiles: string[];
  values?: Record<string, unknown>;
}

interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, any>;
  [k: string]: unknown;
}

async function labReleases(): Promise<LabRelease[]> {
  const out: LabRelease[] = [];
  for (const f of await fs.readdir(path.join(LAB, 'specs', 'addons'))) {
    for (const doc of YAML.parseAllDocuments(await fs.readFile(path.join(LAB, 'specs', 'addons', f), 'utf8'))) {
      const a = doc.toJSON() as { metadata: { name: string }; spec: { helm?: { repo: string; chart: string; version: string; releaseName?: string }; namespace?: string; valuesFiles?: string[]; values?: Record<string, unknown> } };
      if (!a?.spec?.helm) continue;
      out.push({
        addon: a.metadata.name,
        ...a.spec.helm,
        release: a.spec.helm.releaseName ?? a.spec.helm.chart,
        namespace: a.spec.namespace ?? 'default',
        valuesFiles: (a.spec.valuesFiles ?? []).map((v) => path.join(LAB, v)),
        values: a.spec.values,
      });
    }
  }
  return out;
}

// What the Cluster reconciler passes to cilium (issue 10 §4) for the platform cluster.
const CILIUM_VALUES = {
  k8sServiceHost: '127.0.0.2',
  k8sServicePort: 6443,
  kubeProxyReplacement: true,
  ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: ['10.10.0.0/16'], clusterPoolIPv4MaskSize: 24 } },
  hubble: { enabled: true, relay: { enabled: true }, ui: { enabled: true, service: { type: 'NodePort', nodePort: 31235 } } },
  operator: { replicas: 1 },
};

let tmp: string;
let source: SimChartSource;
let helms: Array<{ major: 3 | 4; path: string }>;
let releases: LabRelease[];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-charts-'));
  source = new SimChartSource({ cacheDir: path.join(tmp, 'cache') });
  helms = await helmBinaries();
  releases = await labReleases();
  releases.push({ addon: '(cluster cni)', repo: 'https://helm.cilium.io/', chart: 'cilium', version: '1.16.5', release: 'cilium', namespace: 'kube-system', valuesFiles: [], values: CILIUM_VALUES });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function valuesArgs(r: LabRelease): Promise<string[]> {
  const args = r.valuesFiles.flatMap((f) => ['-f', f]);
  if (r.values) {
    const f = path.join(tmp, `${r.addon}-inline.json`);
    await fs.writeFile(f, JSON.stringify(r.values));
    args.push('-f', f);
  }
  return args;
}

async function render(helm: string, r: LabRelease, extra: string[] = []): Promise<K8sDoc[]> {
  const chart = await source.resolve({ repo: r.repo, chart: r.chart, version: r.version });
  const res = await execa(helm, ['template', r.release, chart.path, '-n', r.namespace, '--include-crds', ...(await valuesArgs(r)), ...extra], { reject: false });
  expect(res.stderr, `${r.addon}: helm template failed`).toBe('');
  expect(res.exitCode).toBe(0);
  return YAML.parseAllDocuments(res.stdout)
    .map((d) => d.toJSON() as K8sDoc)
    .filter(Boolean);
}

function find(docs: K8sDoc[], kind: string, name: string): K8sDoc {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`no ${kind}/${name} in ${docs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return d;
}

function nodePorts(svc: K8sDoc): number[] {
  return (svc.spec?.ports ?? []).map((p: { nodePort?: number }) => p.nodePort).filter(Boolean);
}

describe('the example lab asks only for charts the library has', () => {
  it('has a stand-in with the real name and version for every Helm addon in specs/addons', async () => {
    const missing = releases.filter((r) => !STAND_IN_CHARTS.some((c) => c.chart === r.chart && c.version === r.version));
    expect(missing.map((r) => `${r.chart}@${r.version}`)).toEqual([]);
    for (const c of STAND_IN_CHARTS) {
      const meta = YAML.parse(await fs.readFile(path.join(libraryRoot(), c.dir, 'Chart.yaml'), 'utf8'));
      expect([meta.name, meta.version]).toEqual([c.chart, c.version]);
    }
  });
});

describe.each([3, 4] as const)('helm %i', (major) => {
  const helm = () => helms.find((h) => h.major === major)!.path;

  it('lints every stand-in with the lab values (no errors)', async () => {
    for (const r of releases) {
      const dir = path.join(libraryRoot(), STAND_IN_CHARTS.find((c) => c.chart === r.chart)!.dir);
      const res = await execa(helm(), ['lint', dir, '--namespace', r.namespace, ...(await valuesArgs(r))], { reject: false });
      expect(res.exitCode, `${r.addon}: ${res.stdout}${res.stderr}`).toBe(0);
      expect(res.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('renders cilium: agent DaemonSet k8s-app=cilium tolerating everything, API host/port, the pod pool, operator, hubble UI NodePort, CRDs', async () => {
    const docs = await render(helm(), releases.find((r) => r.chart === 'cilium')!);
    const ds = find(docs, 'DaemonSet', 'cilium');
    expect(ds.metadata.labels?.['k8s-app']).toBe('cilium');
    expect(ds.spec?.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    const env = Object.fromEntries(ds.spec?.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ KUBERNETES_SERVICE_HOST: '127.0.0.2', KUBERNETES_SERVICE_PORT: '6443' });
    expect((find(docs, 'ConfigMap', 'cilium-config') as any).data).toMatchObject({ 'kube-proxy-replacement': 'true', 'cluster-pool-ipv4-cidr': '10.10.0.0/16', ipam: 'cluster-pool' });
    expect(find(docs, 'Deployment', 'cilium-operator').spec?.replicas).toBe(1);
    expect(nodePorts(find(docs, 'Service', 'hubble-ui'))).toEqual([31235]);
    find(docs, 'Deployment', 'hubble-relay');
    const cnp = find(docs, 'CustomResourceDefinition', 'ciliumnetworkpolicies.cilium.io');
    expect(cnp.spec?.versions[0].name).toBe('v2');
  });

  it('renders metrics-server with the lab args and the v1beta1.metrics.k8s.io APIService', async () => {
    const docs = await render(helm(), releases.find((r) => r.addon === 'dev-metrics-server')!);
    const dep = find(docs, 'Deployment', 'metrics-server');
    expect(dep.metadata.namespace).toBe('kube-system');
    expect(dep.spec?.template.spec.containers[0].args).toContain('--kubelet-insecure-tls');
    const api = find(docs, 'APIService', 'v1beta1.metrics.k8s.io');
    expect(api.spec).toMatchObject({ group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'kube-system' } });
  });

  it('renders kube-prometheus-stack: Grafana 30300, Alertmanager 30903, Loki data source, monitoring CRDs, storage on local-path', async () => {
    const docs = await render(helm(), releases.find((r) => r.chart === 'kube-prometheus-stack')!);
    expect(nodePorts(find(docs, 'Service', 'monitoring-grafana'))).toEqual([30300]);
    expect(nodePorts(find(docs, 'Service', 'monitoring-kube-prometheus-alertmanager'))).toEqual([30903]);
    expect((find(docs, 'ConfigMap', 'monitoring-grafana-datasource') as any).data['datasource.yaml']).toContain('http://loki.monitoring.svc:3100');
    expect(find(docs, 'Deployment', 'monitoring-grafana').spec?.template.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'platform-worker1' });
    find(docs, 'CustomResourceDefinition', 'prometheusrules.monitoring.coreos.com');
    const sts = find(docs, 'StatefulSet', 'prometheus-monitoring-kube-prometheus-prometheus');
    expect(sts.spec?.volumeClaimTemplates[0].spec.storageClassName).toBe('local-path');
    const am = Buffer.from((find(docs, 'Secret', 'alertmanager-monitoring-kube-prometheus-alertmanager') as any).data['alertmanager.yaml'], 'base64').toString();
    expect(YAML.parse(am).route.receiver).toBe('webhook');
    // kubeProxy etc. disabled in the lab values: no rules for them.
    expect(JSON.stringify(find(docs, 'PrometheusRule', 'monitoring-kube-prometheus-general.rules'))).not.toContain('KubeProxyDown');
  });

  it('renders loki-stack: Loki StatefulSet on local-path, Promtail DaemonSet', async () => {
    const docs = await render(helm(), releases.find((r) => r.chart === 'loki-stack')!);
    const sts = find(docs, 'StatefulSet', 'loki');
    expect(sts.spec?.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'local-path', resources: { requests: { storage: '10Gi' } } });
    find(docs, 'DaemonSet', 'loki-promtail');
    find(docs, 'Service', 'loki');
  });

  it('renders argo-cd: server NodePort 30800, insecure param, CRDs, pinned to platform-worker2', async () => {
    const docs = await render(helm(), releases.find((r) => r.chart === 'argo-cd')!);
    expect(nodePorts(find(docs, 'Service', 'argocd-server'))).toContain(30800);
    expect((find(docs, 'ConfigMap', 'argocd-cmd-params-cm') as any).data['server.insecure']).toBe('true');
    find(docs, 'CustomResourceDefinition', 'applications.argoproj.io');
    expect(find(docs, 'StatefulSet', 'argocd-application-controller').spec?.template.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'platform-worker2' });
  });

  it('renders jenkins: NodePort 30900, the home PVC on local-path, no storageClassName when the values set none', async () => {
    const r = releases.find((x) => x.chart === 'jenkins')!;
    const docs = await render(helm(), r);
    expect(nodePorts(find(docs, 'Service', 'jenkins'))).toEqual([30900]);
    expect(find(docs, 'PersistentVolumeClaim', 'jenkins').spec).toMatchObject({ storageClassName: 'local-path', resources: { requests: { storage: '8Gi' } } });
    const plain = await render(helm(), { ...r, valuesFiles: [] });
    expect(find(plain, 'PersistentVolumeClaim', 'jenkins').spec).not.toHaveProperty('storageClassName');
  });

  it('refuses the renamed controller.adminPassword through values.schema.json, naming the value (seed 003 BUG-006)', async () => {
    const r = releases.find((x) => x.chart === 'jenkins')!;
    const chart = await source.resolve(r);
    const res = await execa(helm(), ['template', r.release, chart.path, ...(await valuesArgs(r)), '--set', 'controller.adminPassword=changeme'], { reject: false });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(res.stderr).toMatch(major === 3 ? /controller: Additional property adminPassword is not allowed/ : /at '\/controller': additional properties 'adminPassword' not allowed/);
    expect(res.stderr).not.toContain('changeme');
  });

  it('renders istio base (CRDs, default validator), istiod (1 replica, no HPA, mesh config) and the NodePort gateway', async () => {
    const base = await render(helm(), releases.find((r) => r.chart === 'base')!);
    for (const crd of ['virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'peerauthentications.security.istio.io']) find(base, 'CustomResourceDefinition', crd);
    find(base, 'ValidatingWebhookConfiguration', 'istiod-default-validator');
    const istiod = await render(helm(), releases.find((r) => r.chart === 'istiod')!);
    expect(find(istiod, 'Deployment', 'istiod').spec?.replicas).toBe(1);
    expect(istiod.some((d) => d.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect((find(istiod, 'ConfigMap', 'istio') as any).data.mesh).toContain('holdApplicationUntilProxyStarts: true');
    const gw = await render(helm(), releases.find((r) => r.chart === 'gateway')!);
    const svc = find(gw, 'Service', 'istio-ingressgateway');
    expect(svc.metadata.namespace).toBe('istio-ingress');
    expect(svc.spec?.type).toBe('NodePort');
  });
});

describe('sim chart source', () => {
  it('packs a stand-in deterministically: same digest and bytes twice, cached the second time', async () => {
    const other = new SimChartSource({ cacheDir: path.join(tmp, 'cache2') });
    const a = await source.resolve({ repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15' });
    const b = await other.resolve({ repo: 'https://charts.jenkins.io/', chart: 'jenkins', version: '5.7.15' });
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    expect(Buffer.compare(await fs.readFile(a.path), await fs.readFile(b.path))).toBe(0);
    expect(a).toMatchObject({ name: 'jenkins', version: '5.7.15', appVersion: '2.479.2' });
    expect((await other.resolve({ repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15' })).cached).toBe(true);
    // helm reads the archive back.
    const show = await execa(helms[0].path, ['show', 'chart', a.path]);
    expect(YAML.parse(show.stdout)).toMatchObject({ name: 'jenkins', version: '5.7.15' });
  });

  it.each([
    [{ repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '9.9.9' }, 'VersionNotFound', /version "9\.9\.9" not found.*it has 5\.7\.15/],
    [{ repo: 'https://example.test/charts', chart: 'nginx', version: '1.0.0' }, 'ChartNotFound', /no stand-in chart "nginx"/],
  ])('reports %o as %s', async (req, kind, msg) => {
    const err = await source.resolve(req).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind });
    expect((err as Error).message).toMatch(msg);
  });

  it('serves the lab local-path-provisioner manifest URL from the library', async () => {
    const url = 'https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.28/deploy/local-path-storage.yaml';
    const m = await source.fetchManifest(url);
    const docs = YAML.parseAllDocuments(await fs.readFile(m.path, 'utf8')).map((d) => d.toJSON() as K8sDoc);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(
      expect.arrayContaining(['Namespace/local-path-storage', 'Deployment/local-path-provisioner', 'StorageClass/local-path', 'ConfigMap/local-path-config']),
    );
    await expect(source.fetchManifest('https://example.test/x.yaml')).rejects.toMatchObject({ kind: 'ChartNotFound' });
  });
});
