// HorizontalPodAutoscaler controller (autoscaling/v2), synced every 15 s of the clock: reads the
// target's scale, the pods' CPU/memory from the metrics source (what metrics-server serves),
// computes the desired replicas with the upstream algorithm and writes the scale subresource,
// status.currentMetrics and the AbleToScale/ScalingActive/ScalingLimited conditions, with the
// SuccessfulRescale events `kubectl describe hpa` shows.
import type { MetricsSource, ResourceRef } from '../object-store.js';
import type { Env } from './env.js';
import { calcReplicas, normalize, type PodSample, type Recommendation, type ScaleEvent } from './hpa-algorithm.js';
import { CM } from './pods.js';
import { WorkQueue } from './runtime.js';
import {
  R, clone, formatMilliCpu, getCondition, matchesSelector, milliCpu, parseQuantity, parseTime, podDeleting, rfc3339, setCondition, splitKey,
  writeStatus, type Condition, type Json, type Obj,
} from './util.js';

export const HPA_SYNC_MS = 15_000;
const CPU_INITIALIZATION_MS = 5 * 60_000;
const INITIAL_READINESS_DELAY_MS = 30_000;
const METRIC_WINDOW_MS = 15_000;
const HPA = { component: 'horizontal-pod-autoscaler' };

const TARGETS: Record<string, ResourceRef> = {
  Deployment: R.deployments,
  StatefulSet: R.statefulsets,
  ReplicaSet: R.replicasets,
};

export class HpaController {
  private queue: WorkQueue;
  private recs = new Map<string, Recommendation[]>();
  private scaleEvents = new Map<string, ScaleEvent[]>();

