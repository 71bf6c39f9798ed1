// Table tests of the workload model's pieces: the closed-loop operating point, the latency
// histogram, k6 options → VU schedule, k6 threshold expressions, the script loader, stress-ng argv.
import { describe, expect, it } from 'vitest';
import { thresholdOk } from './k6-summary-data.js';
import { K6ScriptError, loadK6Script, toCommonJs } from './k6-script-runtime.js';
import { LatencyHistogram, podLatencyMs, solveClosedLoop } from './queueing.js';
import { scheduleOf } from './schedule.js';
import { parseStressArgs, stressNgFinalOutput } from './stress-ng-output.js';

const pod = (name: string, capacity = 50) => ({ name, capacity, baseMs: 1, maxConcurrent: 1024 });

describe('closed loop over web pods', () => {
  it.each([
    // vus, pods → the request rate stays under the capacity and latency ≈ vus / rate (Little)
    [10, 3],
    [50, 3],
    [200, 10],
  ])('%i VUs on %i pods: rate < capacity, latency × rate ≈ VUs', (vus, n) => {
    const pods = Array.from({ length: n }, (_, i) => pod(`p${i}`));
    const eq = solveClosedLoop(pods, vus, 0);
    expect(eq.rps).toBeLessThan(50 * n);
    expect((eq.rps * eq.meanMs) / 1000).toBeCloseTo(vus, 1);
  });

  it('more pods lower the latency of the same load; think time lowers the rate', () => {
    const three = solveClosedLoop([pod('a'), pod('b'), pod('c')], 50, 0);
    const six = solveClosedLoop(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => pod(n)), 50, 0);
    expect(six.meanMs).toBeLessThan(three.meanMs / 1.8);
    expect(solveClosedLoop([pod('a')], 5, 1000).rps).toBeLessThan(5);
  });

  it('requests beyond a pod\'s concurrency fail', () => {
    const eq = solveClosedLoop([{ ...pod('h', 30), maxConcurrent: 10 }], 40, 0);
    expect(eq.perPod[0]!.errorFraction).toBeCloseTo(0.75, 1);
  });

  it('latency rises with utilisation', () => {
    expect(podLatencyMs(pod('a'), 0)).toBe(21);
    expect(podLatencyMs(pod('a'), 25)).toBe(41);
  });
});

describe('latency histogram', () => {
  it('exponential waits: p95 ≈ base + 3×mean, p99 ≈ base + 4.6×mean, avg ≈ base + mean', () => {
    const h = new LatencyHistogram();
    h.addExponential(1, 100, 10_000);
    expect(h.avg()).toBeCloseTo(101, -1);
    expect(h.quantile(0.95) / 300).toBeCloseTo(1, 1);
    expect(h.quantile(0.99) / 460).toBeCloseTo(1, 1);
    expect(h.count).toBeCloseTo(10_000, 6);
  });
});

describe('k6 options → VU schedule', () => {
  it.each([
    [{ vus: 10, duration: '15s' }, 15_000, 10, [[0, 10], [14_999, 10]]],
    [{ vus: 0, stages: [{ duration: '10s', target: 100 }, { duration: '30s', target: 100 }] }, 40_000, 100, [[0, 0], [5_000, 50], [20_000, 100]]],
    [{ scenarios: { load: { executor: 'constant-vus', vus: 50, duration: '30s' } } }, 30_000, 50, [[1_000, 50]]],
  ] as const)('%j', (options, durationMs, maxVus, points) => {
    const s = scheduleOf(options);
    expect(s.durationMs).toBe(durationMs);
    expect(s.maxVus).toBe(maxVus);
    for (const [t, v] of points) expect(s.vusAt(t)).toBe(v);
  });

  it('execution segments split the VUs without losing any', () => {
    const parts = [[0, 1 / 3], [1 / 3, 2 / 3], [2 / 3, 1]].map((seg) => scheduleOf({ vus: 10, duration: '5s' }, seg as [number, number]).maxVus);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(10);
  });
});

describe('k6 threshold expressions', () => {
  it.each([
    ['p(95)<500', { 'p(95)': 499 }, true],
    ['p(95)<500', { 'p(95)': 500 }, false],
    ['rate<0.01', { rate: 0.02 }, false],
    ['count>=10', { count: 10 }, true],
  ])('%s on %j → %s', (expr, values, ok) => expect(thresholdOk(expr, values)).toBe(ok));

  it('an aggregation the metric lacks is an error', () => expect(() => thresholdOk('p(99)<1', { avg: 1 })).toThrow(/no aggregation "p\(99\)"/));
});

describe('k6 script loader', () => {
  it('rewrites imports/exports and runs one iteration to learn URLs, checks and sleep', () => {
    const src = "import http from 'k6/http';\nimport { check, sleep } from 'k6';\nexport const options = { vus: 3, duration: '5s' };\nexport default function () {\n  const r = http.get(`http://web.demo/${__ENV.P}`);\n  check(r, { ok: (x) => x.status === 200 });\n  sleep(0.5);\n}\n";
    expect(toCommonJs(src)).toContain('const http = __import("k6/http").default;');
    const s = loadK6Script({ 'a.js': src }, 'a.js', { P: 'x' });
    expect(s.options).toEqual({ vus: 3, duration: '5s' });
    expect(s.probe).toEqual({ urls: ['http://web.demo/x'], checks: ['ok'], sleepMs: 500 });
  });

  it.each([
    ['export default function () { http.get( }', /SyntaxError: file:\/\/\/scripts\/a.js/],
    ["import x from './missing.js';\nexport default function () {}", /couldn't be found on local disk/],
    ["export default function () { throw new Error('boom'); }", /Uncaught \(in promise\) boom/],
  ])('%s → exit 107', (src, msg) => {
    try {
      loadK6Script({ 'a.js': src }, 'a.js', {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(K6ScriptError);
      expect((e as K6ScriptError).exitCode).toBe(107);
      expect((e as Error).message).toMatch(msg);
    }
  });
});

describe('stress-ng argv and output', () => {
  it('parses what stress-ng-args.ts writes and rejects unknown options', () => {
    expect(parseStressArgs(['--vm', '2', '--vm-bytes', '128M', '--timeout', '60s', '--metrics-brief', '--yaml', '/dev/stdout'])).toMatchObject({ vmWorkers: 2, vmBytes: 128 * 1024 ** 2, timeoutMs: 60_000, metricsBrief: true, yaml: '/dev/stdout' });
    expect(() => parseStressArgs(['--cpu', '1', '--bogus'])).toThrow(/unrecognized option '--bogus'/);
    expect(() => parseStressArgs(['--timeout', '5s'])).toThrow(/No stress workers/);
  });

  it('prints the YAML metrics section with bogo ops per CPU-second', () => {
    const out = stressNgFinalOutput(parseStressArgs(['--cpu', '2', '--cpu-load', '100', '--timeout', '30s', '--metrics-brief', '--yaml', '/dev/stdout']), { runSeconds: 30, cpuMilli: 2000, maxRssKb: 4000, hostname: 'h', now: Date.parse('2026-12-06T04:14:10Z'), nodeCpus: 2, jitter: 1 });
    expect(out).toContain('    - stressor: cpu\n      bogo-ops: 48276\n');
    expect(out).toMatch(/bogo-ops-per-second-real-time: 1609\.200000/);
    expect(out.trimEnd().endsWith('...')).toBe(true);
  });
});
