import { describe, expect, it } from 'vitest';
import type { HostObject } from '../api/types';
import { allEdges, parentKeys } from './graph';
import { KIND_MODULES } from '../../../src/reconcilers/index';
import { parentsOf } from '../../../src/api/references';

// The rules the server serves with /api/v1/kinds (each kind module's references).
const rulesOf = (kind: string) => KIND_MODULES.find((m) => m.kind === kind)?.references ?? [];
const obj = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'hostplane.dev/v1alpha1', kind, metadata: { name }, spec }) as HostObject;

describe('dependency graph', () => {
  const objects = [
    obj('Cluster', 'dev', { controlPlane: { vm: 'dev-master' }, workers: [{ vm: 'dev-worker1' }] }),
    obj('Addon', 'cni', { cluster: 'dev' }),
    obj('LoadTest', 'smoke', { cluster: 'dev', dependsOn: ['cni'] }),
  ];

  it('draws the edges the runtime\'s dependency index uses (one reader of the references)', () => {
    for (const o of objects) expect(parentKeys(o, rulesOf)).toEqual(parentsOf(o, rulesOf(o.kind)));
    expect(allEdges(objects, rulesOf)).toEqual([
      { parent: 'VirtualMachine/dev-master', child: 'Cluster/dev' },
      { parent: 'VirtualMachine/dev-worker1', child: 'Cluster/dev' },
      { parent: 'Cluster/dev', child: 'Addon/cni' },
      { parent: 'Cluster/dev', child: 'LoadTest/smoke' },
      { parent: 'Addon/cni', child: 'LoadTest/smoke' },
    ]);
  });

  it('draws no edges for a kind the server did not describe', () => {
    expect(allEdges(objects, () => [])).toEqual([]);
  });
});
