import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deletionMessage, nodesToReset, nothingToResetMessage, planClusterDeletion, resetNodeScript, type DeletionFacts } from './deletion-plan.js';
import { ownedVmsOf } from './records.js';

const base: DeletionFacts = { deletionPolicy: 'Delete', referrers: [], controlPlaneVm: 'cp', workerVms: ['w2', 'w1'], resetDone: new Set(), unreachableVms: new Set(), mergedContext: 'hostplane-dev', storedKubeconfig: true };
const fmt = (s: { action: string; node?: string }) => `${s.action}${s.node ? ` ${s.node}` : ''}`;

describe('cluster deletion plan', () => {
  it.each([
    ['referenced: waits and says by whom', { referrers: ['LoadTest/dev-light-load', 'Addon/dev-istiod'] }, ['waitForReferences']],
    ['Retain: only forgets', { deletionPolicy: 'Retain' }, ['forget']],
    ['Delete: reset workers then the control plane, then kubeconfig and context', {}, ['resetNode w1', 'cleanCniLeftovers w1', 'removeSentinels w1', 'resetNode w2', 'cleanCniLeftovers w2', 'removeSentinels w2', 'resetNode cp', 'cleanCniLeftovers cp', 'removeSentinels cp', 'removeStoredKubeconfig', 'removeMergedContext', 'forget']],
    ['resumed: skips nodes already reset or unreachable', { resetDone: new Set(['w1']), unreachableVms: new Set(['w2']), mergedContext: undefined }, ['resetNode cp', 'cleanCniLeftovers cp', 'removeSentinels cp', 'removeStoredKubeconfig', 'forget']],
  ])('%s', (_n, over, want) => {
    expect(planClusterDeletion({ ...base, ...(over as Partial<DeletionFacts>) }).map(fmt)).toEqual(want);
  });

  it('the wait names the referrers and what to do', () => {
    const steps = planClusterDeletion({ ...base, referrers: ['LoadTest/dev-light-load', 'Addon/dev-istiod'] });
    expect(deletionMessage(steps)).toBe('Waiting: still referenced by Addon/dev-istiod, LoadTest/dev-light-load; delete or retarget them first');
  });

  it('the reset script is bounded and valid bash', () => {
    const s = resetNodeScript();
    expect(s).toMatch(/timeout 120 kubeadm reset -f/);
    expect(s).toContain('cilium_host');
    expect(spawnSync('bash', ['-n'], { input: s }).status).toBe(0);
  });

  // Issue: deleting a refused cluster ran kubeadm reset on a VM its spec named but another cluster ran.
  it.each([
    ['never initialised or joined anything (a refused cluster): resets nothing', {}, [], []],
    ['resets only what it initialised and joined: workers, then the control plane', { initialisedVm: 'cp', joinedVms: ['w2', 'w1'] }, ['w1 worker', 'w2 worker', 'cp control-plane'], []],
    ['a node another cluster records as its own is left alone', { initialisedVm: 'cp', joinedVms: ['w1'], ownedByOthers: new Map([['w1', 'staging']]) }, ['cp control-plane'], ['w1 staging']],
  ])('nodes to reset: %s', (_n, over, reset, left) => {
    const plan = nodesToReset({ joinedVms: [], ownedByOthers: new Map(), ...over });
    expect(plan.reset.map((r) => `${r.node} ${r.role}`)).toEqual(reset);
    expect(plan.leftAlone.map((l) => `${l.node} ${l.owner}`)).toEqual(left);
  });

  it.each([
    ['a fresh record (refused before init): nothing', { prepared: {}, joined: {} }, []],
    ['init started: the recorded control plane, not the spec one', { prepared: {}, joined: { w1: 'w1' }, initStartedAt: 't', controlPlaneVm: 'old-cp' }, ['old-cp', 'w1']],
    ['a record from before controlPlaneVm: the spec control plane', { prepared: {}, joined: {}, initDoneAt: 't' }, ['cp']],
  ])('owned VMs from the record: %s', (_n, rec, want) => {
    expect(ownedVmsOf(rec, 'cp')).toEqual(want);
  });

  it('the nothing-to-reset event says so and names the VMs left as they are', () => {
    expect(nothingToResetMessage(['staging-worker1'])).toBe('Nothing to reset: this cluster never ran kubeadm init or join on a VM (staging-worker1 left as they are)');
  });
});
