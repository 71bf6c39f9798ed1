// kubectl 1.35.2 sends protobuf bodies for typed `create` (kube-api.md §9): the simulated server
// decodes Namespace/ConfigMap/Secret and answers other kinds with a clear 415.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBinaries } from '../../src/adapters/tools/test-binaries.js';
import { startSimEnv, type SimEnv } from './harness.js';

describe('kubectl 1.35.2 protobuf create bodies', () => {
  let sim: SimEnv;
  let kubectl: (...args: string[]) => ReturnType<SimEnv['run']>;

  beforeAll(async () => {
    const bin = (await testBinaries()).kubectl135;
    sim = await startSimEnv({ host: '127.0.0.11', controlPlane: false });
    kubectl = (...args) => sim.run(bin, args);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('create ns and create configmap (protobuf) are decoded and stored', async () => {
    const ns = await kubectl('create', 'ns', 'pb');
    expect(ns.stdout.trim()).toBe('namespace/pb created');
    const cm = await kubectl('create', 'configmap', 'pbcm', '-n', 'pb', '--from-literal=k=v');
    expect(cm.stdout.trim()).toBe('configmap/pbcm created');
    expect(sim.requests.some((l) => l.startsWith('POST /api/v1/namespaces/pb/configmaps') && l.includes('[application/vnd.kubernetes.protobuf]') && l.includes(' 201 '))).toBe(true);
    expect(sim.cluster.store.get({ group: '', version: 'v1', resource: 'configmaps' }, 'pb', 'pbcm')!.data).toEqual({ k: 'v' });
  });

  it('create deployment (a protobuf kind the simulator does not decode) fails with a clear 415', async () => {
    const r = await kubectl('create', 'deployment', 'web', '-n', 'pb', '--image=nginx');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('decodes protobuf bodies only for v1 Secret, ConfigMap and Namespace');
    expect(sim.requests.some((l) => l.startsWith('POST /apis/apps/v1/namespaces/pb/deployments') && l.includes(' 415 '))).toBe(true);
  });
});

describe('kubectl 1.35.2 wait (WatchList: sendInitialEvents, initial-events-end bookmark)', () => {
  let sim: SimEnv;
  let bin: string;
  beforeAll(async () => {
    bin = (await testBinaries()).kubectl135;
    sim = await startSimEnv({ host: '127.0.0.13', controlPlane: false });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('waits for a jsonpath value set after it started, and sees the namespace bootstrap objects', async () => {
    sim.cluster.store.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flag', namespace: 'default' }, data: { state: 'pending' } });
    const w = sim.start(bin, ['wait', '--for=jsonpath={.data.state}=done', 'configmap/flag', '-n', 'default', '--timeout=20s']);
    await sim.waitForRequest(/^GET \/api\/v1\/namespaces\/default\/configmaps\?.*sendInitialEvents=true.* 200 watch started/);
    sim.cluster.store.patch({ group: '', version: 'v1', resource: 'configmaps' }, 'default', 'flag', 'merge', { data: { state: 'done' } });
    const out = await w.waitFor(/condition met/);
    await w.stop();
    expect(out).toContain('configmap/flag condition met');
    const sa = await sim.run(bin, ['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']);
    expect(sa.stdout.trim()).toBe('serviceaccount/default');
    const ca = await sim.run(bin, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'default', '-o', 'jsonpath={.data.ca\\.crt}']);
    expect(ca.stdout).toBe(sim.cluster.pki.ca.certPem);
  });
});
