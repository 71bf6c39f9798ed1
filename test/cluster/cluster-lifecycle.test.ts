// A Cluster's life on the sim host after it is up: a worker added joins, a worker removed is
// cordoned, drained (a PDB is respected) and reset, a changed control-plane address is reported and repaired,
// deletion resets every node and keeps the VMs, mergeIntoDefault adds and removes the context.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { getCondition } from '../../src/api/conditions.js';
import { resolveTool } from '../../src/adapters/tools/resolve.js';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
import { clusterCondition, makeLab, startClusterSim, vmDoc, waitClusterReady, type ClusterLab, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

const exec = promisify(execFile);
let lab: Lab | undefined;
let sim: ClusterLab | undefined;

afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

const vms = () => ['cp', 'w1', 'w2'].map((n) => vmDoc(n, { provision: { hostname: n } })).join('---\n');
const cluster = (workers: string[], extra = '') =>
  [
    'apiVersion: hostplane.dev/v1alpha1',
    'kind: Cluster',
    'metadata:',
    '  name: lab',
    'spec:',
    '  kubernetesVersion: "1.31"',
    '  controlPlane:',
    '    vm: cp',
    `  workers: [${workers.map((w) => `{vm: ${w}, labels: {pool: blue}}`).join(', ')}]`,
    '  network:',
    '    podCIDR: 10.30.0.0/16',
    '    serviceCIDR: 10.98.0.0/16',
    extra,
  ].join('\n') + '\n';

async function guestGrep(vm: string, text: string, path: string): Promise<boolean> {
  const ip = sim!.provider.vm(vm)!.ip!;
  const r = await sim!.manager.ports.guest.run({ vmKey: `VirtualMachine/${vm}`, incarnation: 'x', host: ip, port: 22, user: 'admin', auth: {} }, `grep -qF '${text}' ${path}`);
  return r.code === 0;
}

async function guestHas(vm: string, path: string): Promise<boolean> {
  const ip = sim!.provider.vm(vm)!.ip!;
  const r = await sim!.manager.ports.guest.run({ vmKey: `VirtualMachine/${vm}`, incarnation: 'x', host: ip, port: 22, user: 'admin', auth: {} }, `test -f ${path}`);
  return r.code === 0;
}

describe('Cluster lifecycle on the sim host', () => {
  it('joins an added worker with its labels; drains (respecting a PDB), deletes and resets a removed one', async () => {
    lab = makeLab({ 'vms.yaml': vms(), 'cluster.yaml': cluster(['w1']) });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab']);
    lab.write('cluster.yaml', cluster(['w1', 'w2']));
    await waitFor(() => sim!.manager.store.get('Cluster', 'lab')?.status?.readyNodes === '3/3' && clusterCondition(sim!.manager, 'lab', 'Ready')?.status === 'True', 30_000, 'w2 joined', 50);
    const kube = new ClientNodeKube({ kubeconfig: String(sim.manager.store.get('Cluster', 'lab')!.status!.kubeconfigPath) });
    expect((await kube.listNodes()).find((n) => n.name === 'w2')?.labels.pool).toBe('blue');
    expect(sim.clusters.initRuns()).toBe(1);

    // A pod on w2 guarded by a PDB that allows no disruption: the drain waits and says so.
    await kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'guarded', namespace: 'default', labels: { app: 'guarded' } }, spec: { nodeName: 'w2', containers: [{ name: 'c', image: 'busybox' }] } });
    await kube.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } });
    await waitFor(async () => ((await kube.get({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: 'default', name: 'guard' }))?.status as { currentHealthy?: number } | undefined)?.currentHealthy === 1, 10_000, 'PDB sees the pod', 50);
    lab.write('cluster.yaml', cluster(['w1']));
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'WorkersJoined')?.reason === 'Draining', 15_000, 'Draining', 50).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(sim!.manager.store.get('Cluster', 'lab')!.status!.conditions)} ${JSON.stringify(sim!.manager.events.list({ object: 'Cluster/lab' }).slice(-4))}`);
    });
    expect((await kube.listNodes()).find((n) => n.name === 'w2')?.unschedulable).toBe(true);
    expect(await kube.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'guarded' })).toBeDefined();
    await kube.delete({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: 'default', name: 'guard' });
    await waitFor(async () => !(await kube.listNodes()).some((n) => n.name === 'w2'), 20_000, 'w2 deleted from the API', 50);
    await waitFor(async () => !(await guestHas('w2', '/etc/kubernetes/kubelet.conf')), 10_000, 'w2 reset', 50);
    await waitClusterReady(sim.manager, ['lab']);
    expect(sim.manager.store.get('Cluster', 'lab')!.status!.readyNodes).toBe('2/2');
    expect(sim.manager.events.list({ object: 'Cluster/lab' }).some((e) => e.reason === 'WorkerRemoved')).toBe(true);
  }, 80_000);

  it('finds the same cluster after a restart of hostplane and never runs kubeadm init again', async () => {
    lab = makeLab({ 'vms.yaml': vms(), 'cluster.yaml': cluster(['w1']) });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab']);
    const endpoint = sim.manager.store.get('Cluster', 'lab')!.status!.endpoint;
    await sim.stop();
    sim = await startClusterSim(lab);
    await waitFor(() => sim!.manager.reconcileInfo('Cluster/lab').lastReconcile, 10_000, 'a reconcile after the restart');
    await waitClusterReady(sim.manager, ['lab']);
    expect(sim.manager.store.get('Cluster', 'lab')!.status!.endpoint).toBe(endpoint);
    expect(sim.clusters.initRuns()).toBe(1);
  }, 60_000);

  it('powerState Stopped drains and stops workers, then the control plane (held, spec files untouched); Running starts them in reverse order and comes back Ready', async () => {
    lab = makeLab({ 'vms.yaml': vms(), 'cluster.yaml': cluster(['w1']) });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab']);
    const order: string[] = [];
    const last = new Map<string, unknown>();
    const stopWatch = sim.manager.store.watch((e) => {
      if (e.object.kind !== 'VirtualMachine') return;
      const st = e.object.status?.state;
      if (st !== last.get(e.object.metadata.name)) order.push(`${e.object.metadata.name}:${String(st)}`);
      last.set(e.object.metadata.name, st);
    });
    order.length = 0;
    lab.write('cluster.yaml', cluster(['w1'], '  powerState: Stopped'));
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'Ready')?.reason === 'StoppedAsDesired', 30_000, 'StoppedAsDesired', 50);
    expect(sim.manager.store.get('Cluster', 'lab')!.status!.phase).toBe('Stopped');
    expect(order.filter((o) => o.endsWith(':stopped'))).toEqual(['w1:stopped', 'cp:stopped']);
    expect(sim.provider.vm('w2')!.state).toBe('running'); // not a member
    const vmSt = sim.manager.store.get('VirtualMachine', 'cp')!.status!;
    expect([vmSt.powerHeldBy, vmSt.heldPowerState]).toEqual(['Cluster/lab', 'Stopped']);
    expect(readFileSync(join(lab.specsDir, 'vms.yaml'), 'utf8')).not.toContain('powerState');
    order.length = 0;
    lab.write('cluster.yaml', cluster(['w1']));
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'Ready')?.reason === 'Available', 40_000, 'Ready=True Available again', 50);
    stopWatch();
    expect(order.filter((o) => o.endsWith(':running'))).toEqual(['cp:running', 'w1:running']);
    expect(sim.manager.store.get('Cluster', 'lab')!.status!.readyNodes).toBe('2/2');
    const kube = new ClientNodeKube({ kubeconfig: String(sim.manager.store.get('Cluster', 'lab')!.status!.kubeconfigPath) });
    await waitFor(async () => (await kube.listNodes()).every((n) => !n.unschedulable), 10_000, 'workers uncordoned', 50);
    await waitFor(() => !sim!.manager.store.get('VirtualMachine', 'cp')!.status!.powerHeldBy, 10_000, 'hold released', 50);
    expect(sim.clusters.initRuns()).toBe(1);
  }, 80_000);

  it('detects and reports a changed control-plane address, repairs it (new API server certificate, kubeconfigs re-pointed), and kubectl through the stored kubeconfig works again', async () => {
    lab = makeLab({ 'vms.yaml': vms(), 'cluster.yaml': cluster(['w1']) });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab']);
    const before = sim.provider.vm('cp')!.ip!;
    const seen: string[] = [];
    const stopWatch = sim.manager.store.watch((e) => {
      if (e.object.kind !== 'Cluster') return;
      const r = getCondition(e.object.status?.conditions, 'NodeAddressesStable')?.reason;
      if (r && seen.at(-1) !== r) seen.push(r);
    });
    sim.provider.apply({ op: 'readdress', name: 'cp' });
    await waitFor(() => sim!.provider.vm('cp')!.ip !== before, 5_000, 'a new lease');
    const after = sim.provider.vm('cp')!.ip!;
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'NodeAddressesStable')?.reason === 'AddressRepaired' && clusterCondition(sim!.manager, 'lab', 'Ready')?.status === 'True', 60_000, 'repaired and Ready', 50).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(clusterCondition(sim!.manager, 'lab', 'Ready'))} ${JSON.stringify(sim!.manager.events.list({ object: 'Cluster/lab' }).slice(-8).map((x) => [x.lastTimestamp, x.reason, x.message]))}`);
    });
    stopWatch();
    // reported (False, NodeAddressChanged) before repaired; Stable may show before the new lease is observed
    expect(seen.indexOf('NodeAddressChanged')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('NodeAddressChanged')).toBeLessThan(seen.indexOf('AddressRepaired'));
    const warn = sim.manager.events.list({ object: 'Cluster/lab' }).filter((e) => e.reason === 'NodeAddressChanged');
    expect(warn).toHaveLength(1);
    expect(warn[0]!.type).toBe('Warning');
    expect(warn[0]!.message).toContain(before);
    expect(warn[0]!.message).toContain(after);
    const st = sim.manager.store.get('Cluster', 'lab')!.status!;
    expect(st.endpoint).toBe(`https://${after}:6443`);
    const kc = String(st.kubeconfigPath);
    expect(readFileSync(kc, 'utf8')).toContain(`server: https://${after}:6443`);
    const kubectl = await resolveTool('kubectl');
    const { stdout } = await exec(kubectl.path, ['--kubeconfig', kc, 'get', 'nodes', '--no-headers', '-o', 'wide'], { timeout: 20_000 });
    const rows = stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1]]).sort()).toEqual([['cp', 'Ready'], ['w1', 'Ready']]);
    expect(rows.find((r) => r[0] === 'cp')![5]).toBe(after); // INTERNAL-IP
    // the guests were re-pointed too: the old certificate moved aside, kubeconfigs name the new address
    expect(await guestHas('cp', '/etc/kubernetes/pki/replaced-by-hostplane/apiserver.crt')).toBe(true);
    expect(await guestGrep('cp', `https://${after}:6443`, '/etc/kubernetes/admin.conf')).toBe(true);
    expect(await guestGrep('w1', `https://${after}:6443`, '/etc/kubernetes/kubelet.conf')).toBe(true);
    expect(sim.clusters.initRuns()).toBe(1);
  }, 90_000);

  it('merges hostplane-NAME into ~/.kube/config, and on delete resets every node, removes kubeconfig and context, keeps the VMs', async () => {
    lab = makeLab({ 'vms.yaml': vms(), 'cluster.yaml': cluster(['w1'], '  kubeconfig:\n    mergeIntoDefault: true') });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab']);
    const def = join(sim.home, '.kube', 'config');
    await waitFor(() => existsSync(def) && readFileSync(def, 'utf8').includes('hostplane-lab'), 5_000, 'merged context');
    const kc = String(sim.manager.store.get('Cluster', 'lab')!.status!.kubeconfigPath);
    lab.remove('cluster.yaml');
    await waitFor(() => !sim!.manager.store.get('Cluster', 'lab'), 30_000, 'cluster gone', 50);
    expect(existsSync(kc)).toBe(false);
    expect(readFileSync(def, 'utf8')).not.toContain('hostplane-lab');
    expect(await guestHas('cp', '/etc/kubernetes/admin.conf')).toBe(false);
    expect(await guestHas('w1', '/etc/kubernetes/kubelet.conf')).toBe(false);
    expect(sim.clusters.records()).toEqual([]);
    for (const vm of ['cp', 'w1', 'w2']) expect(sim.provider.vm(vm)?.state).toBe('running');
  }, 60_000);
});
