// The one status function of a LoadTest: phase, conditions and lastRun/runs, from the run records
// in the state dir, the preconditions and the control file. The reconciler never writes status
// fields anywhere else.
import { ConditionSet } from '../../controllers/framework.js';
import type { HostObject, ObjectStatus } from '../../api/types.js';
import type { PreconditionResult } from './preconditions.js';
import { pendingRunRequest, type Control, type RunData } from './run-store.js';

export interface StatusInput {
  obj: HostObject;
  now: Date;
  /** Newest first. */
  runs: RunData[];
  control: Control;
  /** The preconditions observed in this reconcile; not checked (undefined) while a run is in progress. */
  ready?: PreconditionResult | { ready: false; reason: string; message: string };
  notice?: string;
  stalled?: { reason: string; message: string };
}

const ORDER = ['Ready', 'Running', 'Succeeded', 'ThresholdsPassed', 'Reconciling', 'Stalled'];

export function runSummary(r: RunData) {
  const thresholds = r.thresholds && r.thresholds.length ? Object.fromEntries(r.thresholds.map((t) => [`${t.name} ${t.name === 'minRps' ? '>=' : t.name === 'maxReplicas' ? '<=' : '<'} ${t.limit}`, t.passed])) : undefined;
  return {
    id: r.id,
    ...(r.generation !== undefined ? { generation: r.generation } : {}),
    ...(r.trigger ? { trigger: r.trigger } : {}),
    // the `hostplane run` request this run answers: callers follow their run by it
    ...(r.request ? { request: r.request } : {}),
    ...(r.startTime ? { startTime: r.startTime } : {}),
    ...(r.completionTime ? { completionTime: r.completionTime } : {}),
    ...(r.outcome ? { outcome: r.outcome } : {}),
    ...(r.exitCodes?.length ? { exitCode: Math.max(...r.exitCodes) } : {}),
    ...(r.message ? { message: r.message } : {}),
    ...(thresholds ? { thresholds } : {}),
    resultsFile: `records/LoadTest/${r.loadTest}/runs/${r.id}.json`,
    // a failed or errored run says what its pods printed last (the OOM-killed pod's, the script error)
    ...(r.logTail?.length ? { logTail: r.logTail.slice(-5) } : {}),
  };
}

