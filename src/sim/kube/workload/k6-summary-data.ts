// The `data` object k6 hands handleSummary (reference addons-loadtests.md §4.1), built from the
// modelled run, and k6's threshold evaluation over it ("p(95)<500", "rate<0.01", "count>10").
import type { LatencyHistogram } from './queueing.js';

export interface RunTotals {
  requests: number;
  failed: number;
  iterations: number;
  checksPassed: number;
  checksFailed: number;
  vusMax: number;
  vusLast: number;
  durationMs: number;
  bytesReceived: number;
  bytesSent: number;
}

type Values = Record<string, number>;

function trend(h: LatencyHistogram, stats: string[], shift = 0): Values {
  const out: Values = {};
  for (const s of stats) {
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(s);
    const v = s === 'avg' ? h.avg() : s === 'min' ? (h.count ? h.min : 0) : s === 'max' ? h.max : s === 'med' ? h.quantile(0.5) : p ? h.quantile(Number(p[1]) / 100) : s === 'count' ? h.count : undefined;
    if (v !== undefined) out[s] = Math.round((v + (s === 'count' ? 0 : shift)) * 1000) / 1000;
  }
  return out;
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b, '==': (a, b) => a === b, '===': (a, b) => a === b, '!=': (a, b) => a !== b,
};

/** k6 threshold expression against a metric's values; an unknown aggregation makes k6 refuse the config (exit 104). */
export function thresholdOk(expr: string, values: Values): boolean {
  const m = /^\s*([\w().]+)\s*(<=|>=|===|==|!=|<|>)\s*(-?[\d.]+)\s*$/.exec(expr);
  if (!m) throw new Error(`invalid threshold expression "${expr}"`);
  const v = values[m[1]!];
  if (v === undefined) throw new Error(`threshold "${expr}": no aggregation "${m[1]}" on this metric`);
  return OPS[m[2]!]!(v, Number(m[3]));
}

export interface SummaryBuild {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  crossed: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function buildSummaryData(options: any, t: RunTotals, latency: LatencyHistogram, iterationMs: LatencyHistogram, checkNames: string[]): SummaryBuild {
  const stats: string[] = options?.summaryTrendStats ?? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const secs = Math.max(t.durationMs / 1000, 1e-3);
  const rate = (n: number) => Math.round((n / secs) * 1e6) / 1e6;
  const metrics: Record<string, { type: string; contains: string; values: Values; thresholds?: Record<string, { ok: boolean }> }> = {
    http_req_duration: { type: 'trend', contains: 'time', values: trend(latency, stats) },
    http_req_waiting: { type: 'trend', contains: 'time', values: trend(latency, stats, -0.05) },
    http_req_failed: { type: 'rate', contains: 'default', values: { rate: t.requests ? t.failed / t.requests : 0, passes: t.failed, fails: t.requests - t.failed } },
    http_reqs: { type: 'counter', contains: 'default', values: { count: t.requests, rate: rate(t.requests) } },
    iterations: { type: 'counter', contains: 'default', values: { count: t.iterations, rate: rate(t.iterations) } },
    iteration_duration: { type: 'trend', contains: 'time', values: trend(iterationMs, stats) },
    vus: { type: 'gauge', contains: 'default', values: { value: t.vusLast, min: Math.min(t.vusLast, t.vusMax), max: t.vusMax } },
    vus_max: { type: 'gauge', contains: 'default', values: { value: t.vusMax, min: t.vusMax, max: t.vusMax } },
    data_received: { type: 'counter', contains: 'data', values: { count: t.bytesReceived, rate: rate(t.bytesReceived) } },
    data_sent: { type: 'counter', contains: 'data', values: { count: t.bytesSent, rate: rate(t.bytesSent) } },
  };
  if (checkNames.length > 0) {
    const all = t.checksPassed + t.checksFailed;
    metrics.checks = { type: 'rate', contains: 'default', values: { rate: all ? t.checksPassed / all : 0, passes: t.checksPassed, fails: t.checksFailed } };
  }
  const crossed: string[] = [];
  for (const [name, list] of Object.entries((options?.thresholds ?? {}) as Record<string, unknown>)) {
    const metricName = name.replace(/\{.*\}$/, '');
    const m = metrics[metricName];
    if (!m) continue; // a custom metric the model does not produce
    m.thresholds = m.thresholds ?? {};
    for (const item of [list].flat()) {
      const expr = typeof item === 'string' ? item : String((item as { threshold?: string }).threshold ?? '');
      const ok = thresholdOk(expr, m.values);
      m.thresholds[expr] = { ok };
      if (!ok) crossed.push(metricName);
    }
  }
  const perCheck = checkNames.length ? 1 / checkNames.length : 0;
  const data = {
    root_group: {
      name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [],
      checks: checkNames.map((name) => ({ name, path: `::${name}`, id: name, passes: Math.round(t.checksPassed * perCheck), fails: Math.round(t.checksFailed * perCheck) })),
    },
    options: { summaryTrendStats: stats, summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: t.durationMs },
    metrics,
    setup_data: null,
  };
  return { data, crossed: [...new Set(crossed)] };
}
