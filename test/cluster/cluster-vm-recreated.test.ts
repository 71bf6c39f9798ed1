// The node VMs of a Ready cluster are deleted and created again (spec file moved away and back):
// new incarnations, empty disks, new addresses. That is not an address change: the control plane
// is lost (ControlPlaneInitialized=False/ControlPlaneLost naming the recreated VM, a Warning, no
// address repair), and with spec.remediation.allowReinit a new cluster is initialised on the new
// VM and the worker joins it again.
import { afterEach, describe, expect, it } from 'vitest';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
import { recordDeletionIntent } from '../../src/controllers/deletion-guard.js';
import { clusterCondition, makeLab, startClusterSim, vmDoc, waitClusterReady, type ClusterLab, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let sim: ClusterLab | undefined;

afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

const vms = () => ['dev-master', 'dev-worker1'].map((n) => vmDoc(n, { provision: { hostname: n } })).join('---\n');
const cluster = (extra = '') =>
  [
    'apiVersion: hostplane.dev/v1alpha1',
    'kind: Cluster',
    'metadata:',
    '  name: dev',
    'spec:',
    '  kubernetesVersion: "1.31"',
    '  controlPlane:',
    '    vm: dev-master',
    '  workers: [{vm: dev-worker1}]',
    '  network:',
    '    podCIDR: 10.31.0.0/16',
    '    serviceCIDR: 10.97.0.0/16',
    extra,
  ].join('\n') + '\n';

describe('Cluster whose node VMs were recreated', () => {
  it('reports ControlPlaneLost naming the recreated control-plane VM (no address repair); with allowReinit it initialises a new cluster and the worker re-joins', async () => {
    lab = makeLab({ 'vms.yaml': vms(), 'cluster.yaml': cluster() });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['dev']);
    const m = sim.manager;
    const oldInc = String(m.store.get('VirtualMachine', 'dev-master')!.status!.incarnation);
    expect(oldInc).not.toBe('undefined');

    // The user moves the VM spec file away (deletions asked for, as `hostplane delete` announces them) …
    for (const vm of ['dev-master', 'dev-worker1']) recordDeletionIntent(lab.stateDir, `VirtualMachine/${vm}`);
    lab.remove('vms.yaml');
    await waitFor(() => !m.store.get('VirtualMachine', 'dev-master') && !m.store.get('VirtualMachine', 'dev-worker1') && !sim!.provider.vm('dev-master') && !sim!.provider.vm('dev-worker1'), 30_000, 'both VMs deleted', 50);
    // … and back: new VMs, empty disks, new addresses.
    lab.write('vms.yaml', vms());
    const lost = () => clusterCondition(m, 'dev', 'ControlPlaneInitialized');
    await waitFor(() => lost()?.reason === 'ControlPlaneLost', 30_000, 'ControlPlaneLost', 50).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(m.store.get('Cluster', 'dev')!.status!.conditions)} ${JSON.stringify(m.events.list({ object: 'Cluster/dev' }).slice(-6).map((x) => [x.reason, x.message]))}`);
    });
    const newInc = String(m.store.get('VirtualMachine', 'dev-master')!.status!.incarnation);
    expect(newInc).not.toBe(oldInc);
    expect(lost()!.status).toBe('False');
    expect(lost()!.message).toContain('dev-master');
    expect(lost()!.message).toContain(`${oldInc} → ${newInc}`);
    expect(lost()!.message).toContain('spec.remediation.allowReinit: true');
    const ready = clusterCondition(m, 'dev', 'Ready')!;
    expect(ready.status).toBe('False');
    expect(ready.reason).not.toBe('RepairFailed');
    expect(m.store.get('Cluster', 'dev')!.status!.initialization).toMatchObject({ controlPlaneInitialized: false });
    expect(clusterCondition(m, 'dev', 'NodeAddressesStable')?.reason).not.toMatch(/RepairFailed|RepairingAddress|NodeAddressChanged/);
    const events = m.events.list({ object: 'Cluster/dev' });
    expect(events.some((e) => e.type === 'Warning' && e.reason === 'ControlPlaneLost' && e.message.includes('dev-master'))).toBe(true);
    expect(events.some((e) => e.reason === 'RepairingAddress' || e.reason === 'RepairFailed' || e.reason === 'NodeAddressChanged')).toBe(false);
    expect(sim.clusters.initRuns()).toBe(1);

    // The person opts in: a new cluster on the new control-plane VM, the worker joins it again.
    lab.write('cluster.yaml', cluster('  remediation:\n    allowReinit: true'));
    await waitClusterReady(m, ['dev'], 60_000).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(m.events.list({ object: 'Cluster/dev' }).slice(-8).map((x) => [x.reason, x.message]))}`);
    });
    const st = m.store.get('Cluster', 'dev')!.status!;
    expect(st.readyNodes).toBe('2/2');
    expect(st.endpoint).toBe(`https://${String(m.store.get('VirtualMachine', 'dev-master')!.status!.ip)}:6443`);
    const kube = new ClientNodeKube({ kubeconfig: String(st.kubeconfigPath) });
    const nodes = await kube.listNodes();
    expect(nodes.map((n) => [n.name, n.ready]).sort()).toEqual([['dev-master', true], ['dev-worker1', true]]);
    expect(sim.clusters.initRuns('dev-master')).toBe(2);
    expect(clusterCondition(m, 'dev', 'ControlPlaneInitialized')?.status).toBe('True');
  }, 120_000);

  it('a recreated worker VM (control plane intact) is forgotten and joins again with a fresh token; kubeadm init does not run again', async () => {
    lab = makeLab({ 'master.yaml': vmDoc('dev-master', { provision: { hostname: 'dev-master' } }), 'worker.yaml': vmDoc('dev-worker1', { provision: { hostname: 'dev-worker1' } }), 'cluster.yaml': cluster() });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['dev']);
    const m = sim.manager;
    const oldInc = String(m.store.get('VirtualMachine', 'dev-worker1')!.status!.incarnation);
    recordDeletionIntent(lab.stateDir, 'VirtualMachine/dev-worker1');
    lab.remove('worker.yaml');
    await waitFor(() => !m.store.get('VirtualMachine', 'dev-worker1') && !sim!.provider.vm('dev-worker1'), 30_000, 'worker VM deleted', 50);
    lab.write('worker.yaml', vmDoc('dev-worker1', { provision: { hostname: 'dev-worker1' } }));
    await waitFor(() => m.events.list({ object: 'Cluster/dev' }).some((e) => e.reason === 'NodeRecreated'), 30_000, 'NodeRecreated', 50);
    const newInc = String(m.store.get('VirtualMachine', 'dev-worker1')!.status!.incarnation);
    expect(m.events.list({ object: 'Cluster/dev' }).find((e) => e.reason === 'NodeRecreated')!.message).toContain(`dev-worker1 was recreated (incarnation ${oldInc} → ${newInc})`);
    await waitFor(() => clusterCondition(m, 'dev', 'Ready')?.status === 'True' && m.store.get('Cluster', 'dev')!.status!.readyNodes === '2/2', 60_000, 'Ready again with 2 nodes', 50).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(clusterCondition(m, 'dev', 'Ready'))} ${JSON.stringify(m.events.list({ object: 'Cluster/dev' }).slice(-8).map((x) => [x.reason, x.message]))}`);
    });
    const kube = new ClientNodeKube({ kubeconfig: String(m.store.get('Cluster', 'dev')!.status!.kubeconfigPath) });
    expect((await kube.listNodes()).map((n) => [n.name, n.ready]).sort()).toEqual([['dev-master', true], ['dev-worker1', true]]);
    expect(clusterCondition(m, 'dev', 'ControlPlaneInitialized')?.status).toBe('True');
    expect(sim.clusters.initRuns()).toBe(1);
  }, 120_000);
});
