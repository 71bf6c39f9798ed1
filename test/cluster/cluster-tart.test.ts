// The Cluster kind on the real path: the manager with the real tart adapter (against the tart
// simulator, a separate process), the real ssh2 guest-exec into guest-sandbox guests (real sshd,
// real shells), client-node and the real helm. The reconciler's node-preparation, kubeadm init/join
// scripts run for real in the guests; the guest kit's kubeadm starts the simulated API server on the
// control-plane guest's IP:6443, and the real kubectl reaches it through the stored kubeconfig.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TartProvider } from '../../src/adapters/tart/tart-provider.js';
import { createSshGuestExec } from '../../src/adapters/ssh/index.js';
import { resolveTool } from '../../src/adapters/tools/resolve.js';
import { createHostManager, type HostManager } from '../../src/app/host-manager.js';
import { createKubernetesPorts } from '../../src/app/kubernetes.js';
import type { GuestTarget } from '../../src/ports/guest-exec.js';
import { killAllRuns, SIM_BIN_DIR } from '../../hack/tart-sim/testing.js';
import { clusterCondition, makeLab, waitClusterReady, type Lab } from '../fixtures/lab.js';

const exec = promisify(execFile);
const SANDBOX = fileURLToPath(new URL('../../hack/guest-sandbox/bin/guest-sandbox', import.meta.url));
const BUILD_KIT = fileURLToPath(new URL('../../hack/guest-sandbox/lib/build-kit.mjs', import.meta.url));
const check = spawnSync(SANDBOX, ['--check'], { encoding: 'utf8' });
const guestsUnavailable = check.status === 0 ? undefined : `guest sandboxes unavailable here: ${check.stdout.trim() || check.stderr.trim()}`;
if (guestsUnavailable) console.warn(`skipping the Cluster end-to-end test on tart: ${guestsUnavailable}`);

const vm = (name: string) => `apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: ${name}
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: 2
  memory: 2Gi
  ssh: {user: admin, passwordSecret: tart-default}
`;

const CLUSTER = `apiVersion: hostplane.dev/v1alpha1
kind: Cluster
metadata:
  name: lab
spec:
  kubernetesVersion: "1.31"
  controlPlane: {vm: cp}
  workers:
    - vm: w1
  network: {podCIDR: 10.20.0.0/16, serviceCIDR: 10.97.0.0/16}
  cni:
    cilium: {version: 1.16.5, kubeProxyReplacement: true}
`;

