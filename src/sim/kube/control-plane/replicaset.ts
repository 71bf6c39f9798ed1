// ReplicaSet controller: keeps spec.replicas pods that are not terminal or deleting, deleting
// the least useful first (unscheduled, pending, not ready, newest), and reports replicas, ready,
// available (Ready for minReadySeconds) and fullyLabeled counts.
import type { Env } from './env.js';
import { CM, createPod, deletePod, ownedPods, podFromTemplate } from './pods.js';
import { WorkQueue } from './runtime.js';
import {
  R, controllerOf, matchesSelector, parseTime, podAvailable, podDeleting, podReady, podTerminal, splitKey, writeStatus, type Obj,
} from './util.js';

/** Order for scale-down: the pod a user would miss least comes first (controller.ActivePods ranking). */
export function deletionRank(a: Obj, b: Obj): number {
  const assigned = (p: Obj) => (p.spec?.nodeName ? 1 : 0);
  const phase = (p: Obj) => (p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Unknown' ? 1 : 2);
  const ready = (p: Obj) => (podReady(p) ? 1 : 0);
  const restarts = (p: Obj) => (p.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0);
  return (
    assigned(a) - assigned(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    restarts(b) - restarts(a) ||
    (parseTime(b.metadata.creationTimestamp) ?? 0) - (parseTime(a.metadata.creationTimestamp) ?? 0) ||
    String(b.metadata.name).localeCompare(String(a.metadata.name))
  );
}

export class ReplicaSetController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'replicaset', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.replicasets, (ev) => {
      if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    this.env.hub.on(R.pods, (ev) => {
      const ref = controllerOf(ev.object);
      if (ref?.kind === 'ReplicaSet') this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const rs = this.env.store.get(R.replicasets, ns, name) as Obj | undefined;
    if (!rs || rs.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    const all = ownedPods(this.env, rs);
    const active = all.filter((p) => !podTerminal(p) && !podDeleting(p));
    const want = rs.spec?.replicas ?? 1;
    const diff = want - active.length;
    if (diff > 0) {
      // Slow start in batches (1, 2, 4, …) in the real controller; the simulation creates at once.
      for (let i = 0; i < Math.min(diff, 500); i++) {
        const pod = createPod(this.env, rs, (n) => podFromTemplate(rs, rs.spec?.template, n), name);
        this.env.events.emit(CM, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      }
    } else if (diff < 0) {
      const victims = [...active].sort(deletionRank).slice(0, -diff);
      for (const p of victims) {
        deletePod(this.env, p);
        this.env.events.emit(CM, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      }
    }
    // Status from what exists now (pods just created count; they are not ready yet).
    const pods = ownedPods(this.env, rs).filter((p) => !podTerminal(p) && !podDeleting(p));
    const minReady = rs.spec?.minReadySeconds ?? 0;
    let available = 0;
    let soonest = Infinity;
    for (const p of pods) {
      const [ok, left] = podAvailable(p, minReady, now);
      if (ok) available++;
      else soonest = Math.min(soonest, left);
    }
    if (Number.isFinite(soonest)) this.queue.addAfter(key, soonest);
    const status = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => matchesSelector(p.metadata.labels, { matchLabels: rs.spec?.template?.metadata?.labels ?? {} })).length,
      readyReplicas: pods.filter(podReady).length,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation,
      ...(rs.status?.conditions ? { conditions: rs.status.conditions } : {}),
    };
    writeStatus(this.env.store, R.replicasets, this.env.store.get(R.replicasets, ns, name) as Obj, status);
  }
}
