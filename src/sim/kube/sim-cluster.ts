// One simulated Kubernetes cluster: the MemoryStore, the HTTPS API server on a loopback address,
// the simulated control plane (controllers, scheduler, kubelets), and optionally its state in a
// directory (JSON snapshot written atomically, debounced; reloaded on start, so a restart finds
// the same objects, helm releases and CA).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock, type Clock } from '../../controllers/clock.js';
import { startControlPlane, type ControlPlane, type NodeSpec, type WorkloadModel } from './control-plane/index.js';
import { LoadWorkload } from './workload/load-model.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { KubeApiServer } from './server/http-server.js';
import { createClusterPki, serverSansFor, type ClusterPki, type KeyPair } from './server/pki.js';
import type { KubeObject } from './object-store.js';
import { MemoryStore, type StoreSnapshot } from './store/memory-store.js';

export interface SimClusterOptions {
  /** Cluster name (kubeconfig cluster/context); default "sim". */
  name?: string;
  /** Listen address, a 127.x address; default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. Default 6443. */
  port?: number;
  /** Persist state here (created if missing). */
  stateDir?: string;
  clock?: Clock;
  /** Run the simulated control plane (default true). */
  controlPlane?: boolean;
  seed?: number;
  /** What containers do (default: LoadWorkload: web pods, k6 and stress-ng modelled, the rest as DefaultWorkload). */
  workload?: WorkloadModel;
  /** Nodes the control plane starts with (kubelets register them). */
  nodes?: NodeSpec[];
  maxObjects?: number;
  maxObjectsPerResource?: number;
  maxBodyBytes?: number;
  /** Debounce for snapshot writes (ms, default 1000: kubelet heartbeats change objects all the time). */
  persistDebounceMs?: number;
  /** Request log lines. */
  log?: (line: string) => void;
  /** Reuse a CA (tests that start many clusters skip one key generation). */
  ca?: KeyPair;
  /** Serve with these certificates (a guest's kube-apiserver serves what `kubeadm init` wrote to pki/). */
  pki?: ClusterPki;
  /** Extra bearer tokens to accept (bootstrap tokens). */
  acceptToken?: (token: string) => boolean;
}

interface PersistedIdentity {
  ca: KeyPair;
  token: string;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read the simulated cluster's state (${e instanceof Error ? e.message : e}); move the file away to start from an empty cluster`);
  }
}

export class SimCluster {
  readonly store: MemoryStore;
  readonly server: KubeApiServer;
  readonly controlPlane?: ControlPlane;
  url = '';
  private timer?: ReturnType<typeof setTimeout>;
  private unsubscribe?: () => void;
  private stopBootstrap?: () => void;
  private stopped = false;

  private constructor(
    readonly name: string,
    readonly pki: ClusterPki,
    readonly token: string,
    private opts: SimClusterOptions,
  ) {
    const clock = opts.clock ?? realClock;
    this.store = new MemoryStore({ clock, seed: opts.seed, maxObjects: opts.maxObjects, maxObjectsPerResource: opts.maxObjectsPerResource });
    if (opts.stateDir) {
      const snap = readJson<StoreSnapshot>(join(opts.stateDir, 'objects.json'));
      if (snap) this.store.restore(snap);
    }
    this.server = new KubeApiServer({ store: this.store, pki, token, ...(opts.acceptToken ? { acceptToken: opts.acceptToken } : {}), maxBodyBytes: opts.maxBodyBytes, log: opts.log });
    if (opts.controlPlane !== false) {
      this.controlPlane = startControlPlane(this.store, { clock, seed: opts.seed, workload: opts.workload ?? new LoadWorkload({ seed: opts.seed }) });
      this.server.logs = this.controlPlane.logs;
      this.server.metrics = this.controlPlane.metrics;
      for (const n of opts.nodes ?? []) this.controlPlane.addNode(n);
    }
    if (opts.stateDir) this.unsubscribe = this.store.onChange(() => this.schedulePersist());
    this.stopBootstrap = this.bootstrapNamespaces();
  }

  /**
   * What kube-controller-manager puts into every namespace: the `default` ServiceAccount and the
   * `kube-root-ca.crt` ConfigMap (the cluster CA, which in-cluster clients and charts mount).
   */
  private bootstrapNamespaces(): () => void {
    const sa = { group: '', version: 'v1', resource: 'serviceaccounts' };
    const cm = { group: '', version: 'v1', resource: 'configmaps' };
    const ensure = (ns: string) => {
      const ops: [typeof sa, KubeObject][] = [
        [sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }],
        [cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." } }, data: { 'ca.crt': this.pki.ca.certPem } }],
      ];
      for (const [res, obj] of ops) {
        if (this.store.get(res, ns, obj.metadata.name!)) continue;
        try {
          this.store.create(res, obj, { fieldManager: 'kube-controller-manager' });
        } catch {
          /* namespace terminating or quota reached: a real controller would retry; nothing to do here */
        }
      }
    };
    return this.store.watch({ group: '', version: 'v1', resource: 'namespaces' }, {}, (e) => {
      if ((e.type === 'ADDED' || e.type === 'MODIFIED') && !e.object.metadata.deletionTimestamp) ensure(e.object.metadata.name!);
    });
  }

  static async start(opts: SimClusterOptions = {}): Promise<SimCluster> {
    const host = opts.host ?? '127.0.0.1';
    const name = opts.name ?? 'sim';
    let identity: PersistedIdentity | undefined;
    if (opts.stateDir) {
      mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
      identity = readJson<PersistedIdentity>(join(opts.stateDir, 'identity.json'));
    }
    const token = identity?.token ?? randomBytes(24).toString('base64url');
    const pki = opts.pki ?? createClusterPki(host, { ca: identity?.ca ?? opts.ca });
    if (opts.stateDir && !identity) writeAtomic(join(opts.stateDir, 'identity.json'), JSON.stringify({ ca: pki.ca, token }));
    const c = new SimCluster(name, pki, token, opts);
    const addr = await c.server.listen(host, opts.port ?? 6443);
    c.url = addr.url;
    return c;
  }

  kubeconfig(opts: { auth?: 'token' | 'cert'; namespace?: string } = {}): string {
    return kubeconfigYaml({ cluster: this.name, server: this.url, pki: this.pki, token: this.token, ...opts });
  }

  writeKubeconfig(file: string, opts: { auth?: 'token' | 'cert'; namespace?: string } = {}): void {
    writeAtomic(file, this.kubeconfig(opts));
  }

  private schedulePersist(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.persistNow();
    }, this.opts.persistDebounceMs ?? 1000);
  }

  /** Write the snapshot now (also done on stop). */
  persistNow(): void {
    if (!this.opts.stateDir) return;
    writeAtomic(join(this.opts.stateDir, 'objects.json'), this.store.snapshotJson());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.stopBootstrap?.();
    this.controlPlane?.stop();
    await this.server.close();
    this.persistNow();
  }
}

export { serverSansFor };
