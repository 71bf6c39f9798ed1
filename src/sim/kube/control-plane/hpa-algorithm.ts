// The autoscaling/v2 algorithm as the horizontal-pod-autoscaler controller computes it, as pure
// functions: the replica calculation for a resource utilization target (tolerance, unready and
// missing pods), and the behaviour normalization (stabilization windows, scaling policies,
// min/max) with the reasons the ScalingLimited/AbleToScale conditions report.

export const TOLERANCE = 0.1;

export interface PodSample {
  /** Usage (millicores or bytes); undefined = no metric for this pod. */
  usage?: number;
  request: number;
  ready: boolean;
  /** Deleting or Failed: ignored entirely. */
  ignored?: boolean;
}

export interface Calculation {
  replicas: number;
  /** Utilization (percent of request) over the pods with metrics, as status.currentMetrics reports. */
  utilization: number;
  /** Average raw usage over the pods with metrics. */
  averageUsage: number;
}

/**
 * GetResourceReplicas: utilization target in percent of request, or, with `targetAverage`, an
 * AverageValue target (raw usage per pod).
 */
export function calcReplicas(current: number, pods: PodSample[], target: { utilization?: number; averageValue?: number }, tolerance = TOLERANCE): Calculation {
  const considered = pods.filter((p) => !p.ignored);
  const withMetrics = considered.filter((p) => p.usage !== undefined && p.ready);
  const unready = considered.filter((p) => p.usage !== undefined && !p.ready);
  const missing = considered.filter((p) => p.usage === undefined);
  if (!withMetrics.length && !unready.length) throw new Error('no metrics returned');
  const ratioOf = (samples: { usage: number; request: number }[]) => {
    const usage = samples.reduce((n, s) => n + s.usage, 0);
    if (target.averageValue !== undefined) return { ratio: usage / samples.length / target.averageValue, util: 0, avg: usage / samples.length };
    const req = samples.reduce((n, s) => n + s.request, 0);
    const util = Math.trunc((usage * 100) / req);
    return { ratio: util / (target.utilization ?? 80), util, avg: usage / samples.length };
  };
  const ready = withMetrics.map((p) => ({ usage: p.usage!, request: p.request }));
  const base = ratioOf(ready.length ? ready : unready.map((p) => ({ usage: p.usage!, request: p.request })));
  const out = (replicas: number): Calculation => ({ replicas, utilization: base.util, averageUsage: base.avg });
  const scaleUpWithUnready = unready.length > 0 && base.ratio > 1;
  if (!scaleUpWithUnready && missing.length === 0) {
    if (Math.abs(1 - base.ratio) <= tolerance) return out(current);
    return out(Math.ceil(base.ratio * ready.length));
  }
  // Fill in the gaps: missing pods at 100 % of request when scaling down, 0 when scaling up;
  // unready pods at 0 when scaling up.
  const filled = [...ready];
  for (const p of missing) filled.push({ usage: base.ratio < 1 ? (target.averageValue ?? p.request) : 0, request: p.request });
  if (scaleUpWithUnready) for (const p of unready) filled.push({ usage: 0, request: p.request });
  const next = ratioOf(filled);
  if (Math.abs(1 - next.ratio) <= tolerance || (base.ratio < 1 && next.ratio > 1) || (base.ratio > 1 && next.ratio < 1)) return out(current);
  const replicas = Math.ceil(next.ratio * filled.length);
  if ((next.ratio < 1 && replicas > current) || (next.ratio > 1 && replicas < current)) return out(current);
  return out(replicas);
}

export interface Policy { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }
export interface Rules { stabilizationWindowSeconds?: number; selectPolicy?: 'Max' | 'Min' | 'Disabled'; policies?: Policy[] }
export interface Behavior { scaleUp?: Rules; scaleDown?: Rules }

export const DEFAULT_SCALE_UP: Required<Rules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
};
export const DEFAULT_SCALE_DOWN: Required<Rules> = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

