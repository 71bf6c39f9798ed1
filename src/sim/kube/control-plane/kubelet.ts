// A simulated kubelet for one node. It acts through the store as a real kubelet acts through the
// API: registers its Node, renews its Lease in kube-node-lease every 10 s, posts node status when
// it changes (and every 5 min), and runs the pods bound to it: Pending → Running, container
// statuses and restarts, logs, Succeeded/Failed, and finishes graceful deletion. What a container
// does comes from the workload model. The node is Ready only while a CNI pod (k8s-app=cilium)
// runs on it, as on a kubeadm node; until then other pods that need the pod network wait.
import type { TimerHandle } from '../../../controllers/clock.js';
import type { KubeObject } from '../object-store.js';
import type { Env } from './env.js';
import { WorkQueue } from './runtime.js';
import { fullImageRef, type ContainerContext, type ContainerHandle, type RunningContainer } from './workload.js';
import {
  R, clone, fnv32a, getCondition, isStatusError, microTime, rfc3339, setCondition, type Condition, type Json, type Obj,
} from './util.js';

export interface NodeSpec {
  name: string;
  ip: string;
  cpu: number;
  memoryMiB: number;
  labels?: Record<string, string>;
  taints?: unknown[];
  /** Default v1.31.9 (the seed's Kubernetes). */
  kubeletVersion?: string;
  /** Default amd64. */
  arch?: string;
  /** Default 110 (kubelet maxPods). */
  maxPods?: number;
  /**
   * Static pod manifests (what kubeadm writes to /etc/kubernetes/manifests): the kubelet runs them
   * and publishes mirror pods named <name>-<node>, recreating a mirror pod that is deleted.
   */
  staticPods?: KubeObject[];
}

export const CNI_NOT_READY =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
export const LEASE_DURATION_SECONDS = 40;
const LEASE_RENEW_MS = 10_000;
const STATUS_REPORT_MS = 5 * 60_000;
const STATUS_CHECK_MS = 10_000;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;

export function isCniPod(pod: Obj): boolean {
  return pod.metadata.labels?.['k8s-app'] === 'cilium';
}

interface ContainerRt {
  name: string;
  init: boolean;
  spec: Json;
  state: 'waiting' | 'running' | 'terminated';
  waitingReason: string;
  waitingMessage?: string;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  termReason?: string;
  restartCount: number;
  ready: boolean;
  containerID?: string;
  last?: Json;
  run?: RunningContainer;
  handle?: ContainerHandle & { stopped: boolean };
  timers: TimerHandle[];
  pullFailures?: number;
}

interface PodRt {
  uid: string;
  ns: string;
  name: string;
  key: string;
  startTime: number;
  ip: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  sandbox: boolean;
  initDone: boolean;
  init: ContainerRt[];
  apps: ContainerRt[];
  networkWarned: boolean;
  timers: TimerHandle[];
  killed: boolean;
  /** Accepted in this sync; its first status not yet written. */
  fresh?: boolean;
}

export class SimKubelet {
  readonly name: string;
  private readonly queue: WorkQueue;
  private pods = new Map<string, PodRt>();
  private stopped = false;
  private leaseTimer: TimerHandle | undefined;
  private statusTimer: TimerHandle | undefined;
  private lastPosted = '';
  private lastPostedAt = 0;
  private wasReady: boolean | undefined;
  private ipNext = 2;
  /** Images present on the node (pulled once, then "already present on machine"). */
  private images = new Set<string>();
  private readonly bootID: string;
  private readonly machineID: string;

