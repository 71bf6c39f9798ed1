import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { deployment, makeSim, metricsApi, type Sim } from './testing/harness.js';
import { SharedLoad } from './testing/load-model.js';
import type { Obj } from './util.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

function hpa(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1, maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...extra,
    },
  };
}

const conds = (o: Obj | undefined) =>
  Object.fromEntries((o?.status?.conditions ?? []).map((c: { type: string; status: string; reason: string }) => [c.type, `${c.status}/${c.reason}`]));

describe('HPA controller', () => {
  it('scales 1 → 5 (default scale-up policy) → 8 under load, then back to 1 only after the 300 s window', () => {
    const load = new SharedLoad('web', 400); // 400m shared; requests 100m; target 50 % → 8 pods
    sim = makeSim({ workload: load, nodeCpu: 4 });
    sim.apply('deployments', deployment('web', 1));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 1);
    sim.apply('apiservices', metricsApi());
    sim.apply('hpas', hpa());
    const sizes: number[] = [];
    sim.until(() => {
      const r = sim!.get('deployments', 'default', 'web')!.spec.replicas;
      if (sizes.at(-1) !== r) sizes.push(r);
      return r === 8 && sim!.get('deployments', 'default', 'web')!.status.availableReplicas === 8;
    }, 180_000, 1000);
    expect(sizes).toEqual([1, 5, 8]);
    const h = sim.get('hpas', 'default', 'web')!;
    expect(h.status.currentMetrics[0].resource).toMatchObject({ name: 'cpu', current: { averageUtilization: expect.any(Number) } });
    expect(sim.events('SuccessfulRescale').map((e) => e.message)).toEqual([
      'New size: 5; reason: cpu resource utilization (percentage of request) above target',
      'New size: 8; reason: cpu resource utilization (percentage of request) above target',
    ]);
    // Steady: within tolerance.
    sim.clock.advance(60_000);
    expect(sim.get('hpas', 'default', 'web')!.status).toMatchObject({ currentReplicas: 8, desiredReplicas: 8, currentMetrics: [{ resource: { current: { averageUtilization: 50 } } }] });
    expect(conds(sim.get('hpas', 'default', 'web'))).toEqual({ AbleToScale: 'True/ReadyForNewScale', ScalingActive: 'True/ValidMetricFound', ScalingLimited: 'False/DesiredWithinRange' });
    // Load gone: the scale-down waits out the stabilization window.
    load.totalMilli = 8;
    const dropAt = sim.clock.now();
    sim.until(() => sim!.get('deployments', 'default', 'web')!.spec.replicas === 1, 600_000, 5000);
    expect(sim.clock.now() - dropAt).toBeGreaterThanOrEqual(300_000);
    expect(sim.clock.now() - dropAt).toBeLessThanOrEqual(330_000);
    expect(sim.events('SuccessfulRescale').at(-1)!.message).toBe('New size: 1; reason: All metrics below target');
  });

  it('reports ScalingActive=False/FailedGetResourceMetric when containers have no CPU request', () => {
    sim = makeSim();
    const d = deployment('web', 1) as unknown as { spec: { template: { spec: { containers: { resources?: unknown }[] } } } };
    delete d.spec.template.spec.containers[0].resources;
    sim.apply('deployments', d as unknown as KubeObject);
    sim.apply('apiservices', metricsApi());
    sim.apply('hpas', hpa());
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 1);
    sim.clock.advance(16_000);
    const h = sim.get('hpas', 'default', 'web')!;
    const active = h.status.conditions.find((c: { type: string }) => c.type === 'ScalingActive');
    expect(active).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect(active.message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container web of Pod web-/);
  });

  it('shows FailedGetResourceMetric until the metrics API (metrics-server\'s APIService) is Available', () => {
    sim = makeSim({ workload: new SharedLoad('web', 300) });
    sim.apply('deployments', deployment('web', 1));
    sim.apply('hpas', hpa());
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 1);
    sim.clock.advance(16_000);
    const active = () => sim!.get('hpas', 'default', 'web')!.status.conditions.find((c: { type: string }) => c.type === 'ScalingActive');
    expect(active()).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect(active().message).toBe('the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)');
    expect(sim.get('hpas', 'default', 'web')!.status.currentMetrics).toBeUndefined();
    expect(sim.get('deployments', 'default', 'web')!.spec.replicas).toBe(1);
    sim.apply('apiservices', metricsApi());
    sim.until(() => sim!.get('deployments', 'default', 'web')!.spec.replicas > 1, 60_000);
    expect(active()).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
  });

  it('raises a target below minReplicas at once', () => {
    sim = makeSim({ workload: new SharedLoad('web', 10) });
    sim.apply('deployments', deployment('web', 1));
    sim.apply('hpas', hpa({ minReplicas: 3 }));
    sim.until(() => sim!.get('deployments', 'default', 'web')!.spec.replicas === 3, 30_000);
    expect(sim.events('SuccessfulRescale')[0].message).toBe('New size: 3; reason: Current number of replicas below Spec.MinReplicas');
  });
});
