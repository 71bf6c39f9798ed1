import { describe, expect, it } from 'vitest';
import { planWorkers, type ObservedNode, type WorkerFacts } from './worker-plan.js';

const node = (name: string, over: Partial<ObservedNode> = {}): ObservedNode => ({ name, ready: true, labels: {}, taints: [], ...over });
const facts = (over: Partial<WorkerFacts>): WorkerFacts => ({
  controlPlaneVm: 'cp',
  desired: [{ vm: 'w1' }, { vm: 'w2' }],
  nodes: [node('cp'), node('w1'), node('w2')],
  joinedVms: new Set(['cp', 'w1', 'w2']),
  readyVms: new Set(['cp', 'w1', 'w2', 'w3']),
  ...over,
});

describe('worker plan', () => {
  it.each([
    ['in sync: nothing to do', {}, {}],
    ['a worker added to the spec joins', { desired: [{ vm: 'w1' }, { vm: 'w2' }, { vm: 'w3' }] }, { join: ['w3'] }],
    ['a worker whose VM is not Ready waits', { desired: [{ vm: 'w1' }, { vm: 'w2' }, { vm: 'w4' }] }, { waitForVm: ['w4'] }],
    ['a worker removed from the spec is drained and reset', { desired: [{ vm: 'w1' }] }, { drainAndReset: ['w2'] }],
    ['a removed worker whose Node is gone but still joined is reset', { desired: [{ vm: 'w1' }], nodes: [node('cp'), node('w1')] }, { drainAndReset: ['w2'] }],
    ['a joined VM whose Node was deleted by hand is reset and rejoined', { nodes: [node('cp'), node('w1')] }, { resetAndRejoin: ['w2'] }],
    ['a Node without our sentinel (died after join) records it, never joins twice', { joinedVms: new Set(['cp', 'w1']) }, { recordSentinel: ['w2'] }],
    ['the control plane is never drained as a removed worker', { desired: [] }, { drainAndReset: ['w1', 'w2'] }],
  ])('%s', (_n, over, want) => {
    const p = planWorkers(facts(over as Partial<WorkerFacts>));
    expect(p).toEqual({ join: [], resetAndRejoin: [], waitForVm: [], drainAndReset: [], recordSentinel: [], metadata: [], ...want });
  });

  it('sets changed labels and removes only labels hostplane applied before', () => {
    const p = planWorkers(
      facts({
        desired: [{ vm: 'w1', labels: { tier: 'web', zone: 'a' } }, { vm: 'w2' }],
        nodes: [node('cp'), node('w1', { labels: { tier: 'db', zone: 'a', old: 'x', 'kubernetes.io/hostname': 'w1' } }), node('w2')],
        appliedLabelKeys: { w1: ['tier', 'zone', 'old'] },
      }),
    );
    expect(p.metadata).toEqual([{ node: 'w1', setLabels: { tier: 'web' }, removeLabels: ['old'], addTaints: [], removeTaints: [] }]);
  });

  it('adds and removes taints, leaving system taints alone', () => {
    const p = planWorkers(
      facts({
        desired: [{ vm: 'w1', taints: [{ key: 'dedicated', value: 'load', effect: 'NoSchedule' }] }, { vm: 'w2' }],
        nodes: [
          node('cp'),
          node('w1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoExecute' }] }),
          node('w2', { taints: [{ key: 'node.cilium.io/agent-not-ready', effect: 'NoSchedule' }] }),
        ],
      }),
    );
    expect(p.metadata).toEqual([{ node: 'w1', setLabels: {}, removeLabels: [], addTaints: [{ key: 'dedicated', value: 'load', effect: 'NoSchedule' }], removeTaints: [{ key: 'gpu', effect: 'NoExecute' }] }]);
  });
});
