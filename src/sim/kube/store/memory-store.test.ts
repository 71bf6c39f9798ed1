import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../controllers/clock.js';
import type { KubeObject, WatchEvent } from '../object-store.js';
import { MemoryStore } from './memory-store.js';

const deploys = { group: 'apps', version: 'v1', resource: 'deployments' };
const rsets = { group: 'apps', version: 'v1', resource: 'replicasets' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const nss = { group: '', version: 'v1', resource: 'namespaces' };
const cms = { group: '', version: 'v1', resource: 'configmaps' };

const newStore = (o: Partial<ConstructorParameters<typeof MemoryStore>[0]> = {}) => new MemoryStore({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 1, ...o });

function deployment(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'sidecar', image: 'busybox' }] } },
      ...extra,
    },
  };
}

function getStatusError(fn: () => unknown): { code: number; reason: string; message: string; details?: any } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected an error');
}

describe('MemoryStore', () => {
  it('creates with uid, generation, defaults and generateName', () => {
    const s = newStore();
    const d = s.create(deploys, deployment('web'), { fieldManager: 'kubectl-client-side-apply' });
    expect(d.metadata.uid).toMatch(/-/);
    expect(d.metadata.generation).toBe(1);
    expect((d.spec as any).replicas).toBe(1);
    expect((d.spec as any).strategy.rollingUpdate.maxSurge).toBe('25%');
    const p = s.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(getStatusError(() => s.create(deploys, deployment('web'))).reason).toBe('AlreadyExists');
    expect(getStatusError(() => s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'nope' } })).code).toBe(404);
    // names as kube-apiserver checks them per resource
    expect(s.create({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:metrics-server' } }).metadata.name).toBe('system:metrics-server');
    expect(getStatusError(() => s.create(nss, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })).message).toContain('RFC 1123 label');
    expect(getStatusError(() => s.create({ group: '', version: 'v1', resource: 'services' }, { apiVersion: 'v1', kind: 'Service', metadata: { name: '1abc', namespace: 'default' } })).message).toContain('DNS-1035 label');
    expect(getStatusError(() => s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Upper', namespace: 'default' } })).message).toContain('RFC 1123 subdomain');
  });

  it('refuses an update with a stale resourceVersion (409) and bumps generation on spec changes only', () => {
    const s = newStore();
    const d = s.create(deploys, deployment('web'));
    const d2 = s.update(deploys, { ...d, spec: { ...(d.spec as object), replicas: 3 } });
    expect(d2.metadata.generation).toBe(2);
    const d3 = s.update(deploys, { ...d2, metadata: { ...d2.metadata, labels: { a: 'b' } } });
    expect(d3.metadata.generation).toBe(2);
    const e = getStatusError(() => s.update(deploys, { ...d, spec: { ...(d.spec as object), replicas: 5 } }));
    expect([e.code, e.reason]).toEqual([409, 'Conflict']);
    // status subresource: main writes keep status; /status writes change only status
    s.update(deploys, { ...d3, status: { replicas: 3 } }, { subresource: 'status' });
    const d4 = s.update(deploys, { ...s.get(deploys, 'default', 'web')!, status: { replicas: 99 } });
    expect((d4.status as any).replicas).toBe(3);
  });

  it('applies a strategic merge patch as kubectl apply sends it', () => {
    const s = newStore();
    s.create(deploys, deployment('web'));
    const out = s.patch(deploys, 'default', 'web', 'strategic', {
      metadata: { labels: { app: null, tier: 'x' } },
      spec: { replicas: 3, template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }], image: 'nginx:1.28', name: 'web' }, { $patch: 'delete', name: 'sidecar' }] } } },
    });
    const c = (out.spec as any).template.spec.containers;
    expect(c.map((x: any) => x.name)).toEqual(['web']);
    expect(c[0].image).toBe('nginx:1.28');
    expect(c[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(out.metadata.labels).toEqual({ tier: 'x' });
  });

  it('server-side apply: conflicts with another manager, force takes ownership, dropped fields go', () => {
    const s = newStore();
    s.create(deploys, deployment('web', { replicas: 2 }), { fieldManager: 'kubectl-client-side-apply' });
    const applied = { ...deployment('web', { replicas: 4 }) };
    const e = getStatusError(() => s.patch(deploys, 'default', 'web', 'apply', applied, { fieldManager: 'kubectl' }));
    expect(e.code).toBe(409);
    expect(e.details.causes).toContainEqual({ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' });
    const forced = s.patch(deploys, 'default', 'web', 'apply', applied, { fieldManager: 'kubectl', force: true });
    expect((forced.spec as any).replicas).toBe(4);
    const mf = forced.metadata.managedFields as any[];
    expect(mf.find((m) => m.manager === 'kubectl').fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(mf.find((m) => m.manager === 'kubectl-client-side-apply')?.fieldsV1?.['f:spec']?.['f:replicas']).toBeUndefined();
    // apply a config map twice: the second drops a key the first set
    const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data });
    s.patch(cms, 'default', 'c', 'apply', cm({ a: '1', b: '2' }), { fieldManager: 'm' });
    const c2 = s.patch(cms, 'default', 'c', 'apply', cm({ a: '1' }), { fieldManager: 'm' });
    expect(c2.data).toEqual({ a: '1' });
  });

  it('watch resumes from a resourceVersion and answers 410 when history is gone', () => {
    const s = newStore({ eventHistory: 5 });
    const first = s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
    const seen: WatchEvent[] = [];
    const stop = s.watch(cms, { namespace: 'default', resourceVersion: first.metadata.resourceVersion }, (e) => seen.push(e));
    s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default' } });
    s.delete(cms, 'default', 'a');
    stop();
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b', 'DELETED a']);
    for (let i = 0; i < 10; i++) s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `x${i}`, namespace: 'default' } });
    expect(getStatusError(() => s.watch(cms, { resourceVersion: first.metadata.resourceVersion }, () => {})).code).toBe(410);
  });

  it('finalizers hold an object until removed; GC deletes dependents; namespace termination empties it', () => {
    const s = newStore();
    s.create(nss, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    const d = s.create(deploys, { ...deployment('web'), metadata: { name: 'web', namespace: 'demo' } });
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true };
    const rs = s.create(rsets, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'demo', ownerReferences: [owner] }, spec: { selector: { matchLabels: { a: 'b' } } } });
    s.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1-a', namespace: 'demo', finalizers: ['x/y'], ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata.uid! }] }, spec: { containers: [] } });
    s.delete(deploys, 'demo', 'web');
    expect(s.get(rsets, 'demo', 'web-1')).toBeUndefined();
    const p = s.get(pods, 'demo', 'web-1-a')!;
    expect(p.metadata.deletionTimestamp).toBeTruthy();
    const ns = s.delete(nss, undefined, 'demo')!;
    expect((ns.status as any).phase).toBe('Terminating');
    s.patch(pods, 'demo', 'web-1-a', 'json', [{ op: 'remove', path: '/metadata/finalizers' }]);
    expect(s.get(pods, 'demo', 'web-1-a')).toBeUndefined();
    expect(s.get(nss, undefined, 'demo')).toBeUndefined();
  });

  it('Foreground deletion waits for dependents; Orphan strips their ownerReferences', () => {
    const s = newStore();
    const d = s.create(deploys, deployment('web'));
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true };
    s.create(rsets, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default', ownerReferences: [owner], finalizers: ['hold'] }, spec: { selector: { matchLabels: { a: 'b' } } } });
    const seen: string[] = [];
    s.watch(deploys, { namespace: 'default', resourceVersion: s.currentResourceVersion() }, (e) => seen.push(`${e.type} ${e.object.metadata.finalizers?.join(',') ?? ''}`));
    const pending = s.delete(deploys, 'default', 'web', { propagationPolicy: 'Foreground' })!;
    expect(pending.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(s.get(rsets, 'default', 'web-1')!.metadata.deletionTimestamp).toBeTruthy();
    s.patch(rsets, 'default', 'web-1', 'merge', { metadata: { finalizers: null } });
    expect(s.get(rsets, 'default', 'web-1')).toBeUndefined();
    expect(s.get(deploys, 'default', 'web')).toBeUndefined();
    expect(seen).toEqual(['MODIFIED foregroundDeletion', 'MODIFIED ', 'DELETED ']);

    const d2 = s.create(deploys, deployment('api'));
    s.create(rsets, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'api-1', namespace: 'default', ownerReferences: [{ ...owner, name: 'api', uid: d2.metadata.uid! }] }, spec: { selector: { matchLabels: { a: 'b' } } } });
    s.delete(deploys, 'default', 'api', { propagationPolicy: 'Orphan' });
    const orphan = s.get(rsets, 'default', 'api-1')!;
    expect(orphan.metadata.ownerReferences).toBeUndefined();
  });

  it('a watch with a label selector sees an object leave and enter the selection as DELETED/ADDED', () => {
    const s = newStore();
    s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', labels: { on: 'yes' } } });
    const seen: string[] = [];
    s.watch(cms, { namespace: 'default', labelSelector: 'on=yes', resourceVersion: s.currentResourceVersion() }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    s.patch(cms, 'default', 'a', 'merge', { metadata: { labels: { on: 'no' } } });
    s.patch(cms, 'default', 'a', 'merge', { metadata: { labels: { on: 'yes' } } });
    s.patch(cms, 'default', 'a', 'merge', { data: { x: '1' } });
    expect(seen).toEqual(['DELETED a', 'ADDED a', 'MODIFIED a']);
  });

  it('serves a CRD\'s resource at once and validates its objects: schema, CEL rules, defaults', () => {
    const s = newStore();
    const crds = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
    const crd = s.create(crds, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
        versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }], properties: { min: { type: 'integer' }, max: { type: 'integer' }, color: { type: 'string', default: 'blue' } } } } } } }],
      },
    });
    expect((crd.status as any).conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    const widgets = { group: 'example.com', version: 'v1', resource: 'widgets' };
    const w = s.create(widgets, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { min: 1, max: 2 } });
    expect(w.spec).toEqual({ min: 1, max: 2, color: 'blue' });
    const bad = getStatusError(() => s.create(widgets, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'v', namespace: 'default' }, spec: { min: 3, max: 2 } }));
    expect([bad.code, bad.reason]).toEqual([422, 'Invalid']);
    expect(bad.message).toBe('Widget.example.com "v" is invalid: spec: Invalid value: "object": min must not exceed max');
    expect(getStatusError(() => s.patch(widgets, 'default', 'w', 'strategic', { spec: { min: 0 } })).code).toBe(415);
    s.delete(crds, undefined, 'widgets.example.com');
    expect(s.registry.find(widgets)).toBeUndefined();
  });

  it('binds an unbound pod to a node once (pods/binding)', () => {
    const s = newStore();
    s.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const bound = s.bind('default', 'p', 'node-1');
    expect((bound.spec as any).nodeName).toBe('node-1');
    expect((bound.status as any).conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const again = getStatusError(() => s.bind('default', 'p', 'node-2'));
    expect([again.code, again.reason]).toEqual([409, 'Conflict']);
    expect(again.message).toContain('already assigned to node "node-1"');
  });

  it('refuses updates a kind does not allow: pod spec, workload selector, service cluster IP, immutable ConfigMap', () => {
    const s = newStore();
    s.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });
    expect((s.patch(pods, 'default', 'p', 'strategic', { spec: { containers: [{ name: 'c', image: 'x:2' }] } }).spec as any).containers[0].image).toBe('x:2');
    const pe = getStatusError(() => s.patch(pods, 'default', 'p', 'strategic', { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }] }] } }));
    expect([pe.code, pe.reason]).toEqual([422, 'Invalid']);
    expect(pe.message).toContain('Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`');
    s.create(deploys, deployment('web'));
    const de = getStatusError(() => s.patch(deploys, 'default', 'web', 'merge', { spec: { selector: { matchLabels: { app: 'other' } } } }));
    expect(de.message).toContain('spec.selector: Invalid value: {"matchLabels":{"app":"other"}}: field is immutable');
    const svcs = { group: '', version: 'v1', resource: 'services' };
    const svc = s.create(svcs, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    expect(getStatusError(() => s.patch(svcs, 'default', 'svc', 'merge', { spec: { clusterIP: '10.96.9.9' } })).message).toContain('may not change once set');
    expect((s.patch(svcs, 'default', 'svc', 'merge', { spec: { ports: [{ port: 81 }] } }).spec as any).clusterIP).toBe((svc.spec as any).clusterIP);
    s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen', namespace: 'default' }, data: { a: '1' }, immutable: true });
    expect(getStatusError(() => s.patch(cms, 'default', 'frozen', 'merge', { data: { a: '2' } })).message).toContain('data: Forbidden: field is immutable when `immutable` is set');
  });

  it('pages a list with limit/continue and filters by label and field selectors', () => {
    const s = newStore();
    for (let i = 0; i < 7; i++) s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'default', labels: { n: String(i % 2) } } });
    const names: string[] = [];
    let cont: string | undefined;
    for (let page = 0; page < 10; page++) {
      const l = s.list(cms, { namespace: 'default', limit: 3, continue: cont });
      names.push(...l.items.map((o) => o.metadata.name!));
      cont = l.continue;
      if (!cont) break;
    }
    expect(names).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(s.list(cms, { labelSelector: 'n=1' }).items.map((o) => o.metadata.name)).toEqual(['c1', 'c3', 'c5']);
    expect(s.list(cms, { labelSelector: 'n in (0),n!=2' }).items).toHaveLength(4);
    expect(s.list(cms, { fieldSelector: 'metadata.name=c3' }).items).toHaveLength(1);
  });

  it('refuses creates beyond the object quota with 403', () => {
    const s = newStore({ maxObjectsPerResource: 4 });
    for (const n of ['a', 'b', 'c0', 'd']) s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default' } });
    const e = getStatusError(() => s.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));
    expect([e.code, e.reason]).toEqual([403, 'Forbidden']);
    expect(e.message).toContain('exceeded quota');
  });
});
