// The Addon's failure paths with the real helm (3.17.3 and 4.1.4): a value the chart's schema
// rejects, and a failing upgrade remediated by rollback after the configured retries. (A release
// left pending-upgrade by a killed helm: killed-helm.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const JENKINS = { repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15' };
const GATEWAY = { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'gateway', version: '1.24.2' };

describe.each([3, 4] as const)('helm %i', (major) => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(major);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const target = (ns: string, release: string) => ({ kubeconfig: lab.kubeconfig, namespace: ns, release });

  it('a value the chart rejects: Ready=False naming the value, the previous revision left running', async () => {
    lab.write('values/jenkins.yaml', 'persistence:\n  enabled: false\ncontroller:\n  admin:\n    password: s3cret-from-file\n');
    lab.write('specs/jenkins.yaml', addonDoc('jenkins', { helm: JENKINS, namespace: 'jenkins', valuesFiles: ['values/jenkins.yaml'], wait: 'none' }));
    await lab.waitReady('jenkins', 'True', 'InstallSucceeded');
    // The seed's renamed value (seed 003 BUG-006).
    lab.write('values/jenkins.yaml', 'persistence:\n  enabled: false\ncontroller:\n  adminPassword: s3cret-from-file\n');
    await lab.waitReady('jenkins', 'False', /adminPassword/);
    await lab.waitReady('jenkins', 'False', 'RetriesExceeded');
    const ready = lab.ready('jenkins');
    expect(ready.message).toMatch(/adminPassword/);
    expect(JSON.stringify(lab.addon('jenkins')!.status)).not.toContain('s3cret');
    const rel = await lab.helm.status(target('jenkins', 'jenkins'));
    expect([rel?.version, rel?.info.status]).toEqual([1, 'deployed']);
    lab.remove('specs/jenkins.yaml');
    await waitFor(() => !lab.addon('jenkins'), 20_000, 'jenkins gone');
  }, 40_000);

  it('a failing upgrade is rolled back after upgrade.remediation.retries, then stalls', async () => {
    const spec = (nodeSelector: Record<string, string>, timeout: string) =>
      addonDoc('gw', { helm: GATEWAY, namespace: 'gw', timeout, values: { nodeSelector, service: { type: 'ClusterIP' } }, upgrade: { remediation: { retries: 1 } } });
    lab.write('specs/gw.yaml', spec({}, '30s'));
    await lab.waitReady('gw', 'True', 'InstallSucceeded');
    const before = lab.writes().length;
    // No node carries this label: the new pods stay Pending, helm --wait times out, the revision fails.
    lab.write('specs/gw.yaml', spec({ 'hostplane.dev/nowhere': 'true' }, '2s'));
    await lab.waitReady('gw', 'False', 'RetriesExceeded', 40_000);
    expect(lab.writes().slice(before)).toEqual(['upgrade gw/gw FAILED', 'rollback gw/gw', 'upgrade gw/gw FAILED', 'rollback gw/gw']);
    const remediated = lab.addon('gw')!.status!.conditions!.find((c) => c.type === 'Remediated');
    expect([remediated?.status, remediated?.reason]).toEqual(['True', 'RollbackSucceeded']);
    const rel = await lab.helm.status(target('gw', 'gw'));
    expect(rel?.info.status).toBe('deployed');
    expect(lab.addon('gw')!.status!.conditions!.find((c) => c.type === 'Stalled')?.reason).toBe('RetriesExceeded');
  }, 50_000);
});
