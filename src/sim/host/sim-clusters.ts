// The sim host's Kubernetes clusters: what `kubeadm init` in a simulated guest starts. One record
// per cluster, keyed by the control-plane address (the VM's 127.64.x.y IP), persisted in the sim
// host's state so a restarted `up` finds the same clusters; one in-process SimCluster (HTTPS API
// server on <cp-ip>:6443 plus the simulated control plane) per record whose control-plane VM runs,
// and one sim kubelet per joined node whose VM runs. Level-triggered: `sync` (called on every
// provider observation and after guest commands) starts and stops API servers and kubelets to match
// the VMs' power states. Never a host shell.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caCertHash, joinCommandLine, newBootstrapToken } from '../kubeadm/model.js';
import { kubeadmStaticPods } from '../kube/control-plane/index.js';
import { kubeconfigYaml } from '../kube/kubeconfig.js';
import { createClusterPki, type KeyPair } from '../kube/server/pki.js';
import { SimCluster } from '../kube/sim-cluster.js';
import type { Clock } from '../../controllers/clock.js';

export interface SimClusterNode {
  vm: string;
  ip: string;
  role: 'control-plane' | 'worker';
  kubeletVersion: string;
  cpu: number;
  memoryMiB: number;
}

export interface SimClusterRecord {
  address: string;
  port: number;
  name: string;
  cpVm: string;
  version: string;
  podSubnet?: string;
  serviceSubnet?: string;
  /** When the kubeadm-managed leaf certificates expire (ISO; kubeadm issues them for one year). Tests move it. */
  certsNotAfter?: string;
  /** When the cluster CA expires (ten years). */
  caNotAfter?: string;
  /** Extra SANs of the last re-issued API server certificate. */
  sans?: string[];
  /** Bootstrap tokens `kubeadm token create` issued (join accepts only these). */
  tokens: string[];
  nodes: Record<string, SimClusterNode>;
}

interface RegistryFile {
  clusters: Record<string, SimClusterRecord>;
  /** How many times `kubeadm init` ran to completion or failure on each VM (tests assert init-once). */
  initRuns: Record<string, number>;
  /** Other run-once commands per VM, keyed "verb:vm" (e.g. "upgrade-apply:cp"), for tests that resume. */
  commandRuns?: Record<string, number>;
}

/** The VM facts the registry needs (name, address, running). */
export interface SimClusterVm {
  name: string;
  ip?: string;
  running: boolean;
  cpu: number;
  memoryMiB: number;
}

export class SimClusterError extends Error {}

export class SimClusters {
  private data: RegistryFile;
  private readonly running = new Map<string, SimCluster>();
  /** Work kubeadm commands queued, with the address it concerns (undefined: every command waits for it). */
  private readonly pending = new Map<Promise<unknown>, string | undefined>();
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;