describe.skipIf(!!guestsUnavailable)('Cluster on tart (simulator + guest-sandbox guests, real SSH, real helm and kubectl)', () => {
  let lab: Lab;
  let tartHome: string;
  let manager: HostManager;
  const ssh = createSshGuestExec({ knownHostsDir: mkdtempSync(join(tmpdir(), 'cluster-tart-known-')) });
  const ip = (n: string) => String(manager.store.get('VirtualMachine', n)?.status?.ip);
  const target = (n: string): GuestTarget => ({ vmKey: `VirtualMachine/${n}`, incarnation: String(manager.store.get('VirtualMachine', n)?.status?.incarnation ?? 'unknown'), host: ip(n), port: 22, user: 'admin', auth: { password: 'admin' } });
  const guest = async (n: string, script: string) => (await ssh.run(target(n), script, { sudo: true, timeoutMs: 30_000 })).stdout.trim();

  beforeAll(async () => {
    // The guest kit is built once per source change; build it here so its cost is not the cluster's.
    const t0 = Date.now();
    const b = spawnSync(process.execPath, [BUILD_KIT], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`building the guest kit failed: ${b.stderr}`);
    console.log(`guest kit ready in ${Date.now() - t0} ms`);
    lab = makeLab({ 'vms.yaml': [vm('cp'), vm('w1')].join('---\n'), 'cluster.yaml': CLUSTER });
    tartHome = join(lab.root, 'tart-home');
    const home = join(lab.root, 'home');
    mkdirSync(home, { recursive: true });
    const env = { TART_SIM_GUESTS: '1', TART_SIM_BOOT_MS: '200', GUEST_SANDBOX_READY_TIMEOUT: '120' };
    manager = createHostManager({
      specsDir: lab.specsDir,
      stateDir: lab.stateDir,
      provider: new TartProvider({ tartPath: join(SIM_BIN_DIR, 'tart'), tartHome, env }),
      guest: ssh,
      kubernetes: createKubernetesPorts({ stateRoot: lab.stateDir.root, sim: true }), // stand-in charts: no registry here; helm is the real one
      log: { info() {}, warn() {} },
      graceMs: 300,
      pollIntervalMs: 1000,
      clusterOptions: { pollIntervalMs: 2000, waitMs: 500, drainTimeoutMs: 5_000, home },
    });
    await manager.start();
  }, 60_000);

  afterAll(async () => {
    await manager?.stop(20_000).catch(() => {});
    await ssh.close();
    if (tartHome) killAllRuns(tartHome);
    if (process.env.CLUSTER_TART_KEEP) console.log(`kept ${lab?.root}`);
    else lab?.cleanup();
  }, 60_000);

  it('brings 1 control plane + 1 worker to Ready=True over real SSH: kubeadm files and records on the guests, init once, join once, kubectl sees 2 Ready nodes', async () => {
    const t0 = Date.now();
    await waitClusterReady(manager, ["lab"], Number(process.env.CLUSTER_TART_WAIT_MS ?? 280_000));
    console.log(`Cluster lab Ready=True in ${Date.now() - t0} ms (2 tart-sim VMs with guests, node prep, init, cilium, join)`);
    for (const t of ['InfrastructureReady', 'NodesPrepared', 'ControlPlaneInitialized', 'KubeconfigAvailable', 'CNIReady', 'WorkersJoined', 'Available']) expect(clusterCondition(manager, 'lab', t)?.status, t).toBe('True');
    const cpIp = ip('cp');
    expect(manager.store.get('Cluster', 'lab')!.status!.endpoint).toBe(`https://${cpIp}:6443`);

    // What kubeadm writes, on the control plane…
    expect(await guest('cp', 'stat -c %a /etc/kubernetes/admin.conf; grep -c "server: https://' + cpIp + ':6443" /etc/kubernetes/admin.conf')).toBe('600\n1');
    const sans = await guest('cp', 'openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName');
    expect(sans).toContain(`IP Address:${cpIp}`);
    expect(sans).toContain('DNS:cp');
    expect(sans).toContain('IP Address:10.97.0.1');
    expect(await guest('cp', 'openssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver.crt')).toBe('/etc/kubernetes/pki/apiserver.crt: OK');
    expect(await guest('cp', 'ls /etc/kubernetes/pki /etc/kubernetes/manifests | sort | tr "\\n" " "')).toMatch(/apiserver\.crt apiserver\.key ca\.crt ca\.key etcd\.yaml kube-apiserver\.yaml kube-controller-manager\.yaml kube-scheduler\.yaml sa\.key sa\.pub/);
    // …and on both nodes: kubelet.conf with a node client certificate from the cluster CA, the kubelet config.
    for (const n of ['cp', 'w1']) {
      expect(await guest(n, 'test -s /etc/kubernetes/kubelet.conf && grep -q "cgroupDriver: systemd" /var/lib/kubelet/config.yaml && echo ok')).toBe('ok');
      const subject = await guest(n, 'grep client-certificate-data /etc/kubernetes/kubelet.conf | awk "{print \\$2}" | base64 -d | openssl x509 -noout -subject');
      expect(subject).toContain(`CN = system:node:${n}`);
      expect(subject).toContain('O = system:nodes');
      // node preparation as the shims recorded it
      // the guest booted with swap on (/swap.img in fstab): node preparation turned it off and kept it off
      expect(await guest(n, 'cat /var/lib/guest-sandbox/swap; swapon --noheadings --show | wc -l; grep -c "^#hostplane# /swap.img" /etc/fstab')).toBe('off\n0\n1');
      expect((await guest(n, 'cat /var/lib/guest-sandbox/modules')).split('\n').sort()).toEqual(['br_netfilter', 'overlay']);
      expect((await guest(n, 'cat /var/lib/guest-sandbox/sysctl.conf')).split('\n').sort()).toEqual(['net.bridge.bridge-nf-call-ip6tables = 1', 'net.bridge.bridge-nf-call-iptables = 1', 'net.ipv4.ip_forward = 1']);
      expect(await guest(n, 'grep -E "^(active|enabled) (containerd|kubelet)$" /var/lib/guest-sandbox/units | sort | tr "\\n" " "')).toBe('active containerd active kubelet enabled containerd enabled kubelet');
      expect(await guest(n, 'grep -E "^kube" /var/lib/guest-sandbox/packages | tr "\\n" " "; cat /var/lib/guest-sandbox/holds | tr "\\n" " "')).toBe("kubeadm=1.31.9-* kubectl=1.31.9-* kubelet=1.31.9-* kubeadm kubectl kubelet");
      expect(await guest(n, 'grep -c SystemdCgroup\\ =\\ true /etc/containerd/config.toml')).toBe('1');
    }
    // The commands: kubeadm init ran once on the control plane, join once on the worker, nothing else.
    const runs = async (n: string) => (await guest(n, 'cat /var/lib/guest-sandbox/kubeadm-runs 2>/dev/null || true')).split('\n').filter(Boolean).map((l) => l.split(' ')[1]);
    expect(await runs('cp')).toEqual(['init']);
    expect(await runs('w1')).toEqual(['join']);

    // The real kubectl with the stored kubeconfig: 2 Ready nodes.
    const kubeconfig = String(manager.store.get('Cluster', 'lab')!.status!.kubeconfigPath);
    const kubectl = await resolveTool('kubectl');
    const { stdout } = await exec(kubectl.path, ['--kubeconfig', kubeconfig, 'get', 'nodes', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,IP:.status.addresses[0].address'], { timeout: 30_000 });
    expect(stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).sort()).toEqual([['cp', 'True', cpIp], ['w1', 'True', ip('w1')]]);
  }, 300_000);
});
