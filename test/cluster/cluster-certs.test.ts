// Certificate expiry on the sim host: read with kubeadm certs check-expiration into status; once
// the first certificate expires within spec.certificates.renewBefore, kubeadm certs renew all runs
// (once), the static pods restart, the stored kubeconfig is fetched again and kubectl still works.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTool } from '../../src/adapters/tools/resolve.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';
import { clusterCondition, startClusterSim, waitClusterReady, type ClusterLab } from '../fixtures/lab.js';

const exec = promisify(execFile);
let lab: Lab | undefined;
let sim: ClusterLab | undefined;
afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

const cluster = `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  kubernetesVersion: "1.31"\n  controlPlane:\n    vm: cp\n  workers: []\n  network:\n    podCIDR: 10.30.0.0/16\n    serviceCIDR: 10.98.0.0/16\n  certificates:\n    renewBefore: 60d\n`;
const DAY = 86_400_000;

describe('Cluster certificates on the sim host', () => {
  it('tracks expiry in status and renews all certificates once the first expires within renewBefore; the re-fetched kubeconfig works', async () => {
    lab = makeLab({ 'vms.yaml': vmDoc('cp'), 'cluster.yaml': cluster });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab'], 90_000);
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'CertificatesValid')?.reason === 'Valid', 20_000, 'expiry read', 50);
    const first = sim.manager.store.get('Cluster', 'lab')!.status!.certificates as { notAfter: string; earliest: string; renewedAt?: string };
    expect(Date.parse(first.notAfter) - Date.now()).toBeGreaterThan(360 * DAY);
    expect(first.renewedAt).toBeUndefined();
    expect(sim.clusters.commandRuns('certs-renew:cp')).toBe(0);
    const kubeconfig = String(sim.manager.store.get('Cluster', 'lab')!.status!.kubeconfigPath);
    const before = readFileSync(kubeconfig, 'utf8');

    // 45 days left, inside renewBefore (60d): renewed.
    sim.clusters.setCertExpiry('cp', new Date(Date.now() + 45 * DAY));
    await waitFor(() => !!(sim!.manager.store.get('Cluster', 'lab')!.status!.certificates as { renewedAt?: string }).renewedAt && clusterCondition(sim!.manager, 'lab', 'CertificatesValid')?.reason === 'Valid', 30_000, 'renewed', 50).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(sim!.manager.store.get('Cluster', 'lab')!.status!.certificates)} ${JSON.stringify(clusterCondition(sim!.manager, 'lab', 'CertificatesValid'))}`);
    });
    const after = sim.manager.store.get('Cluster', 'lab')!.status!.certificates as { notAfter: string };
    expect(Date.parse(after.notAfter) - Date.now()).toBeGreaterThan(360 * DAY);
    const renewing = sim.manager.events.list({ object: 'Cluster/lab' }).find((e) => e.reason === 'Renewing')!;
    expect(renewing.message).toMatch(/expires in 4[45] days/);
    expect(sim.manager.events.list({ object: 'Cluster/lab' }).some((e) => e.reason === 'CertificatesRenewed')).toBe(true);
    // admin.conf got a new client certificate: the stored kubeconfig was fetched again, and works
    expect(readFileSync(kubeconfig, 'utf8')).not.toBe(before);
    const kubectl = await resolveTool('kubectl');
    const { stdout } = await exec(kubectl.path, ['--kubeconfig', kubeconfig, 'get', 'nodes', '--no-headers'], { timeout: 20_000 });
    expect(stdout).toMatch(/^cp\s+Ready/);
    // checked again since, but renewed only once
    await waitFor(() => Date.parse((sim!.manager.store.get('Cluster', 'lab')!.status!.certificates as { checkedAt: string }).checkedAt) > Date.parse((after as unknown as { checkedAt: string }).checkedAt), 10_000, 'another check', 50);
    expect(sim.clusters.commandRuns('certs-renew:cp')).toBe(1);
  }, 150_000);
});
