// The scaling run's KPIs from its samples (issue 12 item 2; the seed dashboard's figures):
// scale-up latency (load start → first replica increase) and the HPA's decision time (load start
// → desired replicas above baseline), peak replicas, scale-down start (load end → first decrease
// from the peak), peak CPU, and RPS per ready pod. Summed over the watched deployments and per
// deployment. Times are seconds relative to the load start.

export interface DeploymentSample {
  /** Ready replicas of the Deployment. */
  replicas: number;
  hpaCurrent?: number;
  hpaDesired?: number;
  /** HPA currentMetrics CPU averageUtilization, percent of request. */
  cpuPercent?: number;
}

export interface ScalingSample {
  /** ms since the run started (the load starts at loadStartMs). */
  tMs: number;
  /** namespace/name → sample */
  deployments: Record<string, DeploymentSample>;
  /** Requests per second over the last interval, when known. */
  rps?: number;
}

export interface DeploymentKpis {
  baselineReplicas: number;
  peakReplicas: number;
  finalReplicas: number;
  timeToFirstScaleUpSeconds?: number;
  timeToScaleDecisionSeconds?: number;
  timeToScaleDownSeconds?: number;
  peakCpuUtilization?: number;
}

export interface ScalingKpis extends DeploymentKpis {
  samples: number;
  /** Mean over load-phase samples of rps / summed ready replicas. */
  rpsPerPodMean?: number;
  /** rps / replicas at the sample with the most replicas. */
  rpsPerPodAtPeak?: number;
  perDeployment: Record<string, DeploymentKpis>;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function kpisOf(series: Array<{ tMs: number; replicas: number; desired?: number; cpu?: number }>, loadStartMs: number, loadEndMs: number): DeploymentKpis {
  const before = series.filter((s) => s.tMs <= loadStartMs);
  const baselineSample = before.at(-1) ?? series[0]!;
  const baseline = baselineSample.replicas;
  const baselineDesired = baselineSample.desired ?? baseline;
  const peak = Math.max(...series.map((s) => s.replicas));
  const after = series.filter((s) => s.tMs > loadStartMs);
  const up = after.find((s) => s.replicas > baseline);
  const decision = after.find((s) => s.desired !== undefined && s.desired > baselineDesired);
  // the scale-down starts at the first decrease after the load ended, from the highest count seen so far
  let highest = Math.max(...series.filter((s) => s.tMs <= loadEndMs).map((s) => s.replicas), baseline);
  let down: number | undefined;
  for (const s of series.filter((x) => x.tMs > loadEndMs)) {
    if (s.replicas < highest) {
      down = s.tMs;
      break;
    }
    highest = Math.max(highest, s.replicas);
  }
  const cpus = series.map((s) => s.cpu).filter((c): c is number => c !== undefined);
  const out: DeploymentKpis = {
    baselineReplicas: baseline,
    peakReplicas: peak,
    finalReplicas: series.at(-1)!.replicas,
    ...(up ? { timeToFirstScaleUpSeconds: round((up.tMs - loadStartMs) / 1000) } : {}),
    ...(decision ? { timeToScaleDecisionSeconds: round((decision.tMs - loadStartMs) / 1000) } : {}),
    ...(down !== undefined ? { timeToScaleDownSeconds: round((down - loadEndMs) / 1000) } : {}),
    ...(cpus.length > 0 ? { peakCpuUtilization: Math.max(...cpus) } : {}),
  };
  return out;
}

export function deriveScalingKpis(samples: readonly ScalingSample[], loadStartMs: number, loadEndMs: number): ScalingKpis | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a.tMs - b.tMs);
  const names = [...new Set(sorted.flatMap((s) => Object.keys(s.deployments)))].sort();
  const perDeployment: Record<string, DeploymentKpis> = {};
  for (const n of names) {
    const series = sorted.filter((s) => s.deployments[n]).map((s) => ({ tMs: s.tMs, replicas: s.deployments[n]!.replicas, desired: s.deployments[n]!.hpaDesired, cpu: s.deployments[n]!.cpuPercent }));
    if (series.length > 0) perDeployment[n] = kpisOf(series, loadStartMs, loadEndMs);
  }
  const total = sorted.map((s) => {
    const ds = Object.values(s.deployments);
    const desired = ds.every((d) => d.hpaDesired !== undefined) && ds.length > 0 ? ds.reduce((a, d) => a + d.hpaDesired!, 0) : undefined;
    const cpus = ds.map((d) => d.cpuPercent).filter((c): c is number => c !== undefined);
    return { tMs: s.tMs, replicas: ds.reduce((a, d) => a + d.replicas, 0), desired, cpu: cpus.length > 0 ? Math.max(...cpus) : undefined, rps: s.rps };
  });
  const summary = kpisOf(total, loadStartMs, loadEndMs);
  const loadPhase = total.filter((s) => s.tMs > loadStartMs && s.tMs <= loadEndMs && s.rps !== undefined && s.replicas > 0);
  const perPod = loadPhase.map((s) => s.rps! / s.replicas);
  const peakSample = total.filter((s) => s.rps !== undefined && s.replicas > 0).sort((a, b) => b.replicas - a.replicas || a.tMs - b.tMs)[0];
  return {
    samples: sorted.length,
    ...summary,
    ...(perPod.length > 0 ? { rpsPerPodMean: round(perPod.reduce((a, b) => a + b, 0) / perPod.length) } : {}),
    ...(peakSample ? { rpsPerPodAtPeak: round(peakSample.rps! / peakSample.replicas) } : {}),
    perDeployment,
  };
}
