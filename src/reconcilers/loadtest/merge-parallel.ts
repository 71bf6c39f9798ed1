// Results of parallel load pods (spec.parallelism > 1; issue 12 item 3). k6 summaries cannot be
// merged exactly (reference §4.5, k6-operator #413/#812): counts and rates are summed, the mean
// and the error and check rates are weighted by their counts (exact), maxima take the max, and
// percentiles are reported per pod plus their maximum — labelled as such, never as a percentile
// of the whole run.
import type { K6HttpMetrics } from './k6-summary.js';
import type { StressNgResult } from './stress-ng-yaml.js';

export interface PodResult<T> {
  /** Pod (or runner) label, e.g. "runner-0". */
  pod: string;
  metrics: T;
}

export interface MergedHttp {
  pods: number;
  requests?: number;
  rps?: number;
  iterations?: number;
  /** Summed peak VUs of the pods (they run at the same time). */
  vusMax?: number;
  /** Request-weighted mean (exact). */
  avgMs?: number;
  maxMs?: number;
  /** Failed / total requests (exact when every pod reports requests). */
  errorRate?: number;
  checksRate?: number;
  /** The largest per-pod p95: an upper bound, NOT the run's p95. */
  p95MsMaxOverPods?: number;
  p99MsMaxOverPods?: number;
  perPod: Array<{ pod: string; p95Ms?: number; p99Ms?: number; requests?: number; rps?: number }>;
  /** How the percentiles were combined, for the dashboard and CSV. */
  note: string;
}

const defined = (xs: Array<number | undefined>) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
const sumOf = (xs: Array<number | undefined>) => (defined(xs).length > 0 ? defined(xs).reduce((a, b) => a + b, 0) : undefined);
const maxOf = (xs: Array<number | undefined>) => (defined(xs).length > 0 ? Math.max(...defined(xs)) : undefined);

function weighted(pairs: Array<[number | undefined, number | undefined]>): number | undefined {
  const ok = pairs.filter(([v, w]) => v !== undefined && w !== undefined) as Array<[number, number]>;
  const total = ok.reduce((a, [, w]) => a + w, 0);
  if (ok.length !== pairs.length || total === 0) return undefined;
  return ok.reduce((a, [v, w]) => a + v * w, 0) / total;
}

export function mergeHttp(pods: ReadonlyArray<PodResult<K6HttpMetrics>>): MergedHttp {
  const m = pods.map((p) => p.metrics);
  const checksCount = m.map((x) => (x.checksPassed !== undefined && x.checksFailed !== undefined ? x.checksPassed + x.checksFailed : undefined));
  const out: MergedHttp = {
    pods: pods.length,
    requests: sumOf(m.map((x) => x.requests)),
    rps: sumOf(m.map((x) => x.rps)),
    iterations: sumOf(m.map((x) => x.iterations)),
    vusMax: sumOf(m.map((x) => x.vusMax)),
    avgMs: weighted(m.map((x) => [x.avgMs, x.requests])),
    maxMs: maxOf(m.map((x) => x.maxMs)),
    errorRate: weighted(m.map((x) => [x.errorRate, x.requests])),
    checksRate: weighted(m.map((x, i) => [x.checksRate, checksCount[i]])),
    p95MsMaxOverPods: maxOf(m.map((x) => x.p95Ms)),
    p99MsMaxOverPods: maxOf(m.map((x) => x.p99Ms)),
    perPod: pods.map((p) => ({ pod: p.pod, p95Ms: p.metrics.p95Ms, p99Ms: p.metrics.p99Ms, requests: p.metrics.requests, rps: p.metrics.rps })),
    note: `${pods.length} pods: counts and rates summed, mean and error rate weighted by requests, percentiles are the maximum of the per-pod percentiles (k6 summaries cannot be merged exactly)`,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as MergedHttp;
}

export interface MergedStress {
  pods: number;
  bogoOps: number;
  bogoOpsPerSecReal: number;
  bogoOpsPerSecUsrSys: number;
  cpuPerInstance?: number;
  maxRssKB?: number;
  perPod: Array<{ pod: string; bogoOps: number; bogoOpsPerSecReal: number }>;
}

export function mergeStress(pods: ReadonlyArray<PodResult<StressNgResult>>): MergedStress {
  const t = pods.map((p) => p.metrics.total);
  const cpu = defined(t.map((x) => x.cpuPerInstance));
  const out: MergedStress = {
    pods: pods.length,
    bogoOps: sumOf(t.map((x) => x.bogoOps)) ?? 0,
    bogoOpsPerSecReal: sumOf(t.map((x) => x.bogoOpsPerSecReal)) ?? 0,
    bogoOpsPerSecUsrSys: sumOf(t.map((x) => x.bogoOpsPerSecUsrSys)) ?? 0,
    ...(cpu.length > 0 ? { cpuPerInstance: cpu.reduce((a, b) => a + b, 0) / cpu.length } : {}),
    ...(maxOf(t.map((x) => x.maxRssKB)) !== undefined ? { maxRssKB: maxOf(t.map((x) => x.maxRssKB)) } : {}),
    perPod: pods.map((p) => ({ pod: p.pod, bogoOps: p.metrics.total.bogoOps, bogoOpsPerSecReal: p.metrics.total.bogoOpsPerSecReal })),
  };
  return out;
}