  /** `dir`: the sim host's clusters folder (registry.json and one API state dir per cluster). */
  constructor(
    private readonly dir: string,
    private readonly opts: { persistDebounceMs?: number; ca?: KeyPair; /** The simulated clusters' clock (a ScaledClock runs the sim host time-scaled). */ clock?: Clock } = {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.data = readJson<RegistryFile>(join(dir, 'registry.json')) ?? { clusters: {}, initRuns: {} };
  }

  records(): readonly SimClusterRecord[] {
    return Object.values(this.data.clusters);
  }

  initRuns(vm?: string): number {
    if (vm) return this.data.initRuns[vm] ?? 0;
    return Object.values(this.data.initRuns).reduce((a, b) => a + b, 0);
  }

  /** The cluster whose control plane is at `address` (host or host:port). */
  at(address: string): SimClusterRecord | undefined {
    const host = address.replace(/:\d+$/, '');
    return this.data.clusters[host];
  }

  /** The cluster a VM belongs to (as control plane or worker). */
  ofVm(vm: string): SimClusterRecord | undefined {
    return this.records().find((r) => Object.values(r.nodes).some((n) => n.vm === vm));
  }

  api(address: string): SimCluster | undefined {
    return this.running.get(address.replace(/:\d+$/, ''));
  }

  /** How many times a counted command ran ("upgrade-apply:cp", "certs-renew:cp"). */
  commandRuns(key: string): number {
    return this.data.commandRuns?.[key] ?? 0;
  }

  countCommand(key: string): void {
    (this.data.commandRuns ??= {})[key] = (this.data.commandRuns[key] ?? 0) + 1;
    this.save();
  }

  countInit(vm: string): void {
    this.data.initRuns[vm] = (this.data.initRuns[vm] ?? 0) + 1;
    this.save();
  }

  /**
   * `kubeadm init` on `vm`: the identity (CA, admin token) is made now, so admin.conf can be written
   * synchronously; the API server starts on the next `settle()`.
   */
  init(vm: SimClusterVm & { ip: string }, o: { name: string; nodeName: string; version: string; podSubnet?: string; serviceSubnet?: string }): { adminConf: string; caCert: string } {
    if (this.data.clusters[vm.ip]) throw new SimClusterError(`port 6443 on ${vm.ip} is in use by an existing control plane`);
    const stateDir = this.apiDir(vm.ip);
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const pki = createClusterPki(vm.ip, this.opts.ca ? { ca: this.opts.ca } : {});
    const token = randomBytes(24).toString('base64url');
    writeAtomic(join(stateDir, 'identity.json'), JSON.stringify({ ca: pki.ca, token }));
    this.data.clusters[vm.ip] = {
      address: vm.ip,
      port: 6443,
      name: o.name,
      cpVm: vm.name,
      version: o.version,
      ...(o.podSubnet ? { podSubnet: o.podSubnet } : {}),
      ...(o.serviceSubnet ? { serviceSubnet: o.serviceSubnet } : {}),
      tokens: [],
      certsNotAfter: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      caNotAfter: new Date(Date.now() + 3650 * 86_400_000).toISOString(),
      nodes: { [o.nodeName]: { vm: vm.name, ip: vm.ip, role: 'control-plane', kubeletVersion: o.version, cpu: vm.cpu, memoryMiB: vm.memoryMiB } },
    };
    this.save();
    this.kick();
    return { adminConf: kubeconfigYaml({ cluster: o.name, server: `https://${vm.ip}:6443`, pki, token }), caCert: pki.ca.certPem };
  }

  /** A bootstrap token and the CA hash, as `kubeadm token create --print-join-command` prints them. */
  joinCommand(address: string): string {
    const rec = this.mustGet(address);
    const token = newBootstrapToken();
    rec.tokens = [...rec.tokens.slice(-20), token];
    this.save();
    return joinCommandLine(`${rec.address}:${rec.port}`, token, this.caHash(rec));
  }

  /** `kubeadm join`: checks the token and the CA hash, registers the node; its kubelet starts on settle(). */
  join(vm: SimClusterVm & { ip: string }, o: { endpoint: string; token: string; caHash?: string; nodeName: string; kubeletVersion?: string }): { kubeletConf: string; caCert: string } {
    const rec = this.at(o.endpoint);
    if (!rec || !this.running.has(rec.address)) throw new SimClusterError(`couldn't validate the identity of the API Server: Get "https://${o.endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info": dial tcp ${o.endpoint}: connect: connection refused`);
    if (!rec.tokens.includes(o.token)) throw new SimClusterError('couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID');
    if (o.caHash && o.caHash !== `sha256:${this.caHash(rec)}`) throw new SimClusterError(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:${this.caHash(rec)}" are pinned`);
    if (rec.nodes[o.nodeName] && rec.nodes[o.nodeName]!.vm !== vm.name) throw new SimClusterError(`a Node with name "${o.nodeName}" and status "Ready" already exists in the cluster`);
    rec.nodes[o.nodeName] = { vm: vm.name, ip: vm.ip, role: 'worker', kubeletVersion: o.kubeletVersion ?? rec.version, cpu: vm.cpu, memoryMiB: vm.memoryMiB };
    this.save();
    this.kick();
    const identity = this.identity(rec);
    const pki = createClusterPki(rec.address, { ca: identity.ca });
    return { kubeletConf: kubeconfigYaml({ cluster: rec.name, server: `https://${rec.address}:${rec.port}`, pki, token: identity.token }), caCert: identity.ca.certPem };
  }

  /**
   * `kubeadm upgrade apply vX.Y.Z` on the control plane: as kubeadm's version checks, one minor at a
   * time and never down; the API server answers for the new version (its kubelets keep theirs until restarted).
   */
  upgradeApply(address: string, version: string): void {
    const rec = this.mustGet(address);
    if (!this.running.has(rec.address)) throw new SimClusterError(`[upgrade/config] couldn't create a Kubernetes client from file "/etc/kubernetes/admin.conf": dial tcp ${rec.address}:6443: connect: connection refused`);
    const cur = rec.version.split('.').map(Number) as [number, number, number];
    const next = version.split('.').map(Number) as [number, number, number];
    if (next[1] < cur[1] || (next[1] === cur[1] && next[2] < cur[2])) throw new SimClusterError(`[upgrade/version] FATAL: the specified version to upgrade to "v${version}" is lower than the cluster version "v${rec.version}". Downgrades are not supported yet`);
    if (next[1] - cur[1] > 1) throw new SimClusterError(`[upgrade/version] FATAL: the specified version to upgrade to "v${version}" is too high; kubeadm can upgrade only 1 minor version at a time`);
    rec.version = version;
    this.save();
  }

  /** `systemctl restart kubelet` on a node VM: its kubelet comes back reporting `version` in the Node status. */
  restartKubelet(vmName: string, version: string): void {
    for (const rec of this.records()) {
      for (const [node, n] of Object.entries(rec.nodes)) {
        if (n.vm !== vmName || n.kubeletVersion === version) continue;
        n.kubeletVersion = version;
        const api = this.running.get(rec.address);
        if (api && this.kubeletNames.get(api)?.has(node)) api.controlPlane!.restartNode(node, { kubeletVersion: `v${version}` });
      }
    }
    this.save();
  }

  /**
   * `kubeadm init phase certs apiserver` with a new advertise address (the control-plane VM got a
   * new lease): the cluster moves to the new address, with its API state and identity (same CA);
   * the API server starts there on the next sync, where the VM now is. The old server, if still
   * running, is stopped first.
   */
  reissueApiServer(oldAddress: string, newAddress: string, sans: readonly string[] = []): void {
    const rec = this.mustGet(oldAddress);
    if (oldAddress === newAddress) return;
    if (this.data.clusters[newAddress]) throw new SimClusterError(`[certs] ${newAddress} is already the address of another simulated control plane`);
    delete this.data.clusters[oldAddress];
    rec.address = newAddress;
    rec.sans = [...sans];
    for (const n of Object.values(rec.nodes)) if (n.vm === rec.cpVm) n.ip = newAddress;
    this.data.clusters[newAddress] = rec;
    this.moves.push([oldAddress, newAddress]);
    this.save();
    this.kick();
  }

  private readonly moves: Array<[string, string]> = [];

  /** The cluster's certificate expiry (leaf certificates and CA), as `kubeadm certs check-expiration` reports it. */
  certExpiry(address: string): { certs: Date; ca: Date } {
    const rec = this.mustGet(address);
    return { certs: new Date(rec.certsNotAfter ?? Date.now() + 365 * 86_400_000), ca: new Date(rec.caNotAfter ?? Date.now() + 3650 * 86_400_000) };
  }

  /** Tests: the leaf certificates of the cluster whose control plane is `vm` expire at `when` (the controllable clock of certificates). */
  setCertExpiry(vm: string, when: Date): void {
    const rec = this.records().find((r) => r.cpVm === vm);
    if (!rec) throw new SimClusterError(`no simulated control plane on ${vm}`);
    rec.certsNotAfter = when.toISOString();
    this.save();
  }

  /** `kubeadm certs renew all`: a year from now, and a new admin client certificate (admin.conf changes). */
  renewCerts(address: string): { adminConf: string } {
    const rec = this.mustGet(address);
    rec.certsNotAfter = new Date(Date.now() + 365 * 86_400_000).toISOString();
    this.save();
    const identity = this.identity(rec);
    const pki = createClusterPki(rec.address, { ca: identity.ca });
    // the renewed admin.conf embeds the new client certificate (as kubeadm's), signed by the same CA
    return { adminConf: kubeconfigYaml({ cluster: rec.name, server: `https://${rec.address}:${rec.port}`, pki, token: identity.token, auth: 'cert' }) };
  }

  /** `kubeadm reset` on a VM: its kubelet stops; on the control plane the cluster's API server goes away. */
  reset(vmName: string): void {
    for (const rec of this.records()) {
      for (const [node, n] of Object.entries(rec.nodes)) if (n.vm === vmName) delete rec.nodes[node];
      if (rec.cpVm === vmName) {
        delete this.data.clusters[rec.address];
        const api = this.running.get(rec.address);
        this.running.delete(rec.address);
        if (api) this.track(api.stop());
      }
    }
    this.save();
    this.kick();
  }

  /**
   * Starts and stops API servers and kubelets to match the VMs (level-triggered; serialised). Resolves
   * once the API servers it started listen — only those whose address `only` accepts when given: a
   * guest command on one cluster's VM never waits for another cluster's API server to come up (as on
   * real hosts, where each kubeadm runs on its own VM).
   */
  sync(vms: readonly SimClusterVm[], only?: (address: string) => boolean): Promise<void> {
    return this.chain(vms).then(() => this.waitStarts(only));
  }

  /** Waits for the work kubeadm commands queued (API servers starting or stopping); with `only`, for those addresses. */
  async settle(only?: (address: string) => boolean): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const waiting = [...this.pending].filter(([, a]) => a === undefined || !only || only(a)).map(([p]) => p);
      if (!waiting.length) return;
      await Promise.allSettled(waiting);
    }
  }