  constructor(private readonly env: Env, readonly spec: NodeSpec, private readonly index: number) {
    this.name = spec.name;
    this.queue = new WorkQueue(env.clock, `kubelet/${spec.name}`, (k) => this.sync(k));
    env.queues.push(this.queue);
    this.bootID = env.rand.hex(8) + '-' + env.rand.hex(4) + '-' + env.rand.hex(4) + '-' + env.rand.hex(4) + '-' + env.rand.hex(12);
    this.machineID = env.rand.hex(32);
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    this.register();
    this.renewLease();
    this.env.hub.on(R.pods, (ev) => {
      if (this.stopped) return;
      const pod = ev.object as Obj;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (pod.spec?.nodeName === this.name || this.pods.has(key)) this.queue.add(key);
      if (isCniPod(pod) && pod.spec?.nodeName === this.name) {
        const running = ev.type !== 'DELETED' && pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp;
        if (running) this.cniPods.add(key);
        else this.cniPods.delete(key);
        this.queue.add('#node');
      } else if (this.cniPods.has(key)) {
        this.cniPods.delete(key);
        this.queue.add('#node');
      }
    });
    this.env.hub.on(R.pods, (ev) => {
      if (!this.stopped && ev.type === 'DELETED' && ev.object.metadata.annotations?.['kubernetes.io/config.mirror'] && (ev.object as Obj).spec?.nodeName === this.name) this.queue.add('#static');
    });
    this.env.hub.on(R.pvcs, (ev) => {
      if (this.stopped) return;
      for (const rt of this.pods.values()) if (rt.ns === ev.object.metadata.namespace && !rt.sandbox) this.queue.add(rt.key);
    });
    this.queue.add('#node');
    if (this.spec.staticPods?.length) this.queue.add('#static');
  }

