// Bad Cluster specs fail early and clearly, before any command runs on a guest: Ready=False with the
// field and the other object named.
import { afterEach, describe, expect, it } from 'vitest';
import { clusterCondition, makeLab, startClusterSim, vmDoc, type ClusterLab, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let sim: ClusterLab | undefined;
afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

const doc = (name: string, cp: string, workers: string[], pod: string, svc: string, version = '1.31') =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\nspec:\n  kubernetesVersion: "${version}"\n  controlPlane:\n    vm: ${cp}\n  workers: [${workers.map((w) => `{vm: ${w}}`).join(', ')}]\n  network:\n    podCIDR: ${pod}\n    serviceCIDR: ${svc}\n`;

describe('Cluster spec validation on the sim host', () => {
  it.each([
    ['a VM claimed by two clusters', doc('b', 'b-cp', ['shared'], '10.40.0.0/16', '10.99.0.0/16'), /spec\.workers\[0\]\.vm: VirtualMachine shared is already a worker of Cluster a/],
    ['a pod CIDR overlapping another cluster', doc('b', 'b-cp', [], '10.30.0.0/16', '10.99.0.0/16'), /spec\.network\.podCIDR: 10\.30\.0\.0\/16 overlaps podCIDR 10\.30\.0\.0\/16 of Cluster a/],
    ['a pod CIDR overlapping the sim VM network', doc('b', 'b-cp', [], '127.64.0.0/20', '10.99.0.0/16'), /overlaps the VM network 127\.64\.0\.0\/16 \(sim host VM network\)/],
    ['an unsupported minor', doc('b', 'b-cp', [], '10.40.0.0/16', '10.99.0.0/16', '1.29'), /spec\.kubernetesVersion: Kubernetes 1\.29 is not supported/],
  ])('%s: Ready=False InvalidSpec naming the field, nothing run on its guests', async (_what, bad, message) => {
    lab = makeLab({
      'vms.yaml': ['a-cp', 'shared', 'b-cp'].map((n) => vmDoc(n)).join('---\n'),
      'a.yaml': doc('a', 'a-cp', ['shared'], '10.30.0.0/16', '10.98.0.0/16'),
      'b.yaml': bad,
    });
    sim = await startClusterSim(lab);
    await waitFor(() => clusterCondition(sim!.manager, 'b', 'Ready')?.reason === 'InvalidSpec', 15_000, 'InvalidSpec', 50);
    const ready = clusterCondition(sim.manager, 'b', 'Ready')!;
    expect(ready.status).toBe('False');
    expect(ready.message).toMatch(message);
    expect(clusterCondition(sim.manager, 'b', 'Stalled')?.status).toBe('True');
    expect(sim.provider.vm('b-cp')?.guest.state?.files['/var/lib/hostplane/kubeadm-init.started']).toBeUndefined();
    expect(sim.clusters.initRuns('b-cp')).toBe(0);
  }, 30_000);
});
