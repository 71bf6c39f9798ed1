// A scaling run end to end on the sim host (ScaledClock ×20) with the real Cluster and Addon controllers (real-lab.ts): nginx-web scales up from 3 under the
// load and back to 3 after it; the samples, KPIs and the CSV export say so row by row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadtestModule } from '../../src/reconcilers/loadtest/module.js';
import { SAMPLE_COLUMNS, METRIC_COLUMNS } from '../../src/reconcilers/loadtest/csv.js';
import { requestRun } from './fixtures.js';
import { startRealLoadTestLab, type RealLoadTestLab } from './real-lab.js';

const LONG_COOLDOWN = `apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: scale-long-cooldown
spec:
  cluster: dev
  type: scaling
  runPolicy: Manual
  target:
    url: "http://nginx-web.demo.svc.cluster.local/"
    deployments: [demo/nginx-web, demo/httpbin]
  k6: {vus: 200, duration: 60s}
  cooldown: 120s
  sampleInterval: 5s
  thresholds: {maxReplicas: 10}
  dependsOn: [dev-demo-apps, dev-autoscaling, dev-metrics-server]
`;

let l: RealLoadTestLab;
beforeAll(async () => {
  l = await startRealLoadTestLab({ scale: 20, files: { 'loadtests/long.yaml': LONG_COOLDOWN } });
  console.log(`example lab dev cluster and add-ons Ready in ${Math.round(l.readyMs / 100) / 10} s (real controllers)`);
}, 480_000);
afterAll(async () => l?.stop(), 60_000);

const finished = (st: Record<string, any>) => st.lastRun && st.lastRun.outcome !== 'Running';
const nginxReplicas = () => (l.cluster.store.get({ group: 'apps', version: 'v1', resource: 'deployments' }, 'demo', 'nginx-web') as any).spec.replicas as number;

describe('scaling LoadTest (time-scaled ×20)', () => {
  it('the dev-scale-heavy preset: nginx-web 3 → 10 under 200 VUs, KPIs derived, p95 threshold named; back to 3 after the cooldown', async () => {
    expect(nginxReplicas()).toBe(3);
    await requestRun(l, 'dev-scale-heavy');
    const st = await l.waitStatus('dev-scale-heavy', finished, 40_000);
    expect(st.lastRun.outcome).toBe('Failed');
    expect(st.lastRun.message).toMatch(/^Thresholds crossed: p95 [\d.]+ms >= 500ms; passed: errorRate 0% < 1%$/);
    const run = l.lab.stateDir.readJson<any>(st.lastRun.resultsFile)!;
    expect(run.kpis.perDeployment['demo/nginx-web']).toMatchObject({ baselineReplicas: 3, peakReplicas: 10 });
    expect(run.kpis.timeToFirstScaleUpSeconds).toBeGreaterThan(0);
    expect(run.kpis.rpsPerPodMean).toBeGreaterThan(0);
    expect(st.lastRun.scaling.peakCpuUtilization).toBeGreaterThan(300);
    // the HPA's 60 s stabilization ends about when the 60 s cooldown does: the scale-down follows
    const until = Date.now() + 15_000;
    while (nginxReplicas() !== 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(nginxReplicas()).toBe(3);
  });

  it('a long cooldown shows nginx-web going 3 → 10 → 3, with the KPIs, live samples and CSV rows', async () => {
    expect(nginxReplicas()).toBe(3);
    await requestRun(l, 'scale-long-cooldown');
    const live = await l.waitStatus('scale-long-cooldown', (s) => s.lastRun?.outcome === 'Running' && s.lastRun.latestSample?.tMs > 0);
    expect(Object.keys(live.lastRun.latestSample.deployments).sort()).toEqual(['demo/httpbin', 'demo/nginx-web']);
    const st = await l.waitStatus('scale-long-cooldown', finished, 40_000);
    expect(st.lastRun.outcome).toBe('Failed');
    const sc = st.lastRun.scaling;
    // every 5 s of simulated time at best; at ×20 one reconcile's API calls take a few simulated seconds
    expect(sc.samples).toBeGreaterThanOrEqual(20);
    expect(sc.peakReplicas).toBeGreaterThanOrEqual(12); // summed over nginx-web and httpbin
    expect(sc.timeToFirstScaleUpSeconds).toBeGreaterThan(0);
    expect(sc.timeToFirstScaleUpSeconds).toBeLessThanOrEqual(35);
    // the HPA keeps its highest recommendation of the last 60 s; its last one under load came up to one 15 s sync before the load ended
    expect(sc.timeToScaleDownSeconds).toBeGreaterThan(40);
    expect(sc.timeToScaleDownSeconds).toBeLessThanOrEqual(120);
    expect(st.lastRun.thresholds).toEqual({ 'maxReplicas <= 10': false });

    const results = loadtestModule.routes!.find((r) => r.path === 'results')!;
    const full = await results.handle(l.manager.store.get('LoadTest', 'scale-long-cooldown')!, { stateRoot: l.lab.stateDir.root, reconcileNow: () => true, query: { run: st.lastRun.id } });
    const run = (full.body as any).items[0];
    const nginx = run.samples.map((s: any) => s.deployments['demo/nginx-web'].replicas);
    expect(nginx[0]).toBe(3);
    expect(Math.max(...nginx)).toBe(10);
    expect(nginx.at(-1)).toBe(3);
    expect(run.kpis.perDeployment['demo/nginx-web']).toMatchObject({ baselineReplicas: 3, peakReplicas: 10, finalReplicas: 3 });

    const csv = await results.handle(l.manager.store.get('LoadTest', 'scale-long-cooldown')!, { stateRoot: l.lab.stateDir.root, reconcileNow: () => true, query: { run: st.lastRun.id, format: 'csv' } });
    expect(csv.contentType).toMatch(/^text\/csv/);
    const lines = String(csv.body).split('\r\n');
    expect(lines[0]).toBe(METRIC_COLUMNS.join(','));
    const row = lines[1]!.split(',');
    expect(row[0]).toBe(st.lastRun.id);
    expect(row[1]).toBe('scale-long-cooldown');
    expect(row[4]).toBe('Failed');
    expect(Number(row[METRIC_COLUMNS.indexOf('peak_replicas')])).toBe(run.kpis.peakReplicas);
    expect(Number(row[METRIC_COLUMNS.indexOf('rps')])).toBeCloseTo(run.http.rps, 3);
    expect(lines[2]).toBe('');
    expect(lines[3]).toBe(SAMPLE_COLUMNS.join(','));
    const sampleRows = lines.slice(4).filter(Boolean).map((x) => x.split(','));
    expect(sampleRows).toHaveLength(run.samples.length * 2);
    // time order, then deployment name; one row per sample and deployment
    const t0 = String(run.samples[0].tMs / 1000);
    expect(sampleRows[0]!.slice(0, 4)).toEqual([st.lastRun.id, t0, 'demo/httpbin', String(run.samples[0].deployments['demo/httpbin'].replicas)]);
    expect(sampleRows[1]!.slice(0, 4)).toEqual([st.lastRun.id, t0, 'demo/nginx-web', '3']);
    expect(sampleRows[1]![6]).toBe(String(run.samples[0].deployments['demo/nginx-web'].cpuPercent));
    const last = sampleRows.at(-1)!;
    expect(last[2]).toBe('demo/nginx-web');
    expect(last[3]).toBe('3');
  });
});