  /** Mirror pods for the static pod manifests, as the kubelet creates them in the API. */
  private syncStaticPods(): void {
    const node = this.env.store.get(R.nodes, undefined, this.name);
    for (const manifest of this.spec.staticPods ?? []) {
      const m = manifest as Obj;
      const ns = m.metadata.namespace ?? 'default';
      const name = `${m.metadata.name}-${this.name}`;
      if (this.env.store.get(R.pods, ns, name)) continue;
      const hash = fnv32a(JSON.stringify(m)).toString(16).padStart(8, '0').repeat(4);
      try {
        this.env.store.create(R.pods, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            ...clone(m.metadata),
            name,
            namespace: ns,
            annotations: {
              ...(m.metadata.annotations ?? {}),
              'kubernetes.io/config.hash': hash,
              'kubernetes.io/config.mirror': hash,
              'kubernetes.io/config.seen': new Date(this.env.clock.now()).toISOString().replace('Z', '000000Z'),
              'kubernetes.io/config.source': 'file',
            },
            ownerReferences: node ? [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid ?? '', controller: true }] : undefined,
          },
          spec: { ...clone(m.spec ?? {}), nodeName: this.name },
        });
      } catch (e) {
        if (!isStatusError(e, 409)) throw e;
      }
    }
  }

  /** The VM stopped: no more heartbeats or status, containers gone with it. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.leaseTimer !== undefined) this.env.clock.clearTimeout(this.leaseTimer);
    if (this.statusTimer !== undefined) this.env.clock.clearTimeout(this.statusTimer);
    for (const rt of this.pods.values()) this.killRuntime(rt, false);
    this.pods.clear();
    this.queue.stop();
  }

  // ---- node ----------------------------------------------------------------------------------

  private nodeObject(): Obj {
    const s = this.spec;
    const arch = s.arch ?? 'amd64';
    const memKi = s.memoryMiB * 1024;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: s.name,
        labels: {
          'beta.kubernetes.io/arch': arch,
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': arch,
          'kubernetes.io/hostname': s.name,
          'kubernetes.io/os': 'linux',
          ...(s.labels ?? {}),
        },
        annotations: {
          'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
      },
      spec: {
        podCIDR: `10.244.${this.index}.0/24`,
        podCIDRs: [`10.244.${this.index}.0/24`],
        taints: [...((s.taints as Json[]) ?? []), { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
      },
      status: {
        capacity: { cpu: String(s.cpu), 'ephemeral-storage': '61202244Ki', 'hugepages-2Mi': '0', memory: `${memKi}Ki`, pods: String(s.maxPods ?? 110) },
        // kubeadm defaults: evictionHard memory.available 100Mi, nodefs 10 %; no reservations.
        allocatable: { cpu: String(s.cpu), 'ephemeral-storage': '56403987978', 'hugepages-2Mi': '0', memory: `${Math.max(0, memKi - 102400)}Ki`, pods: String(s.maxPods ?? 110) },
        addresses: [{ type: 'InternalIP', address: s.ip }, { type: 'Hostname', address: s.name }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: this.machineID,
          systemUUID: this.machineID.slice(0, 8) + '-' + this.machineID.slice(8, 12) + '-' + this.machineID.slice(12, 16) + '-' + this.machineID.slice(16, 20) + '-' + this.machineID.slice(20),
          bootID: this.bootID,
          kernelVersion: arch === 'arm64' ? '6.8.0-49-generic' : '6.8.0-49-generic',
          osImage: 'Ubuntu 24.04.1 LTS',
          containerRuntimeVersion: 'containerd://1.7.24',
          kubeletVersion: s.kubeletVersion ?? 'v1.31.9',
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: arch,
        },
        conditions: [],
      },
    };
  }

  private register(): void {
    const want = this.nodeObject();
    const existing = this.env.store.get(R.nodes, undefined, this.name) as Obj | undefined;
    const src = { component: 'kubelet', host: this.name };
    if (!existing) {
      try {
        this.env.store.create(R.nodes, want);
      } catch (e) {
        if (!isStatusError(e, 409)) throw e;
      }
      const node = this.env.store.get(R.nodes, undefined, this.name) as Obj;
      const ev = (reason: string, msg: string) => this.env.events.emit(src, node, 'Normal', reason, msg);
      ev('Starting', 'Starting kubelet.');
      ev('NodeHasSufficientMemory', `Node ${this.name} status is now: NodeHasSufficientMemory`);
      ev('NodeHasNoDiskPressure', `Node ${this.name} status is now: NodeHasNoDiskPressure`);
      ev('NodeHasSufficientPID', `Node ${this.name} status is now: NodeHasSufficientPID`);
      ev('NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    } else {
      // A restarted kubelet: refresh what it reports, keep the rest (labels others added, taints).
      const next = clone(existing);
      next.metadata.labels = { ...(existing.metadata.labels ?? {}), ...want.metadata.labels };
      this.env.store.update(R.nodes, next);
      this.env.events.emit(src, existing, 'Normal', 'Starting', 'Starting kubelet.');
    }
    this.postStatus(true);
  }

  /** Running CNI pods on this node, kept from watch events. */
  private cniPods = new Set<string>();

  private cniReady(): boolean {
    return this.cniPods.size > 0;
  }

  private postStatus(force = false): void {
    if (this.stopped) return;
    const node = this.env.store.get(R.nodes, undefined, this.name) as Obj | undefined;
    if (!node) return;
    const now = this.env.clock.now();
    const ready = this.cniReady();
    const want = this.nodeObject().status;
    let conds: Condition[] = clone(node.status?.conditions ?? []);
    const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
      conds = setCondition(conds, { type, status, reason, message, lastHeartbeatTime: rfc3339(now) }, now);
    };
    set('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available');
    set('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure');
    set('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available');
    if (ready) set('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
    else set('Ready', 'False', 'KubeletNotReady', CNI_NOT_READY);
    const status = { ...want, conditions: conds };
    const sig = JSON.stringify({ ...status, conditions: conds.map((c) => [c.type, c.status, c.reason, c.message]) });
    if (!force && sig === this.lastPosted && now - this.lastPostedAt < STATUS_REPORT_MS) return;
    this.env.store.update(R.nodes, { ...node, status }, { subresource: 'status' });
    this.lastPosted = sig;
    this.lastPostedAt = now;
    if (this.wasReady !== ready) {
      if (ready || this.wasReady !== undefined) {
        this.env.events.emit({ component: 'kubelet', host: this.name }, node, 'Normal', ready ? 'NodeReady' : 'NodeNotReady', `Node ${this.name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`);
      }
      this.wasReady = ready;
    }
  }

  private renewLease(): void {
    if (this.stopped) return;
    const now = this.env.clock.now();
    const node = this.env.store.get(R.nodes, undefined, this.name);
    const lease = this.env.store.get(R.leases, 'kube-node-lease', this.name) as Obj | undefined;
    try {
      if (!lease) {
        this.env.store.create(R.leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.name,
            namespace: 'kube-node-lease',
            ownerReferences: node ? [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid ?? '' }] : undefined,
          },
          spec: { holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) },
        });
      } else {
        this.env.store.update(R.leases, { ...lease, spec: { ...lease.spec, holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) } });
      }
    } catch {
      // The real kubelet retries at the next interval too (e.g. namespace not created yet).
    }
    // The status manager's periodic sync: a pod status someone else changed (the node lifecycle
    // controller's Ready=False/NodeNotReady after a missed heartbeat) is put back to what the
    // kubelet sees. Without it a pod stays NotReady after its node recovers.
    for (const rt of this.pods.values()) this.writeStatus(rt);
    this.leaseTimer = this.env.clock.setTimeout(() => this.renewLease(), LEASE_RENEW_MS);
  }

  // ---- pods ----------------------------------------------------------------------------------

  private sync(key: string): void {
    if (this.stopped) return;
    if (key === '#static') return this.syncStaticPods();
    if (key === '#node') {
      this.postStatus();
      if (this.statusTimer !== undefined) this.env.clock.clearTimeout(this.statusTimer);
      this.statusTimer = this.env.clock.setTimeout(() => this.queue.add('#node'), STATUS_CHECK_MS);
      // Pods waiting for the network may start now.
      for (const rt of this.pods.values()) if (!rt.sandbox) this.queue.add(rt.key);
      return;
    }
    const [ns, name] = key.split('/');
    const pod = this.env.store.get(R.pods, ns, name) as Obj | undefined;
    let rt = this.pods.get(key);
    if (rt && (!pod || pod.metadata.uid !== rt.uid || pod.spec?.nodeName !== this.name)) {
      this.killRuntime(rt, false);
      this.env.logs.forget(rt.uid);
      this.pods.delete(key);
      rt = undefined;
    }
    if (!pod || pod.spec?.nodeName !== this.name) return;
    if (pod.metadata.deletionTimestamp) {
      if (rt) {
        this.killRuntime(rt, true);
        this.writeStatus(rt);
        this.env.logs.forget(rt.uid);
        this.pods.delete(key);
      }
      try {
        this.env.store.delete(R.pods, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (e) {
        if (!isStatusError(e, 404)) throw e;
      }
      return;
    }
    if (!rt) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      rt = this.newRuntime(pod);
      this.pods.set(key, rt);
      rt.fresh = true;
    }
    if (!rt.sandbox) this.trySandbox(rt, pod);
    // A pod that cannot start yet still shows the kubelet accepted it (Pending, startTime, waiting containers).
    if (rt.fresh) {
      rt.fresh = false;
      if (!rt.sandbox) this.writeStatus(rt);
    }
  }

  private newRuntime(pod: Obj): PodRt {
    const mk = (c: Json, init: boolean): ContainerRt => ({
      name: c.name, init, spec: c, state: 'waiting', waitingReason: init ? 'PodInitializing' : 'ContainerCreating', restartCount: 0, ready: false, timers: [],
    });
    const init = (pod.spec?.initContainers ?? []).map((c: Json) => mk(c, true));
    const apps = (pod.spec?.containers ?? []).map((c: Json) => mk(c, false));
    if (init.length) init[0].waitingReason = 'PodInitializing';
    const ip = pod.spec?.hostNetwork ? this.spec.ip : `10.244.${this.index}.${this.ipNext++ % 250 + 2}`;
    return {
      uid: pod.metadata.uid ?? '', ns: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', key: `${pod.metadata.namespace}/${pod.metadata.name}`,
      startTime: this.env.clock.now(), ip, phase: 'Pending', sandbox: false, initDone: init.length === 0, init, apps, networkWarned: false, timers: [], killed: false,
    };
  }

  private trySandbox(rt: PodRt, pod: Obj): void {
    if (!pod.spec?.hostNetwork && !isCniPod(pod) && !this.cniReady()) {
      if (!rt.networkWarned) {
        rt.networkWarned = true;
        this.podEvent(pod, 'Warning', 'NetworkNotReady', `network is not ready: ${CNI_NOT_READY}`);
      }
      return;
    }
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = this.env.store.get(R.pvcs, rt.ns, claim) as Obj | undefined;
      if (pvc?.status?.phase !== 'Bound') return; // volumes not attached yet; PVC events re-queue us
    }
    rt.sandbox = true;
    this.writeStatus(rt);
    this.startNext(rt, pod);
  }

  private startNext(rt: PodRt, pod: Obj): void {
    if (rt.killed) return;
    if (!rt.initDone) {
      const next = rt.init.find((c) => !(c.state === 'terminated' && c.exitCode === 0));
      if (next) {
        if (next.state !== 'running') this.scheduleStart(rt, pod, next, 0);
        return;
      }
      rt.initDone = true;
    }
    for (const c of rt.apps) if (c.state === 'waiting' && c.waitingReason !== 'CrashLoopBackOff') this.scheduleStart(rt, pod, c, 0);
  }

  private ctx(pod: Obj, c: ContainerRt): ContainerContext {
    return { pod, container: c.spec, init: c.init, nodeName: this.name, restartCount: c.restartCount, clock: this.env.clock, store: this.env.store };
  }

  private scheduleStart(rt: PodRt, pod: Obj, c: ContainerRt, extraMs: number): void {
    if (c.timers.length) return;
    const delay = extraMs + (c.restartCount === 0 ? (this.env.workload.startDelayMs?.(this.ctx(pod, c)) ?? 1000) : 0);
    c.timers.push(this.env.clock.setTimeout(() => {
      c.timers = [];
      if (this.stopped || rt.killed) return;
      const cur = (this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined) ?? pod;
      if (this.pullImage(rt, cur, c)) this.startContainer(rt, cur, c);
    }, delay));
  }

  /** Image pull as containerd reports it; false (and a retry with back-off) when the pull fails. */
  private pullImage(rt: PodRt, pod: Obj, c: ContainerRt): boolean {
    const image: string = c.spec.image ?? '';
    const policy: string = c.spec.imagePullPolicy ?? (/:latest$/.test(fullImageRef(image)) && !image.includes('@') ? 'Always' : 'IfNotPresent');
    if (policy === 'Never' || (policy === 'IfNotPresent' && this.images.has(image))) {
      if (policy === 'Never' && !this.images.has(image)) {
        c.waitingReason = 'ErrImageNeverPull';
        c.waitingMessage = `Container image "${image}" is not present with pull policy of Never`;
        this.podEvent(pod, 'Warning', 'ErrImageNeverPull', c.waitingMessage, c);
        this.writeStatus(rt);
        return false;
      }
      this.podEvent(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, c);
      return true;
    }
    this.podEvent(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, c);
    const err = this.env.workload.imagePullError?.(this.ctx(pod, c));
    if (err) {
      c.pullFailures = (c.pullFailures ?? 0) + 1;
      c.waitingReason = 'ErrImagePull';
      c.waitingMessage = err;
      this.podEvent(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${err}`, c);
      this.podEvent(pod, 'Warning', 'Failed', 'Error: ErrImagePull', c);
      this.writeStatus(rt);
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (c.pullFailures - 1));
      // A moment later the kubelet reports the back-off, then retries the pull when it ends.
      c.timers.push(this.env.clock.setTimeout(() => {
        if (this.stopped || rt.killed) return;
        c.waitingReason = 'ImagePullBackOff';
        c.waitingMessage = `Back-off pulling image "${image}": ErrImagePull: ${err}`;
        this.podEvent(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, c);
        this.podEvent(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', c);
        this.writeStatus(rt);
      }, 1000));
      c.timers.push(this.env.clock.setTimeout(() => {
        c.timers = [];
        if (this.stopped || rt.killed) return;
        const cur = (this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined) ?? pod;
        if (this.pullImage(rt, cur, c)) this.startContainer(rt, cur, c);
      }, 1000 + backoff));
      return false;
    }
    const ms = 800 + (fnv32a(image) % 2400);
    const secs = `${(ms / 1000).toFixed(3)}s`;
    this.podEvent(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs} (${secs} including waiting). Image size: ${10_000_000 + (fnv32a(`size:${image}`) % 90_000_000)} bytes.`, c);
    this.images.add(image);
    c.pullFailures = 0;
    return true;
  }

  private startContainer(rt: PodRt, pod: Obj, c: ContainerRt): void {
    const now = this.env.clock.now();
    this.podEvent(pod, 'Normal', 'Created', `Created container ${c.name}`, c);
    this.podEvent(pod, 'Normal', 'Started', `Started container ${c.name}`, c);
    c.state = 'running';
    c.waitingMessage = undefined;
    c.startedAt = now;
    c.containerID = `containerd://${this.env.rand.hex(64)}`;
    c.exitCode = undefined;
    c.termReason = undefined;
    this.env.logs.startInstance(rt.uid, c.name);
    const probe = c.spec.readinessProbe;
    c.ready = !probe;
    let modelSetReady = false;
    const handle: ContainerHandle & { stopped: boolean } = {
      stopped: false,
      log: (text) => {
        if (handle.stopped) return;
        this.env.logs.append(rt.uid, c.name, text.endsWith('\n') ? text : `${text}\n`);
      },
      exit: (code, reason) => {
        if (handle.stopped) return;
        this.containerExited(rt, c, code, reason);
      },
      setReady: (ready) => {
        if (handle.stopped) return;
        modelSetReady = true;
        if (c.ready !== ready) {
          c.ready = ready;
          this.writeStatus(rt);
        }
      },
    };
    c.handle = handle;
    if (probe && !c.init) {
      const delay = (probe.initialDelaySeconds ?? 0) * 1000;
      c.timers.push(this.env.clock.setTimeout(() => {
        if (handle.stopped || modelSetReady) return;
        c.ready = true;
        this.writeStatus(rt);
      }, delay));
    }
    if (rt.phase === 'Pending' && rt.initDone) rt.phase = 'Running';
    this.writeStatus(rt);
    c.run = this.env.workload.start(this.ctx(pod, c), handle) ?? undefined;
  }

  private containerExited(rt: PodRt, c: ContainerRt, code: number, reason?: string): void {
    const now = this.env.clock.now();
    this.stopContainer(rt, c, false);
    c.state = 'terminated';
    c.exitCode = code;
    c.termReason = reason ?? (code === 0 ? 'Completed' : 'Error');
    c.finishedAt = now;
    c.ready = false;
    const pod = this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined;
    if (!pod) return;
    const policy: string = pod.spec?.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && code !== 0) || (c.init && code !== 0 && policy !== 'Never');
    if (c.init && code === 0) {
      this.writeStatus(rt);
      this.startNext(rt, pod);
      return;
    }
    if (restart) {
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** c.restartCount);
      c.last = { terminated: this.terminatedState(c) };
      c.restartCount++;
      c.state = 'waiting';
      c.waitingReason = 'CrashLoopBackOff';
      c.waitingMessage = `back-off ${Math.round(backoff / 1000) >= 60 ? `${Math.floor(backoff / 60000)}m${backoff % 60000 ? `${(backoff % 60000) / 1000}s` : '0s'}` : `${backoff / 1000}s`} restarting failed container=${c.name} pod=${rt.name}_${rt.ns}(${rt.uid})`;
      this.podEvent(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${rt.name}_${rt.ns}(${rt.uid})`, c);
      this.writeStatus(rt);
      c.timers.push(this.env.clock.setTimeout(() => {
        c.timers = [];
        if (this.stopped || rt.killed) return;
        const cur = this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined;
        if (cur) this.startContainer(rt, cur, c);
      }, backoff));
      return;
    }
    if (c.init) rt.phase = 'Failed';
    else if (rt.apps.every((a) => a.state === 'terminated')) rt.phase = rt.apps.every((a) => a.exitCode === 0) ? 'Succeeded' : 'Failed';
    this.writeStatus(rt);
  }

  private terminatedState(c: ContainerRt): Json {
    return {
      exitCode: c.exitCode ?? 0,
      reason: c.termReason ?? 'Completed',
      startedAt: c.startedAt !== undefined ? rfc3339(c.startedAt) : null,
      finishedAt: rfc3339(c.finishedAt ?? this.env.clock.now()),
      containerID: c.containerID,
    };
  }

  private stopContainer(rt: PodRt, c: ContainerRt, killed: boolean): void {
    for (const t of c.timers) this.env.clock.clearTimeout(t);
    c.timers = [];
    if (c.handle) c.handle.stopped = true;
    if (c.run?.stop) c.run.stop();
    c.run = undefined;
    if (c.state === 'running') {
      this.env.logs.endInstance(rt.uid, c.name);
      if (killed) {
        c.state = 'terminated';
        c.exitCode = 137;
        c.termReason = 'Error';
        c.finishedAt = this.env.clock.now();
        c.ready = false;
      }
    }
  }

  private killRuntime(rt: PodRt, emit: boolean): void {
    rt.killed = true;
    for (const t of rt.timers) this.env.clock.clearTimeout(t);
    const pod = emit ? (this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined) : undefined;
    for (const c of [...rt.init, ...rt.apps]) {
      if (c.state === 'running' && pod) this.podEvent(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, c);
      this.stopContainer(rt, c, true);
    }
  }

  private containerStatus(c: ContainerRt): Json {
    let state: Json;
    if (c.state === 'running') state = { running: { startedAt: rfc3339(c.startedAt ?? 0) } };
    else if (c.state === 'terminated') state = { terminated: this.terminatedState(c) };
    else state = { waiting: c.waitingMessage ? { reason: c.waitingReason, message: c.waitingMessage } : { reason: c.waitingReason } };
    const image: string = c.spec.image ?? '';
    const withTag = fullImageRef(image);
    const digest = (fnv32a(image).toString(16).padStart(8, '0')).repeat(8);
    return {
      name: c.name,
      image: withTag,
      imageID: c.state === 'waiting' && c.restartCount === 0 ? '' : `${withTag.replace(/:[^:/]+$/, '')}@sha256:${digest}`,
      ...(c.containerID ? { containerID: c.containerID } : {}),
      ready: c.state === 'running' && c.ready,
      started: c.state === 'running',
      restartCount: c.restartCount,
      state,
      lastState: c.last ?? {},
    };
  }

  private writeStatus(rt: PodRt): void {
    if (this.stopped) return;
    const pod = this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined;
    if (!pod || pod.metadata.uid !== rt.uid) return;
    const now = this.env.clock.now();
    let conds: Condition[] = clone(pod.status?.conditions ?? []);
    const done = rt.phase === 'Succeeded' || rt.phase === 'Failed';
    const set = (type: string, ok: boolean, reason?: string, message?: string) => {
      conds = setCondition(conds, { type, status: ok ? 'True' : 'False', ...(ok ? {} : { reason, message }) }, now, { probeTime: true });
    };
    set('PodReadyToStartContainers', rt.sandbox && !done);
    const pendingInit = rt.init.filter((c) => !(c.state === 'terminated' && c.exitCode === 0)).map((c) => c.name);
    set('Initialized', pendingInit.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${pendingInit.join(' ')}]`);
    const unready = rt.apps.filter((c) => !(c.state === 'running' && c.ready)).map((c) => c.name);
    const ready = !done && unready.length === 0 && rt.initDone;
    const reason = done ? 'PodCompleted' : 'ContainersNotReady';
    const msg = done ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    set('Ready', ready, reason, msg);
    set('ContainersReady', ready, reason, msg);
    if (!getCondition(conds, 'PodScheduled')) set('PodScheduled', true);
    const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    conds.sort((a, b) => (order.indexOf(a.type) + 1 || 99) - (order.indexOf(b.type) + 1 || 99));
    const status: Json = {
      ...(pod.status ?? {}),
      phase: rt.phase,
      conditions: conds,
      hostIP: this.spec.ip,
      hostIPs: [{ ip: this.spec.ip }],
      startTime: rfc3339(rt.startTime),
      containerStatuses: rt.apps.map((c) => this.containerStatus(c)),
      qosClass: pod.status?.qosClass ?? qosClass(pod),
    };
    if (rt.sandbox) {
      status.podIP = rt.ip;
      status.podIPs = [{ ip: rt.ip }];
    }
    if (rt.init.length) status.initContainerStatuses = rt.init.map((c) => this.containerStatus(c));
    if (JSON.stringify(status) === JSON.stringify(pod.status)) return;
    try {
      this.env.store.update(R.pods, { ...pod, status } as KubeObject, { subresource: 'status', fieldManager: 'kubelet' });
    } catch (e) {
      if (isStatusError(e, 409)) this.queue.addAfter(rt.key, 1);
      else if (!isStatusError(e, 404)) throw e;
    }
  }

  private podEvent(pod: Obj, type: 'Normal' | 'Warning', reason: string, message: string, c?: ContainerRt): void {
    const target = c ? { ...pod, fieldPath: `spec.${c.init ? 'initContainers' : 'containers'}{${c.name}}` } : pod;
    this.env.events.emit({ component: 'kubelet', host: this.name }, target, type, reason, message);
  }

  // ---- metrics -------------------------------------------------------------------------------

  /** Usage of every running container, for metrics.k8s.io. */
  usage(): { ns: string; name: string; containers: { name: string; cpuMilli: number; memoryBytes: number }[] }[] {
    if (this.stopped) return [];
    const out = [];
    for (const rt of this.pods.values()) {
      const pod = this.env.store.get(R.pods, rt.ns, rt.name) as Obj | undefined;
      if (!pod) continue;
      const containers = rt.apps
        .filter((c) => c.state === 'running')
        .map((c) => ({ name: c.name, ...this.env.workload.usage(this.ctx(pod, c)) }));
      if (containers.length) out.push({ ns: rt.ns, name: rt.name, containers });
    }
    return out;
  }
}

export function qosClass(pod: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs: Json[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const any = cs.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = { ...l, ...(c.resources?.requests ?? {}) };
    return ['cpu', 'memory'].every((k) => l[k] !== undefined && String(r[k]) === String(l[k]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
