// Deployment controller: one ReplicaSet per pod template (named <deploy>-<pod-template-hash>),
// rolling updates bounded by maxSurge/maxUnavailable, Recreate, revisions, status counts and the
// Available/Progressing conditions `kubectl rollout status` reads, with progressDeadlineSeconds.
import type { Env } from './env.js';
import { CM } from './pods.js';
import { WorkQueue } from './runtime.js';
import {
  R, clone, controllerOf, controllerRef, getCondition, isOwnedBy, parseTime, scaledValue, setCondition, splitKey, stableJson,
  templateHash, writeStatus, type Condition, type Json, type Obj,
} from './util.js';

const REVISION = 'deployment.kubernetes.io/revision';

export function resolveFenceposts(d: Obj): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge ?? '25%', replicas, true, 0);
  let maxUnavailable = scaledValue(ru.maxUnavailable ?? '25%', replicas, false, 0);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The new ReplicaSet's size in this step of a rolling update (NewRSNewReplicas). */
export function newRSReplicas(desired: number, maxSurge: number, allSpecReplicas: number, newRS: number): number {
  if (newRS >= desired) return desired;
  const maxTotal = desired + maxSurge;
  if (allSpecReplicas >= maxTotal) return newRS;
  return newRS + Math.min(maxTotal - allSpecReplicas, desired - newRS);
}

function withoutHash(template: Json): Json {
  const t = clone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return t;
}

