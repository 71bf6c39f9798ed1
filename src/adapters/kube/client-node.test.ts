// The kube adapter (client-node 1.3.0) against the simulated API server: readiness, nodes, SSA,
// CRUD, watch, Jobs and pod logs, and errors a reconciler can branch on.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError, type KubeObject } from '../../ports/kube.js';
import { SimCluster } from '../../sim/kube/sim-cluster.js';
import { ClientNodeKube } from './client-node.js';

let tmp: string;
let cluster: SimCluster;
let kube: ClientNodeKube;

/** Resolves with the first watched object for which `pred` holds (bounded by the test timeout). */
async function waitFor(kind: { apiVersion: string; kind: string; namespace?: string; fieldSelector?: string }, pred: (o: KubeObject) => boolean): Promise<KubeObject> {
  const { items, resourceVersion } = await kube.list(kind);
  const now = items.find(pred);
  if (now) return now;
  let hit: KubeObject | undefined;
  let resolveHit!: (o: KubeObject) => void;
  const found = new Promise<KubeObject>((r) => (resolveHit = r));
  const w = await kube.watch({ ...kind, resourceVersion }, (type, o) => {
    if (!hit && type !== 'DELETED' && type !== 'BOOKMARK' && pred(o)) {
      hit = o;
      resolveHit(o);
    }
  });
  try {
    return await found;
  } finally {
    await w.stop();
  }
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-kube-'));
  cluster = await SimCluster.start({ name: 'kt', host: '127.0.0.1', port: 0, nodes: [{ name: 'kt-node1', ip: '127.0.0.1', cpu: 4, memoryMiB: 8192 }] });
  const kc = path.join(tmp, 'kubeconfig');
  cluster.writeKubeconfig(kc);
  kube = new ClientNodeKube({ kubeconfig: kc });
});
afterAll(async () => {
  await cluster?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('ClientNodeKube against the simulated API server', () => {
  it('reads /readyz and the server version', async () => {
    expect(await kube.readyz()).toEqual({ ok: true });
    expect((await kube.serverVersion()).minor).toBe('31');
  });

  it('lists nodes, NotReady until a CNI pod runs, then Ready', async () => {
    const [n] = await kube.listNodes();
    expect(n).toMatchObject({ name: 'kt-node1', internalIP: '127.0.0.1', unschedulable: false });
    await kube.apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'cilium', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' } },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'cilium' } },
        template: { metadata: { labels: { 'k8s-app': 'cilium' } }, spec: { hostNetwork: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.5' }] } },
      },
    });
    await waitFor({ apiVersion: 'v1', kind: 'Node' }, (o) => ((o.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
    expect((await kube.listNodes())[0].ready).toBe(true);
  });

  it('server-side applies, gets, lists by label, merge-patches and deletes', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', labels: { app: 'x' } }, data: { a: '1' } };
    const created = await kube.apply(cm);
    expect(created.metadata.uid).toBeTruthy();
    await kube.apply({ ...cm, data: { a: '2' } });
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'default' }))?.data).toEqual({ a: '2' });
    expect((await kube.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', labelSelector: 'app=x' })).items.map((o) => o.metadata.name)).toEqual(['cfg']);
    expect((await kube.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', labelSelector: 'app=y' })).items).toEqual([]);
    const patched = await kube.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'default' }, { metadata: { labels: { extra: 'yes' } } });
    expect(patched.metadata.labels).toMatchObject({ app: 'x', extra: 'yes' });
    expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'default' })).toBe(true);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'default' })).toBe(false);
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'default' })).toBeUndefined();
  });

  it('classifies errors: AlreadyExists, SSA conflict, unknown kind', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup', namespace: 'default' }, data: { k: 'v' } };
    await kube.create(cm);
    await expect(kube.create(cm)).rejects.toMatchObject({ kind: 'AlreadyExists', code: 409 });
    // Another manager owns data.k with another value: conflict unless forced.
    await expect(kube.apply({ ...cm, data: { k: 'other' } }, { fieldManager: 'someone-else' })).rejects.toMatchObject({ kind: 'Conflict', code: 409 });
    expect((await kube.apply({ ...cm, data: { k: 'other' } }, { fieldManager: 'someone-else', force: true })).data).toEqual({ k: 'other' });
    await expect(kube.get({ apiVersion: 'example.test/v1', kind: 'Widget', name: 'w' })).rejects.toMatchObject({ kind: 'NotFound', reason: 'NoKind' });
    await expect(kube.get({ apiVersion: 'example.test/v1', kind: 'Widget', name: 'w' })).rejects.toBeInstanceOf(KubeError);
  });

  it('runs a Job to completion and reads its pod log', async () => {
    await kube.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: { backoffLimit: 0, template: { metadata: { annotations: { 'sim.hostplane.dev/run-seconds': '0.2' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    const job = await waitFor({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', fieldSelector: 'metadata.name=once' }, (o) =>
      ((o.status as any)?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True'),
    );
    expect((job.status as any).succeeded).toBe(1);
    const pods = await kube.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', labelSelector: 'job-name=once' });
    expect(pods.items).toHaveLength(1);
    expect(typeof (await kube.podLogs({ name: pods.items[0].metadata.name!, namespace: 'default' }))).toBe('string');
  });

  it('watches from a resourceVersion: ADDED, MODIFIED, DELETED in order', async () => {
    const { resourceVersion } = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' });
    const seen: string[] = [];
    let deleted!: () => void;
    const gone = new Promise<void>((r) => (deleted = r));
    const w = await kube.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', resourceVersion }, (type, o) => {
      if (o.metadata.name !== 'w1') return;
      seen.push(type);
      if (type === 'DELETED') deleted();
    });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'w1', namespace: 'default' };
    await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', namespace: 'default' }, data: { a: '1' } });
    await kube.mergePatch(ref, { data: { a: '2' } });
    await kube.delete(ref);
    await gone;
    await w.stop();
    await w.done;
    expect(seen).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('reports an unreachable server without throwing from readyz', async () => {
    const other = await SimCluster.start({ name: 'gone', host: '127.0.0.1', port: 0, controlPlane: false });
    const kc = path.join(tmp, 'gone.kubeconfig');
    other.writeKubeconfig(kc);
    await other.stop();
    const k = new ClientNodeKube({ kubeconfig: kc });
    const r = await k.readyz({ timeoutMs: 2000 });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/unreachable: ECONNREFUSED/);
    await expect(k.listNodes()).rejects.toMatchObject({ kind: 'Unreachable' });
  });
});
