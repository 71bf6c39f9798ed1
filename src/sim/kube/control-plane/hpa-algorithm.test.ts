import { describe, expect, it } from 'vitest';
import { calcReplicas, normalize, scaleDownLimit, scaleUpLimit, withDefaults, type PodSample, type Recommendation, type ScaleEvent } from './hpa-algorithm.js';

const pods = (n: number, usage: number, request = 100, ready = true): PodSample[] => Array.from({ length: n }, () => ({ usage, request, ready }));

describe('HPA replica calculation (examples from the Kubernetes HPA documentation)', () => {
  it.each([
    // name, current replicas, per-pod usage (m), request (m), target %, expected
    ['current 200m vs desired 100m doubles the replicas', 2, 200, 100, 100, 4],
    ['current 50m vs desired 100m halves the replicas', 4, 50, 100, 100, 2],
    ['within the 10 % tolerance nothing changes (ratio 1.08)', 3, 108, 100, 100, 3],
    ['just outside the tolerance scales (ratio 1.11)', 3, 111, 100, 100, 4],
    ['php-apache walkthrough: 305 % of a 200m request against 50 % → 7', 1, 610, 200, 50, 7],
    ['ratio 0.91 stays (tolerance is inclusive of 0.1)', 10, 91, 100, 100, 10],
    ['ratio 0.5 with 3 pods → ceil(1.5) = 2', 3, 50, 100, 100, 2],
  ])('%s', (_name, current, usage, request, target, want) => {
    expect(calcReplicas(current, pods(current, usage, request), { utilization: target }).replicas).toBe(want);
  });

  it('reports utilization as an integer percentage of the summed requests', () => {
    expect(calcReplicas(2, [{ usage: 150, request: 200, ready: true }, { usage: 50, request: 200, ready: true }], { utilization: 50 }).utilization).toBe(50);
  });

  it('treats missing pods as 100 % of request when scaling down and 0 % when scaling up', () => {
    // 2 ready pods at 20 % of request, 2 without metrics: scale-down ratio recomputed with the
    // missing ones at 100 % → (20+20+100+100)/400 = 60 % of a 50 % target → no scale-down (ratio flips above 1).
    const down = [...pods(2, 20), { request: 100, ready: true }, { request: 100, ready: true }];
    expect(calcReplicas(4, down, { utilization: 50 }).replicas).toBe(4);
    // 2 ready pods at 200 %, 2 missing at 0 → 100 % of a 50 % target → 8.
    const up = [...pods(2, 200), { request: 100, ready: true }, { request: 100, ready: true }];
    expect(calcReplicas(4, up, { utilization: 50 }).replicas).toBe(8);
  });

  it('counts unready pods as 0 % when scaling up', () => {
    // 1 ready pod at 150 %, 1 unready at 150 %: with the unready one at 0 → 75 % of 50 % → ceil(1.5×2) = 3.
    const samples = [{ usage: 150, request: 100, ready: true }, { usage: 150, request: 100, ready: false }];
    expect(calcReplicas(2, samples, { utilization: 50 }).replicas).toBe(3);
  });

  it('ignores deleting and failed pods', () => {
    const samples = [...pods(2, 200), { usage: 0, request: 100, ready: false, ignored: true }];
    expect(calcReplicas(2, samples, { utilization: 100 }).replicas).toBe(4);
  });

  it('scales on an AverageValue target', () => {
    expect(calcReplicas(2, pods(2, 500), { averageValue: 250 }).replicas).toBe(4);
  });
});

describe('HPA behaviour', () => {
  const d = withDefaults(undefined);

  it.each([
    // current, scale events in the last 15 s, expected limit — default scale-up: max(4 pods, 100 %) per 15 s
    [1, [], 5],
    [10, [], 20],
    [3, [], 7],
    // 5 of the 10 were added 5 s ago: the period started at 5 → max(5 + 4, 5 × 2) = 10
    [10, [{ at: 995_000, change: 5 }], 10],
    // an addition 20 s ago is outside the 15 s period
    [10, [{ at: 980_000, change: 5 }], 20],
  ])('scale-up limit from %i replicas with events %j', (current, events, want) => {
    expect(scaleUpLimit(current, events as ScaleEvent[], d.scaleUp, 1_000_000)).toBe(want);
  });

  it('scale-down policies from the documentation: 80 replicas, max(4 pods, 10 %) per 60 s → 72', () => {
    const rules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 60 }, { type: 'Percent' as const, value: 10, periodSeconds: 60 }] };
    expect(scaleDownLimit(80, [], rules, 0)).toBe(72);
    expect(scaleDownLimit(80, [], { ...rules, selectPolicy: 'Min' }, 0)).toBe(76);
    expect(scaleDownLimit(80, [], { ...rules, selectPolicy: 'Disabled' }, 0)).toBe(80);
  });

  it('scales up at once to the policy limit and reports ScaleUpLimit', () => {
    const recs: Recommendation[] = [];
    expect(normalize(1, 10, 1, 20, undefined, recs, [], 0)).toMatchObject({ replicas: 5, limitedReason: 'ScaleUpLimit' });
  });

  it('caps at maxReplicas with TooManyReplicas', () => {
    expect(normalize(4, 30, 1, 6, undefined, [], [], 0)).toMatchObject({ replicas: 6, limitedReason: 'TooManyReplicas' });
  });

  it('holds a scale-down for the 300 s stabilization window, then applies the highest recent recommendation', () => {
    const recs: Recommendation[] = [];
    const ev: ScaleEvent[] = [];
    expect(normalize(6, 6, 1, 10, undefined, recs, ev, 0).replicas).toBe(6);
    expect(normalize(6, 2, 1, 10, undefined, recs, ev, 15_000)).toMatchObject({ replicas: 6, stabilizedReason: 'ScaleDownStabilized' });
    expect(normalize(6, 3, 1, 10, undefined, recs, ev, 200_000).replicas).toBe(6);
    // The recommendation of 6 (t=0) leaves the window after 300 s; highest left is 3.
    expect(normalize(6, 2, 1, 10, undefined, recs, ev, 300_001).replicas).toBe(3);
    expect(normalize(3, 2, 1, 10, undefined, recs, ev, 500_001).replicas).toBe(2);
  });

  it('respects minReplicas on the way down with TooFewReplicas', () => {
    const b = { scaleDown: { stabilizationWindowSeconds: 0 } };
    expect(normalize(5, 1, 2, 10, b, [], [], 0)).toMatchObject({ replicas: 2, limitedReason: 'TooFewReplicas' });
  });
});
