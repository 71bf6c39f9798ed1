import { afterEach, describe, expect, it } from 'vitest';
import { cond, deployment, makeSim, nodeReady, type Sim } from './testing/harness.js';
import { newRSReplicas, resolveFenceposts } from './deployment.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

describe('Deployment controller', () => {
  it('brings 3 replicas to Available on 2 nodes once the CNI DaemonSet runs', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 3));
    const took = sim.until(() => cond(sim!.get('deployments', 'default', 'web'), 'Available') === 'True' && sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 3);
    expect(took).toBeLessThan(30_000);
    const d = sim.get('deployments', 'default', 'web')!;
    expect(d.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    const pods = sim.list('pods', 'default');
    expect(pods).toHaveLength(3);
    // The control-plane taint keeps app pods off cp1.
    expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set(['worker1']));
    for (const p of pods) {
      expect(p.metadata.labels!['pod-template-hash']).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
      expect(p.metadata.ownerReferences![0]).toMatchObject({ kind: 'ReplicaSet', controller: true, blockOwnerDeletion: true });
      expect(p.status.phase).toBe('Running');
      expect(p.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0, started: true });
      expect(p.status.podIP).toMatch(/^10\.244\./);
    }
    expect(nodeReady(sim.get('nodes', undefined, 'worker1'))).toBe('True');
    expect(sim.events('ScalingReplicaSet')[0].message).toMatch(/^Scaled up replica set web-[a-z0-9]+ to 3 from 0$/);
  });

  it('rolls out a new template without dropping below replicas − maxUnavailable available pods', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 4));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 4);
    const d = sim.get('deployments', 'default', 'web')!;
    d.spec.template.spec.containers[0].image = 'nginx:1.28';
    sim.store.update({ group: 'apps', version: 'v1', resource: 'deployments' }, d);
    let minAvail = Infinity;
    let maxPods = 0;
    sim.until(() => {
      const cur = sim!.get('deployments', 'default', 'web')!;
      const live = sim!.list('pods', 'default').filter((p) => !p.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, live.length);
      minAvail = Math.min(minAvail, cur.status?.availableReplicas ?? 0);
      return cur.status?.updatedReplicas === 4 && cur.status?.replicas === 4 && cur.status?.availableReplicas === 4 && cond(cur, 'Progressing') === 'True' && cur.status.conditions.find((c: { type: string }) => c.type === 'Progressing').reason === 'NewReplicaSetAvailable';
    }, 120_000, 100);
    expect(minAvail).toBeGreaterThanOrEqual(3); // maxUnavailable 25 % of 4 = 1
    expect(maxPods).toBeLessThanOrEqual(5); // maxSurge 25 % of 4 = 1
    const rss = sim.list('replicasets', 'default');
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.metadata.annotations!['deployment.kubernetes.io/revision']).sort()).toEqual(['1', '2']);
    expect(sim.list('pods', 'default').every((p) => p.spec.containers[0].image === 'nginx:1.28')).toBe(true);
    // Undo (what `kubectl rollout undo` writes): the old ReplicaSet comes back as revision 3.
    const d2 = sim.get('deployments', 'default', 'web')!;
    d2.spec.template.spec.containers[0].image = 'nginx:1.27';
    sim.store.update({ group: 'apps', version: 'v1', resource: 'deployments' }, d2);
    sim.until(() => sim!.list('pods', 'default').filter((p) => !p.metadata.deletionTimestamp).every((p) => p.spec.containers[0].image === 'nginx:1.27') && sim!.get('deployments', 'default', 'web')!.status.availableReplicas === 4);
    const after = sim.list('replicasets', 'default');
    expect(after).toHaveLength(2);
    const old = after.find((r) => r.spec.template.spec.containers[0].image === 'nginx:1.27')!;
    expect(old.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(old.spec.replicas).toBe(4);
    expect(sim.get('deployments', 'default', 'web')!.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('Recreate stops every old pod before a new one starts', () => {
    sim = makeSim();
    const d = deployment('web', 3) as unknown as { spec: { strategy?: unknown } };
    d.spec.strategy = { type: 'Recreate' };
    sim.apply('deployments', d as never);
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 3);
    const cur = sim.get('deployments', 'default', 'web')!;
    cur.spec.template.spec.containers[0].image = 'nginx:1.28';
    sim.store.update({ group: 'apps', version: 'v1', resource: 'deployments' }, cur);
    let mixed = false;
    sim.until(() => {
      const images = new Set(sim!.list('pods', 'default').map((p) => p.spec.containers[0].image));
      if (images.size > 1) mixed = true;
      return sim!.get('deployments', 'default', 'web')!.status.updatedReplicas === 3 && sim!.get('deployments', 'default', 'web')!.status.availableReplicas === 3 && !images.has('nginx:1.27');
    }, 60_000, 100);
    expect(mixed).toBe(false);
  });

  it('follows spec.replicas changes written through the scale subresource', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 1));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 1);
    sim.store.patch({ group: 'apps', version: 'v1', resource: 'deployments' }, 'default', 'web', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 5);
    sim.store.patch({ group: 'apps', version: 'v1', resource: 'deployments' }, 'default', 'web', 'merge', { spec: { replicas: 2 } }, { subresource: 'scale' });
    sim.until(() => sim!.list('pods', 'default').length === 2 && sim!.get('deployments', 'default', 'web')?.status?.replicas === 2);
  });

  it('reports ProgressDeadlineExceeded when pods cannot be scheduled', () => {
    sim = makeSim();
    const d = deployment('big', 1, { cpu: '64' }) as unknown as { spec: { progressDeadlineSeconds?: number } };
    d.spec.progressDeadlineSeconds = 30;
    sim.apply('deployments', d as never);
    sim.until(() => sim!.get('deployments', 'default', 'big')?.status?.conditions?.some((c: { reason: string }) => c.reason === 'ProgressDeadlineExceeded'), 60_000);
    expect(cond(sim.get('deployments', 'default', 'big'), 'Available')).toBe('False');
  });

  it.each([
    // replicas, maxSurge, maxUnavailable → surge, unavailable
    [4, undefined, undefined, 1, 1],
    [10, undefined, undefined, 3, 2],
    [1, undefined, undefined, 1, 0],
    [3, 0, 0, 0, 1],
    [10, '50%', '0%', 5, 0],
  ])('resolves fenceposts for %i replicas (surge %s, unavailable %s)', (replicas, maxSurge, maxUnavailable, s, u) => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas, strategy: { rollingUpdate: { maxSurge, maxUnavailable } } } };
    expect(resolveFenceposts(d)).toEqual({ maxSurge: s, maxUnavailable: u });
  });

  it.each([
    [3, 1, 3, 0, 1],
    [3, 1, 4, 1, 1],
    [3, 1, 2, 1, 3],
    [4, 1, 5, 1, 1],
    [3, 0, 3, 0, 0],
    [3, 1, 5, 3, 3],
  ])('new ReplicaSet size: desired %i, surge %i, all %i, new %i → %i', (desired, surge, all, cur, want) => {
    expect(newRSReplicas(desired, surge, all, cur)).toBe(want);
  });
});
