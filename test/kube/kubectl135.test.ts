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
