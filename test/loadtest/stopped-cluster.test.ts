// A LoadTest on a stopped Cluster (user trial): `hostplane stop cluster/dev` leaves the Cluster
// Ready=True (StoppedAsDesired, phase Stopped) by design, but its API server does not answer. The
// LoadTest is not Ready, says why and what to do, and a requested run waits (no Error) until the
// cluster runs again. Last, a run whose Jobs cannot be created names its id once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_YAML, requestRun, startLoadTestLab, type LoadTestLab } from './fixtures.js';

const LT = `apiVersion: hostplane.dev/v1alpha1
kind: LoadTest
metadata:
  name: cpu-short
spec:
  cluster: dev
  type: cpu
  runPolicy: Manual
  stressNg: {workers: 1, duration: 3s}
`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readyOf = (st: Record<string, any>) => (st.conditions ?? []).find((c: { type: string }) => c.type === 'Ready') as { status: string; reason: string; message: string } | undefined;

let l: LoadTestLab;
beforeAll(async () => {
  l = await startLoadTestLab({ scale: 40, presets: false, files: { 'loadtests/cpu-short.yaml': LT } });
}, 60_000);
afterAll(async () => l?.stop(), 30_000);

describe('LoadTest on a stopped Cluster', () => {
  it('a stopped cluster is not usable: Ready=False says how to start it, a requested run waits and starts once the cluster runs', async () => {
    await l.waitStatus('cpu-short', (s) => readyOf(s)?.status === 'True');
    l.lab.write('clusters/dev.yaml', CLUSTER_YAML.replace('spec:\n', 'spec:\n  powerState: Stopped\n'));
    const st = await l.waitStatus('cpu-short', (s) => readyOf(s)?.status === 'False');
    expect(l.manager.store.get('Cluster', 'dev')!.status!.phase).toBe('Stopped');
    expect(readyOf(st)).toMatchObject({ reason: 'DependencyNotReady', message: 'Cluster dev is stopped (spec.powerState: Stopped); start it with `hostplane start cluster/dev`' });
    await requestRun(l, 'cpu-short');
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = l.manager.store.get('LoadTest', 'cpu-short')!.status as Record<string, any>;
    expect([waiting.runCount, waiting.runs ?? [], waiting.phase]).toEqual([0, [], 'Waiting']);
    expect(JSON.stringify(waiting.conditions)).toMatch(/A run is due: waiting for Cluster dev is stopped/);
    l.lab.write('clusters/dev.yaml', CLUSTER_YAML);
    const ran = await l.waitStatus('cpu-short', (s) => s.lastRun && s.lastRun.outcome !== 'Running', 30_000);
    expect([ran.runCount, ran.lastRun.trigger, ran.lastRun.outcome]).toEqual([1, 'Manual', 'Succeeded']);
  }, 60_000);

  it('a run whose Jobs cannot be created is an Error that names its run id once', async () => {
    await l.cluster.stop(); // the API server goes away behind hostplane's back: ECONNREFUSED
    await requestRun(l, 'cpu-short');
    const st = await l.waitStatus('cpu-short', (s) => s.runCount === 2 && s.lastRun?.outcome === 'Error', 30_000);
    const id = st.lastRun.id as string;
    expect(st.lastRun.message).toMatch(/^Could not be created: /);
    const succeeded = (st.conditions as { type: string; message: string }[]).find((c) => c.type === 'Succeeded')!;
    expect(succeeded.message.split(id)).toHaveLength(2);
    const ev = l.manager.events.list().filter((e) => e.message.includes(id));
    expect(ev.length).toBeGreaterThan(0);
    for (const e of ev) expect(e.message.split(id)).toHaveLength(2);
  }, 60_000);
});
