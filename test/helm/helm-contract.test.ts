// Contract of the helm adapter with the real helm 3.17.3 and 4.1.4 against the simulated API
// server: install, upgrade with changed values, status/history JSON, rollback, a values-schema
// failure classified, a release left pending-upgrade by a killed helm detected as Locked, uninstall.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelmCli, type HelmCli } from '../../src/adapters/helm/helm-cli.js';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
import { helmBinaries } from '../../src/adapters/tools/test-binaries.js';
import { HelmError, type ReleaseTarget } from '../../src/ports/helm.js';
import type { KubeObject } from '../../src/ports/kube.js';
import { SimChartSource } from '../../src/sim/charts/sim-chart-source.js';
import { SimCluster } from '../../src/sim/kube/sim-cluster.js';

const DEMO = path.resolve(import.meta.dirname, 'fixtures', 'demo');

let tmp: string;
let cluster: SimCluster;
let kubeconfig: string;
let kube: ClientNodeKube;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-helm-contract-'));
  cluster = await SimCluster.start({ name: 'hc', host: '127.0.0.1', port: 0, nodes: [{ name: 'hc-node1', ip: '127.0.0.1', cpu: 8, memoryMiB: 16384 }] });
  kubeconfig = path.join(tmp, 'kubeconfig');
  cluster.writeKubeconfig(kubeconfig);
  kube = new ClientNodeKube({ kubeconfig });
  // A CNI pod makes the node Ready, so the charts' pods can run.
  await kube.apply({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'cilium', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'cilium' } },
      template: { metadata: { labels: { 'k8s-app': 'cilium' } }, spec: { hostNetwork: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'agent', image: 'quay.io/cilium/cilium:v1.16.5' }] } },
    },
  });
});
afterAll(async () => {
  await cluster?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Resolves when a watched object satisfies pred (bounded by the test timeout). */
async function waitFor(q: { apiVersion: string; kind: string; namespace?: string; labelSelector?: string }, pred: (o: KubeObject) => boolean): Promise<KubeObject> {
  const { items, resourceVersion } = await kube.list(q);
  const now = items.find(pred);
  if (now) return now;
  let done!: (o: KubeObject) => void;
  const hit = new Promise<KubeObject>((r) => (done = r));
  const w = await kube.watch({ ...q, resourceVersion }, (type, o) => {
    if (type !== 'DELETED' && type !== 'BOOKMARK' && pred(o)) done(o);
  });
  try {
    return await hit;
  } finally {
    await w.stop();
  }
}

describe.each([3, 4] as const)('helm %i against the simulated API server', (major) => {
  let helm: HelmCli;
  const ns = `contract-h${major}`;
  const t = (): ReleaseTarget => ({ kubeconfig, namespace: ns, release: 'demo' });

  beforeAll(async () => {
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    helm = await createHelmCli({ binary: bin, helmHome: path.join(tmp, `helm${major}`), tmpDir: tmp, abortKillSignal: 'SIGKILL' });
    expect(helm.major).toBe(major);
  });

  it('installs with --wait, creating the namespace, and returns the release', async () => {
    const rel = await helm.upgradeInstall(t(), { path: DEMO }, { values: { replicas: 1, message: 'one' }, wait: true, timeoutMs: 60_000, createNamespace: true });
    expect(rel).toMatchObject({ name: 'demo', namespace: ns, version: 1, info: { status: 'deployed' }, chart: { name: 'demo', version: '0.1.0' }, config: { replicas: 1, message: 'one' } });
    const call = helm.log.calls.at(-1)!;
    expect(call.args).toContain(major === 3 ? '--wait' : '--wait=watcher');
    expect(call.args).toContain('<values>');
    const dep = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo', namespace: ns });
    expect((dep?.status as any)?.readyReplicas).toBe(1);
    expect(dep?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
  });

  it('upgrades with changed values', async () => {
    const rel = await helm.upgradeInstall(t(), { path: DEMO }, { values: { replicas: 2, message: 'two' }, wait: true, timeoutMs: 60_000 });
    expect(rel).toMatchObject({ version: 2, info: { status: 'deployed' } });
    expect(await helm.getValues(t())).toEqual({ replicas: 2, message: 'two' });
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'demo-config', namespace: ns }))?.data).toEqual({ message: 'two' });
    expect((await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo', namespace: ns }))?.spec).toMatchObject({ replicas: 2 });
  });

  it('reads status and history as typed JSON', async () => {
    const st = await helm.status(t());
    expect(st).toMatchObject({ version: 2, info: { status: 'deployed', description: 'Upgrade complete' }, config: { message: 'two' } });
    expect(st?.manifest).toContain('kind: Deployment');
    if (major === 4) expect(st?.applyMethod).toBe('ssa');
    const h = await helm.history(t());
    expect(h.map((e) => [e.revision, e.status, e.chart, e.appVersion])).toEqual([
      [1, 'superseded', 'demo-0.1.0', '1.0'],
      [2, 'deployed', 'demo-0.1.0', '1.0'],
    ]);
    expect(await helm.status({ ...t(), release: 'nothing-here' })).toBeUndefined();
    expect(await helm.history({ ...t(), release: 'nothing-here' })).toEqual([]);
  });

  it('rolls back to revision 1', async () => {
    await helm.rollback(t(), 1, { wait: true, timeoutMs: 60_000 });
    const h = await helm.history(t());
    expect(h.map((e) => [e.revision, e.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    expect(h[2].description).toMatch(/Rollback to 1/);
    expect(await helm.getValues(t())).toEqual({ replicas: 1, message: 'one' });
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'demo-config', namespace: ns }))?.data).toEqual({ message: 'one' });
  });

  it('runs helm test: the hook pod Succeeded; a failing test pod gives ok=false', async () => {
    expect(await helm.test(t(), { timeoutMs: 60_000 })).toEqual({ ok: true, hooks: { 'demo-test': 'Succeeded' } });
    const failing = { ...t(), release: 'demo-fail' };
    await helm.upgradeInstall(failing, { path: DEMO }, { values: { testExitCode: 1 }, wait: true, timeoutMs: 60_000 });
    expect(await helm.test(failing, { timeoutMs: 60_000 })).toEqual({ ok: false, hooks: { 'demo-fail-test': 'Failed' } });
    expect(await helm.uninstall(failing)).toEqual({ existed: true });
  });

  it('classifies a value the chart schema rejects, leaving the release as it was', async () => {
    const err = await helm.upgradeInstall(t(), { path: DEMO }, { values: { replicas: 'lots' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect(err).toMatchObject({ kind: 'SchemaViolation', valuePath: 'replicas' });
    expect((await helm.history(t())).length).toBe(3);
    expect((await helm.status(t()))?.info.status).toBe('deployed');
  });

  it('refuses the seed jenkins values with controller.adminPassword before touching the cluster (seed 003 BUG-006)', async () => {
    const chart = await new SimChartSource({ cacheDir: path.join(tmp, 'charts') }).resolve({ repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15' });
    const target = { kubeconfig, namespace: `jenkins-h${major}`, release: 'jenkins' };
    const err = await helm.upgradeInstall(target, chart, { values: { controller: { adminPassword: 's3cret' } }, createNamespace: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'SchemaViolation', valuePath: 'controller.adminPassword' });
    expect((err as Error).message).toMatch(/values\.schema\.json rejected value controller\.adminPassword/);
    expect((err as Error).message).not.toContain('s3cret');
    expect(await helm.status(target)).toBeUndefined();
  });

  it('classifies a --wait that runs out of time as Timeout, the release marked failed', async () => {
    const slow = { ...t(), release: 'demo-slow' };
    const err = await helm.upgradeInstall(slow, { path: DEMO }, { values: { nodeSelector: { 'no-such': 'node' } }, wait: true, timeoutMs: 2_000, createNamespace: true }).catch((e: unknown) => e);
    expect(err, (err as Error).message).toMatchObject({ kind: 'Timeout', retryable: true });
    expect((err as HelmError).stderr).toMatch(/context deadline exceeded/);
    expect((await helm.status(slow))?.info.status).toBe('failed');
    expect(await helm.uninstall(slow)).toEqual({ existed: true });
  });

  it('detects a release left pending-upgrade by a killed helm as Locked', async () => {
    const ac = new AbortController();
    // Pods that never schedule keep helm waiting; it is killed (SIGKILL) once the pending revision is stored.
    const stuck = helm.upgrade(t(), { path: DEMO }, { values: { replicas: 1, message: 'stuck', nodeSelector: { 'no-such': 'node' } }, wait: true, timeoutMs: 120_000, signal: ac.signal });
    const pending = waitFor({ apiVersion: 'v1', kind: 'Secret', namespace: ns, labelSelector: 'owner=helm,name=demo,status=pending-upgrade' }, () => true);
    await Promise.race([pending, stuck.then(() => undefined, () => undefined)]);
    ac.abort();
    await expect(stuck).rejects.toMatchObject({ kind: 'Aborted' });
    const st = await helm.status(t());
    expect(st).toMatchObject({ version: 4, info: { status: 'pending-upgrade' } });
    const err = await helm.upgradeInstall(t(), { path: DEMO }, { values: { replicas: 1, message: 'again' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'Locked', retryable: true });
    expect((err as Error).message).toMatch(new RegExp(`release ${ns}/demo is locked`));
    const listed = await helm.list({ kubeconfig, namespace: ns });
    expect(listed).toEqual([expect.objectContaining({ name: 'demo', revision: 4, status: 'pending-upgrade', chart: 'demo-0.1.0' })]);
  });

  it('uninstalls, and uninstalling again is a no-op', async () => {
    expect(await helm.uninstall(t(), { wait: true, timeoutMs: 60_000 })).toEqual({ existed: true });
    expect(await helm.status(t())).toBeUndefined();
    expect(await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo', namespace: ns })).toBeUndefined();
    expect(await helm.uninstall(t())).toEqual({ existed: false });
    expect(helm.log.summary()).toContain(`uninstall ${ns}/demo`);
  });
});
