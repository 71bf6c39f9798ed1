// LoadTest bench: the 13 presets of specs/loadtests/ run one after another, as `hostplane run`
// would start them, through the whole stack with the real controllers (the example lab's dev
// cluster built by the Cluster kind, its add-ons installed by the Addon kind with the real helm;
// LoadTest reconciler → client-node → simulated API server → workload model), the simulated
// clusters and the LoadTest kind on a ScaledClock. Reports the lab's setup time, the wall time of
// the sweep at the stated time scale, the simulated time it covered, and each preset's outcome.
import { runScenarioFromArgv } from './scenario-main.js';
import { requestRun } from '../../test/loadtest/fixtures.js';
import { startRealLoadTestLab } from '../../test/loadtest/real-lab.js';

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export async function presetSweep(scale: number): Promise<object> {
  const t0 = performance.now();
  const l = await startRealLoadTestLab({ scale, addons: ['dev-demo-apps', 'dev-metrics-server', 'dev-autoscaling', 'dev-istio-traffic'] });
  const setupMs = performance.now() - t0;
  const sim0 = l.clock.now();
  const names = l.manager.store.list('LoadTest').filter((o) => o.metadata.labels?.['hostplane.dev/preset'] === 'true').map((o) => o.metadata.name);
  const presets: Record<string, unknown>[] = [];
  const s0 = performance.now();
  try {
    for (const name of names) {
      const before = (l.manager.store.get('LoadTest', name)?.status?.runCount as number | undefined) ?? 0;
      const r0 = performance.now();
      const sr0 = l.clock.now();
      await requestRun(l, name);
      const st = await l.waitStatus(name, (s) => (s.runCount ?? 0) > before && s.lastRun && s.lastRun.outcome !== 'Running', 120_000);
      const lr = st.lastRun;
      presets.push({
        name, type: (l.manager.store.get('LoadTest', name)!.spec as { type: string }).type, outcome: lr.outcome,
        wallSeconds: round((performance.now() - r0) / 1000, 2), simulatedSeconds: round((l.clock.now() - sr0) / 1000),
        ...(lr.http ? { p95Ms: lr.http.p95Ms, p99Ms: lr.http.p99Ms, rps: lr.http.rps, errorRate: lr.http.errorRate } : {}),
        ...(lr.stress ? { bogoOpsPerSec: lr.stress.bogoOpsPerSecReal } : {}),
        ...(lr.scaling ? { peakReplicas: lr.scaling.peakReplicas, scaleUpSeconds: lr.scaling.timeToFirstScaleUpSeconds, scaleDownSeconds: lr.scaling.timeToScaleDownSeconds } : {}),
        ...(lr.outcome !== 'Succeeded' ? { message: lr.message } : {}),
      });
    }
  } finally {
    await l.stop();
  }
  return {
    timeScale: scale, presets: presets.length, setupSeconds: round(setupMs / 1000, 2),
    sweepWallSeconds: round((performance.now() - s0) / 1000, 1), sweepSimulatedSeconds: round((l.clock.now() - sim0) / 1000), results: presets,
  };
}

runScenarioFromArgv({ presetSweep });
