import { describe, expect, it } from 'vitest';
import { evaluateThresholds, k6Thresholds, parsePercent, thresholdsMessage } from './thresholds.js';

describe('thresholds', () => {
  it('become k6 threshold expressions (exit 99 when crossed)', () => {
    expect(k6Thresholds({ p95: '500ms', p99: '1s', errorRate: '1%', minRps: 100, maxReplicas: 8 })).toEqual({
      http_req_duration: ['p(95)<500', 'p(99)<1000'],
      http_req_failed: ['rate<0.01'],
      http_reqs: ['rate>=100'],
    });
    expect(k6Thresholds(undefined)).toEqual({});
  });

  it.each([
    ['p95 under the limit', { p95: '500ms' }, { p95Ms: 212.4 }, [['p95', true, 'p95 212.4ms < 500ms']]],
    ['p95 over the limit', { p95: '500ms' }, { p95Ms: 612 }, [['p95', false, 'p95 612ms >= 500ms']]],
    ['p95 exactly at the limit fails (k6 uses <)', { p95: '500ms' }, { p95Ms: 500 }, [['p95', false, 'p95 500ms >= 500ms']]],
    ['p99 in seconds', { p99: '1.5s' }, { p99Ms: 1200 }, [['p99', true, 'p99 1200ms < 1.5s']]],
    ['error rate in percent', { errorRate: '1%' }, { errorRate: 0.0234 }, [['errorRate', false, 'errorRate 2.34% >= 1%']]],
    ['error rate zero', { errorRate: '0.5%' }, { errorRate: 0 }, [['errorRate', true, 'errorRate 0% < 0.5%']]],
    ['minimum RPS met', { minRps: 100 }, { rps: 100 }, [['minRps', true, 'minRps 100 >= 100 req/s']]],
    ['maximum replicas exceeded', { maxReplicas: 8 }, { peakReplicas: 10 }, [['maxReplicas', false, 'maxReplicas 10 > 8 replicas']]],
    ['a threshold without a measurement fails', { p99: '1s' }, {}, [['p99', false, 'p99 not measured (limit 1s)']]],
  ])('%s', (_n, t, m, want) => {
    expect(evaluateThresholds(t, m).map((r) => [r.name, r.passed, r.message])).toEqual(want);
  });

  it.each([
    [{ errorRate: '150%' }, /errorRate: "150%" must be a percentage from 0% to 100%/],
    [{ p95: '0ms' }, /p95: "0ms" must be a duration of more than 0/],
    [{ p99: '0s' }, /p99: "0s" must be a duration of more than 0/],
  ])('a threshold the CRD refuses at load is refused here too: %j', (t, message) => {
    expect(() => k6Thresholds(t)).toThrow(message);
  });

  it('the message names each crossed threshold with its value, then the passed ones', () => {
    const r = evaluateThresholds({ p95: '500ms', errorRate: '1%' }, { p95Ms: 612, errorRate: 0.001 });
    expect(thresholdsMessage(r)).toBe('Thresholds crossed: p95 612ms >= 500ms; passed: errorRate 0.1% < 1%');
    expect(thresholdsMessage(evaluateThresholds({ p95: '500ms' }, { p95Ms: 10 }))).toBe('All thresholds passed: p95 10ms < 500ms');
    expect(thresholdsMessage([])).toBe('No thresholds set');
  });

  it.each([['1%', 0.01], ['0.5%', 0.005], ['100%', 1], ['1', undefined], ['x%', undefined]])('percent %s', (t, v) => {
    expect(parsePercent(t)).toBe(v);
  });
});
