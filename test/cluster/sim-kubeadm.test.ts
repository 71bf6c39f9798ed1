// The sim host's kubeadm: node preparation steps run in the simulated guest and leave their probes
// true; `kubeadm init` writes what kubeadm writes and serves the API on the VM's own address; a
// worker joins with the printed command; init never runs over an existing control plane; reset
// removes the node and the files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StateDir } from '../../src/controllers/state-dir.js';
import { renderNodePrepSteps, renderStepScript } from '../../src/reconcilers/cluster/node-prep-script.js';
import { renderKubeadmInitConfig } from '../../src/reconcilers/cluster/kubeadm-config.js';
import { withClusterDefaults } from '../../src/reconcilers/cluster/spec-types.js';
import { SimClusters } from '../../src/sim/host/sim-clusters.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
import { SimCluster } from '../../src/sim/kube/sim-cluster.js';

const root = mkdtempSync(join(tmpdir(), 'hp-simkubeadm-'));
const dir = new StateDir(root);
const clusters = new SimClusters(join(root, 'sim/clusters'), { persistDebounceMs: 50 });
const provider = new SimVmProvider(dir, { scale: 0, clusters });
const guest = new SimGuestExec(provider);
afterAll(async () => {
  await guest.close();
  rmSync(root, { recursive: true, force: true });
});

async function vm(name: string) {
  await provider.create({ name, image: 'ubuntu', cpu: 2, memoryMiB: 2048, diskGiB: 20 } as never);
  await provider.start({ name } as never);
  const ip = (await provider.ip(name))!;
  return { vmKey: `VirtualMachine/${name}`, incarnation: '1', host: ip, port: 22, user: 'admin', auth: {} };
}

describe('sim kubeadm', () => {
  it('prepares nodes, inits once, joins a worker, resets', async () => {
    const cp = await vm('cp');
    const w = await vm('w1');
    expect(cp.host).toMatch(/^127\.64\./);
    for (const t of [cp, w]) {
      for (const step of renderNodePrepSteps({ kubernetesVersion: '1.31' })) {
        const r = await guest.run(t, renderStepScript(step), { sudo: true });
        expect(r, `${step.name}: ${r.stderr}`).toMatchObject({ code: 0 });
        const again = await guest.run(t, renderStepScript(step), { sudo: true });
        expect(again.stdout, step.name).toContain('already done');
      }
    }
    const spec = withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: 'cp' }, workers: [{ vm: 'w1' }] });
    await guest.upload(cp, '/etc/hostplane/kubeadm.yaml', renderKubeadmInitConfig({ clusterName: 'demo', spec, controlPlaneIp: cp.host, nodeName: 'cp' }));
    const init = await guest.run(cp, 'kubeadm init --config /etc/hostplane/kubeadm.yaml', { sudo: true });
    expect(init.code, init.stderr).toBe(0);
    const again = await guest.run(cp, 'kubeadm init --config /etc/hostplane/kubeadm.yaml', { sudo: true });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml');
    expect(clusters.initRuns('cp')).toBe(2);
    const admin = await guest.run(cp, 'cat /etc/kubernetes/admin.conf', { sudo: true });
    expect(admin.stdout).toContain(`server: https://${cp.host}:6443`);
    const join = await guest.run(cp, 'kubeadm token create --print-join-command', { sudo: true });
    expect(join.stdout).toMatch(/^kubeadm join 127\.64\.\d+\.\d+:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[a-f0-9]{64}/);
    const joined = await guest.run(w, `${join.stdout.trim()} --node-name w1`, { sudo: true });
    expect(joined.code, joined.stderr).toBe(0);
    const kcFile = join_(root, 'kc');
    (await import('node:fs')).writeFileSync(kcFile, admin.stdout);
    const kube = new ClientNodeKube({ kubeconfig: kcFile });
    expect((await kube.readyz()).ok).toBe(true);
    const names = async () => (await kube.listNodes()).map((n) => n.name).sort();
    await waitUntil(async () => (await names()).length === 2);
    expect(await names()).toEqual(['cp', 'w1']);
    await provider.stop('cp');
    expect((await kube.readyz({ timeoutMs: 500 })).ok).toBe(false);
    await provider.start({ name: 'cp' } as never);
    expect((await kube.readyz()).ok).toBe(true);
    const reset = await guest.run(w, 'kubeadm reset -f', { sudo: true });
    expect(reset.code).toBe(0);
    expect((await guest.run(w, 'test -f /etc/kubernetes/kubelet.conf')).code).toBe(1);
  }, 30_000);
});

describe('sim kubeadm on several clusters', () => {
  it('runs kubeadm init of a second cluster while the first one\'s API server is still starting', async () => {
    const a = await vm('pa');
    const b = await vm('pb');
    const spec = withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: 'pa' } });
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const start = SimCluster.start.bind(SimCluster);
    const spy = vi.spyOn(SimCluster, 'start').mockImplementation(async (opts) => {
      if (opts?.host === a.host) {
        log.push('start pa: held');
        await gate;
      }
      return start(opts);
    });
    try {
      for (const [t, n] of [[a, 'pa'], [b, 'pb']] as const) {
        for (const step of renderNodePrepSteps({ kubernetesVersion: '1.31' })) await guest.run(t, renderStepScript(step), { sudo: true });
        await guest.upload(t, '/etc/hostplane/kubeadm.yaml', renderKubeadmInitConfig({ clusterName: n, spec: { ...spec, controlPlane: { ...spec.controlPlane, vm: n } }, controlPlaneIp: t.host, nodeName: n }));
      }
      const initA = guest.run(a, 'kubeadm init --config /etc/hostplane/kubeadm.yaml', { sudo: true }).then((r) => (log.push('init pa returned'), r));
      await waitUntil(async () => log.includes('start pa: held'));
      const initB = guest.run(b, 'kubeadm init --config /etc/hostplane/kubeadm.yaml', { sudo: true }).then((r) => (log.push('init pb returned'), r));
      const workerOfB = initB.then(() => guest.run(b, 'cat /etc/kubernetes/admin.conf', { sudo: true })).then((r) => (log.push('command on pb returned'), r));
      // pa's API server start stays held until pb's init and the next command on pb are through (bounded).
      await Promise.race([Promise.all([initB, workerOfB]), new Promise((r) => setTimeout(r, 10_000))]);
      release();
      const [ra, rb] = await Promise.all([initA, initB]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      expect(log).toEqual(['start pa: held', 'init pb returned', 'command on pb returned', 'init pa returned']);
    } finally {
      release();
      spy.mockRestore();
    }
  }, 30_000);
});

const join_ = join;
async function waitUntil(f: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}
