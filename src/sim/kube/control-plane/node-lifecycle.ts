// Node lifecycle controller (kube-controller-manager's node-lifecycle-controller and pod GC):
// - taints from conditions: Ready=False → node.kubernetes.io/not-ready:NoSchedule,
//   Ready=Unknown → node.kubernetes.io/unreachable:NoSchedule+NoExecute; removed when Ready;
// - a node whose Lease was not renewed for node-monitor-grace-period (40 s) gets its conditions
//   set to Unknown ("Kubelet stopped posting node status."), its pods marked not Ready, and pods
//   that do not tolerate unreachable:NoExecute are evicted after their tolerationSeconds
//   (300 s as the DefaultTolerationSeconds admission plugin would set);
// - pods bound to a node that no longer exists are deleted (PodGC).
import type { Env } from './env.js';
import { CM } from './pods.js';
import { WorkQueue } from './runtime.js';
import { tolerates, type Taint, type Toleration } from './scheduler.js';
import { R, clone, getCondition, isStatusError, parseTime, rfc3339, setCondition, type Condition, type Obj } from './util.js';

export const NODE_MONITOR_GRACE_MS = 40_000;
const DEFAULT_TOLERATION_SECONDS = 300;
const NC = { component: 'node-controller' };

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

export class NodeLifecycleController {
  private queue: WorkQueue;
  private registered = new Set<string>();

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'node-lifecycle', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.nodes, (ev) => {
      const name = ev.object.metadata.name ?? '';
      if (ev.type === 'DELETED') {
        this.registered.delete(name);
        this.queue.add(`#gc/${name}`);
      } else this.queue.add(name);
    });
    this.env.hub.on(R.leases, (ev) => {
      if (ev.object.metadata.namespace === 'kube-node-lease' && ev.type !== 'DELETED') {
        this.queue.add(ev.object.metadata.name ?? '');
        this.queue.addAfter(ev.object.metadata.name ?? '', NODE_MONITOR_GRACE_MS + 1);
      }
    });
    this.env.hub.on(R.pods, (ev) => {
      const n = (ev.object as Obj).spec?.nodeName as string | undefined;
      if (n && ev.type === 'ADDED' && !this.env.store.get(R.nodes, undefined, n)) this.queue.add(`#gc/${n}`);
    });
  }

  private sync(key: string): void {
    if (key.startsWith('#gc/')) return this.gc(key.slice(4));
    const node = this.env.store.get(R.nodes, undefined, key) as Obj | undefined;
    if (!node) return;
    const now = this.env.clock.now();
    if (!this.registered.has(key)) {
      this.registered.add(key);
      this.env.events.emit(NC, node, 'Normal', 'RegisteredNode', `Node ${key} event: Registered Node ${key} in Controller`);
    }
    const lease = this.env.store.get(R.leases, 'kube-node-lease', key) as Obj | undefined;
    const renew = parseTime(lease?.spec?.renewTime) ?? parseTime(node.metadata.creationTimestamp) ?? now;
    const expired = now - renew >= NODE_MONITOR_GRACE_MS;
    let current = node;
    if (expired) {
      const ready = getCondition(node.status?.conditions, 'Ready');
      if (ready?.status !== 'Unknown') {
        let conds: Condition[] = clone(node.status?.conditions ?? []);
        const types = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
        for (const t of types) {
          const c = getCondition(conds, t);
          conds = setCondition(conds, { type: t, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: c?.lastHeartbeatTime ?? rfc3339(renew) }, now);
        }
        current = this.env.store.update(R.nodes, { ...node, status: { ...node.status, conditions: conds } }, { subresource: 'status', fieldManager: 'kube-controller-manager' }) as Obj;
        this.env.events.emit(NC, node, 'Normal', 'NodeNotReady', `Node ${key} status is now: NodeNotReady`);
        this.markPodsNotReady(key);
      }
    } else {
      this.queue.addAfter(key, renew + NODE_MONITOR_GRACE_MS - now + 1);
    }
    this.reconcileTaints(current, now);
    this.evict(current, now);
  }

  private reconcileTaints(node: Obj, now: number): void {
    const ready = getCondition(node.status?.conditions, 'Ready')?.status;
    const taints: Taint[] = clone(node.spec?.taints ?? []);
    const want: Taint[] = [];
    if (ready === 'False') want.push({ key: NOT_READY, effect: 'NoSchedule' }, { key: NOT_READY, effect: 'NoExecute' });
    if (ready === 'Unknown') want.push({ key: UNREACHABLE, effect: 'NoSchedule' }, { key: UNREACHABLE, effect: 'NoExecute' });
    if (ready === undefined) want.push({ key: NOT_READY, effect: 'NoSchedule' });
    const managed = (t: Taint) => t.key === NOT_READY || t.key === UNREACHABLE;
    const keep = taints.filter((t) => !managed(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
    for (const w of want) {
      if (!keep.some((t) => t.key === w.key && t.effect === w.effect)) keep.push(w.effect === 'NoExecute' ? { ...w, timeAdded: rfc3339(now) } as Taint : w);
    }
    if (JSON.stringify(keep) === JSON.stringify(taints)) return;
    try {
      this.env.store.update(R.nodes, { ...node, spec: { ...node.spec, taints: keep.length ? keep : undefined } }, { fieldManager: 'kube-controller-manager' });
    } catch (e) {
      if (isStatusError(e, 409)) this.queue.add(node.metadata.name ?? '');
      else if (!isStatusError(e, 404)) throw e;
    }
  }

  private podsOn(nodeName: string): Obj[] {
    return (this.env.store.list(R.pods).items as Obj[]).filter((p) => p.spec?.nodeName === nodeName);
  }

  private markPodsNotReady(nodeName: string): void {
    const now = this.env.clock.now();
    for (const p of this.podsOn(nodeName)) {
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      if (getCondition(p.status?.conditions, 'Ready')?.status === 'False') continue;
      const conds = setCondition(clone(p.status?.conditions ?? []), { type: 'Ready', status: 'False', reason: 'NodeNotReady', message: '' }, now, { probeTime: true });
      try {
        this.env.store.update(R.pods, { ...p, status: { ...p.status, conditions: conds } }, { subresource: 'status', fieldManager: 'kube-controller-manager' });
      } catch {
        /* gone or changed: the next pass sees it */
      }
      this.env.events.emit(NC, p, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
  }

  /** NoExecute taint-based eviction (the taint manager). */
  private evict(node: Obj, now: number): void {
    const noExec = ((node.spec?.taints ?? []) as (Taint & { timeAdded?: string })[]).filter((t) => t.effect === 'NoExecute');
    if (!noExec.length) return;
    for (const p of this.podsOn(node.metadata.name ?? '')) {
      if (p.metadata.deletionTimestamp) continue;
      let evictAt = -Infinity;
      let keep = false;
      for (const t of noExec) {
        const tols: Toleration[] = p.spec?.tolerations ?? [];
        const matching = tols.filter((tol) => tolerates([tol], t));
        const added = parseTime(t.timeAdded) ?? now;
        let seconds: number | undefined;
        if (!matching.length) {
          // DefaultTolerationSeconds admission adds 300 s for not-ready/unreachable to every pod.
          if (t.key === NOT_READY || t.key === UNREACHABLE) seconds = DEFAULT_TOLERATION_SECONDS;
          else seconds = 0;
        } else {
          const secs = matching.map((m) => m.tolerationSeconds);
          if (secs.some((s) => s === undefined || s === null)) {
            keep = true;
            continue;
          }
          seconds = Math.min(...(secs as number[]));
        }
        evictAt = Math.max(evictAt, added + Math.max(0, seconds) * 1000);
      }
      if (keep && evictAt === -Infinity) continue;
      if (evictAt <= now) {
        this.env.events.emit({ component: 'taint-eviction-controller' }, p, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`);
        this.markDisruption(p, 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint');
        try {
          this.env.store.delete(R.pods, p.metadata.namespace, p.metadata.name ?? '');
        } catch {
          /* gone */
        }
      } else this.queue.addAfter(node.metadata.name ?? '', evictAt - now);
    }
  }

  /** The DisruptionTarget condition the eviction paths add before deleting (visible to watchers). */
  private markDisruption(p: Obj, reason: string, message: string): void {
    const conds = setCondition(clone(p.status?.conditions ?? []), { type: 'DisruptionTarget', status: 'True', reason, message }, this.env.clock.now(), { probeTime: true });
    try {
      this.env.store.update(R.pods, { ...p, status: { ...(p.status ?? {}), conditions: conds } }, { subresource: 'status', fieldManager: 'kube-controller-manager' });
    } catch {
      /* gone or changed: deletion follows anyway */
    }
  }

  private gc(nodeName: string): void {
    if (this.env.store.get(R.nodes, undefined, nodeName)) return;
    for (const p of this.podsOn(nodeName)) {
      this.env.events.emit(CM, p, 'Normal', 'PodGC', `Deleted pod ${p.metadata.namespace}/${p.metadata.name} bound to a node that no longer exists`);
      this.markDisruption(p, 'DeletionByPodGC', 'PodGC: node no longer exists');
      try {
        this.env.store.delete(R.pods, p.metadata.namespace, p.metadata.name ?? '', { gracePeriodSeconds: 0 });
      } catch {
        /* gone */
      }
    }
  }
}
