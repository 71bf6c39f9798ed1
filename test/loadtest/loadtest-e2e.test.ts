// The LoadTest kind end to end on the sim host, time-scaled (ScaledClock ×20: 1 real second = 20
// simulated seconds), with the real controllers (real-lab.ts: the example lab's dev cluster built by
// the Cluster kind, its add-ons installed by the Addon kind with the real helm): the reconciler
// creates the Jobs through client-node against the simulated API server, the workload model runs
// them, and status/records/CSV say what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadtestModule } from '../../src/reconcilers/loadtest/module.js';
import { requestRun } from './fixtures.js';
import { startRealLoadTestLab, type RealLoadTestLab } from './real-lab.js';

const BAD_INPUT = ['broken-script', 'no-node', 'nowhere'].map((name) => `apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: ${name}
spec:
  cluster: dev
  type: http
  runPolicy: Manual
  target:
    url: "http://${name === 'nowhere' ? 'nowhere' : 'nginx-web'}.demo.svc.cluster.local/"
${name === 'no-node' ? '    nodeSelector: {disktype: ssd}\n' : ''}  k6: {vus: 2, duration: 10s${name === 'broken-script' ? ', script: scripts/broken.js' : ''}}
  thresholds: {errorRate: 1%}
`).join('---\n');

const MORE = `apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: parallel-on-change
spec:
  cluster: dev
  type: http
  runPolicy: OnGenerationChange
  parallelism: 2
  target: {url: "http://httpbin.demo.svc.cluster.local/get"}
  k6: {vus: 4, duration: 10s}
  dependsOn: [dev-demo-apps]
---
apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: redis-no-hpa
spec:
  cluster: dev
  type: scaling
  runPolicy: OnGenerationChange
  target:
    url: "http://redis.demo.svc.cluster.local/"
    deployments: [demo/redis]
  k6: {vus: 1, duration: 5s}
---
apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: short-timeout
spec:
  cluster: dev
  type: cpu
  runPolicy: Manual
  stressNg: {workers: 1, duration: 60s}
  timeout: 10s
  keepRuns: 1
  cleanup: Never
---
apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: keep-jobs
spec:
  cluster: dev
  type: cpu
  runPolicy: Manual
  stressNg: {workers: 1, duration: 3s}
  cleanup: Never
---
apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: oom-memory
spec:
  cluster: dev
  type: memory
  runPolicy: Manual
  stressNg:
    workers: 2
    duration: 30s
    vmBytes: 200M
    resources:
      limits: {memory: 256Mi}
  cleanup: Never
`;

let l: RealLoadTestLab;
beforeAll(async () => {
  l = await startRealLoadTestLab({ scale: 20, files: { 'loadtests/bad.yaml': BAD_INPUT, 'loadtests/more.yaml': MORE } });
  console.log(`example lab dev cluster and add-ons Ready in ${Math.round(l.readyMs / 100) / 10} s (real controllers)`);
  l.lab.write('../scripts/broken.js', "import http from 'k6/http';\nexport default function () {\n  http.get('http://nginx-web.demo/'\n}\n");
}, 480_000);
afterAll(async () => l?.stop(), 60_000);

const cond = (st: Record<string, any>, type: string) => (st.conditions ?? []).find((c: { type: string }) => c.type === type);
const finished = (st: Record<string, any>) => st.lastRun && st.lastRun.outcome !== 'Running';

