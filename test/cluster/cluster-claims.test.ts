// A second Cluster that claims a running cluster's VM (or its pod network) on the sim host: first
// come keeps it. The newcomer is refused (naming the field, the VM and the owner) and the running
// cluster stays Ready; deleting the newcomer resets nothing, because it never ran kubeadm init or
// join anywhere — the running cluster's nodes stay registered and Ready in its own kube API.
import { afterEach, describe, expect, it } from 'vitest';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
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

const doc = (name: string, cp: string, workers: string[], pod: string, svc: string) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\nspec:\n  kubernetesVersion: "1.31"\n  controlPlane:\n    vm: ${cp}\n  workers: [${workers.map((w) => `{vm: ${w}}`).join(', ')}]\n  network:\n    podCIDR: ${pod}\n    serviceCIDR: ${svc}\n`;

async function guestHas(vm: string, path: string): Promise<boolean> {
  const ip = sim!.provider.vm(vm)!.ip!;
  const r = await sim!.manager.ports.guest.run({ vmKey: `VirtualMachine/${vm}`, incarnation: 'x', host: ip, port: 22, user: 'admin', auth: {} }, `test -f ${path}`);
  return r.code === 0;
}

/** A Ready cluster dev (dev-cp, dev-w1) and a spare VM for the newcomer. */
async function devReady(): Promise<ClientNodeKube> {
  lab = makeLab({
    'vms.yaml': ['dev-cp', 'dev-w1', 'spare'].map((n) => vmDoc(n)).join('---\n'),
    'dev.yaml': doc('dev', 'dev-cp', ['dev-w1'], '10.30.0.0/16', '10.98.0.0/16'),
  });
  sim = await startClusterSim(lab);
  await waitClusterReady(sim.manager, ['dev']);
  return new ClientNodeKube({ kubeconfig: String(sim.manager.store.get('Cluster', 'dev')!.status!.kubeconfigPath) });
}

const nodesReady = async (kube: ClientNodeKube) => (await kube.listNodes()).filter((n) => n.ready).map((n) => n.name).sort();
const events = (name: string) => sim!.manager.events.list({ object: `Cluster/${name}` });

describe('Clusters claiming the same VM or network: first come keeps it', () => {
  it('deleting a cluster refused for claiming another cluster\'s worker resets nothing; that cluster\'s nodes stay Ready', async () => {
    const kube = await devReady();
    lab!.write('steal.yaml', doc('steal', 'dev-w1', [], '10.40.0.0/16', '10.99.0.0/16'));
    await waitFor(() => clusterCondition(sim!.manager, 'steal', 'Ready')?.reason === 'InvalidSpec', 15_000, 'steal refused', 50);
    expect(clusterCondition(sim!.manager, 'steal', 'Ready')!.message).toMatch(/^spec\.controlPlane\.vm: VirtualMachine dev-w1 is already a worker of Cluster dev; Cluster dev joined it first/);

    lab!.remove('steal.yaml');
    await waitFor(() => !sim!.manager.store.get('Cluster', 'steal'), 30_000, 'steal gone', 50);
    const stealEvents = events('steal');
    expect(stealEvents.filter((e) => e.reason === 'NodeReset').map((e) => e.message)).toEqual([]);
    expect(stealEvents.find((e) => e.reason === 'NothingToReset')?.message).toMatch(/never ran kubeadm init or join.*dev-w1 left as they are/);
    expect(await guestHas('dev-w1', '/etc/kubernetes/kubelet.conf')).toBe(true);
    expect(await nodesReady(kube)).toEqual(['dev-cp', 'dev-w1']);
    expect(clusterCondition(sim!.manager, 'dev', 'Ready')?.status).toBe('True');
  }, 90_000);

  it('a newcomer claiming a running cluster\'s worker and pod CIDR is refused; the running cluster stays Ready and Available', async () => {
    const kube = await devReady();
    lab!.write('steal.yaml', doc('steal', 'spare', ['dev-w1'], '10.30.0.0/16', '10.99.0.0/16'));
    await waitFor(() => clusterCondition(sim!.manager, 'steal', 'Ready')?.reason === 'InvalidSpec', 15_000, 'steal refused', 50);
    // dev goes through several polls (500 ms) with the newcomer present and never leaves Ready
    const seen = new Set<string>();
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      seen.add(`${clusterCondition(sim!.manager, 'dev', 'Ready')?.status}/${clusterCondition(sim!.manager, 'dev', 'Available')?.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen]).toEqual(['True/True']);
    const msg = clusterCondition(sim!.manager, 'steal', 'Ready')!.message;
    // every problem is listed, not "(and N more)"
    expect(msg).toContain('spec.workers[0].vm: VirtualMachine dev-w1 is already a worker of Cluster dev');
    expect(msg).toContain('spec.network.podCIDR: 10.30.0.0/16 overlaps podCIDR 10.30.0.0/16 of Cluster dev, which is initialised and keeps it');
    expect(msg).not.toContain('more)');
    // nothing was checked on steal: its conditions do not claim an unreachable API server
    expect(clusterCondition(sim!.manager, 'steal', 'Available')).toMatchObject({ status: 'Unknown', reason: 'NotChecked' });
    expect(clusterCondition(sim!.manager, 'steal', 'KubeconfigAvailable')).toMatchObject({ status: 'Unknown', reason: 'NotChecked' });
    expect(await nodesReady(kube)).toEqual(['dev-cp', 'dev-w1']);
    expect(sim!.clusters.initRuns('spare')).toBe(0);
  }, 90_000);
});