const round = (x: number | undefined, d = 3) => (x === undefined ? undefined : Math.round(x * 10 ** d) / 10 ** d);
const clean = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function loadTestStatus(s: StatusInput): ObjectStatus {
  const gen = s.obj.metadata.generation ?? 1;
  const prev = s.obj.status?.conditions as never;
  const c = new ConditionSet(prev, gen, s.now);
  const last = s.runs[0];
  const running = s.runs.find((r) => r.outcome === 'Running');
  const finished = s.runs.find((r) => r.outcome !== 'Running');
  // Ready follows the records: "in progress" only while a run is Running, the observed preconditions otherwise
  const ready = running
    ? { ready: true, reason: 'Ready', message: `Run ${running.id} is in progress (one run at a time)` }
    : (s.ready ?? { ready: false, reason: 'DependencyNotReady', message: 'The preconditions have not been checked yet' });
  c.set({ type: 'Ready', status: ready.ready ? 'True' : 'False', reason: ready.reason, message: ready.message });
  if (running) {
    c.set({ type: 'Running', status: 'True', reason: running.phase === 'Cooldown' ? 'Cooldown' : 'Running', message: running.phase === 'Cooldown' ? `Run ${running.id}: load done, sampling the cooldown (${Math.round((running.progress ?? 0) * 100)}%)` : `Run ${running.id}: ${Math.round((running.progress ?? 0) * 100)}% of ${Math.round(running.plannedMs / 1000)}s` });
  } else {
    c.set({ type: 'Running', status: 'False', reason: 'Idle', message: s.notice ?? 'No run in progress' });
  }
  if (finished) {
    const ok = finished.outcome === 'Succeeded';
    c.set({ type: 'Succeeded', status: ok ? 'True' : 'False', reason: finished.reason ?? (ok ? 'RunSucceeded' : 'RunError'), message: `Run ${finished.id}: ${finished.message ?? finished.outcome}` });
    const th = finished.thresholds ?? [];
    const crossed = th.filter((t) => !t.passed);
    c.set({ type: 'ThresholdsPassed', status: th.length === 0 ? 'Unknown' : crossed.length ? 'False' : 'True', reason: th.length === 0 ? 'NoThresholds' : crossed.length ? 'Crossed' : 'Passed', message: th.length === 0 ? 'No thresholds set' : th.map((t) => t.message).join(', ') });
  } else {
    c.set({ type: 'Succeeded', status: 'Unknown', reason: 'NeverRun', message: 'No run finished yet' });
  }
  c.setOrRemove(!!running, { type: 'Reconciling', reason: 'Progressing', message: running ? `Run ${running.id} in progress` : '' });
  c.setOrRemove(!!s.stalled, { type: 'Stalled', reason: s.stalled?.reason ?? '', message: s.stalled?.message ?? '' });
  const phase = s.stalled ? 'Error' : running ? 'Running' : (s.obj.spec as { suspend?: boolean }).suspend ? 'Suspended' : !ready.ready ? 'Waiting' : !finished ? 'Idle' : finished.outcome === 'Succeeded' ? 'Succeeded' : finished.outcome === 'Failed' ? 'Failed' : finished.outcome === 'Cancelled' ? 'Idle' : 'Error';
  const lastRun = last
    ? clean({
        ...runSummary(last),
        progress: { elapsedSeconds: round(Math.max(0, ((last.completionTime ? Date.parse(last.completionTime) : s.now.getTime()) - Date.parse(last.startTime!)) / 1000), 1), plannedSeconds: round(last.plannedMs / 1000, 1), fraction: round(last.outcome === 'Running' ? (last.progress ?? 0) : 1) },
        ...(last.http ? { http: clean({ requests: last.http.requests, rps: round(last.http.rps), avgMs: round(last.http.avgMs), p95Ms: round(last.http.p95Ms), p99Ms: round(last.http.p99Ms), maxMs: round(last.http.maxMs), errorRate: round(last.http.errorRate, 6), checksRate: round(last.http.checksRate, 6), vusMax: last.http.vusMax, iterations: last.http.iterations }) } : {}),
        ...(last.stress ? { stress: clean({ bogoOps: last.stress.bogoOps, bogoOpsPerSecReal: round(last.stress.bogoOpsPerSecReal), bogoOpsPerSecUsrSys: round(last.stress.bogoOpsPerSecUsrSys), cpuPerInstance: round(last.stress.cpuPerInstance), maxRssKB: last.stress.maxRssKB }) } : {}),
        // the newest sample rides on every status update, so the watch stream carries the live series
        ...(last.outcome === 'Running' && last.samples.length ? { latestSample: last.samples.at(-1) } : {}),
        ...(last.type === 'scaling' ? { scaling: clean({ samples: last.samples.length, baselineReplicas: last.kpis?.baselineReplicas, peakReplicas: last.kpis?.peakReplicas, finalReplicas: last.kpis?.finalReplicas, timeToFirstScaleUpSeconds: last.kpis?.timeToFirstScaleUpSeconds, timeToScaleDownSeconds: last.kpis?.timeToScaleDownSeconds, peakCpuUtilization: last.kpis?.peakCpuUtilization }) } : {}),
      })
    : undefined;
  return clean({
    observedGeneration: gen,
    phase,
    runCount: s.control.runCount,
    ...(lastRun ? { lastRun } : {}),
    runs: s.runs.map(runSummary),
    ...(s.control.lastHandledRunRequest ? { lastHandledRunRequest: s.control.lastHandledRunRequest } : {}),
    ...(pendingRunRequest(s.control) ? { pendingRunRequest: pendingRunRequest(s.control) } : {}),
    ...(s.control.cancelledRunRequest ? { cancelledRunRequest: s.control.cancelledRunRequest } : {}),
    conditions: c.toArray(ORDER),
  }) as ObjectStatus;
}
