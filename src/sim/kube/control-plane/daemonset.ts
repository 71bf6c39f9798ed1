// DaemonSet controller: one pod per eligible node (nodeSelector, node affinity, taints the pod
// tolerates, with the tolerations the real controller adds to every daemon pod), each pinned to
// its node with required node affinity on metadata.name and placed by the scheduler; rolling
// replacement of out-of-date pods within maxUnavailable; status counts.
import type { Env } from './env.js';
import { CM, createPod, deletePod, ownedPods, podFromTemplate } from './pods.js';
import { WorkQueue } from './runtime.js';
import { matchesNodeAffinity, untoleratedTaint, type Toleration } from './scheduler.js';
import {
  R, clone, controllerOf, podAvailable, podDeleting, podReady, podTerminal, scaledValue, splitKey, templateHash, writeStatus, type Json, type Obj,
} from './util.js';

/** Tolerations the DaemonSet controller adds (daemon pods survive node problems and cordon). */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

function addTolerations(spec: Json): Json {
  const have: Toleration[] = spec.tolerations ?? [];
  const extra = daemonTolerations(!!spec.hostNetwork).filter((t) => !have.some((h) => h.key === t.key && h.effect === t.effect));
  return { ...spec, tolerations: [...have, ...extra] };
}

export class DaemonSetController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'daemonset', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.daemonsets, (ev) => {
      if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    this.env.hub.on(R.pods, (ev) => {
      const ref = controllerOf(ev.object);
      if (ref?.kind === 'DaemonSet') this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
    });
    this.env.hub.on(R.nodes, () => {
      for (const ds of this.env.store.list(R.daemonsets).items) this.queue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const ds = this.env.store.get(R.daemonsets, ns, name) as Obj | undefined;
    if (!ds || ds.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    const hash = templateHash(ds.spec?.template);
    const nodes = this.env.store.list(R.nodes).items as Obj[];
    const pods = ownedPods(this.env, ds).filter((p) => !podDeleting(p));
    const byNode = new Map<string, Obj[]>();
    for (const p of pods) {
      const n = p.spec?.nodeName ?? p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
      if (!n) continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const templateSpec = addTolerations(ds.spec?.template?.spec ?? {});
    const probe = (nodeName: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { ...templateSpec, affinity: pinAffinity(templateSpec.affinity, nodeName) } });
    let desired = 0;
    let misscheduled = 0;
    const maxUnavailable = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, nodes.length, true, 1);
    let unavailable = 0;
    const outdated: Obj[] = [];
    for (const node of nodes) {
      const nodeName = node.metadata.name ?? '';
      const p = probe(nodeName);
      const eligible = matchesNodeAffinity(p, node) && !untoleratedTaint(p, node);
      const onNode = byNode.get(nodeName) ?? [];
      if (eligible) desired++;
      if (!eligible) {
        if (onNode.length) misscheduled++;
        for (const old of onNode) if (old.spec?.nodeName !== nodeName || !podTerminal(old)) deletePod(this.env, old);
        continue;
      }
      const failed = onNode.filter((x) => x.status?.phase === 'Failed');
      for (const f of failed) {
        deletePod(this.env, f);
        this.env.events.emit(CM, ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ns}/${f.metadata.name} on node ${nodeName}, will try to kill it`);
      }
      const live = onNode.filter((x) => x.status?.phase !== 'Failed');
      for (const extra of live.slice(1)) deletePod(this.env, extra);
      if (!live.length) {
        const pod = createPod(this.env, ds, (n) => podFromTemplate(ds, ds.spec?.template, n, {
          labels: { 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
          spec: { ...templateSpec, affinity: pinAffinity(templateSpec.affinity, nodeName) },
        }), name);
        this.env.events.emit(CM, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        unavailable++;
        continue;
      }
      const cur = live[0];
      if (!podAvailable(cur, ds.spec?.minReadySeconds ?? 0, now)[0]) unavailable++;
      if (cur.metadata.labels?.['controller-revision-hash'] !== hash) outdated.push(cur);
    }
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      // Replace out-of-date pods, unavailable ones first, within maxUnavailable.
      outdated.sort((a, b) => Number(podReady(a)) - Number(podReady(b)));
      for (const p of outdated) {
        const wasAvailable = podAvailable(p, ds.spec?.minReadySeconds ?? 0, now)[0];
        if (wasAvailable && unavailable >= maxUnavailable) break;
        deletePod(this.env, p);
        this.env.events.emit(CM, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        if (wasAvailable) unavailable++;
      }
    }
    const fresh = ownedPods(this.env, ds).filter((p) => !podDeleting(p) && p.spec?.nodeName);
    const scheduled = fresh.filter((p) => nodes.some((n) => n.metadata.name === p.spec.nodeName));
    const ready = scheduled.filter(podReady);
    const avail = scheduled.filter((p) => podAvailable(p, ds.spec?.minReadySeconds ?? 0, now)[0]);
    const status = {
      currentNumberScheduled: scheduled.length - misscheduled > 0 ? scheduled.length - misscheduled : 0,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready.length,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: scheduled.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
      numberAvailable: avail.length,
      numberUnavailable: Math.max(0, desired - avail.length),
    };
    const out: Json = clone(status);
    for (const k of ['numberAvailable', 'numberUnavailable', 'updatedNumberScheduled'] as const) if (out[k] === 0) delete out[k];
    writeStatus(this.env.store, R.daemonsets, this.env.store.get(R.daemonsets, ns, name) as Obj, out);
  }
}

function pinAffinity(affinity: Json, nodeName: string): Json {
  const a = clone(affinity ?? {});
  const terms: Json[] = a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [{}];
  const pinned = terms.map((t) => ({ ...t, matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }));
  return { ...a, nodeAffinity: { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: pinned } } };
}
