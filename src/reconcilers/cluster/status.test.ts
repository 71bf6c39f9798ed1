// computeClusterStatus per situation: Ready's reason and phase follow where the chain stopped;
// NODES is ready/desired; reasons stay inside the CRD's vocabulary.
import { describe, expect, it } from 'vitest';
import type { HostObject } from '../../api/types.js';
import type { ChainOutcome } from '../../controllers/framework.js';
import type { NodeSummary } from '../../ports/kube.js';
import { CLUSTER_CONDITION_REASONS } from './conditions.js';
import { withClusterDefaults } from './spec-types.js';
import { recreatedControlPlaneDecision } from './node-identity.js';
import { computeClusterStatus, type ClusterFacts } from './status.js';

const spec = withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: 'cp' }, workers: [{ vm: 'w1' }] });
const obj: HostObject = { apiVersion: 'hostplane.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'dev', generation: 1 }, spec: spec as never } as HostObject;
const node = (name: string, ready = true): NodeSummary => ({ name, ready, unschedulable: false, labels: {}, taints: [] });
const up: ClusterFacts = { kubeconfigPath: '/s/clusters/dev/kubeconfig', infraReady: true, nodesPrepared: true, kubeconfigAvailable: true, cniReady: true, apiReady: true, nodes: [node('cp'), node('w1')] };
const stopped = (step: string, reason: string, message = 'm', terminal = false): ChainOutcome => ({ completed: false, stoppedAt: { step, reason, message, terminal } });
const rec = { prepared: {}, joined: {}, initDoneAt: '2026-01-01T00:00:00Z', initAddress: '127.64.0.2' };

describe('computeClusterStatus', () => {
  it.each([
    ['converged', up, { completed: true } as ChainOutcome, 'True', 'Available', 'Running', '2/2'],
    ['waiting for VMs', { kubeconfigPath: 'k', nodes: [] }, stopped('infrastructure', 'DependencyNotReady', 'waiting for VirtualMachine cp'), 'False', 'DependencyNotReady', 'Pending', '0/2'],
    ['a bad spec', { kubeconfigPath: 'k', nodes: [] }, stopped('validate', 'InvalidSpec', 'spec.workers[0].vm: …', true), 'False', 'InvalidSpec', 'Failed', '0/2'],
    ['a worker not Ready yet', { ...up, nodes: [node('cp'), node('w1', false)] }, { completed: true } as ChainOutcome, 'False', 'Joining', 'Joining', '1/2'],
    ['address drift', { ...up, addressDrift: { from: '127.64.0.2', to: '127.64.0.9' } }, stopped('address-drift', 'NodeAddressChanged'), 'False', 'Degraded', 'Degraded', '2/2'],
    ['upgrading', { ...up, upgrade: { from: '1.31.9', to: '1.32.5', next: 3, total: 14, current: 'cordon and drain cp' } }, stopped('upgrade', 'Upgrading', 'upgrade to 1.32.5: cp done'), 'False', 'Upgrading', 'Upgrading', '2/2'],
    ['an upgrade refused', { kubeconfigPath: 'k', nodes: [] }, stopped('version', 'UpgradeRefused', 'spec.kubernetesVersion: …', true), 'False', 'UpgradeRefused', 'Failed', '0/2'],
  ] as const)('%s', (_what, facts, outcome, ready, reason, phase, nodes) => {
    const st = computeClusterStatus(obj, spec, rec, facts as ClusterFacts, outcome, new Date(0));
    const r = st.conditions!.find((c) => c.type === 'Ready')!;
    expect([r.status, r.reason, st.phase, st.readyNodes]).toEqual([ready, reason, phase, nodes]);
  });

  it('a recreated control-plane VM: ControlPlaneInitialized=False/ControlPlaneLost despite the record and the latch, Ready=False Degraded (Stalled), not Initialized', () => {
    const latchedObj = { ...obj, status: { initialization: { controlPlaneInitialized: true } } } as HostObject;
    const d = recreatedControlPlaneDecision('cp', 'inc-1', 'inc-2', false);
    const st = computeClusterStatus(latchedObj, spec, { ...rec, controlPlaneLost: { vm: 'cp', from: 'inc-1', to: 'inc-2' } }, { kubeconfigPath: 'k', infraReady: true, init: d, nodes: [] }, stopped('recreated', 'ReinitRequired', d.message, true), new Date(0));
    const get = (t: string) => st.conditions!.find((c) => c.type === t)!;
    expect([get('ControlPlaneInitialized').status, get('ControlPlaneInitialized').reason]).toEqual(['False', 'ControlPlaneLost']);
    expect(get('ControlPlaneInitialized').message).toContain('cp was recreated (incarnation inc-1 → inc-2)');
    expect([get('Ready').status, get('Ready').reason, st.phase]).toEqual(['False', 'Degraded', 'Failed']);
    expect(get('Stalled').reason).toBe('ReinitRequired');
    expect(get('NodeAddressesStable').reason).toBe('NotInitialized');
    expect(st.initialization).toMatchObject({ controlPlaneInitialized: false });
  });

  it('a spec refusal checked nothing: Available and KubeconfigAvailable say Unknown NotChecked, never "does not answer /readyz"', () => {
    const st = computeClusterStatus(obj, spec, { prepared: {}, joined: {} }, { kubeconfigPath: 'k', nodes: [] }, stopped('validate', 'InvalidSpec', 'spec.workers[0].vm: …', true), new Date(0));
    const get = (t: string) => st.conditions!.find((c) => c.type === t)!;
    expect([get('Available').status, get('Available').reason]).toEqual(['Unknown', 'NotChecked']);
    expect(get('Available').message).toMatch(/^Not checked: .*the spec was refused: InvalidSpec/);
    expect(get('Available').message).not.toMatch(/readyz/);
    expect([get('KubeconfigAvailable').status, get('KubeconfigAvailable').reason]).toEqual(['Unknown', 'NotChecked']);
    expect(get('KubeconfigAvailable').message).toMatch(/^Not checked: the spec was refused/);
  });

  it.each([
    ['InvalidReference', 'spec.workers[0].vm names VirtualMachine "w9", which does not exist; create it or fix the reference'],
    ['DependencyCycle', 'dependsOn forms a cycle: a → b → a; remove one of these dependsOn entries'],
  ])('a reference problem (%s) shows on Ready and Stalled with its message, the VMs as not found', (reason, message) => {
    const st = computeClusterStatus(obj, spec, { prepared: {}, joined: {} }, { kubeconfigPath: 'k', nodes: [] }, stopped('validate', reason, message, true), new Date(0));
    const get = (t: string) => st.conditions!.find((c) => c.type === t)!;
    expect([get('Ready').status, get('Ready').reason, get('Ready').message]).toEqual(['False', reason, message]);
    expect([get('Stalled').status, get('Stalled').reason]).toEqual(['True', reason]);
    expect(st.phase).toBe('Failed');
    if (reason === 'InvalidReference') expect(get('InfrastructureReady').reason).toBe('VMNotFound');
  });

  it.each([
    ['converged', up, { completed: true } as ChainOutcome],
    ['invalid reference', { kubeconfigPath: 'k', nodes: [] }, stopped('validate', 'InvalidReference', 'm', true)],
    ['stopping', up, stopped('power', 'Stopping')],
    ['foreign control plane', { ...up, kubeconfigAvailable: false }, stopped('init', 'ForeignControlPlane', 'm', true)],
    ['drift', { ...up, addressDrift: { from: 'a', to: 'b' } }, stopped('address-drift', 'NodeAddressChanged')],
  ] as const)('every reason it sets is in the vocabulary (%s)', (_what, facts, outcome) => {
    const st = computeClusterStatus(obj, spec, rec, facts as ClusterFacts, outcome, new Date(0));
    for (const c of st.conditions!) expect(CLUSTER_CONDITION_REASONS[c.type as keyof typeof CLUSTER_CONDITION_REASONS] as readonly string[]).toContain(c.reason);
  });

  it.each([
    // what, record, facts, outcome, condition, status, reason
    ['a cluster never initialised does not claim stable addresses', { prepared: {}, joined: {} }, { kubeconfigPath: 'k', nodes: [] }, stopped('validate', 'InvalidSpec', 'm', true), 'NodeAddressesStable', 'Unknown', 'NotInitialized'],
    ['a cluster never initialised does not claim every kubelet runs its version', { prepared: {}, joined: {} }, { kubeconfigPath: 'k', nodes: [] }, stopped('init', 'PartialInit', 'm', true), 'VersionUpToDate', 'Unknown', 'NotInitialized'],
    ['an initialised cluster whose nodes could not be read says so', rec, { ...up, apiReady: false, nodes: [] }, stopped('health', 'Unavailable'), 'VersionUpToDate', 'Unknown', 'NotObserved'],
    ['an initialised cluster with nodes read is up to date', rec, up, { completed: true } as ChainOutcome, 'VersionUpToDate', 'True', 'UpToDate'],
    ['an initialised cluster without drift has stable addresses', rec, up, { completed: true } as ChainOutcome, 'NodeAddressesStable', 'True', 'Stable'],
    ['a stopped cluster keeps its stored kubeconfig available', rec, { kubeconfigPath: 'k', nodes: [] }, stopped('power', 'StoppedAsDesired'), 'KubeconfigAvailable', 'True', 'Available'],
  ] as const)('%s', (_what, record, facts, outcome, type, status, reason) => {
    const o = { ...obj, status: { kubeconfigPath: 'k' } } as HostObject;
    const st = computeClusterStatus(o, spec, record, facts as ClusterFacts, outcome, new Date(0));
    expect(st.conditions!.find((c) => c.type === type)).toMatchObject({ status, reason });
  });

  it('shows an upgrade under way in VersionUpToDate and status.upgrade, the running version in status.kubernetesVersion', () => {
    const st = computeClusterStatus(obj, { ...spec, kubernetesVersion: '1.32' }, { ...rec, kubernetesVersion: '1.32.5' }, { ...up, upgrade: { from: '1.31.9', to: '1.32.5', next: 3, total: 14, current: 'cordon and drain cp' } }, stopped('upgrade', 'Upgrading'), new Date(0));
    expect(st.conditions!.find((c) => c.type === 'VersionUpToDate')).toMatchObject({ status: 'False', reason: 'Upgrading', message: expect.stringContaining('3 of 14 steps done, now: cordon and drain cp') });
    expect(st.upgrade).toEqual({ from: '1.31.9', to: '1.32.5', step: 3, steps: 14, current: 'cordon and drain cp' });
    expect(st.kubernetesVersion).toBe('1.32.5');
    const refused = computeClusterStatus(obj, spec, rec, { kubeconfigPath: 'k', nodes: [] }, stopped('version', 'UpgradeRefused', 'spec.kubernetesVersion: skips', true), new Date(0));
    expect(refused.conditions!.find((c) => c.type === 'Stalled')!.reason).toBe('UpgradeRefused');
    expect(refused.conditions!.find((c) => c.type === 'VersionUpToDate')!.reason).toBe('UpgradeRefused');
  });

  it('keeps generic step errors out of the condition vocabulary', () => {
    const st = computeClusterStatus(obj, spec, rec, { ...up, cniReady: false }, stopped('cni', 'ReconcileError', 'connect ECONNREFUSED'), new Date(0));
    expect(st.conditions!.find((c) => c.type === 'CNIReady')!.reason).toBe('InstallFailed');
  });

  it('publishes the kubeconfig path and the endpoint the cluster was initialised with', () => {
    const st = computeClusterStatus(obj, spec, rec, up, { completed: true }, new Date(0));
    expect(st.kubeconfigPath).toBe('/s/clusters/dev/kubeconfig');
    expect(st.endpoint).toBe('https://127.64.0.2:6443');
  });
});
