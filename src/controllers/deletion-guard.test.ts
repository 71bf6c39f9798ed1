import { describe, expect, it } from 'vitest';
import type { ReferenceRule } from '../api/references.js';
import { deletionBatchReason } from './deletion-guard.js';

const obj = (kind: string, name: string, spec: Record<string, unknown> = {}) => ({ kind, metadata: { name }, spec }) as never;
const vms = (...names: string[]) => names.map((n) => obj('VirtualMachine', n));
const lts = (n: number) => Array.from({ length: n }, (_, i) => obj('LoadTest', `lt-${i}`));
const rules = (kind: string): readonly ReferenceRule[] =>
  kind === 'Cluster' ? [{ path: 'spec.controlPlane.vm', kind: 'VirtualMachine' }, { path: 'spec.workers[].vm', kind: 'VirtualMachine' }] : [];
const dev = obj('Cluster', 'dev', { controlPlane: { vm: 'dev-master' }, workers: [{ vm: 'dev-worker1' }] });

describe('deletionBatchReason', () => {
  it.each([
    // what, pending, staying, expected reason (undefined: may go ahead)
    ['two of ten VMs, nothing uses them', vms('a', 'b'), [...vms('c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')], undefined],
    ['every VM of the lab although they are few of all objects (a moved vms file)', vms('a', 'b'), lts(13), /all 2 VirtualMachine objects/],
    ['the only object of one kind among many others', vms('a'), lts(13), undefined],
    ['a VM a staying Cluster uses as its control plane', vms('dev-master'), [...vms('x', 'y'), dev, ...lts(5)], /VirtualMachine\/dev-master would be deleted while Cluster\/dev still uses it \(spec\.controlPlane\.vm\)/],
    ['a worker VM a staying Cluster uses', vms('dev-worker1'), [...vms('x', 'y'), dev, ...lts(5)], /Cluster\/dev still uses it \(spec\.workers\[0\]\.vm\)/],
    ['a VM whose Cluster goes in the same change', [...vms('dev-master'), dev], [...vms('x', 'y'), ...lts(5)], undefined],
    ['more than half of all objects', vms('a', 'b', 'c'), vms('d', 'e'), /3 of 5 objects/],
    ['nothing pending', [], vms('a'), undefined],
    ['an Addon another staying Addon depends on (Addon deletion waits for its dependants by itself)', [obj('Addon', 'first')], [obj('Addon', 'second', { dependsOn: ['first'] }), ...lts(5)], undefined],
  ] as const)('%s', (_what, pending, staying, want) => {
    const addonRules = (kind: string): readonly ReferenceRule[] => (kind === 'Addon' ? [{ path: 'spec.dependsOn[]', kind: 'Addon' }] : rules(kind));
    const reason = deletionBatchReason({ pending, staying, referenceRules: addonRules, waitsForReferrers: (kind) => kind === 'Addon' || kind === 'Cluster' });
    if (want === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(want);
  });
});
