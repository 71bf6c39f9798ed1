// StatefulSet controller: pods <name>-0 … <name>-(n-1) with stable identity (hostname, subdomain,
// pod-name/pod-index labels), PVCs from volumeClaimTemplates (<claim>-<name>-<i>), OrderedReady
// (create i only when 0…i-1 are Running and Ready; remove from the highest) or Parallel, and
// RollingUpdate from the highest ordinal down, one pod at a time.
import type { Env } from './env.js';
import { CM, deletePod, ownedPods, podFromTemplate } from './pods.js';
import { WorkQueue } from './runtime.js';
import {
  R, clone, controllerOf, podAvailable, podDeleting, podReady, splitKey, templateHash, writeStatus, type Json, type Obj,
} from './util.js';

export class StatefulSetController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'statefulset', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.statefulsets, (ev) => {
      if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    this.env.hub.on(R.pods, (ev) => {
      const ref = controllerOf(ev.object);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const sts = this.env.store.get(R.statefulsets, ns, name) as Obj | undefined;
    if (!sts || sts.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    const replicas: number = sts.spec?.replicas ?? 1;
    const revision = `${name}-${templateHash(sts.spec?.template)}`;
    const parallel = sts.spec?.podManagementPolicy === 'Parallel';
    const byOrdinal = new Map<number, Obj>();
    for (const p of ownedPods(this.env, sts)) {
      const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(p.metadata.name ?? '');
      if (m) byOrdinal.set(Number(m[1]), p);
    }
    const healthy = (p: Obj | undefined) => !!p && !podDeleting(p) && p.status?.phase === 'Running' && podReady(p);
    let blocked = false;
    for (let i = 0; i < replicas; i++) {
      const p = byOrdinal.get(i);
      if (p && p.status?.phase === 'Failed' && !podDeleting(p)) {
        deletePod(this.env, p);
        blocked = true;
        continue;
      }
      if (!p) {
        if (blocked && !parallel) break;
        this.ensureClaims(sts, i);
        const podName = `${name}-${i}`;
        const pod = podFromTemplate(sts, sts.spec?.template, podName, {
          labels: { 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(i) },
          spec: { hostname: podName, ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}), volumes: this.volumes(sts, i) },
        });
        try {
          this.env.store.create(R.pods, pod);
          this.env.events.emit(CM, sts, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${name} successful`);
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
        }
        if (!parallel) blocked = true;
        continue;
      }
      if (!healthy(p) && !parallel) blocked = true;
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    const extra = [...byOrdinal.keys()].filter((i) => i >= replicas).sort((a, b) => b - a);
    for (const i of extra) {
      const p = byOrdinal.get(i)!;
      if (podDeleting(p)) {
        if (!parallel) break;
        continue;
      }
      if (blocked && !parallel) break;
      deletePod(this.env, p);
      this.env.events.emit(CM, sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`);
      if (!parallel) break;
    }
    // RollingUpdate: replace the highest out-of-date ordinal once every pod is healthy.
    const strategy = sts.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (strategy === 'RollingUpdate' && !extra.length) {
      const current = [...Array(replicas).keys()].map((i) => byOrdinal.get(i));
      if (current.every(healthy)) {
        for (let i = replicas - 1; i >= partition; i--) {
          const p = current[i]!;
          if (p.metadata.labels?.['controller-revision-hash'] !== revision) {
            deletePod(this.env, p);
            break;
          }
        }
      }
    }
    const pods = ownedPods(this.env, sts).filter((p) => !podDeleting(p));
    const updated = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision).length;
    const status: Json = {
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: pods.filter(podReady).length,
      currentReplicas: updated === pods.length ? pods.length : pods.length - updated,
      updatedReplicas: updated,
      availableReplicas: pods.filter((p) => podAvailable(p, sts.spec?.minReadySeconds ?? 0, now)[0]).length,
      currentRevision: updated === pods.length && pods.length === replicas ? revision : (sts.status?.currentRevision ?? revision),
      updateRevision: revision,
      collisionCount: 0,
    };
    writeStatus(this.env.store, R.statefulsets, this.env.store.get(R.statefulsets, ns, name) as Obj, status);
  }

  private volumes(sts: Obj, i: number): Json[] {
    const vols: Json[] = clone(sts.spec?.template?.spec?.volumes ?? []);
    for (const t of sts.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata?.name}-${sts.metadata.name}-${i}`;
      const idx = vols.findIndex((v) => v.name === t.metadata?.name);
      const v = { name: t.metadata?.name, persistentVolumeClaim: { claimName } };
      if (idx >= 0) vols[idx] = v;
      else vols.push(v);
    }
    return vols;
  }

  private ensureClaims(sts: Obj, i: number): void {
    for (const t of sts.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata?.name}-${sts.metadata.name}-${i}`;
      if (this.env.store.get(R.pvcs, sts.metadata.namespace, claimName)) continue;
      try {
        this.env.store.create(R.pvcs, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claimName, namespace: sts.metadata.namespace, labels: { ...(sts.spec?.selector?.matchLabels ?? {}) } },
          spec: clone(t.spec ?? {}),
        });
        this.env.events.emit(CM, sts, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${sts.metadata.name}-${i} in StatefulSet ${sts.metadata.name} success`);
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
      }
    }
  }
}
