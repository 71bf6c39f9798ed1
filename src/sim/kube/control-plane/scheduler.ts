// The default scheduler's filters and a least-allocated score: node readiness taints, cordon
// (spec.unschedulable), nodeSelector and required node affinity (DaemonSet pods pin themselves by
// metadata.name), taints/tolerations, CPU/memory requests against allocatable, pod count, and PVCs.
// A pod that fits nowhere gets PodScheduled=False/Unschedulable and a FailedScheduling event
// worded as kube-scheduler words it ("0/2 nodes are available: …").
import type { Env } from './env.js';
import { WorkQueue } from './runtime.js';
import {
  R, clone, getCondition, isStatusError, parseQuantity, podRequests, podTerminal, setCondition, milliCpu, type Json, type Obj,
} from './util.js';

export interface Taint { key: string; value?: string; effect: string }
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }

export function tolerates(tols: Toleration[] | undefined, t: Taint): boolean {
  return (tols ?? []).some((tol) => {
    if (tol.effect && tol.effect !== t.effect) return false;
    if (tol.operator === 'Exists') return !tol.key || tol.key === t.key;
    return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
  });
}

function matchNodeSelectorTerm(node: Obj, term: Json): boolean {
  const labels = node.metadata.labels ?? {};
  for (const e of term.matchExpressions ?? []) {
    const has = e.key in labels;
    const v = labels[e.key];
    const vals: string[] = e.values ?? [];
    const ok =
      e.operator === 'In' ? has && vals.includes(v)
      : e.operator === 'NotIn' ? !has || !vals.includes(v)
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : e.operator === 'Gt' ? has && Number(v) > Number(vals[0])
      : e.operator === 'Lt' ? has && Number(v) < Number(vals[0])
      : false;
    if (!ok) return false;
  }
  for (const f of term.matchFields ?? []) {
    if (f.key !== 'metadata.name') return false;
    const inList = (f.values ?? []).includes(node.metadata.name);
    if ((f.operator === 'In' && !inList) || (f.operator === 'NotIn' && inList)) return false;
  }
  return true;
}

export function matchesNodeAffinity(pod: Obj, node: Obj): boolean {
  const sel: Record<string, string> = pod.spec?.nodeSelector ?? {};
  for (const [k, v] of Object.entries(sel)) if (node.metadata.labels?.[k] !== v) return false;
  const terms: Json[] | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length) return terms.some((t) => matchNodeSelectorTerm(node, t));
  return true;
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(pod: Obj, node: Obj): Taint | undefined {
  return ((node.spec?.taints ?? []) as Taint[]).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod.spec?.tolerations, t));
}

export interface FitResult { fits: boolean; reasons: string[] }

export interface NodeUse { cpuMilli: number; memory: number; pods: number }

/** Filters in kube-scheduler's order; reasons worded as its plugins word them. */
export function fitsNode(pod: Obj, node: Obj, use: NodeUse): FitResult {
  const reasons: string[] = [];
  if (node.spec?.unschedulable && !tolerates(pod.spec?.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return { fits: false, reasons: ['node(s) were unschedulable'] };
  }
  if (!matchesNodeAffinity(pod, node)) return { fits: false, reasons: ["node(s) didn't match Pod's node affinity/selector"] };
  const t = untoleratedTaint(pod, node);
  if (t) return { fits: false, reasons: [`node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`] };
  const req = podRequests(pod);
  const alloc = node.status?.allocatable ?? {};
  if (use.pods + 1 > Number(alloc.pods ?? 110)) reasons.push('Too many pods');
  if (req.cpuMilli > 0 && use.cpuMilli + req.cpuMilli > milliCpu(alloc.cpu ?? '0')) reasons.push('Insufficient cpu');
  if (req.memory > 0 && use.memory + req.memory > parseQuantity(alloc.memory ?? '0')) reasons.push('Insufficient memory');
  return { fits: reasons.length === 0, reasons };
}

/** "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {…}. preemption: …" */
export function failedSchedulingMessage(nodeCount: number, reasons: Map<string, number>, preemptionHelps = false): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  const parts = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).sort();
  const helpful = preemptionHelps ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling';
  return `0/${nodeCount} nodes are available: ${parts.join(', ')}. preemption: 0/${nodeCount} nodes are available: ${nodeCount} ${helpful}.`;
}

