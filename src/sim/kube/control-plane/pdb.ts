// PodDisruptionBudget status (the disruption controller): expected pods from the owning
// controllers' scale, currentHealthy (Ready pods), desiredHealthy from minAvailable or
// maxUnavailable, disruptionsAllowed and the DisruptionAllowed condition.
import type { Env } from './env.js';
import { WorkQueue } from './runtime.js';
import {
  R, clone, controllerOf, matchesSelector, podDeleting, podReady, podTerminal, scaledValue, setCondition, splitKey, writeStatus, type Obj,
} from './util.js';

export class PdbController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'disruption', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.pdbs, (ev) => {
      if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    const all = (ns: string | undefined) => {
      for (const p of this.env.store.list(R.pdbs, { namespace: ns }).items) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    };
    this.env.hub.on(R.pods, (ev) => all(ev.object.metadata.namespace));
    for (const r of [R.deployments, R.replicasets, R.statefulsets]) this.env.hub.on(r, (ev) => all(ev.object.metadata.namespace));
  }

  /** Expected pod count: the sum of the scale of each distinct controller of the selected pods. */
  private expected(pods: Obj[], ns: string | undefined): number {
    const seen = new Map<string, number>();
    let loose = 0;
    for (const p of pods) {
      const ref = controllerOf(p);
      if (!ref) {
        loose++;
        continue;
      }
      if (seen.has(ref.uid)) continue;
      let scale = 1;
      if (ref.kind === 'ReplicaSet') {
        const rs = this.env.store.get(R.replicasets, ns, ref.name) as Obj | undefined;
        const dref = rs && controllerOf(rs);
        const d = dref?.kind === 'Deployment' ? (this.env.store.get(R.deployments, ns, dref.name) as Obj | undefined) : undefined;
        scale = d ? (d.spec?.replicas ?? 1) : (rs?.spec?.replicas ?? 1);
      } else if (ref.kind === 'StatefulSet') {
        scale = (this.env.store.get(R.statefulsets, ns, ref.name) as Obj | undefined)?.spec?.replicas ?? 1;
      } else {
        scale = pods.filter((x) => controllerOf(x)?.uid === ref.uid).length;
      }
      seen.set(ref.uid, scale);
    }
    return loose + [...seen.values()].reduce((a, b) => a + b, 0);
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const pdb = this.env.store.get(R.pdbs, ns, name) as Obj | undefined;
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    const pods = (this.env.store.list(R.pods, { namespace: ns }).items as Obj[]).filter(
      (p) => matchesSelector(p.metadata.labels, pdb.spec?.selector) && !podTerminal(p) && !podDeleting(p),
    );
    const expected = this.expected(pods, ns);
    const healthy = pods.filter(podReady).length;
    let desired: number;
    if (pdb.spec?.maxUnavailable !== undefined) desired = Math.max(0, expected - scaledValue(pdb.spec.maxUnavailable, expected, true, 0));
    else desired = scaledValue(pdb.spec?.minAvailable ?? 1, expected, true, 1);
    const allowed = Math.max(0, healthy - desired);
    const conds = setCondition(clone(pdb.status?.conditions ?? []), allowed > 0
      ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: pdb.metadata.generation }
      : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: pdb.metadata.generation }, now);
    writeStatus(this.env.store, R.pdbs, pdb, {
      observedGeneration: pdb.metadata.generation,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: conds,
    });
  }
}
