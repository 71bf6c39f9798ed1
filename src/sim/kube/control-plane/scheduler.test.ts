import { afterEach, describe, expect, it } from 'vitest';
import { failedSchedulingMessage, fitsNode, tolerates } from './scheduler.js';
import { cond, deployment, makeSim, nodeReady, type Sim } from './testing/harness.js';
import type { Obj } from './util.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

const node = (extra: Partial<{ taints: unknown[]; unschedulable: boolean; labels: Record<string, string>; cpu: string }> = {}): Obj => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: extra.labels ?? {} },
  spec: { taints: extra.taints, unschedulable: extra.unschedulable },
  status: { allocatable: { cpu: extra.cpu ?? '2', memory: '4Gi', pods: '110' } },
});
const podWith = (spec: Record<string, unknown>): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }], ...spec } });
const none = { cpuMilli: 0, memory: 0, pods: 0 };

describe('scheduler filters', () => {
  it.each([
    ['fits an empty node', node(), podWith({}), none, true, []],
    ['cordoned node', node({ unschedulable: true }), podWith({}), none, false, ['node(s) were unschedulable']],
    ['nodeSelector mismatch', node({ labels: { disk: 'hdd' } }), podWith({ nodeSelector: { disk: 'ssd' } }), none, false, ["node(s) didn't match Pod's node affinity/selector"]],
    ['control-plane taint', node({ taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }), podWith({}), none, false, ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']],
    ['tolerated taint', node({ taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }), podWith({ tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }), none, true, []],
    ['PreferNoSchedule is not a filter', node({ taints: [{ key: 'x', value: 'y', effect: 'PreferNoSchedule' }] }), podWith({}), none, true, []],
    ['insufficient cpu', node({ cpu: '1' }), podWith({}), { cpuMilli: 600, memory: 0, pods: 1 }, false, ['Insufficient cpu']],
  ])('%s', (_n, n, p, use, fits, reasons) => {
    expect(fitsNode(p, n, use)).toEqual({ fits, reasons });
  });

  it.each([
    [[{ operator: 'Exists' }], { key: 'a', effect: 'NoSchedule' }, true],
    [[{ key: 'a', operator: 'Equal', value: 'b' }], { key: 'a', value: 'b', effect: 'NoExecute' }, true],
    [[{ key: 'a', operator: 'Equal', value: 'c' }], { key: 'a', value: 'b', effect: 'NoExecute' }, false],
    [[{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }], { key: 'a', effect: 'NoExecute' }, false],
  ])('toleration %j vs taint %j → %s', (tols, taint, want) => {
    expect(tolerates(tols, taint)).toBe(want);
  });

  it('words the FailedScheduling message as kube-scheduler does', () => {
    const m = new Map([['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }', 1], ['Insufficient cpu', 1]]);
    expect(failedSchedulingMessage(2, m, true)).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
    expect(failedSchedulingMessage(0, new Map())).toBe('no nodes available to schedule pods');
  });
});

describe('scheduler in the cluster', () => {
  it('leaves a pod that fits nowhere Pending with PodScheduled=False and a FailedScheduling event, then places it when a node is uncordoned', () => {
    sim = makeSim();
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    const w = sim.get('nodes', undefined, 'worker1')!;
    sim.store.update({ group: '', version: 'v1', resource: 'nodes' }, { ...w, spec: { ...w.spec, unschedulable: true } });
    sim.apply('deployments', deployment('web', 1));
    sim.clock.advance(5000);
    const [p] = sim.list('pods', 'default');
    expect(p.spec.nodeName).toBeUndefined();
    const sc = p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled');
    expect(sc).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(sc.message).toBe('0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    expect(sim.events('FailedScheduling')[0]).toMatchObject({ type: 'Warning', source: { component: 'default-scheduler' }, message: sc.message });
    const w2 = sim.get('nodes', undefined, 'worker1')!;
    sim.store.update({ group: '', version: 'v1', resource: 'nodes' }, { ...w2, spec: { ...w2.spec, unschedulable: false } });
    sim.until(() => cond(sim!.get('deployments', 'default', 'web'), 'Available') === 'True');
    expect(sim.list('pods', 'default')[0].spec.nodeName).toBe('worker1');
    expect(sim.events('Scheduled')[0].message).toMatch(/^Successfully assigned default\/web-[a-z0-9]+-[a-z0-9]{5} to worker1$/);
  });

  it('counts requests against allocatable', () => {
    sim = makeSim({ nodeCpu: 1 });
    sim.apply('deployments', deployment('web', 3, { cpu: '400m' }));
    sim.clock.advance(10_000);
    const pods = sim.list('pods', 'default');
    // worker1 has 1 CPU, 100m taken by the CNI pod: two 400m pods fit, the third does not.
    expect(pods.filter((p) => p.spec.nodeName === 'worker1')).toHaveLength(2);
    const pending = pods.find((p) => !p.spec.nodeName)!;
    expect(pending.status.conditions[0].message).toContain('1 Insufficient cpu');
  });
});