describe('LoadTest on the sim host with the real Cluster and Addon controllers (time-scaled ×20)', () => {
  it('runPolicy Manual: nothing runs until asked; Ready=True with the cluster and dependsOn Ready', async () => {
    const st = await l.waitStatus('dev-light-load', (s) => cond(s, 'Ready')?.status === 'True');
    expect(st.runCount ?? 0).toBe(0);
    expect(cond(st, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'NeverRun' });
  });

  // first, while nginx-web still has its 3 replicas (a run before it would have scaled it up)
  it('the strict-SLA preset fails by its thresholds and names each with its measured value', async () => {
    await requestRun(l, 'dev-strict-sla');
    const st = await l.waitStatus('dev-strict-sla', finished);
    // its p95 lands on either side of 500 ms (465–764 ms measured): the verdict must follow the measurement
    const crossed = st.lastRun.http.p95Ms >= 500;
    expect([st.lastRun.outcome, st.lastRun.exitCode]).toEqual(crossed ? ['Failed', 99] : ['Succeeded', 0]);
    expect(st.lastRun.thresholds).toEqual({ 'p95 < 500ms': !crossed, 'errorRate < 1%': true });
    if (crossed) {
      expect(cond(st, 'Succeeded')).toMatchObject({ status: 'False', reason: 'ThresholdsCrossed' });
      expect(cond(st, 'Succeeded').message).toMatch(/p95 \d+(\.\d+)?ms >= 500ms/);
      expect(cond(st, 'ThresholdsPassed')).toMatchObject({ status: 'False', reason: 'Crossed' });
    } else {
      expect(cond(st, 'Succeeded')?.status).toBe('True');
      expect(cond(st, 'ThresholdsPassed')?.status).toBe('True');
    }
  });

  it('an HTTP run reports p95/p99/RPS/error rate and Succeeded=True', async () => {
    await requestRun(l, 'dev-light-load');
    const st = await l.waitStatus('dev-light-load', finished);
    expect(st.lastRun.outcome).toBe('Succeeded');
    expect(st.lastRun.http).toMatchObject({ vusMax: 10, errorRate: 0 });
    expect(st.lastRun.http.p95Ms).toBeGreaterThan(0);
    expect(st.lastRun.http.p99Ms).toBeGreaterThanOrEqual(st.lastRun.http.p95Ms);
    expect(st.lastRun.http.rps).toBeGreaterThan(10);
    expect(cond(st, 'Succeeded')).toMatchObject({ status: 'True', reason: 'RunSucceeded' });
    expect(st.lastRun.progress.fraction).toBe(1);
  });

  it('a stress run reports bogo ops/s', async () => {
    await requestRun(l, 'dev-cpu-stress-light');
    const st = await l.waitStatus('dev-cpu-stress-light', finished);
    expect(st.lastRun.outcome).toBe('Succeeded');
    expect(st.lastRun.stress.bogoOpsPerSecReal).toBeGreaterThan(100);
  });

  it('abort: the running run ends Cancelled and its Job is deleted', async () => {
    await requestRun(l, 'dev-heavy-load');
    await l.waitStatus('dev-heavy-load', (s) => s.lastRun?.outcome === 'Running' && s.lastRun.progress?.fraction > 0.1);
    const abort = loadtestModule.routes!.find((r) => r.path === 'abort')!;
    const res = await abort.handle(l.manager.store.get('LoadTest', 'dev-heavy-load')!, { stateRoot: l.lab.stateDir.root, reconcileNow: (k) => l.manager.reconcileNow(k) });
    expect(res.status).toBe(202);
    const st = await l.waitStatus('dev-heavy-load', finished);
    expect(st.lastRun.outcome).toBe('Cancelled');
    expect(cond(st, 'Succeeded')).toMatchObject({ status: 'False', reason: 'Cancelled' });
    const jobs = l.cluster.store.list({ group: 'batch', version: 'v1', resource: 'jobs' }, { namespace: 'loadtest' }).items.filter((j) => j.metadata.labels?.['hostplane.dev/loadtest'] === 'dev-heavy-load');
    expect(jobs.filter((j) => !j.metadata.deletionTimestamp)).toEqual([]);
  });

  it('bad input is reported with the reason and the pod\'s last log lines', async () => {
    await requestRun(l, 'broken-script');
    await requestRun(l, 'no-node');
    await requestRun(l, 'nowhere');
    const broken = await l.waitStatus('broken-script', finished);
    expect(broken.lastRun).toMatchObject({ outcome: 'Error', exitCode: 107 });
    expect(broken.lastRun.message).toMatch(/k6 exit 107/);
    const rec = l.lab.stateDir.readJson<{ logTail: string[] }>(broken.lastRun.resultsFile)!;
    expect(rec.logTail.join('\n')).toMatch(/SyntaxError: file:\/\/\/scripts\/user-script.js/);
    const nn = await l.waitStatus('no-node', finished);
    expect(nn.lastRun.outcome).toBe('Error');
    expect(nn.lastRun.message).toMatch(/^Could not start: pod lt-no-node-.* cannot be scheduled: 0\/3 nodes are available/);
    const nw = await l.waitStatus('nowhere', finished);
    expect(nw.lastRun.outcome).toBe('Failed');
    expect(nw.lastRun.http.errorRate).toBe(1);
    expect(nw.lastRun.message).toMatch(/errorRate 100% >= 1%/);
  });

  it('stress-ng asking more memory than its limit: the pod is OOMKilled (exit 137) and the run an Error naming it, with the pod\'s last log lines', async () => {
    await requestRun(l, 'oom-memory');
    const st = await l.waitStatus('oom-memory', finished);
    expect(st.lastRun).toMatchObject({ outcome: 'Error', exitCode: 137 });
    expect(st.lastRun.message).toMatch(/^pod lt-oom-memory-\S+: stress-ng was OOMKilled \(exit 137\)/);
    expect(cond(st, 'Succeeded')).toMatchObject({ status: 'False', reason: 'RunError' });
    expect(st.lastRun.logTail.join('\n')).toMatch(/lt-oom-memory-\S+: stress-ng: info: {2}\[1\] dispatching hogs: 2 vm/);
    const pods = l.cluster.store.list({ group: '', version: 'v1', resource: 'pods' }, { namespace: 'loadtest' }).items.filter((p) => p.metadata.labels?.['hostplane.dev/loadtest'] === 'oom-memory');
    expect(pods.map((p) => (p as any).status.containerStatuses[0].state.terminated)).toEqual([expect.objectContaining({ exitCode: 137, reason: 'OOMKilled' })]);
  });

  it('runPolicy OnGenerationChange runs once by itself; parallelism 2 merges the pods, percentiles labelled as the max over pods', async () => {
    const st = await l.waitStatus('parallel-on-change', finished);
    expect(st.lastRun).toMatchObject({ trigger: 'GenerationChange', generation: 1, outcome: 'Succeeded' });
    expect(st.lastRun.http.vusMax).toBe(4);
    const rec = l.lab.stateDir.readJson<any>(st.lastRun.resultsFile)!;
    expect(rec.jobs).toHaveLength(2);
    expect(rec.http.merged.pods).toBe(2);
    expect(rec.http.merged.perPod.map((p: { pod: string }) => p.pod)).toEqual(['runner-0', 'runner-1']);
    expect(rec.http.p95Ms).toBe(Math.max(...rec.http.merged.perPod.map((p: { p95Ms: number }) => p.p95Ms)));
    expect(rec.http.merged.requests).toBe(rec.http.merged.perPod.reduce((n: number, p: { requests: number }) => n + p.requests, 0));
    expect(st.runCount).toBe(1);
    expect(st.lastRun.message).toMatch(/2 pods: counts and rates summed, p95\/p99 are the maximum over the pods' own percentiles/);
  });

  it('a scaling test whose target has no HPA is not started: Ready=False/HPANotActive says why', async () => {
    const st = await l.waitStatus('redis-no-hpa', (s) => cond(s, 'Ready')?.reason === 'HPANotActive');
    expect(cond(st, 'Ready')).toMatchObject({ status: 'False', message: 'No HorizontalPodAutoscaler targets Deployment demo/redis' });
    expect(st.runCount ?? 0).toBe(0);
    expect(st.phase).toBe('Waiting');
  });

  it('spec.timeout ends a run as Error/Timeout; keepRuns 1 keeps only the newest run; cleanup Never keeps a finished run\'s Job', async () => {
    await requestRun(l, 'short-timeout');
    const first = await l.waitStatus('short-timeout', finished);
    expect(first.lastRun.outcome).toBe('Error');
    expect(cond(first, 'Succeeded')).toMatchObject({ status: 'False', reason: 'Timeout' });
    expect(first.lastRun.message).toMatch(/^Exceeded spec.timeout 10s/);
    await requestRun(l, 'short-timeout');
    const second = await l.waitStatus('short-timeout', (s) => s.runCount === 2 && finished(s));
    expect(second.runs.map((r: { id: string }) => r.id)).toEqual([second.lastRun.id]);
    expect(l.lab.stateDir.list(`records/LoadTest/short-timeout/runs`)).toEqual([`${second.lastRun.id}.json`]);

    await requestRun(l, 'keep-jobs');
    const kept = await l.waitStatus('keep-jobs', finished);
    expect(kept.lastRun.outcome).toBe('Succeeded');
    const left = l.cluster.store.list({ group: 'batch', version: 'v1', resource: 'jobs' }, { namespace: 'loadtest' }).items.filter((j) => j.metadata.labels?.['hostplane.dev/loadtest'] === 'keep-jobs');
    expect(left).toHaveLength(1);
  });
});
