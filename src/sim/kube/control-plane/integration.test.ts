// The brief's end-to-end scenario on the real MemoryStore: one cluster, FakeClock, all at once.
import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../../../controllers/clock.js';
import { MemoryStore } from '../store/index.js';
import { startControlPlane } from './index.js';
import { ScaledClock } from './scaled-clock.js';
import { cniDaemonSet, cond, deployment, makeSim, nodeReady, type Sim } from './testing/harness.js';
import { R } from './util.js';
import { SharedLoad } from './testing/load-model.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

describe('simulated control plane, end to end', () => {
  it('Deployment Available on 2 nodes with a CNI DaemonSet; a Job completes; an HPA scales up; a stopped node goes NotReady', () => {
    const load = new SharedLoad('web', 300);
    sim = makeSim({ workload: load, nodeCpu: 4 });
    const realStart = performance.now();

    // 1. Deployment of 3 on 2 nodes (cp1 tainted), CNI DaemonSet makes the nodes Ready.
    sim.apply('deployments', deployment('web', 3));
    sim.until(() => cond(sim!.get('deployments', 'default', 'web'), 'Available') === 'True' && sim!.get('deployments', 'default', 'web')!.status.availableReplicas === 3);
    expect(nodeReady(sim.get('nodes', undefined, 'cp1'))).toBe('True');
    expect(nodeReady(sim.get('nodes', undefined, 'worker1'))).toBe('True');

    // 2. A Job completes.
    sim.apply('jobs', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'default' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox' }] } } },
    });
    sim.until(() => cond(sim!.get('jobs', 'default', 'migrate'), 'Complete') === 'True', 60_000);

    // 3. metrics-server (a Deployment, its Service and the APIService the aggregator checks), then
    //    an HPA scales up under high CPU (300m shared by 3 pods requesting 100m = 100 % vs 50 %).
    sim.apply('deployments', { ...deployment('metrics-server', 1, { labels: { 'k8s-app': 'metrics-server' } }), metadata: { name: 'metrics-server', namespace: 'kube-system' } });
    sim.apply('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system' }, spec: { selector: { 'k8s-app': 'metrics-server' }, ports: [{ name: 'https', port: 443, targetPort: 'http' }] } });
    sim.apply('apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'kube-system' }, groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true } });
    sim.until(() => cond(sim!.get('apiservices', undefined, 'v1beta1.metrics.k8s.io'), 'Available') === 'True', 30_000);
    sim.apply('hpas', {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    });
    sim.until(() => sim!.get('deployments', 'default', 'web')!.status.availableReplicas === 6, 120_000);
    expect(sim.get('hpas', 'default', 'web')!.status.desiredReplicas).toBe(6);
    expect(sim.cp.metrics.pods('default').filter((p) => p.name.startsWith('web-'))).toHaveLength(6);
    expect(sim.cp.metrics.nodes().map((n) => n.name).sort()).toEqual(['cp1', 'worker1']);

    // 4. The worker's VM stops: NotReady (Unknown) once its lease is 40 s old.
    sim.cp.stopNode('worker1');
    const took = sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'Unknown', 60_000, 1000);
    expect(took).toBeGreaterThanOrEqual(30_000);
    expect(took).toBeLessThanOrEqual(41_000);
    expect(sim.cp.metrics.nodes().map((n) => n.name)).toEqual(['cp1']);

    expect(Object.values(sim.cp.stats()).reduce((n, s) => n + s.errors, 0)).toBe(0);
    expect(performance.now() - realStart).toBeLessThan(5000);
  });

  it('runs on real timers through a ScaledClock shared with the store (×1000: a Job of 5 s simulated completes in under 2 s real)', async () => {
    const clock = new ScaledClock(1000, Date.parse('2026-01-01T00:00:00Z'), realClock);
    const store = new MemoryStore({ clock, seed: 3 });
    const cp = startControlPlane(store, { clock, seed: 3 });
    try {
      cp.addNode({ name: 'w1', ip: '192.0.2.50', cpu: 2, memoryMiB: 2048 });
      store.create(R.daemonsets, cniDaemonSet());
      store.create(R.jobs, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox' }] } } } });
      const started = Date.now();
      await new Promise<void>((resolve, reject) => {
        const stop = store.watch(R.jobs, { namespace: 'default' }, (ev) => {
          if (cond(ev.object as never, 'Complete') === 'True') {
            stop();
            resolve();
          }
        });
        setTimeout(() => reject(new Error(`job not complete after 5 s real: ${JSON.stringify(cp.stats())}`)), 5000).unref();
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      cp.stop();
    }
  });

  it('refuses a node spec it cannot simulate, saying why', () => {
    const s = makeSim({ nodes: 0, cni: false });
    expect(() => s.cp.addNode({ name: 'Bad_Name', ip: '192.0.2.1', cpu: 1, memoryMiB: 1 })).toThrow(/not a valid DNS subdomain/);
    expect(() => s.cp.addNode({ name: 'n', ip: '192.0.2.1', cpu: 0, memoryMiB: 1 })).toThrow(/cpu \(0\) and memoryMiB \(1\) must be above 0/);
    s.cp.stop();
  });

  it('leaves no timers behind after stop()', () => {
    const s = makeSim();
    s.apply('deployments', deployment('web', 2));
    s.apply('jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox' }] } } } });
    s.until(() => s.get('deployments', 'default', 'web')?.status?.availableReplicas === 2);
    expect(s.clock.pending()).toBeGreaterThan(0);
    s.cp.stop();
    expect(s.clock.pending()).toBe(0);
  });

  it('is deterministic for a seed: same pod names and IPs', () => {
    const run = (seed = 9) => {
      const s = makeSim({ seed });
      s.apply('deployments', deployment('web', 2));
      s.until(() => s.get('deployments', 'default', 'web')?.status?.availableReplicas === 2);
      const out = s.list('pods', 'default').map((p) => `${p.metadata.name}@${p.status.podIP}`).sort();
      s.cp.stop();
      return out;
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(run(10)).not.toEqual(first);
  });
});