export class DeploymentController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'deployment', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.deployments, (ev) => {
      if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    this.env.hub.on(R.replicasets, (ev) => {
      const ref = controllerOf(ev.object);
      if (ref?.kind === 'Deployment') this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    let d = this.env.store.get(R.deployments, ns, name) as Obj | undefined;
    if (!d || d.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    const desired: number = d.spec?.replicas ?? 1;
    const rsAll = (this.env.store.list(R.replicasets, { namespace: ns }).items as Obj[]).filter((rs) => isOwnedBy(rs, d!));
    rsAll.sort((a, b) => (parseTime(a.metadata.creationTimestamp) ?? 0) - (parseTime(b.metadata.creationTimestamp) ?? 0) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
    const tplKey = stableJson(withoutHash(d.spec?.template));
    let newRS = rsAll.find((rs) => stableJson(withoutHash(rs.spec?.template)) === tplKey);
    let olds = rsAll.filter((rs) => rs !== newRS);
    const maxRevision = Math.max(0, ...rsAll.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    const { maxSurge, maxUnavailable } = resolveFenceposts(d);
    const recreate = d.spec?.strategy?.type === 'Recreate';
    const paused = !!d.spec?.paused;
    let progressMsg: { reason: string; message: string } | undefined;

    const scale = (rs: Obj, to: number): Obj => {
      const from = rs.spec?.replicas ?? 0;
      if (from === to) return rs;
      const next = clone(rs);
      next.spec.replicas = to;
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + (recreate ? 0 : maxSurge)) };
      const out = this.env.store.update(R.replicasets, next) as Obj;
      this.env.events.emit(CM, d!, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${to} from ${from}`);
      return out;
    };

    if (!newRS && !paused) {
      const hash = templateHash(withoutHash(d.spec?.template), d.status?.collisionCount ?? 0);
      const template = clone(d.spec?.template ?? {});
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
      const selector = clone(d.spec?.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), 'pod-template-hash': hash };
      const allSpec = olds.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      const initial = recreate ? (allSpec > 0 ? 0 : desired) : newRSReplicas(desired, maxSurge, allSpec, 0);
      newRS = this.env.store.create(R.replicasets, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels: { ...(d.spec?.template?.metadata?.labels ?? {}), 'pod-template-hash': hash },
          annotations: { [REVISION]: String(maxRevision + 1), 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + (recreate ? 0 : maxSurge)) },
          ownerReferences: [controllerRef(d)],
        },
        spec: { replicas: initial, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
      }) as Obj;
      if (initial > 0) this.env.events.emit(CM, d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRS.metadata.name} to ${initial} from 0`);
      progressMsg = { reason: 'NewReplicaSetCreated', message: `Created new replica set "${newRS.metadata.name}"` };
    } else if (newRS && Number(newRS.metadata.annotations?.[REVISION] ?? 0) < maxRevision && !paused) {
      // A rollback to an older template: it becomes the newest revision.
      const next = clone(newRS);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
      newRS = this.env.store.update(R.replicasets, next) as Obj;
    }

    if (newRS && !paused) {
      if (recreate) {
        for (const rs of olds) if ((rs.spec?.replicas ?? 0) > 0) scale(rs, 0);
        olds = olds.map((rs) => this.env.store.get(R.replicasets, ns, rs.metadata.name ?? '') as Obj).filter(Boolean);
        const oldPods = olds.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
        if (oldPods === 0) newRS = scale(newRS, desired);
      } else {
        const allSpec = () => [newRS!, ...olds].reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        newRS = scale(newRS, newRSReplicas(desired, maxSurge, allSpec(), newRS.spec?.replicas ?? 0));
        // Scale down old ReplicaSets, never below desired − maxUnavailable available pods.
        const minAvailable = desired - maxUnavailable;
        const newUnavailable = (newRS.spec?.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0);
        let maxScaledDown = allSpec() - minAvailable - newUnavailable;
        if (maxScaledDown > 0) {
          // First unhealthy old pods, then healthy ones as availability allows.
          for (let i = 0; i < olds.length && maxScaledDown > 0; i++) {
            const rs = olds[i];
            const unhealthy = (rs.spec?.replicas ?? 0) - (rs.status?.availableReplicas ?? 0);
            if (unhealthy <= 0) continue;
            const by = Math.min(unhealthy, maxScaledDown);
            olds[i] = scale(rs, (rs.spec?.replicas ?? 0) - by);
            maxScaledDown -= by;
          }
          const availableAll = [newRS, ...olds].reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
          let total = Math.min(maxScaledDown, availableAll - minAvailable);
          for (let i = 0; i < olds.length && total > 0; i++) {
            const rs = olds[i];
            const by = Math.min(rs.spec?.replicas ?? 0, total);
            if (by <= 0) continue;
            olds[i] = scale(rs, (rs.spec?.replicas ?? 0) - by);
            total -= by;
          }
        }
      }
      // Revision history limit (default 10): delete old, empty ReplicaSets beyond it.
      const limit = d.spec?.revisionHistoryLimit ?? 10;
      const empty = olds.filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0);
      for (const rs of empty.slice(0, Math.max(0, empty.length - limit))) {
        try {
          this.env.store.delete(R.replicasets, ns, rs.metadata.name ?? '');
        } catch {
          /* already gone */
        }
      }
    }

    // The Deployment carries its current revision too (kubectl describe shows it).
    d = this.env.store.get(R.deployments, ns, name) as Obj;
    const rev = newRS?.metadata.annotations?.[REVISION];
    if (rev && d.metadata.annotations?.[REVISION] !== rev) {
      d = this.env.store.update(R.deployments, { ...d, metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION]: rev } } }) as Obj;
    }
    // Status.
    const fresh = (this.env.store.list(R.replicasets, { namespace: ns }).items as Obj[]).filter((rs) => isOwnedBy(rs, d!));
    const nrs = newRS ? fresh.find((rs) => rs.metadata.name === newRS!.metadata.name) : undefined;
    const sum = (f: (rs: Obj) => number) => fresh.reduce((n, rs) => n + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const updated = nrs?.status?.replicas ?? 0;
    let conds: Condition[] = clone(d.status?.conditions ?? []);
    const minAvail = desired - maxUnavailable;
    conds = setCondition(conds, available >= minAvail
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now, { updateTime: true });
    const complete = !!nrs && updated === desired && replicas === desired && available === desired && (nrs.status?.availableReplicas ?? 0) === desired && (nrs.status?.observedGeneration ?? 0) >= (nrs.metadata.generation ?? 0);
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    const prog = getCondition(conds, 'Progressing');
    const rsName = nrs?.metadata.name ?? '';
    if (paused) {
      conds = setCondition(conds, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, now, { updateTime: true });
    } else if (complete) {
      conds = setCondition(conds, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, now, { updateTime: true });
    } else if (progressMsg) {
      conds = setCondition(conds, { type: 'Progressing', status: 'True', ...progressMsg }, now, { updateTime: true });
    } else {
      const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
      const statusChanged = stableJson([replicas, updated, available, ready]) !== stableJson([d.status?.replicas ?? 0, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0, d.status?.readyReplicas ?? 0]);
      const lastUpdate = parseTime(prog?.lastUpdateTime) ?? now;
      if (prog?.reason === 'ProgressDeadlineExceeded' && !statusChanged) {
        // stays failed until something moves
      } else if (!statusChanged && prog?.status === 'True' && prog.reason !== 'NewReplicaSetAvailable' && now - lastUpdate >= deadline) {
        conds = setCondition(conds, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, now, { updateTime: true });
        this.env.events.emit(CM, d, 'Warning', 'ProgressDeadlineExceeded', `Deployment "${name}" has timed out progressing.`);
      } else if (statusChanged || prog?.reason === 'NewReplicaSetAvailable' || !prog || prog.reason === 'ProgressDeadlineExceeded') {
        conds = setCondition(conds, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` }, now, { updateTime: true, touch: statusChanged });
      }
      const p2 = getCondition(conds, 'Progressing');
      if (p2?.status === 'True') this.queue.addAfter(key, Math.max(1, (parseTime(p2.lastUpdateTime) ?? now) + deadline - now));
    }
    conds.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
    const status: Json = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available),
      conditions: conds,
      ...(d.status?.collisionCount ? { collisionCount: d.status.collisionCount } : {}),
    };
    for (const k of ['readyReplicas', 'availableReplicas', 'unavailableReplicas', 'updatedReplicas', 'replicas'] as const) if (status[k] === 0) delete status[k];
    writeStatus(this.env.store, R.deployments, d, status);
  }
}