export function withDefaults(b: Behavior | undefined): { scaleUp: Required<Rules>; scaleDown: Required<Rules> } {
  return {
    scaleUp: { ...DEFAULT_SCALE_UP, ...(b?.scaleUp ?? {}) } as Required<Rules>,
    scaleDown: { ...DEFAULT_SCALE_DOWN, ...(b?.scaleDown ?? {}) } as Required<Rules>,
  };
}

export interface Recommendation { at: number; replicas: number }
export interface ScaleEvent { at: number; change: number }

export interface Normalized {
  replicas: number;
  /** ScalingLimited reason or undefined when within range. */
  limitedReason?: 'ScaleUpLimit' | 'ScaleDownLimit' | 'TooManyReplicas' | 'TooFewReplicas';
  limitedMessage?: string;
  /** AbleToScale reason when stabilization held the recommendation back. */
  stabilizedReason?: 'ScaleUpStabilized' | 'ScaleDownStabilized';
}

function periodChange(events: ScaleEvent[], now: number, periodSeconds: number, up: boolean): number {
  return events.filter((e) => e.at > now - periodSeconds * 1000 && (up ? e.change > 0 : e.change < 0)).reduce((n, e) => n + Math.abs(e.change), 0);
}

export function scaleUpLimit(current: number, events: ScaleEvent[], rules: Required<Rules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - periodChange(events, now, p.periodSeconds, true);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

export function scaleDownLimit(current: number, events: ScaleEvent[], rules: Required<Rules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current + periodChange(events, now, p.periodSeconds, false);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/**
 * normalizeDesiredReplicasWithBehaviors: stabilize over the recommendation history (which this
 * call appends to and prunes), then limit by the scaling policies and min/max.
 */
export function normalize(
  current: number,
  proposed: number,
  min: number,
  max: number,
  behavior: Behavior | undefined,
  recommendations: Recommendation[],
  events: ScaleEvent[],
  now: number,
): Normalized {
  const b = withDefaults(behavior);
  let up = proposed;
  let down = proposed;
  for (const r of recommendations) {
    if (r.at > now - b.scaleUp.stabilizationWindowSeconds * 1000) up = Math.min(up, r.replicas);
    if (r.at > now - b.scaleDown.stabilizationWindowSeconds * 1000) down = Math.max(down, r.replicas);
  }
  let rec = current;
  if (rec < up) rec = up;
  if (rec > down) rec = down;
  recommendations.push({ at: now, replicas: proposed });
  const keep = Math.max(b.scaleUp.stabilizationWindowSeconds, b.scaleDown.stabilizationWindowSeconds) * 1000;
  for (let i = recommendations.length - 1; i >= 0; i--) if (recommendations[i].at <= now - keep && recommendations.length > 1) recommendations.splice(i, 1);
  const out: Normalized = { replicas: rec };
  if (rec !== proposed) out.stabilizedReason = proposed > current ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
  if (rec > current) {
    const limit = Math.max(current, scaleUpLimit(current, events, b.scaleUp, now));
    if (rec > limit) {
      out.replicas = limit;
      out.limitedReason = 'ScaleUpLimit';
      out.limitedMessage = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (out.replicas > max) {
      out.replicas = max;
      out.limitedReason = 'TooManyReplicas';
      out.limitedMessage = 'the desired replica count is more than the maximum replica count';
    }
  } else if (rec < current) {
    const limit = Math.min(current, scaleDownLimit(current, events, b.scaleDown, now));
    if (rec < limit) {
      out.replicas = limit;
      out.limitedReason = 'ScaleDownLimit';
      out.limitedMessage = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (out.replicas < min) {
      out.replicas = min;
      out.limitedReason = 'TooFewReplicas';
      out.limitedMessage = 'the desired replica count is less than the minimum replica count';
    }
  }
  return out;
}
