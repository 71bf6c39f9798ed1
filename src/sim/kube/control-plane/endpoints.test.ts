import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { deployment, makeSim, type Sim } from './testing/harness.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

const svc = (targetPort: number | string): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort, protocol: 'TCP' }] },
});

describe('Endpoints, EndpointSlices and PDB status', () => {
  it('lists ready pods as addresses with the named target port resolved, and follows scale-down', () => {
    sim = makeSim();
    sim.apply('services', svc('http'));
    sim.apply('deployments', deployment('web', 3));
    sim.until(() => (sim!.get('endpoints', 'default', 'web')?.subsets?.[0]?.addresses ?? []).length === 3);
    const ep = sim.get('endpoints', 'default', 'web')!;
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(ep.subsets[0].addresses[0]).toMatchObject({ ip: expect.stringMatching(/^10\.244\./), nodeName: 'worker1', targetRef: { kind: 'Pod', namespace: 'default' } });
    const slices = sim.list('endpointslices', 'default').filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    expect(slices[0].endpoints).toHaveLength(3);
    expect(slices[0].endpoints.every((e: { conditions: { ready: boolean } }) => e.conditions.ready)).toBe(true);
    expect(slices[0].metadata.ownerReferences![0]).toMatchObject({ kind: 'Service', name: 'web' });
    sim.store.patch({ group: 'apps', version: 'v1', resource: 'deployments' }, 'default', 'web', 'merge', { spec: { replicas: 1 } });
    sim.until(() => (sim!.get('endpoints', 'default', 'web')?.subsets?.[0]?.addresses ?? []).length === 1);
  });

  it('puts pods that are not ready in notReadyAddresses', () => {
    sim = makeSim();
    sim.apply('services', svc(80));
    const d = deployment('web', 2) as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    d.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 30 };
    sim.apply('deployments', d as unknown as KubeObject);
    sim.until(() => (sim!.get('endpoints', 'default', 'web')?.subsets?.[0]?.notReadyAddresses ?? []).length === 2);
    expect(sim.get('endpoints', 'default', 'web')!.subsets[0].addresses).toBeUndefined();
    sim.until(() => (sim!.get('endpoints', 'default', 'web')?.subsets?.[0]?.addresses ?? []).length === 2, 60_000);
  });

  it('computes PDB disruptionsAllowed from healthy pods and the controller scale', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 3));
    sim.apply('pdbs', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    sim.apply('pdbs', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web-pct', namespace: 'default' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } } });
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 3);
    sim.clock.advance(100);
    expect(sim.get('pdbs', 'default', 'web')!.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 });
    expect(sim.get('pdbs', 'default', 'web')!.status.conditions[0]).toMatchObject({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' });
    // maxUnavailable 50 % of 3 rounds up to 2 → desiredHealthy 1.
    expect(sim.get('pdbs', 'default', 'web-pct')!.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 1, disruptionsAllowed: 2 });
  });
});