  constructor(private readonly env: Env, private readonly metrics: MetricsSource) {
    this.queue = new WorkQueue(env.clock, 'horizontal-pod-autoscaler', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.hpas, (ev) => {
      const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
      if (ev.type === 'DELETED') {
        this.recs.delete(key);
        this.scaleEvents.delete(key);
      } else if (ev.type === 'ADDED') this.queue.add(key);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const hpa = this.env.store.get(R.hpas, ns, name) as Obj | undefined;
    if (!hpa) return;
    this.queue.addAfter(key, HPA_SYNC_MS);
    const now = this.env.clock.now();
    let conds: Condition[] = clone(hpa.status?.conditions ?? []);
    const set = (type: string, ok: boolean | 'Unknown', reason: string, message: string) => {
      conds = setCondition(conds, { type, status: ok === 'Unknown' ? 'Unknown' : ok ? 'True' : 'False', reason, message }, now);
    };
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const res = TARGETS[ref.kind];
    const target = res ? (this.env.store.get(res, ns, ref.name) as Obj | undefined) : undefined;
    const writeStatusWith = (extra: Json) => {
      const order = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];
      conds.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
      writeStatus(this.env.store, R.hpas, this.env.store.get(R.hpas, ns, name) as Obj, {
        ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
        currentReplicas: target?.status?.replicas ?? target?.spec?.replicas ?? 0,
        desiredReplicas: hpa.status?.desiredReplicas ?? 0,
        ...extra,
        conditions: conds,
      });
    };
    if (!target) {
      const msg = `the HPA controller was unable to get the target's current scale: ${(res?.resource ?? String(ref.kind ?? '').toLowerCase() + 's')}${res?.group ? `.${res.group}` : ''} "${ref.name}" not found`;
      set('AbleToScale', false, 'FailedGetScale', msg);
      this.warn(hpa, 'FailedGetScale', msg);
      writeStatusWith({});
      return;
    }
    set('AbleToScale', true, 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
    const current: number = target.spec?.replicas ?? 1;
    const min: number = hpa.spec?.minReplicas ?? 1;
    const max: number = hpa.spec?.maxReplicas ?? min;
    let desired = current;
    let rescaleReason = '';
    let currentMetrics: Json[] | undefined;
    if (current === 0 && min !== 0) {
      set('ScalingActive', false, 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      desired = 0;
    } else if (current > max) {
      desired = max;
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const result = this.computeMetrics(hpa, target, current, now);
      if ('error' in result) {
        set('ScalingActive', false, result.reason, result.error);
        this.warn(hpa, result.reason, result.error);
        set('ScalingLimited', false, 'DesiredWithinRange', 'the desired count is within the acceptable range');
        writeStatusWith({ currentReplicas: current, desiredReplicas: current });
        return;
      }
      currentMetrics = result.metrics;
      set('ScalingActive', true, 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${result.metricName}`);
      const recs = this.recs.get(key) ?? [];
      this.recs.set(key, recs);
      const events = (this.scaleEvents.get(key) ?? []).filter((e) => e.at > now - 30 * 60_000);
      this.scaleEvents.set(key, events);
      const n = normalize(current, result.replicas, min, max, hpa.spec?.behavior, recs, events, now);
      desired = n.replicas;
      rescaleReason = result.replicas > current ? `${result.metricName} above target` : 'All metrics below target';
      if (n.limitedReason) set('ScalingLimited', true, n.limitedReason, n.limitedMessage ?? '');
      else set('ScalingLimited', false, 'DesiredWithinRange', 'the desired count is within the acceptable range');
      if (desired === current && n.stabilizedReason) {
        set('AbleToScale', true, n.stabilizedReason, `recent recommendations were ${n.stabilizedReason === 'ScaleUpStabilized' ? 'lower' : 'higher'} than current one, applying the ${n.stabilizedReason === 'ScaleUpStabilized' ? 'lowest' : 'highest'} recent recommendation`);
      }
    }
    let lastScaleTime = hpa.status?.lastScaleTime;
    if (desired !== current) {
      try {
        this.env.store.patch(res, ns, ref.name, 'merge', { spec: { replicas: desired } }, { subresource: 'scale', fieldManager: 'kube-controller-manager' });
      } catch (e) {
        const msg = `the HPA controller was unable to update the target scale: ${(e as Error).message}`;
        set('AbleToScale', false, 'FailedUpdateScale', msg);
        this.env.events.emit(HPA, hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${(e as Error).message}`);
        writeStatusWith({ currentReplicas: current, desiredReplicas: current, ...(currentMetrics ? { currentMetrics } : {}) });
        return;
      }
      (this.scaleEvents.get(key) ?? this.scaleEvents.set(key, []).get(key)!).push({ at: now, change: desired - current });
      lastScaleTime = rfc3339(now);
      set('AbleToScale', true, 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.env.events.emit(HPA, hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
    } else if (getCondition(conds, 'AbleToScale')?.reason === 'SucceededGetScale') {
      set('AbleToScale', true, 'ReadyForNewScale', 'recommended size matches current size');
    }
    writeStatusWith({
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas: current,
      desiredReplicas: desired,
      ...(currentMetrics ? { currentMetrics } : {}),
    });
  }

  /** Emitted on every failing sync, as the real controller does; the recorder aggregates repeats into count. */
  private warn(hpa: Obj, reason: string, message: string): void {
    this.env.events.emit(HPA, hpa, 'Warning', reason, message);
  }

  private computeMetrics(hpa: Obj, target: Obj, current: number, now: number):
    | { replicas: number; metrics: Json[]; metricName: string }
    | { error: string; reason: string } {
    const specs: Json[] = hpa.spec?.metrics?.length ? hpa.spec.metrics : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    const ns = hpa.metadata.namespace;
    const selector = target.spec?.selector;
    const pods = (this.env.store.list(R.pods, { namespace: ns }).items as Obj[]).filter((p) => matchesSelector(p.metadata.labels, selector));
    const usage = new Map<string, { cpu: number; memory: number }>();
    for (const m of this.metrics.pods(ns)) {
      usage.set(m.name, {
        cpu: m.containers.reduce((n, c) => n + milliCpu(c.usage.cpu), 0),
        memory: m.containers.reduce((n, c) => n + parseQuantity(c.usage.memory), 0),
      });
    }
    // The resource metrics API exists only through metrics-server's APIService, as on a real cluster.
    const api = this.env.store.get(R.apiservices, undefined, 'v1beta1.metrics.k8s.io') as Obj | undefined;
    const apiAvailable = getCondition(api?.status?.conditions, 'Available')?.status === 'True';
    if (!apiAvailable) {
      const r = specs.find((s) => s.type === 'Resource' || s.type === 'ContainerResource');
      const rname = (r?.resource ?? r?.containerResource)?.name ?? 'cpu';
      const why = api ? 'the server is currently unable to handle the request' : 'the server could not find the requested resource';
      return { reason: 'FailedGetResourceMetric', error: `the HPA was unable to compute the replica count: failed to get ${rname} utilization: unable to get metrics for resource ${rname}: unable to fetch metrics from resource metrics API: ${why} (get pods.metrics.k8s.io)` };
    }
    let best: { replicas: number; metricName: string } | undefined;
    const statuses: Json[] = [];
    for (const spec of specs) {
      if (spec.type !== 'Resource' && spec.type !== 'ContainerResource') {
        return { reason: 'FailedGetPodsMetric', error: `the HPA was unable to compute the replica count: unable to get metric of type ${spec.type}: not served by the simulated metrics pipeline` };
      }
      const rname: 'cpu' | 'memory' = (spec.resource ?? spec.containerResource)?.name;
      const tgt = (spec.resource ?? spec.containerResource)?.target ?? {};
      const samples: PodSample[] = [];
      for (const p of pods) {
        if (podDeleting(p) || p.status?.phase === 'Failed') {
          samples.push({ request: 0, ready: false, ignored: true });
          continue;
        }
        let request = 0;
        for (const c of p.spec?.containers ?? []) {
          const q = c.resources?.requests?.[rname];
          if (q === undefined && tgt.type === 'Utilization') {
            return { reason: 'FailedGetResourceMetric', error: `the HPA was unable to compute the replica count: failed to get ${rname} utilization: missing request for ${rname} in container ${c.name} of Pod ${p.metadata.name}` };
          }
          request += rname === 'cpu' ? milliCpu(q) : parseQuantity(q);
        }
        const u = usage.get(p.metadata.name ?? '');
        samples.push({ usage: u ? (rname === 'cpu' ? u.cpu : u.memory) : undefined, request, ready: this.readyForMetrics(p, rname, now) });
      }
      if (!samples.some((s) => s.usage !== undefined)) {
        return { reason: 'FailedGetResourceMetric', error: `the HPA was unable to compute the replica count: failed to get ${rname} utilization: unable to get metrics for resource ${rname}: no metrics returned from resource metrics API` };
      }
      const averageValue = tgt.type === 'AverageValue' ? (rname === 'cpu' ? milliCpu(tgt.averageValue) : parseQuantity(tgt.averageValue)) : undefined;
      let calc;
      try {
        calc = calcReplicas(current, samples, { utilization: tgt.averageUtilization ?? 80, averageValue });
      } catch (e) {
        return { reason: 'FailedGetResourceMetric', error: `the HPA was unable to compute the replica count: ${(e as Error).message}` };
      }
      const metricName = averageValue !== undefined ? `${rname} resource` : `${rname} resource utilization (percentage of request)`;
      const avgQ = rname === 'cpu' ? formatMilliCpu(calc.averageUsage) : `${Math.round(calc.averageUsage / 1024)}Ki`;
      statuses.push({ type: 'Resource', resource: { name: rname, current: { ...(averageValue === undefined ? { averageUtilization: calc.utilization } : {}), averageValue: avgQ } } });
      if (!best || calc.replicas > best.replicas) best = { replicas: calc.replicas, metricName };
    }
    return { replicas: best!.replicas, metricName: best!.metricName, metrics: statuses };
  }

  /** The controller's readiness rule for CPU samples just after a pod starts. */
  private readyForMetrics(p: Obj, resource: string, now: number): boolean {
    const ready = getCondition(p.status?.conditions, 'Ready');
    const isReady = ready?.status === 'True';
    if (resource !== 'cpu') return true;
    const start = parseTime(p.status?.startTime);
    if (start === undefined || !ready) return isReady;
    const transition = parseTime(ready.lastTransitionTime) ?? start;
    if (start + CPU_INITIALIZATION_MS > now) return isReady && now - METRIC_WINDOW_MS >= transition;
    return isReady || !(start + INITIAL_READINESS_DELAY_MS > transition);
  }
}
