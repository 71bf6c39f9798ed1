import { describe, expect, it } from 'vitest';
import { detectDrift, parseManifests, type Manifest } from './drift.js';

// Shaped like `helm get manifest` output: "---" separators, "# Source:" comments, an empty document.
const manifest = `---
# Source: demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-web
  labels: {app: nginx-web}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          resources: {requests: {cpu: 100m}}
---
# Source: demo/templates/empty.yaml
---
# Source: demo/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
`;
const desired = parseManifests(manifest);
const liveDeployment = (over: { replicas?: number; image?: string; labels?: Record<string, string> } = {}): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-web', namespace: 'demo', labels: over.labels ?? { app: 'nginx-web' }, uid: 'u1', resourceVersion: '7' },
  spec: {
    replicas: over.replicas ?? 3,
    strategy: { type: 'RollingUpdate' },
    template: { spec: { containers: [{ name: 'nginx', image: over.image ?? 'nginx:1.27', imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '100m' } } }] } },
  },
  status: { replicas: 3 },
});
const liveSecret: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'demo' }, stringData: { password: 'hunter2' } };
const liveRole: Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };

describe('drift detection', () => {
  it('parses helm get manifest, dropping empty documents', () => {
    expect(desired.map((d) => d.kind)).toEqual(['Deployment', 'Secret', 'ClusterRole']);
  });

  it.each([
    ['server-added fields and status are not drift', [liveDeployment(), liveSecret, liveRole], [], []],
    ['replicas changed', [liveDeployment({ replicas: 7 }), liveSecret, liveRole], [], ['Deployment/demo/nginx-web /spec/replicas']],
    ['replicas changed under an HPA ignore rule', [liveDeployment({ replicas: 7 }), liveSecret, liveRole], [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }], []],
    ['an ignore rule for another kind does not apply', [liveDeployment({ replicas: 7 }), liveSecret, liveRole], [{ paths: ['/spec/replicas'], target: { kind: 'StatefulSet' } }], ['Deployment/demo/nginx-web /spec/replicas']],
    ['an image changed inside a list element', [liveDeployment({ image: 'nginx:1.25' }), liveSecret, liveRole], [], ['Deployment/demo/nginx-web /spec/template/spec/containers/0/image']],
    ['a label removed', [liveDeployment({ labels: {} }), liveSecret, liveRole], [], ['Deployment/demo/nginx-web /metadata/labels/app']],
    ['a deleted object is missing', [liveDeployment(), liveRole], [], ['Secret/demo/creds missing']],
    ['a cluster-scoped object is matched without a namespace', [liveDeployment(), liveSecret, { ...liveRole, rules: [] }], [], ['ClusterRole/reader /rules']],
  ])('%s', (_n, live, ignore, want) => {
    const r = detectDrift({ desired, live, defaultNamespace: 'demo', ignore });
    expect(r.objects.map((o) => (o.type === 'missing' ? `${o.ref} missing` : `${o.ref} ${o.fields.map((f) => f.path).join(',')}`))).toEqual(want);
    expect(r.drifted).toBe(want.length > 0);
  });

  it('reports desired and live values, masked for Secrets', () => {
    const r = detectDrift({ desired, live: [liveDeployment({ replicas: 5 }), { ...liveSecret, stringData: { password: 'changed' } }, liveRole], defaultNamespace: 'demo' });
    expect(r.objects[0]!.fields).toEqual([{ path: '/spec/replicas', desired: 3, live: 5 }]);
    expect(r.objects[1]!.fields).toEqual([{ path: '/stringData/password', desired: '***', live: '***' }]);
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(r.summary).toBe('Deployment/demo/nginx-web /spec/replicas; Secret/demo/creds /stringData/password');
  });

  it('decodes ~1 in pointers (annotation keys with slashes)', () => {
    const d: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'a.io/x': '1' } } };
    const l: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', annotations: { 'a.io/x': '2' } } };
    expect(detectDrift({ desired: [d], live: [l], defaultNamespace: 'n' }).objects[0]!.fields[0]!.path).toBe('/metadata/annotations/a.io~1x');
    expect(detectDrift({ desired: [d], live: [l], defaultNamespace: 'n', ignore: [{ paths: ['/metadata/annotations/a.io~1x'] }] }).drifted).toBe(false);
  });
});
