// Ordering and drift with the real helm (3.17.3 and 4.1.4): dependsOn order in the helm call log,
// a dependsOn cycle refused with the cycle named, deletion in reverse dependency order, and drift
// corrected (driftDetection enabled) or only reported (warn).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/wait-for.js';
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
  const serviceType = async (ns: string, name: string) => ((await lab.kube.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name }))?.spec as { type?: string } | undefined)?.type;

  it('installs in dependsOn order, refuses a cycle, deletes in reverse order', async () => {
    lab.write('specs/second.yaml', addonDoc('second', { helm: GATEWAY, namespace: 'second', values: CLUSTER_IP, timeout: '30s', dependsOn: ['first'] }));
    lab.write('specs/first.yaml', addonDoc('first', { helm: GATEWAY, namespace: 'first', values: CLUSTER_IP, timeout: '30s' }));
    lab.write('specs/cycle.yaml', addonDoc('c1', { helm: GATEWAY, namespace: 'c1', dependsOn: ['c2'] }) + addonDoc('c2', { helm: GATEWAY, namespace: 'c2', dependsOn: ['c1'] }));
    await lab.waitReady('second', 'True');
    await lab.waitReady('c1', 'False', 'DependencyCycle');
    expect(lab.ready('c1').message).toMatch(/c1 → c2 → c1/);
    expect(lab.addon('c2')!.status!.conditions!.find((c) => c.type === 'Stalled')?.reason).toBe('DependencyCycle');
    expect(lab.writes()).toEqual(['upgrade first/first', 'upgrade second/second']);

    lab.remove('specs/cycle.yaml');
    await waitFor(() => !lab.addon('c1') && !lab.addon('c2'), 20_000, 'the cycle gone');
    // first goes while second still depends on it: it waits.
    lab.remove('specs/first.yaml');
    await waitFor(() => lab.addon('first')?.status?.phase === 'Deleting', 20_000, 'first Deleting');
    expect(lab.ready('first').message).toMatch(/dependants are gone: second/);
    lab.remove('specs/second.yaml');
    await waitFor(() => !lab.addon('first') && !lab.addon('second'), 30_000, 'both gone');
    expect(lab.writes().slice(2)).toEqual(['uninstall second/second', 'uninstall first/first']);
  }, 50_000);

  it('corrects drift when enabled; in warn mode only reports it', async () => {
    const doc = (name: string, mode: string) => addonDoc(name, { helm: GATEWAY, namespace: name, values: CLUSTER_IP, timeout: '30s', interval: '1s', driftDetection: { mode, ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }] } });
    lab.write('specs/drift.yaml', doc('fix', 'enabled') + doc('warn', 'warn'));
    await lab.waitReady('fix', 'True');
    await lab.waitReady('warn', 'True');
    expect(lab.addon('fix')!.status!.conditions!.find((c) => c.type === 'Drifted')?.reason).toBe('NoDriftDetected');
    for (const ns of ['fix', 'warn']) await lab.kube.mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: ns }, { spec: { type: 'NodePort' } });
    await waitFor(async () => (await serviceType('fix', 'fix')) === 'ClusterIP', 20_000, 'drift in fix corrected');
    await lab.waitReady('warn', 'False', 'DriftDetected');
    expect(lab.ready('warn').message).toMatch(/Service\/warn\/warn \/spec\/type/);
    expect(await serviceType('warn', 'warn')).toBe('NodePort');
    expect(lab.manager.events.list().filter((e) => e.object === 'Addon/fix').map((e) => e.reason)).toContain('DriftCorrected');
    await lab.waitReady('fix', 'True');
  }, 50_000);
});
