import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, strategicMerge } from './patch.js';
import { fieldSetOf, fromFieldsV1, serverSideApply, toFieldsV1 } from './fields.js';

const pod = (containers: unknown[], extra: Record<string, unknown> = {}) => ({ spec: { containers, ...extra } });

describe('strategic merge patch', () => {
  const cases: { name: string; original: unknown; patch: unknown; want: unknown }[] = [
    {
      name: 'merges containers by name and keeps unnamed fields',
      original: pod([{ name: 'a', image: 'x:1', args: ['1'] }, { name: 'b', image: 'y:1' }]),
      patch: { spec: { containers: [{ name: 'a', image: 'x:2' }] } },
      want: pod([{ name: 'a', image: 'x:2', args: ['1'] }, { name: 'b', image: 'y:1' }]),
    },
    {
      name: 'adds a new container at the end',
      original: pod([{ name: 'a', image: 'x' }]),
      patch: { spec: { containers: [{ name: 'c', image: 'z' }] } },
      want: pod([{ name: 'a', image: 'x' }, { name: 'c', image: 'z' }]),
    },
    {
      name: '$patch: delete removes a list element by merge key',
      original: pod([{ name: 'a' }, { name: 'b' }]),
      patch: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } },
      want: pod([{ name: 'a' }]),
    },
    {
      name: 'env merges by name; $setElementOrder reorders',
      original: pod([{ name: 'a', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }]),
      patch: { spec: { containers: [{ name: 'a', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }], env: [{ name: 'A', value: '9' }] }] } },
      want: pod([{ name: 'a', env: [{ name: 'B', value: '2' }, { name: 'A', value: '9' }] }]),
    },
    {
      name: 'volumeMounts merge by mountPath',
      original: pod([{ name: 'a', volumeMounts: [{ name: 'v', mountPath: '/a' }, { name: 'w', mountPath: '/b' }] }]),
      patch: { spec: { containers: [{ name: 'a', volumeMounts: [{ name: 'v2', mountPath: '/a' }] }] } },
      want: pod([{ name: 'a', volumeMounts: [{ name: 'v2', mountPath: '/a' }, { name: 'w', mountPath: '/b' }] }]),
    },
    {
      name: 'container ports merge by containerPort',
      original: pod([{ name: 'a', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }]),
      patch: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'web' }] }] } },
      want: pod([{ name: 'a', ports: [{ containerPort: 80, name: 'web' }, { containerPort: 443 }] }]),
    },
    {
      name: 'service ports merge by port',
      original: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      want: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
    },
    {
      name: 'tolerations have no merge key: the list is replaced',
      original: pod([], { tolerations: [{ key: 'a', operator: 'Exists' }] }),
      patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      want: pod([], { tolerations: [{ key: 'b', operator: 'Exists' }] }),
    },
    {
      name: 'null deletes a map key',
      original: { metadata: { labels: { a: '1', b: '2' } } },
      patch: { metadata: { labels: { a: null } } },
      want: { metadata: { labels: { b: '2' } } },
    },
    {
      name: 'finalizers merge as a set; $deleteFromPrimitiveList removes',
      original: { metadata: { finalizers: ['x', 'y'] } },
      patch: { metadata: { finalizers: ['z', 'x'], '$deleteFromPrimitiveList/finalizers': ['y'] } },
      want: { metadata: { finalizers: ['x', 'z'] } },
    },
    {
      name: '$patch: replace on a map replaces it',
      original: { spec: { selector: { a: '1', b: '2' } } },
      patch: { spec: { selector: { $patch: 'replace', c: '3' } } },
      want: { spec: { selector: { c: '3' } } },
    },
    {
      name: '$retainKeys drops keys not listed (strategy type change)',
      original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      want: { spec: { strategy: { type: 'Recreate' } } },
    },
    {
      name: 'imagePullSecrets merge by name',
      original: pod([], { imagePullSecrets: [{ name: 'a' }] }),
      patch: { spec: { imagePullSecrets: [{ name: 'b' }] } },
      want: pod([], { imagePullSecrets: [{ name: 'a' }, { name: 'b' }] }),
    },
  ];
  it.each(cases)('$name', ({ original, patch, want }) => {
    expect(strategicMerge(original, patch)).toEqual(want);
  });
});