  /** The addresses of the clusters `vm` belongs to (as control plane or node): what a command on it may need. */
  concerns(vm: string): (address: string) => boolean {
    return (address) => {
      const rec = this.data.clusters[address];
      return !!rec && (rec.cpVm === vm || Object.values(rec.nodes).some((n) => n.vm === vm));
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.syncing;
    await this.settle();
    await Promise.allSettled([...this.running.values()].map((c) => c.stop()));
    this.running.clear();
  }

  private vmsHint: readonly SimClusterVm[] = [];
  /** API servers being started, by address (outside the serialised sync, so one slow start holds no other cluster). */
  private readonly starting = new Map<string, Promise<void>>();

  private chain(vms: readonly SimClusterVm[]): Promise<void> {
    const next = this.syncing.then(() => this.syncOnce(vms));
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private async waitStarts(only?: (address: string) => boolean): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const waiting = [...this.starting].filter(([a]) => !only || only(a)).map(([, p]) => p);
      if (!waiting.length) return;
      await Promise.all(waiting);
    }
  }

  private kick(): void {
    this.track(this.chain(this.vmsHint));
  }

  private track(p: Promise<unknown>, address?: string): void {
    const q = p.catch(() => undefined).finally(() => this.pending.delete(q));
    this.pending.set(q, address);
  }

