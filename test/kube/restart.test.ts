// A simulated cluster with a state directory: after a restart (new process state, new port) the
// same objects and helm releases are there, and the CA (so old kubeconfigs' trust) is the same.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testBinaries } from '../../src/adapters/tools/test-binaries.js';
import { startSimEnv } from './harness.js';

describe('SimCluster state directory', () => {
  const state = mkdtempSync(join(tmpdir(), 'hostplane-kube-state-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('a restart finds the same objects, helm releases and CA', async () => {
    const { helm3 } = await testBinaries();
    const first = await startSimEnv({ host: '127.0.0.12', controlPlane: false, stateDir: state });
    const chartDir = join(first.dir, 'c');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(chartDir, 'templates'), { recursive: true });
    writeFileSync(join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: keep\nversion: 1.2.3\n');
    writeFileSync(join(chartDir, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept}\ndata: {a: "1"}\n');
    const inst = await first.run(helm3, ['install', 'keeper', chartDir, '-n', 'default']);
    expect(inst.stdout).toContain('STATUS: deployed');
    const ca1 = first.cluster.pki.ca.certPem;
    const rv1 = first.cluster.store.currentResourceVersion();
    await first.stop();
    expect(JSON.parse(readFileSync(join(state, 'objects.json'), 'utf8')).objects.some((o: any) => o.object.metadata.name === 'kept')).toBe(true);

    const second = await startSimEnv({ host: '127.0.0.12', controlPlane: false, stateDir: state });
    try {
      expect(second.cluster.pki.ca.certPem).toBe(ca1);
      expect(Number(second.cluster.store.currentResourceVersion())).toBeGreaterThanOrEqual(Number(rv1));
      const list = await second.run(helm3, ['list', '-n', 'default']);
      expect(list.stdout).toMatch(/^keeper\s+default\s+1\s+.*deployed\s+keep-1\.2\.3/m);
      expect(second.cluster.store.get({ group: '', version: 'v1', resource: 'configmaps' }, 'default', 'kept')!.data).toEqual({ a: '1' });
    } finally {
      await second.stop();
    }
  });
});
