import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deletionMessage, planClusterDeletion, resetNodeScript, type DeletionFacts } from './deletion-plan.js';

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
});
