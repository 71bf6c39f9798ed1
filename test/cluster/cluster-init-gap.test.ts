// `up` dies after `kubeadm init` succeeded but before it recorded that or stored the kubeconfig:
// the next start recognises the control plane as its own (sentinel, admin.conf and manifests,
// /readyz with admin.conf — reference §2.4), fetches the kubeconfig and never runs init again.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GuestError, type GuestExec, type GuestTarget, type RunOptions } from '../../src/ports/guest-exec.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';
import { startClusterSim, waitClusterReady, type ClusterLab } from '../fixtures/lab.js';

let lab: Lab | undefined;
let sim: ClusterLab | undefined;
afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

/** A guest port that stops answering once a command matching `dieAfter` has run: `up` died there. */
class DyingGuest implements GuestExec {
  dead = false;
  constructor(private readonly inner: GuestExec, private readonly dieAfter: (script: string) => boolean) {}
  async run(t: GuestTarget, script: string, o?: RunOptions) {
    if (this.dead) throw new GuestError('Unreachable', 'hostplane up was killed');
    const r = await this.inner.run(t, script, o);
    if (this.dieAfter(script)) this.dead = true;
    return r;
  }
  async upload(t: GuestTarget, path: string, content: string | Buffer, o?: { mode?: number; sudo?: boolean }) {
    if (this.dead) throw new GuestError('Unreachable', 'hostplane up was killed');
    return this.inner.upload(t, path, content, o);
  }
  forget(k: string) {
    this.inner.forget(k);
  }
  close() {
    return this.inner.close();
  }
}

const cluster = `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  kubernetesVersion: "1.31"\n  controlPlane:\n    vm: cp\n  workers: [{vm: w1}]\n  network:\n    podCIDR: 10.30.0.0/16\n    serviceCIDR: 10.98.0.0/16\n`;

describe('kubeadm init succeeded, then up died before the kubeconfig was stored', () => {
  it.each([
    ['right after kubeadm init exited 0 (no done sentinel, no host record of the end)', (script: string) => script.includes('kubeadm init --config')],
    ['after the guest done sentinel (host record and kubeconfig not written)', (script: string) => /^echo '[^']*' > \/var\/lib\/hostplane\/kubeadm-init\.done\n$/.test(script)],
  ])('%s: the next start fetches the kubeconfig and never runs init again', async (_when, dieAfter) => {
    lab = makeLab({ 'vms.yaml': ['cp', 'w1'].map((n) => vmDoc(n)).join('---\n'), 'cluster.yaml': cluster });
    let dying: DyingGuest | undefined;
    sim = await startClusterSim(lab, { wrapGuest: (g) => (dying = new DyingGuest(g, dieAfter)) });
    await waitFor(() => dying!.dead && sim!.clusters.initRuns('cp') === 1, 60_000, 'kubeadm init ran and up died', 50);
    await sim.stop();
    const kubeconfig = join(lab.stateDir.root, 'clusters', 'lab', 'kubeconfig');
    expect(existsSync(kubeconfig)).toBe(false);
    const record = JSON.parse(readFileSync(join(lab.stateDir.root, 'clusters', 'lab', 'record.json'), 'utf8')) as { initStartedAt?: string; initDoneAt?: string };
    expect(record.initStartedAt).toBeDefined();

    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['lab'], 60_000);
    expect(sim.clusters.initRuns('cp')).toBe(1);
    expect(existsSync(kubeconfig)).toBe(true);
    expect(sim.manager.store.get('Cluster', 'lab')!.status!.readyNodes).toBe('2/2');
    const reasons = sim.manager.events.list({ object: 'Cluster/lab' }).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'Initializing')).toHaveLength(1); // the first start's, kept in the state dir
    expect(reasons).not.toContain('Reinitializing');
  }, 150_000);
});
