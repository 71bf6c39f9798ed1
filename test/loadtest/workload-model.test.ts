// The sim host's workload model end to end on a FakeClock: the Jobs the reconciler would create,
// run by the simulated kubelets, print logs that the real parsers read.
import { afterEach, describe, expect, it } from 'vitest';
import { parseK6Summary } from '../../src/reconcilers/loadtest/k6-summary.js';
import { parseStressNgYaml } from '../../src/reconcilers/loadtest/stress-ng-yaml.js';
import { withLoadTestDefaults } from '../../src/reconcilers/loadtest/spec-types.js';
import type { Sim } from '../../src/sim/kube/control-plane/testing/harness.js';
import { demoLab, jobResult, startRun } from './sim-lab.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

const NGINX = 'http://nginx-web.demo.svc.cluster.local/';

function runToEnd(s: Sim, jobs: string[], maxMs = 400_000) {
  s.until(() => jobs.every((j) => ['Succeeded', 'Failed'].includes(jobResult(s, 'loadtest', j).phase ?? '')), maxMs, 1000);
  return jobs.map((j) => jobResult(s, 'loadtest', j));
}

describe('LoadWorkload (sim host workload model)', () => {
  it('a light k6 run against nginx-web prints a k6 summary the parser reads: p95/p99/RPS, no errors, exit 0', () => {
    sim = demoLab({ hpa: false });
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: NGINX }, k6: { vus: 10, duration: '15s' } });
    const [r] = runToEnd(sim, startRun(sim, 'light', 'r1', spec));
    expect(r!.exitCode).toBe(0);
    const s = parseK6Summary(r!.log);
    expect(s.format).toBe('handleSummary');
    expect(s.http.vusMax).toBe(10);
    expect(s.http.errorRate).toBe(0);
    expect(s.http.rps).toBeGreaterThan(50);
    expect(s.http.p99Ms!).toBeGreaterThan(s.http.p95Ms!);
    expect(s.http.p95Ms!).toBeGreaterThan(s.http.avgMs!);
    expect(s.testRunDurationMs).toBeGreaterThanOrEqual(15_000);
  });

  it('is deterministic under a seed: two labs give the same summary', () => {
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: NGINX }, k6: { vus: 20, duration: '10s' } });
    const once = () => {
      const s = demoLab({ hpa: false, seed: 5 });
      try {
        return parseK6Summary(runToEnd(s, startRun(s, 'd', 'r1', spec))[0]!.log).http;
      } finally {
        s.cp.stop();
      }
    };
    expect(once()).toEqual(once());
  });

  it('latency rises with load: 50 VUs on 3 pods cross p95<500ms and exit 99 naming the threshold', () => {
    sim = demoLab({ hpa: false });
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: NGINX }, k6: { vus: 50, duration: '30s' }, thresholds: { p95: '500ms', errorRate: '1%' } });
    const [r] = runToEnd(sim, startRun(sim, 'sla', 'r1', spec));
    const s = parseK6Summary(r!.log);
    expect(r!.exitCode).toBe(99);
    expect(r!.log).toContain("thresholds on metrics 'http_req_duration' have been crossed");
    expect(s.thresholds).toEqual({ 'http_req_duration: p(95)<500': false, 'http_req_failed: rate<0.01': true });
    expect(s.http.p95Ms!).toBeGreaterThan(500);
  });

  it('CPU follows the load into metrics.k8s.io: the HPA scales nginx-web from 3 up, and back to 3 after the load', () => {
    sim = demoLab();
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'scaling', target: { url: NGINX }, k6: { vus: 200, duration: '120s' } });
    const jobs = startRun(sim, 'scale', 'r1', spec);
    const replicas: number[] = [];
    const p95s: number[] = [];
    sim.until(() => {
      const r = sim!.get('deployments', 'demo', 'nginx-web')!.spec.replicas;
      if (replicas.at(-1) !== r) replicas.push(r);
      return ['Succeeded', 'Failed'].includes(jobResult(sim!, 'loadtest', jobs[0]!).phase ?? '');
    }, 300_000, 1000);
    expect(replicas[0]).toBe(3);
    expect(Math.max(...replicas)).toBe(10);
    p95s.push(parseK6Summary(jobResult(sim, 'loadtest', jobs[0]!).log).http.p95Ms!);
    sim.until(() => sim!.get('deployments', 'demo', 'nginx-web')!.spec.replicas === 3, 200_000, 1000);
  });

  it('stress-ng prints its YAML metrics (bogo ops/s) and loads its node', () => {
    sim = demoLab({ hpa: false });
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'cpu', stressNg: { workers: 2, duration: '20s', cpuLoad: 80 } });
    const jobs = startRun(sim, 'cpu', 'r1', spec);
    sim.until(() => sim!.cp.metrics.pods('loadtest').some((p) => p.containers[0]!.usage.cpu === '1600m'), 30_000, 500);
    const [r] = runToEnd(sim, jobs);
    expect(r!.exitCode).toBe(0);
    const y = parseStressNgYaml(r!.log);
    expect(y.stressors.map((x) => x.stressor)).toEqual(['cpu']);
    expect(y.total.bogoOpsPerSecReal).toBeGreaterThan(1000);
  });

  it('stress-ng --vm prints the vm stressor\'s YAML (bogo ops, ops/s) and loads its node\'s memory', () => {
    sim = demoLab({ hpa: false });
    const kib = (q: string) => Number(q.replace(/Ki$/, ''));
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'memory', stressNg: { workers: 2, duration: '30s', vmBytes: '128M', resources: { limits: { memory: '512Mi' } } } });
    const jobs = startRun(sim, 'mem', 'r1', spec);
    sim.until(() => sim!.cp.metrics.pods('loadtest').length > 0, 30_000, 500);
    const pod = sim.cp.metrics.pods('loadtest')[0]!;
    // 2 vm workers × 128 MiB (+ the harness's few MiB), in the pod's and its node's memory
    expect(kib(pod.containers[0]!.usage.memory)).toBeGreaterThanOrEqual(256 * 1024);
    const node = sim.get('pods', 'loadtest', pod.name)!.spec.nodeName;
    const nodeMem = () => kib(sim!.cp.metrics.nodes().find((n) => n.name === node)!.usage.memory);
    const loaded = nodeMem();
    expect(loaded).toBeGreaterThanOrEqual(256 * 1024);
    const [r] = runToEnd(sim, jobs);
    expect(r!.exitCode).toBe(0);
    expect(r!.log).toMatch(/dispatching hogs: 2 vm/);
    const y = parseStressNgYaml(r!.log);
    expect(y.stressors.map((x) => x.stressor)).toEqual(['vm']);
    expect(y.stressors[0]!.bogoOps).toBeGreaterThan(0);
    expect(y.total.bogoOpsPerSecReal).toBeGreaterThan(1000);
    expect(nodeMem()).toBeLessThan(loaded - 200 * 1024); // released when the stressors end
  });

  it('stress-ng --vm asking more than the memory limit is OOMKilled: exit 137, reason OOMKilled, no metrics', () => {
    sim = demoLab({ hpa: false });
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'memory', stressNg: { workers: 2, duration: '30s', vmBytes: '200M', resources: { limits: { memory: '256Mi' } } } });
    const jobs = startRun(sim, 'oom', 'r1', spec);
    const [r] = runToEnd(sim, jobs);
    expect(r!.exitCode).toBe(137);
    const pod = sim.list('pods', 'loadtest').find((p) => p.metadata.labels?.['job-name'] === jobs[0] || p.metadata.labels?.['batch.kubernetes.io/job-name'] === jobs[0])!;
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(r!.log).toMatch(/dispatching hogs: 2 vm/);
    expect(r!.log).not.toMatch(/metrics:/);
  });

  it('a script that does not compile exits 107 with k6\'s SyntaxError line; a host that does not resolve fails every request', () => {
    sim = demoLab({ hpa: false });
    const spec = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: NGINX }, k6: { vus: 2, duration: '5s' } });
    const [bad] = runToEnd(sim, startRun(sim, 'bad', 'r1', spec, 'export default function () { http.get("x" }'));
    expect(bad!.exitCode).toBe(107);
    expect(bad!.log).toMatch(/SyntaxError: file:\/\/\/scripts\/user-script.js/);
    const nx = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: 'http://nope.demo.svc.cluster.local/' }, k6: { vus: 2, duration: '5s' } });
    const [r] = runToEnd(sim, startRun(sim, 'nx', 'r1', nx));
    expect(r!.exitCode).toBe(0);
    expect(r!.log).toContain('no such host');
    expect(parseK6Summary(r!.log).http.errorRate).toBe(1);
  });
});