describe('JSON merge patch and JSON patch', () => {
  it('merge patch replaces lists and deletes with null (RFC 7386)', () => {
    expect(applyMergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({ a: [3], b: { d: 2 } });
  });
  it('json patch test+remove of a finalizer, add at the end, and a failing test', () => {
    const doc = { metadata: { finalizers: ['x'] }, list: [1] };
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/metadata/finalizers/0', value: 'x' }, { op: 'remove', path: '/metadata/finalizers/0' }, { op: 'add', path: '/list/-', value: 2 }])).toEqual({ metadata: { finalizers: [] }, list: [1, 2] });
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }])).toThrow(/testing value 9 failed/);
    expect(doc.metadata.finalizers).toEqual(['x']);
  });
});

describe('server-side apply', () => {
  const deploy = (replicas: number, image: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas, template: { spec: { containers: [{ name: 'web', image, ...extra }] } } } });
  const T = '2026-01-01T00:00:00Z';

  const cases: { name: string; steps: { manager: string; applied: any; force?: boolean; conflict?: string[] }[]; want: any; owners?: Record<string, string[]> }[] = [
    {
      name: 'a second manager applying the same value shares the field (no conflict)',
      steps: [
        { manager: 'a', applied: deploy(2, 'x') },
        { manager: 'b', applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2 } } },
      ],
      want: deploy(2, 'x'),
    },
    {
      name: 'a different value conflicts, naming manager and field',
      steps: [
        { manager: 'a', applied: deploy(2, 'x') },
        { manager: 'b', applied: deploy(3, 'x'), conflict: ['.spec.replicas'] },
      ],
      want: deploy(2, 'x'),
    },
    {
      name: 'conflicts inside a keyed list name the element',
      steps: [
        { manager: 'a', applied: deploy(2, 'x') },
        { manager: 'b', applied: deploy(2, 'y'), conflict: ['.spec.template.spec.containers[name="web"].image'] },
      ],
      want: deploy(2, 'x'),
    },
    {
      name: 'force moves ownership and sets the value',
      steps: [
        { manager: 'a', applied: deploy(2, 'x') },
        { manager: 'b', applied: deploy(3, 'x'), force: true },
      ],
      want: deploy(3, 'x'),
    },
    {
      name: 'a field the manager stops applying is removed when nobody else owns it',
      steps: [
        { manager: 'a', applied: deploy(2, 'x', { args: ['--v'] }) },
        { manager: 'a', applied: deploy(2, 'x') },
      ],
      want: deploy(2, 'x'),
    },
    {
      name: 'a field another manager also applies stays when one stops applying it',
      steps: [
        { manager: 'a', applied: deploy(2, 'x') },
        { manager: 'b', applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2 } } },
        { manager: 'a', applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'x' }] } } } } },
      ],
      want: deploy(2, 'x'),
    },
  ];
  it.each(cases)('$name', ({ steps, want }) => {
    let live: any;
    for (const s of steps) {
      if (s.conflict) {
        let err: any;
        try {
          serverSideApply(live, s.applied, s.manager, 'apps/v1', T, { force: s.force });
        } catch (e) {
          err = e;
        }
        expect(err?.code).toBe(409);
        expect(err.details.causes.map((c: any) => c.field)).toEqual(s.conflict);
        continue;
      }
      live = serverSideApply(live, s.applied, s.manager, 'apps/v1', T, { force: s.force });
    }
    const { managedFields: _mf, ...meta } = live.metadata;
    expect({ ...live, metadata: meta }).toEqual(want);
  });

  it('field sets round-trip through FieldsV1', () => {
    const set = fieldSetOf(deploy(1, 'x', { env: [{ name: 'A', value: '1' }] }));
    const f = toFieldsV1(set);
    expect(f).toEqual({ 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } } } } } });
    expect([...fromFieldsV1(f)].sort()).toEqual([...set].sort());
  });
});