  private startApi(rec: SimClusterRecord): void {
    const address = rec.address;
    const task = (async () => {
      try {
        const api = await SimCluster.start({ name: rec.name, host: rec.address, port: rec.port, stateDir: this.apiDir(rec.address), persistDebounceMs: this.opts.persistDebounceMs ?? 500, ...(this.opts.clock ? { clock: this.opts.clock } : {}) });
        this.running.set(address, api);
      } finally {
        this.starting.delete(address);
      }
      await this.chain(this.vmsHint); // its kubelets, and whatever changed while it started
    })();
    this.starting.set(address, task);
    this.track(task, address);
  }

  private async syncOnce(vms: readonly SimClusterVm[]): Promise<void> {
    if (this.closed) return;
    if (vms.length) this.vmsHint = vms;
    // control planes that moved (a re-issued API server certificate): stop the old server, move its state
    for (const [from, to] of this.moves.splice(0)) {
      const api = this.running.get(from);
      this.running.delete(from);
      if (api) await api.stop();
      try {
        rmSync(this.apiDir(to), { recursive: true, force: true });
        renameSync(this.apiDir(from), this.apiDir(to));
      } catch {
        /* no state yet: the identity is re-read from the new place or recreated */
      }
    }
    const byName = new Map(this.vmsHint.map((v) => [v.name, v]));
    for (const [address, api] of [...this.running]) {
      const rec = this.data.clusters[address];
      const cp = rec && byName.get(rec.cpVm);
      if (!rec || (cp && (!cp.running || cp.ip !== address))) {
        this.running.delete(address);
        await api.stop();
      }
    }
    for (const rec of this.records()) {
      const cp = byName.get(rec.cpVm);
      if (!cp?.running || cp.ip !== rec.address) continue; // an API server listens only where its VM is
      const api = this.running.get(rec.address);
      if (!api) {
        if (!this.starting.has(rec.address)) this.startApi(rec);
        continue; // its kubelets follow once it listens
      }
      const cpl = api.controlPlane!;
      const known = this.kubeletNames.get(api) ?? new Set<string>();
      this.kubeletNames.set(api, known);
      for (const [node, n] of Object.entries(rec.nodes)) {
        const vm = byName.get(n.vm);
        const up = !!vm?.running;
        if (!known.has(node)) {
          cpl.addNode({ name: node, ip: n.ip, cpu: n.cpu, memoryMiB: n.memoryMiB, kubeletVersion: `v${n.kubeletVersion}`, ...(n.role === 'control-plane' ? { staticPods: kubeadmStaticPods({ nodeIP: n.ip, version: `v${n.kubeletVersion}`, ...(rec.podSubnet ? { podSubnet: rec.podSubnet } : {}), ...(rec.serviceSubnet ? { serviceSubnet: rec.serviceSubnet } : {}) }), labels: { 'node-role.kubernetes.io/control-plane': '' } } : {}) });
          known.add(node);
          if (!up) cpl.stopNode(node);
        } else if (up) cpl.startNode(node);
        else cpl.stopNode(node);
      }
      for (const node of [...known]) {
        if (!rec.nodes[node]) {
          cpl.removeNode(node);
          known.delete(node);
        }
      }
    }
  }

  private readonly kubeletNames = new WeakMap<SimCluster, Set<string>>();

  private identity(rec: SimClusterRecord): { ca: KeyPair; token: string } {
    const id = readJson<{ ca: KeyPair; token: string }>(join(this.apiDir(rec.address), 'identity.json'));
    if (!id) throw new SimClusterError(`the simulated cluster at ${rec.address} lost its identity`);
    return id;
  }

  private caHash(rec: SimClusterRecord): string {
    return caCertHash(this.identity(rec).ca.certPem);
  }

  private mustGet(address: string): SimClusterRecord {
    const rec = this.at(address);
    if (!rec) throw new SimClusterError(`no control plane at ${address}`);
    return rec;
  }

  private apiDir(address: string): string {
    return join(this.dir, address);
  }

  private save(): void {
    writeAtomic(join(this.dir, 'registry.json'), JSON.stringify(this.data, null, 1));
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
