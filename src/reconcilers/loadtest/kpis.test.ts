import { describe, expect, it } from 'vitest';
import { deriveScalingKpis, type ScalingSample } from './kpis.js';

// dev-scale-heavy shaped: nginx-web 3 → 10 under load, back towards 3 in the cooldown; httpbin stays 2.
// Samples every 5s; load from t=10s to t=70s.
const rows: Array<[number, number, number, number, number | undefined]> = [
  // t(s), nginx ready, nginx desired, cpu, rps
  [0, 3, 3, 5, undefined],
  [10, 3, 3, 8, undefined],
  [15, 3, 3, 92, 600],
  [20, 3, 6, 140, 610],
  [25, 6, 10, 120, 900],
  [30, 10, 10, 70, 1000],
  [70, 10, 10, 55, 1000],
  [75, 10, 10, 4, undefined],
  [80, 10, 4, 3, undefined],
  [85, 4, 3, 3, undefined],
  [90, 3, 3, 3, undefined],
];
const samples: ScalingSample[] = rows.map(([t, r, d, cpu, rps]) => ({
  tMs: t * 1000,
  deployments: { 'demo/nginx-web': { replicas: r, hpaCurrent: r, hpaDesired: d, cpuPercent: cpu }, 'demo/httpbin': { replicas: 2, hpaCurrent: 2, hpaDesired: 2, cpuPercent: 1 } },
  ...(rps !== undefined ? { rps } : {}),
}));

describe('scaling KPIs', () => {
  const k = deriveScalingKpis(samples, 10_000, 70_000)!;

  it('derives scale-up latency, HPA decision time, peak, scale-down start and final replicas', () => {
    expect(k.perDeployment['demo/nginx-web']).toEqual({
      baselineReplicas: 3,
      peakReplicas: 10,
      finalReplicas: 3,
      timeToScaleDecisionSeconds: 10,
      timeToFirstScaleUpSeconds: 15,
      timeToScaleDownSeconds: 15,
      peakCpuUtilization: 140,
    });
  });

  it('sums the watched deployments', () => {
    expect(k).toMatchObject({ samples: 11, baselineReplicas: 5, peakReplicas: 12, finalReplicas: 5, timeToFirstScaleUpSeconds: 15, timeToScaleDownSeconds: 15, peakCpuUtilization: 140 });
  });

  it('a deployment that never scales has no scale-up or scale-down time', () => {
    expect(k.perDeployment['demo/httpbin']).toEqual({ baselineReplicas: 2, peakReplicas: 2, finalReplicas: 2, peakCpuUtilization: 1 });
  });

  it('RPS per ready pod: mean over the load phase and at the peak', () => {
    // load-phase samples: 600/5, 610/5, 900/8, 1000/12, 1000/12
    expect(k.rpsPerPodMean).toBeCloseTo((120 + 122 + 112.5 + 1000 / 12 + 1000 / 12) / 5, 3);
    expect(k.rpsPerPodAtPeak).toBeCloseTo(1000 / 12, 3);
  });

  it('no samples, no KPIs', () => {
    expect(deriveScalingKpis([], 0, 1)).toBeUndefined();
  });
});
