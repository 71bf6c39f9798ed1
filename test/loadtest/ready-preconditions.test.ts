// Ready of a LoadTest says whether a run could start now (issue 12 item 5): the example lab's 13
// presets on a simulated cluster (fixtures.ts: SimCluster with the demo apps, HPAs and metrics API,
// Cluster and Addons marked Ready, the real LoadTest module; time ×40). The preconditions are
// observed on every reconcile of an idle LoadTest, not only when a run is due, and the Ready
// condition follows the run records once a run ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/sim/kube/object-store.js';
import { metricsApi } from '../../src/sim/kube/control-plane/testing/harness.js';
import { requestRun, startLoadTestLab, type LoadTestLab } from './fixtures.js';

const APISERVICES = { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
const PRESETS = ['dev-light-load', 'dev-standard-load', 'dev-heavy-load', 'dev-ramp-up', 'dev-httpbin-api', 'dev-strict-sla', 'dev-scale-light', 'dev-scale-heavy', 'dev-scale-ramp', 'dev-cpu-stress-light', 'dev-cpu-stress-heavy', 'dev-memory-stress-64m', 'dev-memory-stress-128m'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readyOf = (st: Record<string, any>) => (st.conditions ?? []).find((c: { type: string }) => c.type === 'Ready') as { status: string; reason: string; message: string } | undefined;

let l: LoadTestLab;
beforeAll(async () => {
  l = await startLoadTestLab({ scale: 40 });
}, 60_000);
afterAll(async () => l?.stop(), 30_000);

describe('LoadTest Ready: runnable now', () => {
  it('every preset of the example lab is Ready once its cluster and dependsOn are, scaling presets too, with no run due', async () => {
    for (const name of PRESETS) {
      const st = await l.waitStatus(name, (s) => readyOf(s)?.status === 'True');
      expect([name, st.phase, st.runCount]).toEqual([name, 'Idle', 0]);
    }
    expect(readyOf(l.manager.store.get('LoadTest', 'dev-scale-heavy')!.status!)!.message).toBe('Cluster, dependencies, metrics API and HPAs are ready');
    expect(l.manager.store.list('LoadTest').filter((o) => PRESETS.includes(o.metadata.name))).toHaveLength(13);
  });

  it('a finished run: phase and Ready follow the records; no "in progress" once the run ended', async () => {
    await requestRun(l, 'dev-heavy-load');
    const during = await l.waitStatus('dev-heavy-load', (s) => s.lastRun?.outcome === 'Running');
    expect(readyOf(during)).toMatchObject({ status: 'True', reason: 'Ready', message: `Run ${during.lastRun.id} is in progress (one run at a time)` });
    const st = await l.waitStatus('dev-heavy-load', (s) => s.lastRun && s.lastRun.outcome !== 'Running', 30_000);
    expect(st.phase).toBe(st.lastRun.outcome);
    expect(readyOf(st)).toMatchObject({ status: 'True', reason: 'Ready', message: 'Cluster and dependencies are Ready' });
    expect(JSON.stringify(st.conditions)).not.toMatch(/is in progress/);
  });

  it('an idle scaling preset follows its cluster: metrics API gone → MetricsUnavailable, back → Ready, HPA not ScalingActive → HPANotActive', async () => {
    const store = l.cluster.store;
    await l.waitStatus('dev-scale-light', (s) => readyOf(s)?.status === 'True');
    store.delete(APISERVICES, undefined, 'v1beta1.metrics.k8s.io');
    let st = await l.waitStatus('dev-scale-light', (s) => readyOf(s)?.status === 'False');
    expect([st.phase, readyOf(st)!.reason, st.runCount]).toEqual(['Waiting', 'MetricsUnavailable', 0]);
    store.create(APISERVICES, metricsApi());
    await l.waitStatus('dev-scale-light', (s) => readyOf(s)?.status === 'True');
    // a target scaled to zero: the HPA reports ScalingActive=False (ScalingDisabled)
    const scaleHttpbin = (replicas: number) => {
      const dep = structuredClone(store.get(DEPLOYMENTS, 'demo', 'httpbin')) as KubeObject & { spec: { replicas: number } };
      dep.spec.replicas = replicas;
      store.update(DEPLOYMENTS, dep);
    };
    scaleHttpbin(0);
    st = await l.waitStatus('dev-scale-light', (s) => readyOf(s)?.status === 'False');
    expect(readyOf(st)).toMatchObject({ reason: 'HPANotActive', message: expect.stringMatching(/^HPA httpbin of demo\/httpbin is not ScalingActive \(ScalingDisabled/) });
    scaleHttpbin(1);
    await l.waitStatus('dev-scale-light', (s) => readyOf(s)?.status === 'True');
  });
});
