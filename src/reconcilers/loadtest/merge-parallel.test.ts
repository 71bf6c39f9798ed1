import { describe, expect, it } from 'vitest';
import { mergeHttp, mergeStress } from './merge-parallel.js';

describe('merging parallel runners', () => {
  const a = { requests: 1000, rps: 100, iterations: 1000, vusMax: 25, avgMs: 100, maxMs: 900, errorRate: 0.01, checksRate: 0.99, checksPassed: 990, checksFailed: 10, p95Ms: 300, p99Ms: 700 };
  const b = { requests: 3000, rps: 300, iterations: 3000, vusMax: 25, avgMs: 200, maxMs: 1500, errorRate: 0.03, checksRate: 0.97, checksPassed: 2910, checksFailed: 90, p95Ms: 250, p99Ms: 800 };

  it('sums counts and rates, weights means and rates, takes maxima, labels percentiles per pod and max', () => {
    const m = mergeHttp([{ pod: 'runner-0', metrics: a }, { pod: 'runner-1', metrics: b }]);
    expect(m).toMatchObject({ pods: 2, requests: 4000, rps: 400, iterations: 4000, vusMax: 50, maxMs: 1500, p95MsMaxOverPods: 300, p99MsMaxOverPods: 800 });
    expect(m.avgMs).toBeCloseTo(175, 9);
    expect(m.errorRate).toBeCloseTo(0.025, 9);
    expect(m.checksRate).toBeCloseTo(0.975, 9);
    expect(m.perPod).toEqual([{ pod: 'runner-0', p95Ms: 300, p99Ms: 700, requests: 1000, rps: 100 }, { pod: 'runner-1', p95Ms: 250, p99Ms: 800, requests: 3000, rps: 300 }]);
    expect(m.note).toMatch(/maximum of the per-pod percentiles/);
  });

  it('leaves out what a pod did not report rather than guessing', () => {
    const m = mergeHttp([{ pod: 'r0', metrics: { requests: 10, errorRate: 0.1 } }, { pod: 'r1', metrics: { errorRate: 0.2 } }]);
    expect(m.requests).toBe(10);
    expect(m.errorRate).toBeUndefined();
    expect(m).not.toHaveProperty('p95MsMaxOverPods');
  });

  it('one pod merges to itself', () => {
    expect(mergeHttp([{ pod: 'r0', metrics: a }])).toMatchObject({ requests: 1000, avgMs: 100, errorRate: 0.01, p95MsMaxOverPods: 300 });
  });

  it('stress pods: ops summed, CPU averaged, RSS maximised', () => {
    const pod = (ops: number, rate: number, cpu: number, rss: number) => ({ stressors: [], total: { bogoOps: ops, bogoOpsPerSecReal: rate, bogoOpsPerSecUsrSys: rate / 2, cpuPerInstance: cpu, maxRssKB: rss } });
    expect(mergeStress([{ pod: 'p0', metrics: pod(100, 10, 90, 5) }, { pod: 'p1', metrics: pod(300, 30, 70, 9) }])).toEqual({
      pods: 2, bogoOps: 400, bogoOpsPerSecReal: 40, bogoOpsPerSecUsrSys: 20, cpuPerInstance: 80, maxRssKB: 9,
      perPod: [{ pod: 'p0', bogoOps: 100, bogoOpsPerSecReal: 10 }, { pod: 'p1', bogoOps: 300, bogoOpsPerSecReal: 30 }],
    });
  });
});
