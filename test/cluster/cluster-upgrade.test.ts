// Kubernetes upgrades on the sim host: one minor up upgrades the control plane, then each worker
// (drain, kubeadm upgrade, pinned packages, kubelet restart, uncordon) and the real kubectl shows
// the new VERSION; two minors at once or a downgrade is refused naming the field and both versions;
// a restart of hostplane mid-upgrade resumes it (kubeadm upgrade apply runs once).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTool } from '../../src/adapters/tools/resolve.js';
import { UPGRADE_STEP_EVENT } from '../../src/reconcilers/cluster/upgrade-plan.js';
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

const cluster = (version: string) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  kubernetesVersion: "${version}"\n  controlPlane:\n    vm: cp\n  workers: [{vm: w1}]\n  network:\n    podCIDR: 10.30.0.0/16\n    serviceCIDR: 10.98.0.0/16\n`;

async function kubectlNodes(kubeconfig: string): Promise<string[][]> {
  const kubectl = await resolveTool('kubectl');
  const { stdout } = await exec(kubectl.path, ['--kubeconfig', kubeconfig, 'get', 'nodes', '--no-headers'], { timeout: 20_000 });
  return stdout.trim().split('\n').map((l) => l.split(/\s+/)).map((r) => [r[0]!, r[1]!, r[4]!]).sort();
}

const upgraded = (sim: ClusterLab) => {
  const st = sim.manager.store.get('Cluster', 'lab')?.status;
  return st?.kubernetesVersion === '1.32.5' && !st.upgrade && clusterCondition(sim.manager, 'lab', 'Ready')?.status === 'True' && clusterCondition(sim.manager, 'lab', 'VersionUpToDate')?.reason === 'UpToDate';
};

describe('Cluster upgrades on the sim host', () => {
  it('refuses a skipped minor and a downgrade; upgrades one minor, control plane first, then the worker drained; kubectl shows the new VERSION', async () => {
    lab = makeLab({ 'vms.yaml': ['cp', 'w1'].map((n) => vmDoc(n)).join('---\n'), 'cluster.yaml': cluster('1.31') });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab'], 90_000);
    const kubeconfig = String(sim.manager.store.get('Cluster', 'lab')!.status!.kubeconfigPath);
    expect(await kubectlNodes(kubeconfig)).toEqual([['cp', 'Ready', 'v1.31.9'], ['w1', 'Ready', 'v1.31.9']]);

    // Two minors at once: refused before anything runs on a node.
    lab.write('cluster.yaml', cluster('1.33'));
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'Ready')?.reason === 'UpgradeRefused', 20_000, 'UpgradeRefused', 50);
    const refused = clusterCondition(sim.manager, 'lab', 'Ready')!;
    expect(refused.status).toBe('False');
    expect(refused.message).toMatch(/spec\.kubernetesVersion/);
    expect(refused.message).toMatch(/1\.31/);
    expect(refused.message).toMatch(/1\.33/);
    expect(clusterCondition(sim.manager, 'lab', 'Stalled')?.reason).toBe('UpgradeRefused');
    expect(clusterCondition(sim.manager, 'lab', 'VersionUpToDate')?.reason).toBe('UpgradeRefused');
    expect(sim.manager.events.list({ object: 'Cluster/lab' }).filter((e) => e.reason === 'UpgradeRefused' && e.type === 'Warning')).toHaveLength(1);
    expect(sim.clusters.commandRuns('upgrade-apply:cp')).toBe(0);

    // One minor: control plane, then the worker.
    lab.write('cluster.yaml', cluster('1.32'));
    await waitFor(() => upgraded(sim!), 120_000, 'upgraded to 1.32.5 and Ready', 100).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(sim!.manager.store.get('Cluster', 'lab')!.status)} ${JSON.stringify(sim!.manager.events.list({ object: 'Cluster/lab' }).slice(-5))}`);
    });
    expect(sim.clusters.commandRuns('upgrade-apply:cp')).toBe(1);
    expect(await kubectlNodes(kubeconfig)).toEqual([['cp', 'Ready', 'v1.32.5'], ['w1', 'Ready', 'v1.32.5']]);
    const stepReasons = new Set(Object.values(UPGRADE_STEP_EVENT));
    const steps = sim.manager.events.list({ object: 'Cluster/lab' }).filter((e) => stepReasons.has(e.reason)).map((e) => e.message.replace(/^Upgrade to [\d.]+, step \d+\/\d+: /, ''));
    expect(steps).toHaveLength(14);
    const at = (m: string) => steps.indexOf(m);
    expect(at('kubeadm upgrade apply v1.32.5 on cp')).toBeGreaterThanOrEqual(0);
    expect(at('kubeadm upgrade apply v1.32.5 on cp')).toBeLessThan(at('cordon and drain w1'));
    expect(at('cordon and drain w1')).toBeLessThan(at('kubeadm upgrade node on w1'));
    expect(at('kubeadm upgrade node on w1')).toBeLessThan(at('restart the kubelet on w1'));
    expect(at('restart the kubelet on w1')).toBeLessThan(at('uncordon w1'));
    expect(sim.manager.events.list({ object: 'Cluster/lab' }).some((e) => e.reason === 'Upgraded')).toBe(true);
    expect(sim.clusters.initRuns()).toBe(1);

    // Back down: refused, naming both versions.
    lab.write('cluster.yaml', cluster('1.31'));
    await waitFor(() => clusterCondition(sim!.manager, 'lab', 'Ready')?.reason === 'UpgradeRefused', 20_000, 'downgrade refused', 50);
    expect(clusterCondition(sim.manager, 'lab', 'Ready')!.message).toMatch(/1\.32\.5.*1\.31|1\.31.*1\.32\.5/);
    expect(sim.clusters.commandRuns('upgrade-apply:cp')).toBe(1);
  }, 240_000);

  it('resumes an upgrade after a restart of hostplane instead of running it again', async () => {
    lab = makeLab({ 'vms.yaml': ['cp', 'w1'].map((n) => vmDoc(n)).join('---\n'), 'cluster.yaml': cluster('1.31') });
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab'], 90_000);
    const record = join(lab.stateDir.root, 'clusters', 'lab', 'record.json');
    const progress = () => (existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as { upgrade?: { next: number; steps: Array<{ action: string }> } }).upgrade : undefined);
    lab.write('cluster.yaml', cluster('1.32'));
    // Stop once kubeadm upgrade apply is done but the plan is not.
    await waitFor(() => {
      const u = progress();
      return u && u.next > u.steps.findIndex((x) => x.action === 'kubeadmUpgradeApply') && u.next < u.steps.length;
    }, 90_000, 'upgrade past kubeadm upgrade apply', 10);
    await sim.stop();
    const stoppedAt = progress();
    expect(stoppedAt).toBeDefined();
    sim = await startClusterSim(lab);
    await waitFor(() => upgraded(sim!), 120_000, 'upgrade resumed and finished', 100);
    expect(sim.clusters.commandRuns('upgrade-apply:cp')).toBe(1);
    const stepReasons = new Set(Object.values(UPGRADE_STEP_EVENT));
    const steps = sim.manager.events.list({ object: 'Cluster/lab' }).filter((e) => stepReasons.has(e.reason));
    // every step reported once: resumed, not re-run from the start
    expect(steps.every((e) => e.count === 1)).toBe(true);
    expect(steps).toHaveLength(14);
    expect(progress()).toBeUndefined();
  }, 240_000);
});
