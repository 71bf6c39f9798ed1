import { describe, expect, it } from 'vitest';
import { classifyNodeChange, recreatedControlPlaneDecision, type NodeIdentity } from './node-identity.js';

describe('recreated node VM or changed address', () => {
  it.each([
    // name, node, change
    ['same incarnation, same IP: unchanged', { role: 'control-plane', recordedIncarnation: 'a', currentIncarnation: 'a', recordedIp: '10.0.0.2', currentIp: '10.0.0.2' }, 'unchanged'],
    ['same incarnation, new IP on the control plane: address drift', { role: 'control-plane', recordedIncarnation: 'a', currentIncarnation: 'a', recordedIp: '10.0.0.2', currentIp: '10.0.0.9' }, 'addressChanged'],
    ['same incarnation, new IP on a worker: address drift', { role: 'worker', recordedIncarnation: 'w', currentIncarnation: 'w', recordedIp: '10.0.0.3', currentIp: '10.0.0.8' }, 'addressChanged'],
    ['new control-plane incarnation and new IP: lost, not drift', { role: 'control-plane', recordedIncarnation: 'a', currentIncarnation: 'b', recordedIp: '10.0.0.2', currentIp: '10.0.0.9' }, 'controlPlaneLost'],
    ['new control-plane incarnation, same IP: lost', { role: 'control-plane', recordedIncarnation: 'a', currentIncarnation: 'b', recordedIp: '10.0.0.2', currentIp: '10.0.0.2' }, 'controlPlaneLost'],
    ['new worker incarnation and new IP: re-join, not drift', { role: 'worker', recordedIncarnation: 'w', currentIncarnation: 'x', recordedIp: '10.0.0.3', currentIp: '10.0.0.7' }, 'rejoin'],
    ['new worker incarnation, same IP: re-join', { role: 'worker', recordedIncarnation: 'w', currentIncarnation: 'x' }, 'rejoin'],
    ['no incarnation recorded (older record), new IP: drift as before', { role: 'control-plane', currentIncarnation: 'b', recordedIp: '10.0.0.2', currentIp: '10.0.0.9' }, 'addressChanged'],
    ['the VM does not say its incarnation: never taken for a new machine', { role: 'control-plane', recordedIncarnation: 'a', currentIncarnation: 'unknown' }, 'unchanged'],
  ] as const)('%s', (_name, node, change) => {
    expect(classifyNodeChange(node as NodeIdentity)).toBe(change);
  });

  it('a lost control plane without allowReinit is reported (ControlPlaneLost, stalled, Warning) naming the VM, both incarnations and what to do', () => {
    const d = recreatedControlPlaneDecision('dev-master', 'old-1', 'new-2', false);
    expect(d).toMatchObject({ action: 'report', initialized: false, reason: 'ControlPlaneLost', stalled: 'ReinitRequired' });
    expect(d.message).toContain('dev-master');
    expect(d.message).toContain('old-1 → new-2');
    expect(d.message).toContain('spec.remediation.allowReinit: true');
    expect(d.message).toMatch(/restore the VM/);
    expect(d.warning).toBe(d.message);
  });

  it('with allowReinit it initialises the new machine (no reset: nothing of the old cluster is on it)', () => {
    const d = recreatedControlPlaneDecision('dev-master', 'old-1', 'new-2', true);
    expect(d).toMatchObject({ action: 'init', initialized: false, reason: 'Reinitializing' });
    expect(d.warning).toMatch(/workers join it again/);
  });
});
