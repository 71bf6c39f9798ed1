// k6's end-of-test summary from a runner pod's log (issue 12 item 2; reference §4.1–§4.2).
// The log may hold anything else (k6's own lines, the user's console output); the summary is the
// JSON line between hostplane's markers (k6-script.ts), or else the last line that parses as a
// summary object. Two shapes are understood:
// - handleSummary's `data`: metrics.<name> = {type, contains, values, thresholds: {expr: {ok}}},
//   where ok: true means the threshold passed;
// - the legacy --summary-export file: metrics.<name> holds the values directly, rates as `value`,
//   and threshold booleans are INVERTED (true = failed; grafana/k6#1498).
import { SUMMARY_BEGIN, SUMMARY_END } from './k6-script.js';

export interface K6HttpMetrics {
  requests?: number;
  rps?: number;
  avgMs?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** 0..1 */
  errorRate?: number;
  /** 0..1 */
  checksRate?: number;
  checksPassed?: number;
  checksFailed?: number;
  vusMax?: number;
  iterations?: number;
}

export interface K6Summary {
  format: 'handleSummary' | 'summary-export';
  http: K6HttpMetrics;
  /** "metric: expression" → passed. */
  thresholds: Record<string, boolean>;
  testRunDurationMs?: number;
}

export class K6SummaryError extends Error {}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

function findJson(log: string): Json {
  const lines = log.split(/\r?\n/);
  const begin = lines.lastIndexOf(SUMMARY_BEGIN);
  if (begin >= 0) {
    const end = lines.indexOf(SUMMARY_END, begin + 1);
    const body = lines.slice(begin + 1, end < 0 ? undefined : end).join('\n').trim();
    try {
      const v = JSON.parse(body);
      if (isObj(v)) return v;
    } catch {
      throw new K6SummaryError(`the k6 summary between the markers is not valid JSON${end < 0 ? ' (the end marker is missing: was the log cut off?)' : ''}`);
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (!t.startsWith('{') || !t.includes('"metrics"')) continue;
    try {
      const v = JSON.parse(t);
      if (isObj(v) && isObj(v.metrics)) return v;
    } catch {
      /* not this line */
    }
  }
  // a pretty-printed document (summary-export written to stdout)
  const start = log.indexOf('{\n');
  if (start >= 0) {
    try {
      const v = JSON.parse(log.slice(start, log.lastIndexOf('}') + 1));
      if (isObj(v) && isObj(v.metrics)) return v;
    } catch {
      /* fall through */
    }
  }
  throw new K6SummaryError('no k6 summary found in the log (did the run end before k6 printed it?)');
}

export function parseK6Summary(log: string): K6Summary {
  const doc = findJson(log);
  const metrics = doc.metrics as Json;
  const anyMetric = Object.values(metrics).find(isObj);
  const legacy = anyMetric !== undefined && !('values' in anyMetric);
  const values = (name: string): Json | undefined => {
    const m = metrics[name];
    if (!isObj(m)) return undefined;
    return legacy ? m : isObj(m.values) ? (m.values as Json) : undefined;
  };
  const rate = (name: string) => {
    const v = values(name);
    return num(v?.rate) ?? num(v?.value);
  };
  const dur = values('http_req_duration');
  const reqs = values('http_reqs');
  const checks = values('checks');
  const http: K6HttpMetrics = {
    requests: num(reqs?.count),
    rps: num(reqs?.rate),
    avgMs: num(dur?.avg),
    p95Ms: num(dur?.['p(95)']),
    p99Ms: num(dur?.['p(99)']),
    maxMs: num(dur?.max),
    errorRate: rate('http_req_failed'),
    checksRate: legacy ? num(checks?.value) : num(checks?.rate),
    checksPassed: num(checks?.passes),
    checksFailed: num(checks?.fails),
    vusMax: num(values('vus_max')?.max) ?? num(values('vus_max')?.value) ?? num(values('vus')?.max),
    iterations: num(values('iterations')?.count),
  };
  const thresholds: Record<string, boolean> = {};
  for (const [name, m] of Object.entries(metrics)) {
    if (!isObj(m) || !isObj(m.thresholds)) continue;
    for (const [expr, r] of Object.entries(m.thresholds as Json)) {
      // handleSummary: {ok: true} = passed; summary-export: true = FAILED (inverted)
      thresholds[`${name}: ${expr}`] = legacy ? r === false : isObj(r) && r.ok === true;
    }
  }
  const state = isObj(doc.state) ? doc.state : undefined;
  return { format: legacy ? 'summary-export' : 'handleSummary', http: dropUndefined(http), thresholds, ...(num(state?.testRunDurationMs) !== undefined ? { testRunDurationMs: num(state!.testRunDurationMs) } : {}) };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