export class Scheduler {
  private queue: WorkQueue;
  private lastMessage = new Map<string, string>();

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'scheduler', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  /** Requests of every bound, non-terminal pod, kept from watch events (the scheduler cache). */
  private bound = new Map<string, { node: string; cpuMilli: number; memory: number }>();
  private perNode = new Map<string, NodeUse>();
  private retryPending = false;
  /** Nodes as the last watch event showed them (read-only). */
  private nodes = new Map<string, Obj>();

  private account(key: string, p: Obj | undefined): void {
    const old = this.bound.get(key);
    if (old) {
      const u = this.perNode.get(old.node)!;
      u.cpuMilli -= old.cpuMilli;
      u.memory -= old.memory;
      u.pods--;
      this.bound.delete(key);
    }
    if (!p || !p.spec?.nodeName || podTerminal(p)) return;
    const r = podRequests(p);
    const entry = { node: p.spec.nodeName as string, cpuMilli: r.cpuMilli, memory: r.memory };
    this.bound.set(key, entry);
    let u = this.perNode.get(entry.node);
    if (!u) this.perNode.set(entry.node, (u = { cpuMilli: 0, memory: 0, pods: 0 }));
    u.cpuMilli += entry.cpuMilli;
    u.memory += entry.memory;
    u.pods++;
  }

