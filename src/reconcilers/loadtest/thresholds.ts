// spec.thresholds: what k6 enforces inside the run (as k6 threshold expressions, so exit code 99
// marks a crossed threshold) and what hostplane evaluates afterwards from the parsed metrics, so
// Succeeded can name each threshold with its measured value ("p95 612ms > 500ms").
import { parseDuration } from './duration.js';
import type { ThresholdsSpec } from './spec-types.js';

export interface MeasuredMetrics {
  p95Ms?: number;
  p99Ms?: number;
  /** 0..1 */
  errorRate?: number;
  rps?: number;
  /** scaling: peak summed replicas of the watched deployments. */
  peakReplicas?: number;
}

export interface ThresholdResult {
  name: 'p95' | 'p99' | 'errorRate' | 'minRps' | 'maxReplicas';
  /** The threshold as written in the spec ("500ms", "1%", …). */
  limit: string;
  measured?: number;
  /** Measured value formatted with its unit. */
  measuredText: string;
  passed: boolean;
  message: string;
}

/** "1%" → 0.01; undefined when not a percentage. */
export function parsePercent(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  return m ? Number(m[1]) / 100 : undefined;
}

/** k6 `options.thresholds` for the spec (hostplane's maxReplicas is not a k6 metric). */
export function k6Thresholds(t: ThresholdsSpec | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (metric: string, expr: string) => (out[metric] ??= []).push(expr);
  if (!t) return out;
  if (t.p95 !== undefined) add('http_req_duration', `p(95)<${requireMs('spec.thresholds.p95', t.p95)}`);
  if (t.p99 !== undefined) add('http_req_duration', `p(99)<${requireMs('spec.thresholds.p99', t.p99)}`);
  if (t.errorRate !== undefined) add('http_req_failed', `rate<${requirePercent(t.errorRate)}`);
  if (t.minRps !== undefined) add('http_reqs', `rate>=${t.minRps}`);
  return out;
}

function requireMs(field: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`${field}: "${text}" is not a duration such as 500ms`);
  // The CRD refuses these at load; a limit of 0 could never pass.
  if (!(ms > 0)) throw new Error(`${field}: "${text}" must be a duration of more than 0, such as 500ms`);
  return ms;
}

function requirePercent(text: string): number {
  const p = parsePercent(text);
  if (p === undefined) throw new Error(`spec.thresholds.errorRate: "${text}" is not a percentage such as 1%`);
  if (p > 1) throw new Error(`spec.thresholds.errorRate: "${text}" must be a percentage from 0% to 100%`);
  return p;
}

const fmtMs = (v: number) => `${Math.round(v * 10) / 10}ms`;
const fmtPct = (v: number) => `${Math.round(v * 10000) / 100}%`;
const fmtNum = (v: number) => `${Math.round(v * 10) / 10}`;

/** Every spec threshold against the measured metrics; a missing measurement fails its threshold. */
export function evaluateThresholds(t: ThresholdsSpec | undefined, m: MeasuredMetrics): ThresholdResult[] {
  if (!t) return [];
  const out: ThresholdResult[] = [];
  const check = (name: ThresholdResult['name'], limit: string, measured: number | undefined, ok: (v: number) => boolean, fmt: (v: number) => string, op: string, limitText: string) => {
    if (measured === undefined || Number.isNaN(measured)) {
      out.push({ name, limit, measuredText: 'not measured', passed: false, message: `${name} not measured (limit ${limitText})` });
      return;
    }
    const passed = ok(measured);
    out.push({ name, limit, measured, measuredText: fmt(measured), passed, message: `${name} ${fmt(measured)} ${passed ? op : negate(op)} ${limitText}` });
  };
  if (t.p95 !== undefined) {
    const lim = requireMs('spec.thresholds.p95', t.p95);
    check('p95', t.p95, m.p95Ms, (v) => v < lim, fmtMs, '<', t.p95);
  }
  if (t.p99 !== undefined) {
    const lim = requireMs('spec.thresholds.p99', t.p99);
    check('p99', t.p99, m.p99Ms, (v) => v < lim, fmtMs, '<', t.p99);
  }
  if (t.errorRate !== undefined) {
    const lim = requirePercent(t.errorRate);
    check('errorRate', t.errorRate, m.errorRate, (v) => v < lim, fmtPct, '<', t.errorRate);
  }
  if (t.minRps !== undefined) check('minRps', String(t.minRps), m.rps, (v) => v >= t.minRps!, fmtNum, '>=', `${t.minRps} req/s`);
  if (t.maxReplicas !== undefined) check('maxReplicas', String(t.maxReplicas), m.peakReplicas, (v) => v <= t.maxReplicas!, fmtNum, '<=', `${t.maxReplicas} replicas`);
  return out;
}

function negate(op: string): string {
  return ({ '<': '>=', '>=': '<', '<=': '>' } as Record<string, string>)[op] ?? `not ${op}`;
}

/** One line for ThresholdsPassed / Succeeded, naming each threshold and its measured value. */
export function thresholdsMessage(results: readonly ThresholdResult[]): string {
  if (results.length === 0) return 'No thresholds set';
  const failed = results.filter((r) => !r.passed);
  if (failed.length === 0) return `All thresholds passed: ${results.map((r) => r.message).join(', ')}`;
  return `Thresholds crossed: ${failed.map((r) => r.message).join(', ')}${failed.length < results.length ? `; passed: ${results.filter((r) => r.passed).map((r) => r.message).join(', ')}` : ''}`;
}
