// A run's samples and metrics as CSV (RFC 4180): CRLF line ends, a header row, fields with a
// comma, quote, CR or LF quoted and their quotes doubled; empty field for an unknown value.
import type { ScalingSample } from './kpis.js';

export type Cell = string | number | boolean | undefined | null;

export function csvField(v: Cell): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export const SAMPLE_COLUMNS = ['run', 't_seconds', 'deployment', 'replicas', 'hpa_current', 'hpa_desired', 'cpu_percent', 'rps'] as const;

/** One row per sample and deployment, in time then name order. */
export function samplesCsv(runId: string, samples: readonly ScalingSample[]): string {
  const rows = [...samples]
    .sort((a, b) => a.tMs - b.tMs)
    .flatMap((s) =>
      Object.keys(s.deployments)
        .sort()
        .map((d) => {
          const x = s.deployments[d]!;
          return [runId, s.tMs / 1000, d, x.replicas, x.hpaCurrent, x.hpaDesired, x.cpuPercent, s.rps] as Cell[];
        }),
    );
  return toCsv(SAMPLE_COLUMNS, rows);
}

export interface RunMetricsRow {
  id: string;
  loadTest: string;
  startTime?: string;
  completionTime?: string;
  outcome?: string;
  exitCode?: number;
  message?: string;
  http?: { requests?: number; rps?: number; avgMs?: number; p95Ms?: number; p99Ms?: number; maxMs?: number; errorRate?: number; checksRate?: number; vusMax?: number };
  stress?: { bogoOps?: number; bogoOpsPerSecReal?: number; bogoOpsPerSecUsrSys?: number; cpuPerInstance?: number; maxRssKB?: number };
  scaling?: { baselineReplicas?: number; peakReplicas?: number; finalReplicas?: number; timeToFirstScaleUpSeconds?: number; timeToScaleDownSeconds?: number; peakCpuUtilization?: number; rpsPerPodMean?: number };
}

export const METRIC_COLUMNS = [
  'run', 'loadtest', 'start', 'end', 'outcome', 'exit_code', 'message',
  'requests', 'rps', 'avg_ms', 'p95_ms', 'p99_ms', 'max_ms', 'error_rate', 'checks_rate', 'vus_max',
  'bogo_ops', 'bogo_ops_per_sec_real', 'bogo_ops_per_sec_usr_sys', 'cpu_per_instance', 'max_rss_kb',
  'baseline_replicas', 'peak_replicas', 'final_replicas', 'scale_up_seconds', 'scale_down_seconds', 'peak_cpu_percent', 'rps_per_pod',
] as const;

/** One row per run. */
export function metricsCsv(runs: readonly RunMetricsRow[]): string {
  return toCsv(
    METRIC_COLUMNS,
    runs.map((r) => [
      r.id, r.loadTest, r.startTime, r.completionTime, r.outcome, r.exitCode, r.message,
      r.http?.requests, r.http?.rps, r.http?.avgMs, r.http?.p95Ms, r.http?.p99Ms, r.http?.maxMs, r.http?.errorRate, r.http?.checksRate, r.http?.vusMax,
      r.stress?.bogoOps, r.stress?.bogoOpsPerSecReal, r.stress?.bogoOpsPerSecUsrSys, r.stress?.cpuPerInstance, r.stress?.maxRssKB,
      r.scaling?.baselineReplicas, r.scaling?.peakReplicas, r.scaling?.finalReplicas, r.scaling?.timeToFirstScaleUpSeconds, r.scaling?.timeToScaleDownSeconds, r.scaling?.peakCpuUtilization, r.scaling?.rpsPerPodMean,
    ]),
  );
}