  start(): void {
    this.env.hub.on(R.pods, (ev) => {
      const p = ev.object as Obj;
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const wasBound = this.bound.has(key);
      this.account(key, ev.type === 'DELETED' ? undefined : p);
      if (ev.type === 'DELETED') {
        this.lastMessage.delete(key);
        if (wasBound) this.retryUnscheduled(); // resources freed
        return;
      }
      if (!p.spec?.nodeName && (p.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler') this.queue.add(key);
      else if (wasBound && !this.bound.has(key)) this.retryUnscheduled(); // finished: resources freed
    });
    this.env.hub.on(R.nodes, (ev) => {
      if (ev.type === 'DELETED') this.nodes.delete(ev.object.metadata.name ?? '');
      else this.nodes.set(ev.object.metadata.name ?? '', ev.object as Obj);
      this.retryUnscheduled();
    });
    this.env.hub.on(R.pvcs, () => this.retryUnscheduled());
  }

  /** Cluster changes move unschedulable pods back to the queue, at most once per second (as the real scheduler's back-off queue does). */
  private retryUnscheduled(): void {
    if (this.retryPending || !this.lastMessage.size) return;
    this.retryPending = true;
    this.env.clock.setTimeout(() => {
      this.retryPending = false;
      for (const key of this.lastMessage.keys()) this.queue.add(key);
    }, 1000);
  }

  private sync(key: string): void {
    const [ns, name] = key.split('/');
    const pod = this.env.store.get(R.pods, ns, name) as Obj | undefined;
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) {
      this.lastMessage.delete(key);
      return;
    }
    const nodes = [...this.nodes.values()].sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
    const volumeProblem = this.volumeProblem(pod);
    const reasons = new Map<string, number>();
    const feasible: { node: Obj; score: number }[] = [];
    if (volumeProblem && nodes.length) {
      // VolumeBinding fails in PreFilter: the message names the problem once, without node counts.
      const n = nodes.length;
      this.unschedulable(pod, key, `0/${n} nodes are available: ${volumeProblem}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`);
      return;
    }
    for (const node of nodes) {
      const use = this.perNode.get(node.metadata.name ?? '') ?? { cpuMilli: 0, memory: 0, pods: 0 };
      const fit = fitsNode(pod, node, use);
      if (!fit.fits) {
        for (const r of fit.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        continue;
      }
      const alloc = node.status?.allocatable ?? {};
      const req = podRequests(pod);
      const cpuFree = 1 - (use.cpuMilli + req.cpuMilli) / Math.max(1, milliCpu(alloc.cpu ?? '1'));
      const memFree = 1 - (use.memory + req.memory) / Math.max(1, parseQuantity(alloc.memory ?? '1'));
      feasible.push({ node, score: (cpuFree + memFree) / 2 });
    }
    if (!feasible.length) {
      this.unschedulable(pod, key, failedSchedulingMessage(nodes.length, reasons, [...reasons.keys()].some((r) => r.startsWith('Insufficient'))));
      return;
    }
    // Highest score wins; ties broken by a seeded pick, as kube-scheduler picks at random among equals.
    const best = Math.max(...feasible.map((f) => f.score));
    const top = feasible.filter((f) => Math.abs(f.score - best) < 1e-9);
    const chosen = top[Math.floor(this.env.rand.next() * top.length)].node;
    this.bind(pod, chosen.metadata.name ?? '');
    this.lastMessage.delete(key);
  }

  /** PVC checks (VolumeBinding): a missing claim or an unbound Immediate claim blocks scheduling. */
  private volumeProblem(pod: Obj): string | undefined {
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = this.env.store.get(R.pvcs, pod.metadata.namespace, claim) as Obj | undefined;
      if (!pvc) return `persistentvolumeclaim "${claim}" not found`;
      if (pvc.status?.phase === 'Bound') continue;
      const cls = pvc.spec?.storageClassName ? (this.env.store.get(R.storageclasses, undefined, pvc.spec.storageClassName) as Obj | undefined) : undefined;
      if (cls?.volumeBindingMode === 'WaitForFirstConsumer') continue;
      return 'pod has unbound immediate PersistentVolumeClaims';
    }
    return undefined;
  }

  private unschedulable(pod: Obj, key: string, message: string): void {
    const now = this.env.clock.now();
    const conds = setCondition(clone(pod.status?.conditions ?? []), { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, now, { probeTime: true });
    const prev = getCondition(pod.status?.conditions, 'PodScheduled');
    if (prev?.message !== message || prev?.status !== 'False') {
      try {
        this.env.store.update(R.pods, { ...pod, status: { phase: 'Pending', ...(pod.status ?? {}), conditions: conds } }, { subresource: 'status', fieldManager: 'kube-scheduler' });
      } catch (e) {
        if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
      }
    }
    if (this.lastMessage.get(key) !== message) {
      this.env.events.emit({ component: 'default-scheduler' }, pod, 'Warning', 'FailedScheduling', message);
    }
    this.lastMessage.set(key, message);
  }

  private bind(pod: Obj, nodeName: string): void {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    // WaitForFirstConsumer claims learn their node now (the provisioner acts on this annotation).
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      const pvc = claim ? (this.env.store.get(R.pvcs, ns, claim) as Obj | undefined) : undefined;
      if (pvc && pvc.status?.phase !== 'Bound' && !pvc.metadata.annotations?.['volume.kubernetes.io/selected-node']) {
        this.env.store.update(R.pvcs, { ...pvc, metadata: { ...pvc.metadata, annotations: { ...(pvc.metadata.annotations ?? {}), 'volume.kubernetes.io/selected-node': nodeName } } });
      }
    }
    const store = this.env.store;
    // pods/binding sets PodScheduled=True itself; without it, two writes as before bindings existed.
    if (store.bind) store.bind(ns, name, nodeName);
    else this.env.store.update(R.pods, { ...pod, spec: { ...pod.spec, nodeName } }, { fieldManager: 'kube-scheduler' });
    const now = this.env.clock.now();
    const fresh = this.env.store.get(R.pods, ns, name) as Obj | undefined;
    if (fresh && getCondition(fresh.status?.conditions, 'PodScheduled')?.status !== 'True') {
      const conds = setCondition(clone(fresh.status?.conditions ?? []), { type: 'PodScheduled', status: 'True' }, now, { probeTime: true });
      this.env.store.update(R.pods, { ...fresh, status: { phase: 'Pending', ...(fresh.status ?? {}), conditions: conds } }, { subresource: 'status', fieldManager: 'kube-scheduler' });
    }
    this.env.events.emit({ component: 'default-scheduler' }, pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
  }
}
