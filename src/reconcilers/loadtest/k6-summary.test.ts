// Fixtures are written from k6's documented summary formats, not captured from a run:
// - fixtures/k6-handle-summary.txt: the `data` object handleSummary receives, as documented in
//   "Custom summary" (https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/)
//   and summarised in shared/reference/addons-loadtests.md §4.1 (metrics.<name>.{type, contains,
//   values, thresholds{expr:{ok}}}, root_group.checks[], options, state.testRunDurationMs), printed
//   by our k6-script.ts between markers after k6's banner and a threshold error line.
// - fixtures/k6-summary-export.json: the legacy --summary-export file (reference §4.2; metrics hold
//   their values directly, rates as `value`, threshold booleans inverted: grafana/k6#1498).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { K6SummaryError, parseK6Summary } from './k6-summary.js';

const fixture = (f: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url)), 'utf8');

describe('k6 summary parsing', () => {
  it('reads handleSummary data between the markers of a noisy log', () => {
    const s = parseK6Summary(fixture('k6-handle-summary.txt'));
    expect(s.format).toBe('handleSummary');
    expect(s.http).toEqual({ requests: 14362, rps: 478.54, avgMs: 104.2, p95Ms: 612.8, p99Ms: 1433.9, maxMs: 1911.4, errorRate: 0.000835, checksRate: 0.99916, checksPassed: 14350, checksFailed: 12, vusMax: 50, iterations: 14362 });
    expect(s.thresholds).toEqual({ 'http_req_duration: p(95)<500': false, 'http_req_failed: rate<0.01': true });
    expect(s.testRunDurationMs).toBe(30012.5);
  });

  it('reads the legacy summary-export, un-inverting its threshold booleans', () => {
    const s = parseK6Summary(`some line\n${fixture('k6-summary-export.json')}\n`);
    expect(s.format).toBe('summary-export');
    expect(s.http).toMatchObject({ requests: 2980, rps: 198.6, p95Ms: 30.2, errorRate: 0, checksRate: 1, vusMax: 10 });
    expect(s.http.p99Ms).toBeUndefined(); // not in the default summaryTrendStats
    expect(s.thresholds).toEqual({ 'http_req_duration: p(95)<500': true, 'http_req_failed: rate<0.01': true });
  });

  it('finds an unmarked one-line summary (a user handleSummary printing JSON)', () => {
    const line = JSON.stringify({ metrics: { http_reqs: { type: 'counter', contains: 'default', values: { count: 5, rate: 1 } } } });
    expect(parseK6Summary(`INFO start\n${line}\nINFO done\n`).http).toEqual({ requests: 5, rps: 1 });
  });

  it.each([
    ['no summary at all', 'level=error msg="GoError: script exception"\n', /no k6 summary found/],
    ['a cut-off summary', '--- hostplane k6 summary ---\n{"metrics":{"http_reqs":', /not valid JSON \(the end marker is missing/],
  ])('fails clearly on %s', (_n, log, msg) => {
    expect(() => parseK6Summary(log)).toThrow(K6SummaryError);
    expect(() => parseK6Summary(log)).toThrow(msg);
  });
});
