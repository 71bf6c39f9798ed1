// Run requests from several callers and their abort (user trial), through the API over HTTP and the
// CLI as a process against a manager in this test process (it holds the state dir's lock as `up`
// does), on the sim host ×40. One request pends at a time: a request made while it pends joins it
// (same id, same run); none is overwritten or lost. `abort` cancels a pending request too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadtestModule } from '../../src/reconcilers/loadtest/module.js';
import { serveApi, type ServedApi } from '../../src/server/server.js';
import { runCli } from '../fixtures/cli.js';
import { CLUSTER_YAML, startLoadTestLab, type LoadTestLab } from './fixtures.js';

const LT = `apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: cpu-req
spec:
  cluster: dev
  type: cpu
  runPolicy: Manual
  keepRuns: 20
  stressNg: {workers: 1, duration: 40s}
`;
const STOPPED = 'Cluster dev is stopped (spec.powerState: Stopped); start it with `hostplane start cluster/dev`';

let l: LoadTestLab;
let api: ServedApi;
let cli: (...a: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const status = () => (l.manager.store.get('LoadTest', 'cpu-req')!.status ?? {}) as Record<string, any>;
const post = async (verb: 'run' | 'abort') => {
  const r = await fetch(`${api.url}/api/v1/loadtests/cpu-req/${verb}`, { method: 'POST' });
  return { code: r.status, body: (await r.json()) as { runRequest?: string; message: string; joined?: boolean } };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const setCluster = async (power: 'Stopped' | 'Running') => {
  l.lab.write('clusters/dev.yaml', power === 'Stopped' ? CLUSTER_YAML.replace('spec:\n', 'spec:\n  powerState: Stopped\n') : CLUSTER_YAML);
  const want = power === 'Stopped' ? 'False' : 'True';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await l.waitStatus('cpu-req', (s) => s.conditions?.some((c: any) => c.type === 'Ready' && c.status === want) && !(s.runs ?? []).some((r: any) => r.outcome === 'Running'), 30_000);
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const runFor = (request: string) => ((status().runs ?? []) as any[]).find((r) => r.request === request);

beforeAll(async () => {
  l = await startLoadTestLab({ scale: 40, presets: false, files: { 'loadtests/cpu-req.yaml': LT } });
  const m = l.manager;
  api = await serveApi(
    {
      store: m.store, registry: m.registry, events: m.events, metrics: m.metrics, specsDir: l.lab.specsDir, stateDir: l.lab.stateDir,
      reconcileNow: (k) => m.reconcileNow(k), reconcileInfo: (k) => m.reconcileInfo(k),
      hostCapacity: () => ({ cpu: 64, memoryMiB: 65536, requestedCpu: 0, requestedMemoryMiB: 0 }), secretValues: () => [], kinds: [loadtestModule],
    },
    { listen: '127.0.0.1:0' },
  );
  cli = (...a) => runCli(['--specs', l.lab.specsDir, '--state', l.lab.stateDir.root, ...a, '--api', api.url], {}, 40_000);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await l?.stop();
});

describe('LoadTest run requests', () => {
  it('run --wait that times out before its run starts says it has not started and why', async () => {
    await setCluster('Stopped');
    const r = await cli('run', 'lt/cpu-req', '--wait', '--timeout', '2');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`error: the run has not started within 2s: ${STOPPED}`);
    expect(r.stderr).not.toMatch(/did not finish/);
  }, 60_000);

  it('abort cancels a pending request (rc 0, says so), its followers end Cancelled, and it never fires', async () => {
    const waiter = cli('run', 'lt/cpu-req', '--wait', '--timeout', '30');
    await sleep(2500);
    const pending = status().pendingRunRequest as string;
    expect(pending).toBeTruthy();
    const a = await cli('abort', 'lt/cpu-req');
    expect([a.code, a.stdout.trim()]).toEqual([0, `LoadTest/cpu-req: the pending run request ${pending} is cancelled; its run will not start`]);
    const w = await waiter;
    expect(w.code).toBe(7);
    expect(w.stderr).toMatch(/was cancelled before its run started/);
    await setCluster('Running');
    await sleep(1500);
    expect([status().runCount, status().runs ?? []]).toEqual([0, []]);
    const again = await cli('abort', 'lt/cpu-req');
    expect([again.code, again.stderr.trim()]).toEqual([1, 'error: LoadTest/cpu-req has no run in progress and no run request pending']);
  }, 90_000);

  it('concurrent POST …/run while the cluster is stopped: every caller gets the same pending request, which becomes exactly one run', async () => {
    await setCluster('Stopped');
    const before = status().runCount as number;
    const answers = await Promise.all([post('run'), post('run'), post('run')]);
    await sleep(300);
    answers.push(await post('run'));
    expect(answers.map((a) => a.code)).toEqual([202, 202, 202, 202]);
    const ids = new Set(answers.map((a) => a.body.runRequest));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.body.joined)).toHaveLength(3);
    await setCluster('Running');
    const id = [...ids][0]!;
    await l.waitStatus('cpu-req', () => runFor(id)?.outcome === 'Succeeded', 30_000);
    expect(status().runCount).toBe(before + 1);
  }, 90_000);

  it('POST …/run three times 0.3 s apart on a running cluster: no request is lost, each answer names a request that gets its run', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await post('run'));
      await sleep(300);
    }
    const ids = [...new Set(answers.map((a) => a.body.runRequest!))];
    await l.waitStatus('cpu-req', () => ids.every((id) => runFor(id) && runFor(id).outcome !== 'Running'), 40_000);
    for (const id of ids) expect(runFor(id).outcome).toBe('Succeeded');
  }, 90_000);

  it('two parallel `hostplane run` processes: both name a run that happens, none says "not started yet"', async () => {
    const [a, b] = await Promise.all([cli('run', 'lt/cpu-req'), cli('run', 'lt/cpu-req')]);
    for (const r of [a, b]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^run \S+ of loadtest\/cpu-req started$/m);
      expect(r.stdout).not.toMatch(/not started yet/);
    }
    const ids = [a, b].map((r) => /^run (\S+) of/m.exec(r.stdout)![1]!);
    await l.waitStatus('cpu-req', (s) => ids.every((id) => s.runs?.some((x: { id: string; outcome: string }) => x.id === id && x.outcome === 'Succeeded')), 40_000);
  }, 90_000);
});
