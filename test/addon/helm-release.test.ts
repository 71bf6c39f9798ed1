// The Addon kind end to end with the real helm (3.17.3 and 4.1.4) against the simulated API
// server: install, an upgrade when a values file is saved, delete → uninstall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const GATEWAY = { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'gateway', version: '1.24.2', releaseName: 'ingress' };

describe.each([3, 4] as const)('helm %i', (major) => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(major);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('installs the chart with the values file, upgrades when the file is saved, uninstalls on delete', async () => {
    lab.write('values/gw.yaml', 'service:\n  type: NodePort\n');
    lab.write('specs/gw.yaml', addonDoc('gw', { helm: GATEWAY, namespace: 'istio-ingress', valuesFiles: ['values/gw.yaml'], timeout: '30s' }));
    await lab.waitReady('gw', 'True', 'InstallSucceeded');
    const st = lab.addon('gw')!.status as Record<string, unknown>;
    expect(st).toMatchObject({ releaseName: 'ingress', chartVersion: '1.24.2', releaseRevision: 1, helmVersion: String(major), lastAttemptedConfigDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(JSON.stringify(st)).not.toContain('NodePort'); // values never in status
    const rel = await lab.helm.status({ kubeconfig: lab.kubeconfig, namespace: 'istio-ingress', release: 'ingress' });
    expect(rel?.info.status).toBe('deployed');
    const installArgs = lab.helm.log.calls.find((c) => c.command === 'upgrade')!.args;
    expect(installArgs).toContain(major === 4 ? '--wait=watcher' : '--wait');
    expect(installArgs.join(' ')).not.toMatch(/--atomic|--rollback-on-failure/);

    const digest = st.lastAttemptedConfigDigest;
    lab.write('values/gw.yaml', 'service:\n  type: ClusterIP\n');
    await waitFor(() => (lab.addon('gw')!.status as { releaseRevision?: number }).releaseRevision === 2 && lab.ready('gw').status === 'True', 20_000, 'revision 2 after the values file was saved');
    expect(lab.ready('gw').reason).toBe('UpgradeSucceeded');
    expect((lab.addon('gw')!.status as Record<string, unknown>).lastAttemptedConfigDigest).not.toBe(digest);
    const svc = await lab.kube.get({ apiVersion: 'v1', kind: 'Service', namespace: 'istio-ingress', name: 'ingress' });
    expect((svc?.spec as { type?: string }).type).toBe('ClusterIP');

    lab.remove('specs/gw.yaml');
    await waitFor(() => !lab.addon('gw'), 20_000, 'the Addon gone');
    expect(await lab.helm.status({ kubeconfig: lab.kubeconfig, namespace: 'istio-ingress', release: 'ingress' })).toBeUndefined();
    expect(lab.writes()).toEqual(['upgrade istio-ingress/ingress', 'upgrade istio-ingress/ingress', 'uninstall istio-ingress/ingress']);
  }, 45_000);

  it('takes values from a hostplane secret (valuesFrom) and never shows them in status or events', async () => {
    lab.secrets.map['gw-labels'] = 'labels:\n  owner-token: tok-9f8e7d\nservice:\n  type: ClusterIP\n';
    lab.write('specs/sec.yaml', addonDoc('sec', { helm: GATEWAY, namespace: 'sec', valuesFrom: [{ secret: 'gw-labels' }], timeout: '30s' }));
    await lab.waitReady('sec', 'True', 'InstallSucceeded');
    const v = await lab.helm.getValues({ kubeconfig: lab.kubeconfig, namespace: 'sec', release: 'ingress' });
    expect((v.labels as Record<string, string>)['owner-token']).toBe('tok-9f8e7d');
    expect(JSON.stringify(lab.addon('sec')!.status)).not.toContain('tok-9f8e7d');
    expect(JSON.stringify(lab.manager.events.list())).not.toContain('tok-9f8e7d');
    expect(JSON.stringify(lab.helm.log.calls)).not.toContain('tok-9f8e7d');
  }, 30_000);
});
