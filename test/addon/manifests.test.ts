// Plain-manifest Addons against the simulated API server: server-side apply with field manager
// `hostplane` (Namespace first), the inventory in status, a document removed from the file is
// pruned (the file is watched), a manifest by URL comes from the chart source, bad YAML is named.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const cm = (name: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: demo\ndata:\n  k: v\n`;
const NS = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n`;

describe('plain manifests', () => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(4);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const get = (name: string) => lab.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name });

  it('applies with server-side apply, records the inventory, prunes what the file no longer holds', async () => {
    // The ConfigMaps come before their Namespace in the file: the Namespace is applied first all the same.
    lab.write('manifests/demo.yaml', cm('one') + cm('two') + '---\n' + NS);
    lab.write('specs/m.yaml', addonDoc('m', { manifests: ['manifests/demo.yaml'], namespace: 'demo' }));
    await lab.waitReady('m', 'True', 'Applied');
    const inv = (lab.addon('m')!.status as { inventory: Array<{ kind: string; name: string }> }).inventory;
    expect(inv.map((e) => `${e.kind}/${e.name}`)).toEqual(['Namespace/demo', 'ConfigMap/one', 'ConfigMap/two']);
    const one = await get('one');
    expect(JSON.stringify(one?.metadata)).toContain('hostplane');

    lab.write('manifests/demo.yaml', cm('one') + '---\n' + NS);
    await waitFor(async () => !(await get('two')), 20_000, 'ConfigMap two pruned');
    expect(await get('one')).toBeDefined();
    await waitFor(() => ((lab.addon('m')!.status as { inventory: unknown[] }).inventory.length === 2), 5_000, 'inventory of 2');

    lab.write('manifests/demo.yaml', cm('one') + '---\nkind: [\n');
    await lab.waitReady('m', 'False', 'ApplyFailed');
    expect(lab.ready('m').message).toMatch(/manifests\/demo\.yaml:\d+/);
    expect(await get('one')).toBeDefined(); // bad input leaves what runs alone

    lab.remove('specs/m.yaml');
    await waitFor(() => !lab.addon('m'), 20_000, 'Addon m gone');
    expect(await get('one')).toBeUndefined();
  }, 40_000);

  it('is not Ready until spec.healthChecks pass, and names the object it waits for', async () => {
    lab.write('manifests/h.yaml', cm('h1').replace(/demo/g, 'default'));
    lab.write('specs/h.yaml', addonDoc('h', { manifests: ['manifests/h.yaml'], healthChecks: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'made-later', namespace: 'default' }] }));
    await lab.waitReady('h', 'False', 'HealthCheckFailed');
    expect(lab.ready('h').message).toMatch(/ConfigMap\/default\/made-later not found/);
    await lab.kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-later', namespace: 'default' } });
    await lab.waitReady('h', 'True', 'Applied');
  }, 30_000);

  it('applies a manifest given by URL from the chart source, a later file overriding its StorageClass (the lab\'s local-path-provisioner)', async () => {
    lab.write('manifests/storage/default-class.yaml', readFileSync(fileURLToPath(new URL('../../manifests/storage/local-path-default-class.yaml', import.meta.url)), 'utf8'));
    // A health check on an object whose name holds ':' (metrics-server's system:… ClusterRoles).
    lab.write('manifests/storage/rbac.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:lp-reader\nrules: []\n');
    lab.write('specs/lp.yaml', addonDoc('lp', {
      manifests: ['https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.28/deploy/local-path-storage.yaml', 'manifests/storage/default-class.yaml', 'manifests/storage/rbac.yaml'],
      namespace: 'local-path-storage',
      healthChecks: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'system:lp-reader' }],
    }));
    await lab.waitReady('lp', 'True', 'Applied');
    const inv = (lab.addon('lp')!.status as { inventory: Array<{ kind: string }> }).inventory.map((e) => e.kind);
    expect(inv).toContain('Deployment');
    expect(inv.filter((k) => k === 'StorageClass')).toHaveLength(1);
    expect(lab.ready('lp').message).toMatch(/StorageClass\/local-path from manifests\/storage\/default-class\.yaml:3 \(overrides https:\/\/raw\.githubusercontent\.com\/.*local-path-storage\.yaml:\d+\)/);
    const sc = await lab.kube.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'local-path' });
    expect(sc?.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(lab.manager.events.list().some((e) => e.object === 'Addon/lp' && e.reason === 'Overridden')).toBe(true);
  }, 30_000);
});
