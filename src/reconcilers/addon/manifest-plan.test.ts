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
    ['a duplicate', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', /^f\.yaml:5$/, /also defined at f\.yaml:1/],
  ])('reports %s with file:line', (_n, text, source, msg) => {
    const p = planManifests([{ file: 'f.yaml', text }], 'demo');
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.source).toMatch(source);
    expect(p.problems[0]!.message).toMatch(msg);
  });
});
