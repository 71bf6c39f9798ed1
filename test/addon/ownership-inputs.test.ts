// Ownership and bad input with the real helm (3.17.3 and 4.1.4): a release of the same name that
// hostplane did not install is left alone (NameConflict) unless spec.adopt (helm --take-ownership);
// a missing or unparsable values file and a chart version that does not exist are Ready=False
// naming the file:line or the chart, with the running release left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const GATEWAY = { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'gateway', version: '1.24.2' };
const CLUSTER_IP = { service: { type: 'ClusterIP' } };

describe.each([3, 4] as const)('helm %i', (major) => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(major);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const target = (ns: string, release: string) => ({ kubeconfig: lab.kubeconfig, namespace: ns, release });

  it('leaves a release hostplane did not install alone (NameConflict); adopts it with spec.adopt', async () => {
    const chart = await lab.manager.opts.ports.kubernetes.charts.resolve(GATEWAY);
    await lab.helm.upgradeInstall(target('other', 'other'), chart, { values: CLUSTER_IP, createNamespace: true, timeoutMs: 30_000 });
    // The adopting spec changes a value (so adoption is an upgrade) but not the selector labels,
    // which a Deployment never lets change (the API server refuses it, as a real one does).
    const doc = (adopt: boolean) => addonDoc('other', { helm: GATEWAY, namespace: 'other', values: { ...CLUSTER_IP, service: { ...CLUSTER_IP.service, annotations: { by: 'hostplane' } } }, timeout: '30s', adopt });
    lab.write('specs/other.yaml', doc(false));
    await lab.waitReady('other', 'False', 'NameConflict');
    expect(lab.ready('other').message).toMatch(/did not install.*spec\.adopt/);
    expect((await lab.helm.history(target('other', 'other'))).length).toBe(1);

    lab.write('specs/other.yaml', doc(true));
    await lab.waitReady('other', 'True', 'UpgradeSucceeded');
    const upgrade = lab.helm.log.calls.filter((c) => c.command === 'upgrade').at(-1)!;
    expect(upgrade.args).toContain('--take-ownership');
    expect((await lab.helm.history(target('other', 'other'))).map((h) => h.status)).toEqual(['superseded', 'deployed']);
  }, 40_000);

  it('names a missing values file, an unparsable one (file:line) and a missing chart version; the release keeps running', async () => {
    lab.write('values/ok.yaml', 'service:\n  type: ClusterIP\n');
    const doc = (files: string[], version = GATEWAY.version) => addonDoc('bad', { helm: { ...GATEWAY, version }, namespace: 'bad', valuesFiles: files, timeout: '30s' });
    lab.write('specs/bad.yaml', doc(['values/ok.yaml']));
    await lab.waitReady('bad', 'True');
    const writes = lab.writes().length;

    lab.write('specs/bad.yaml', doc(['values/ok.yaml', 'values/missing.yaml']));
    await lab.waitReady('bad', 'False', 'ValuesInvalid');
    expect(lab.ready('bad').message).toMatch(/spec\.valuesFiles\[1\]: values\/missing\.yaml: the values file does not exist/);

    lab.write('values/missing.yaml', 'service:\n  type: [ClusterIP\n');
    await lab.waitReady('bad', 'False', /values\/missing\.yaml:\d+:\d+: not valid YAML/);

    lab.write('specs/bad.yaml', doc(['values/ok.yaml'], '9.9.9'));
    await lab.waitReady('bad', 'False', 'ArtifactFailed');
    expect(lab.ready('bad').message).toMatch(/gateway/);
    expect(lab.ready('bad').message).toMatch(/9\.9\.9/);

    expect(lab.writes().length).toBe(writes); // no helm write for bad input
    expect((await lab.helm.status(target('bad', 'bad')))?.info.status).toBe('deployed');
    lab.write('specs/bad.yaml', doc(['values/ok.yaml']));
    await lab.waitReady('bad', 'True');
    expect(lab.writes().length).toBe(writes); // back to the deployed inputs: in sync, nothing to do
  }, 40_000);
});
