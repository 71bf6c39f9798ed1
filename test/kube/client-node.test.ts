// @kubernetes/client-node 1.3.0 over HTTPS against the simulated API server: an informer
// (list + watch) sees every change, and server-side apply works through KubernetesObjectApi.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimEnv, type SimEnv } from './harness.js';

type Obj = Record<string, any>;
const cms = { group: '', version: 'v1', resource: 'configmaps' };

describe('@kubernetes/client-node against the simulated API server', () => {
  let sim: SimEnv;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    sim = await startSimEnv({ host: '127.0.0.9', controlPlane: false });
    kc = new k8s.KubeConfig();
    kc.loadFromString(sim.cluster.kubeconfig());
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('an informer sees every add, update and delete, in order', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    sim.cluster.store.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', namespace: 'default' } });
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const seen: string[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const ours = (o: k8s.V1ConfigMap) => o.metadata!.name !== 'kube-root-ca.crt'; // put there by the namespace bootstrap
    informer.on('add', (o) => ours(o) && seen.push(`add ${o.metadata!.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata!.name} ${(o as Obj).data?.n ?? ''}`));
    informer.on('delete', (o) => {
      seen.push(`delete ${o.metadata!.name}`);
      if (o.metadata!.name === 'c1') resolveDone();
    });
    let stopping = false;
    informer.on('error', (e) => stopping || seen.push(`error ${e}`));
    await informer.start();
    // Writes through the HTTPS API (client-node) and straight into the store (as the control plane does).
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c1' }, data: { n: '1' } } });
    sim.cluster.store.patch(cms, 'default', 'c1', 'merge', { data: { n: '2' } });
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'c1', body: { data: { n: '3' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'c1' });
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`informer saw only: ${seen.join(', ')}`)), 10_000));
    await Promise.race([done, timeout]);
    stopping = true; // stop() aborts the watch request, which the informer reports as an error
    await informer.stop();
    expect(seen).toEqual(['add before', 'add c1', 'update c1 2', 'update c1 3', 'delete c1']);
  });

  it('server-side apply creates, then reports a conflict, then force takes the field', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data: { owner: v } });
    const created = await api.patch(cm('a'), undefined, undefined, 'manager-a', false, k8s.PatchStrategy.ServerSideApply);
    expect((created as Obj).data).toEqual({ owner: 'a' });
    let err: unknown;
    try {
      await api.patch(cm('b'), undefined, undefined, 'manager-b', false, k8s.PatchStrategy.ServerSideApply);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: number }).code).toBe(409);
    expect(String((err as { body?: string }).body)).toContain('conflict with \\"manager-a\\"');
    const forced = await api.patch(cm('b'), undefined, undefined, 'manager-b', true, k8s.PatchStrategy.ServerSideApply);
    expect((forced as Obj).data).toEqual({ owner: 'b' });
    const stored = sim.cluster.store.get(cms, 'default', 'ssa')!;
    expect((stored.metadata.managedFields as Obj[]).map((m) => `${m.manager}:${m.operation}`)).toEqual(['manager-b:Apply']);
  });

  it('a kubeconfig with the admin client certificate (no token) authenticates', async () => {
    const certKc = new k8s.KubeConfig();
    certKc.loadFromString(sim.cluster.kubeconfig({ auth: 'cert' }));
    expect(certKc.getCurrentUser()?.token).toBeUndefined();
    const list = await certKc.makeApiClient(k8s.CoreV1Api).listNamespace();
    expect(list.items.map((n) => n.metadata!.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });
});
