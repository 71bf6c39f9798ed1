import { describe, expect, it } from 'vitest';
import { planManifests, type InventoryEntry } from './manifest-plan.js';

const demo = {
  file: 'manifests/demo/nginx-web.yaml',
  text: `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-web}
---
apiVersion: v1
kind: Service
metadata: {name: nginx-web, namespace: web}
---
`,
};
const ns = { file: 'manifests/demo/00-namespace.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n' };
const policies = {
  file: 'manifests/network-policies/crd-and-policy.yaml',
  text: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: default-deny}
spec: {endpointSelector: {}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ciliumnetworkpolicies.cilium.io}
`,
};
const names = (xs: { entry?: InventoryEntry; kind?: string }[]) => xs.map((x) => { const e = (x.entry ?? x) as InventoryEntry; return `${e.kind}/${e.namespace ? `${e.namespace}/` : ''}${e.name}`; });

describe('manifest plan', () => {
  it('applies Namespaces, then CRDs, then the rest in file order, with the default namespace filled in', () => {
    const p = planManifests([demo, policies, ns], 'demo');
    expect(p.problems).toEqual([]);
    expect(names(p.apply)).toEqual(['Namespace/demo', 'CustomResourceDefinition/ciliumnetworkpolicies.cilium.io', 'Deployment/demo/nginx-web', 'Service/web/nginx-web', 'CiliumNetworkPolicy/demo/default-deny']);
    expect((p.apply[2]!.object.metadata as { namespace: string }).namespace).toBe('demo');
    expect(p.apply[2]!.source).toBe('manifests/demo/nginx-web.yaml:1');
    expect(p.apply[3]!.source).toBe('manifests/demo/nginx-web.yaml:5');
  });

  it('prunes what an earlier generation applied and the files no longer hold: objects, then CRDs, then Namespaces', () => {
    const previous: InventoryEntry[] = [
      { apiVersion: 'v1', kind: 'Namespace', name: 'old' },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'olds.example.io' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'demo', name: 'nginx-web' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'demo', name: 'httpbin' },
    ];
    expect(names(planManifests([demo], 'demo', previous).prune)).toEqual(['Deployment/demo/httpbin', 'CustomResourceDefinition/olds.example.io', 'Namespace/old']);
  });

  it('the same name in another API group is a different object', () => {
    const previous: InventoryEntry[] = [{ apiVersion: 'extensions/v1beta1', kind: 'Deployment', namespace: 'demo', name: 'nginx-web' }];
    expect(planManifests([demo], 'demo', previous).prune).toHaveLength(1);
    expect(planManifests([demo], 'demo', [{ apiVersion: 'apps/v1beta2', kind: 'Deployment', namespace: 'demo', name: 'nginx-web' }]).prune).toHaveLength(0);
  });

  it.each([
    ['invalid YAML', 'apiVersion: v1\nkind: [ConfigMap\n', /^f\.yaml:\d+$/, /not valid YAML/],
    ['a missing name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', /^f\.yaml:1$/, /needs apiVersion, kind and metadata\.name/],
    ['a list document', '- a\n- b\n', /^f\.yaml:1$/, /must be a mapping/],
    ['kind List', 'apiVersion: v1\nkind: List\nitems: []\n', /^f\.yaml:1$/, /not supported/],
    ['a duplicate inside one file', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', /^f\.yaml:5$/, /also defined at f\.yaml:1 \(the same file\)/],
  ])('reports %s with file:line', (_n, text, source, msg) => {
    const p = planManifests([{ file: 'f.yaml', text }], 'demo');
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.source).toMatch(source);
    expect(p.problems[0]!.message).toMatch(msg);
  });

  it('an object a later source redefines is applied once, from the later source in spec order, and the override is named', () => {
    const upstream = { file: 'https://example.org/local-path-storage.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: local-path-storage}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local-path}\nprovisioner: rancher.io/local-path\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: local-path-provisioner, namespace: local-path-storage}\n' };
    const override = { file: 'manifests/storage/local-path-default-class.yaml', text: 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local-path\n  annotations: {storageclass.kubernetes.io/is-default-class: "true"}\nprovisioner: rancher.io/local-path\n' };
    const p = planManifests([upstream, override], 'default');
    expect(p.problems).toEqual([]);
    expect(names(p.apply)).toEqual(['Namespace/local-path-storage', 'Deployment/local-path-storage/local-path-provisioner', 'StorageClass/local-path']);
    const sc = p.apply.find((x) => x.entry.kind === 'StorageClass')!;
    expect(sc.source).toBe('manifests/storage/local-path-default-class.yaml:1');
    expect((sc.object.metadata as { annotations?: Record<string, string> }).annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(p.overrides).toEqual([{ entry: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'local-path' }, source: 'manifests/storage/local-path-default-class.yaml:1', overridden: 'https://example.org/local-path-storage.yaml:5' }]);
    expect(names(p.inventory as never)).toEqual(names(p.apply));
    // in the other order the upstream definition wins
    const q = planManifests([override, upstream], 'default');
    expect(q.apply.find((x) => x.entry.kind === 'StorageClass')!.source).toBe('https://example.org/local-path-storage.yaml:5');
  });
});
