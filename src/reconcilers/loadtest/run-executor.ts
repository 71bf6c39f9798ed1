// One run of a LoadTest in its cluster, through the kube port (issue 12 items 1–3, 7): create the
// ConfigMap and Jobs, watch them, sample the scaling targets every sampleInterval through the load
// and the cooldown, collect the pods' logs and exit codes, and turn them into the run's results.
// Each call does one step and says when to come back; all state lives in the RunData record, so a
// restarted `up` continues (or closes) a run it finds recorded as Running.
import { KubeError, type KubeObject, type KubePort } from '../../ports/kube.js';
import { parseDuration } from './duration.js';
import { classifyExit, type ExitClassification } from './exit-code.js';
import { buildRunObjects, LABEL_RUN } from './job-manifest.js';
import { generateK6Script, wrapUserK6Script } from './k6-script.js';
import { parseK6Summary, type K6HttpMetrics } from './k6-summary.js';
import { deriveScalingKpis, type DeploymentSample, type ScalingSample } from './kpis.js';
import { mergeHttp, mergeStress } from './merge-parallel.js';
import type { RunData } from './run-store.js';
import type { LoadTestSpec } from './spec-types.js';
import { parseStressNgYaml, type StressNgResult } from './stress-ng-yaml.js';
import { evaluateThresholds, thresholdsMessage } from './thresholds.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = KubeObject & Record<string, any>;

const LOG_TAIL_LINES = 15;

export function plannedLoadMs(spec: LoadTestSpec): number {
  if (spec.type === 'cpu' || spec.type === 'memory') return parseDuration(spec.stressNg?.duration ?? '30s') ?? 30_000;
  const k6 = spec.k6!;
  if (k6.stages && k6.stages.length > 0) return k6.stages.reduce((n, s) => n + (parseDuration(s.duration) ?? 0), 0);
  return parseDuration(k6.duration) ?? 30_000;
}

export function cooldownMs(spec: LoadTestSpec): number {
  return spec.type === 'scaling' ? (parseDuration(spec.cooldown) ?? 0) : 0;
}

/** The script of an http/scaling run: built in, or the user's file wrapped (read by the caller). */
export function runScript(spec: LoadTestSpec, userScript: string | undefined) {
  if (spec.type !== 'http' && spec.type !== 'scaling') return undefined;
  return userScript !== undefined ? wrapUserK6Script(spec, userScript) : generateK6Script(spec);
}

export async function createRunObjects(kube: KubePort, name: string, runId: string, spec: LoadTestSpec, userScript?: string): Promise<{ jobs: string[]; configMap?: string }> {
  const objs = buildRunObjects({ loadTest: name, runId, spec, script: runScript(spec, userScript) });
  if (!(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: spec.namespace }))) {
    // another LoadTest may create it at the same moment
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: spec.namespace, labels: { 'app.kubernetes.io/managed-by': 'hostplane' } } }).catch((e) => {
      if (!(e instanceof KubeError && e.kind === 'AlreadyExists')) throw e;
    });
  }
  if (objs.configMap) await kube.create(objs.configMap as unknown as KubeObject);
  for (const j of objs.jobs) await kube.create(j as unknown as KubeObject);
  return { jobs: objs.jobs.map((j) => (j.metadata as { name: string }).name), ...(objs.configMap ? { configMap: (objs.configMap.metadata as { name: string }).name } : {}) };
}

export async function deleteRunObjects(kube: KubePort, run: RunData): Promise<void> {
  for (const j of run.jobs) await kube.delete({ apiVersion: 'batch/v1', kind: 'Job', name: j, namespace: run.namespace }, { propagationPolicy: 'Background' }).catch(() => false);
  if (run.configMap) await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: run.configMap, namespace: run.namespace }).catch(() => false);
}

/** One sample of each target Deployment: ready replicas, its HPA's current/desired replicas and CPU. */
export async function takeSample(kube: KubePort, spec: LoadTestSpec, tMs: number): Promise<ScalingSample> {
  const deployments: Record<string, DeploymentSample> = {};
  const hpasByNs = new Map<string, Obj[]>();
  for (const ref of spec.target?.deployments ?? []) {
    const [ns, name] = ref.includes('/') ? ref.split('/') as [string, string] : [spec.namespace, ref];
    const d = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name })) as Obj | undefined;
    if (!hpasByNs.has(ns)) hpasByNs.set(ns, (await kube.list({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: ns }).catch(() => ({ items: [] }))).items as Obj[]);
    const hpa = hpasByNs.get(ns)!.find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec?.scaleTargetRef?.name === name);
    const cpu = (hpa?.status?.currentMetrics ?? []).find((m: Obj) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current?.averageUtilization;
    deployments[`${ns}/${name}`] = {
      replicas: d?.status?.readyReplicas ?? 0,
      ...(hpa ? { hpaCurrent: hpa.status?.currentReplicas ?? 0, hpaDesired: hpa.status?.desiredReplicas ?? 0 } : {}),
      ...(typeof cpu === 'number' ? { cpuPercent: cpu } : {}),
    };
  }
  return { tMs, deployments };
}

export interface RunPods {
  pods: Obj[];
  unschedulable?: string;
}

export async function runPods(kube: KubePort, run: RunData): Promise<Obj[]> {
  return (await kube.list({ apiVersion: 'v1', kind: 'Pod', namespace: run.namespace, labelSelector: `${LABEL_RUN}=${run.id}` })).items as Obj[];
}

/** Every Job of the run has finished (Complete or Failed), or undefined when a Job is gone. */
export async function jobsFinished(kube: KubePort, run: RunData): Promise<boolean | undefined> {
  for (const name of run.jobs) {
    const j = (await kube.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: run.namespace, name })) as Obj | undefined;
    if (!j) return undefined;
    const done = (j.status?.conditions ?? []).some((c: Obj) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (!done) return false;
  }
  return true;
}

/** A Job of the run failed by its activeDeadlineSeconds (spec.timeout). */
export async function jobDeadlineExceeded(kube: KubePort, run: RunData): Promise<boolean> {
  for (const name of run.jobs) {
    const j = (await kube.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: run.namespace, name })) as Obj | undefined;
    if ((j?.status?.conditions ?? []).some((c: Obj) => c.type === 'Failed' && c.status === 'True' && c.reason === 'DeadlineExceeded')) return true;
  }
  return false;
}

/** Why a run's pod cannot run (unschedulable, image pull), for the Error message. */
export function podBlocked(pods: Obj[]): string | undefined {
  for (const p of pods) {
    const sched = (p.status?.conditions ?? []).find((c: Obj) => c.type === 'PodScheduled');
    if (sched?.status === 'False' && sched.reason === 'Unschedulable') return `pod ${p.metadata.name} cannot be scheduled: ${sched.message ?? 'Unschedulable'}`;
    for (const cs of p.status?.containerStatuses ?? []) {
      const w = cs.state?.waiting;
      if (w && /ImagePullBackOff|ErrImagePull|CreateContainerConfigError|InvalidImageName/.test(w.reason ?? '')) return `pod ${p.metadata.name}: ${w.reason}${w.message ? `: ${w.message}` : ''}`;
    }
  }
  return undefined;
}

export function tail(text: string, n = LOG_TAIL_LINES): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(-n);
}

export interface Collected {
  http?: RunData['http'];
  stress?: RunData['stress'];
  exitCodes: number[];
  classification: ExitClassification;
  logTail: string[];
  parseError?: string;
}

const RANK: Record<string, number> = { Succeeded: 0, Failed: 1, Cancelled: 2, Error: 3 };

/** Reads the finished pods: exit codes classified (worst wins), summaries parsed and merged. */
export async function collect(kube: KubePort, run: RunData, spec: LoadTestSpec): Promise<Collected> {
  const pods = (await runPods(kube, run)).sort((a, b) => String(a.metadata.labels?.['hostplane.dev/runner'] ?? '').localeCompare(String(b.metadata.labels?.['hostplane.dev/runner'] ?? '')));
  const tool = spec.type === 'cpu' || spec.type === 'memory' ? 'stress-ng' : 'k6';
  const http: Array<{ pod: string; metrics: K6HttpMetrics }> = [];
  const stress: Array<{ pod: string; metrics: StressNgResult }> = [];
  const exitCodes: number[] = [];
  let worst: ExitClassification | undefined;
  let logTail: string[] = [];
  let parseError: string | undefined;
  for (const p of pods) {
    const term = p.status?.containerStatuses?.[0]?.state?.terminated;
    const code = typeof term?.exitCode === 'number' ? term.exitCode : 1;
    exitCodes.push(code);
    const c = classifyExit({ tool, testType: spec.type, exitCode: code, terminationReason: term?.reason });
    let log = '';
    try {
      log = await kube.podLogs({ name: p.metadata.name!, namespace: run.namespace });
    } catch (e) {
      log = `(no log: ${(e as Error).message})`;
    }
    const label = `runner-${p.metadata.labels?.['hostplane.dev/runner'] ?? http.length + stress.length}`;
    try {
      if (tool === 'k6') http.push({ pod: label, metrics: parseK6Summary(log).http });
      else stress.push({ pod: label, metrics: parseStressNgYaml(log) });
    } catch (e) {
      parseError = `${p.metadata.name}: ${(e as Error).message}`;
    }
    if (!worst || RANK[c.outcome]! > RANK[worst.outcome]!) {
      // name the pod the kernel killed (kubectl describe would)
      worst = term?.reason === 'OOMKilled' ? { ...c, message: `pod ${p.metadata.name}: ${c.message}` } : c;
      if (c.outcome !== 'Succeeded') logTail = tail(log).map((l) => `${p.metadata.name}: ${l}`);
    }
  }
  if (!worst) {
    worst = { outcome: 'Error', reason: 'RunError', message: 'the run\'s pods are gone: no exit code or log to read' };
  }
  const out: Collected = { exitCodes, classification: worst, logTail };
  if (parseError) out.parseError = parseError;
  if (http.length === 1) out.http = http[0]!.metrics;
  else if (http.length > 1) {
    const m = mergeHttp(http);
    out.http = { requests: m.requests, rps: m.rps, avgMs: m.avgMs, maxMs: m.maxMs, errorRate: m.errorRate, checksRate: m.checksRate, vusMax: m.vusMax, iterations: m.iterations, p95Ms: m.p95MsMaxOverPods, p99Ms: m.p99MsMaxOverPods, merged: m };
  }
  if (stress.length > 0) out.stress = mergeStress(stress);
  return out;
}

/** The run's verdict from what was collected, the samples and spec.thresholds. */
export function finalizeRun(run: RunData, spec: LoadTestSpec, c: Collected, loadEndMs: number): void {
  const kpis = spec.type === 'scaling' && run.samples.length > 0 ? deriveScalingKpis(withRps(run.samples, c.http?.rps, loadEndMs), 0, loadEndMs) : undefined;
  if (kpis) run.kpis = kpis;
  if (c.http) run.http = c.http;
  if (c.stress) run.stress = c.stress;
  run.exitCodes = c.exitCodes;
  const th = evaluateThresholds(spec.thresholds, { p95Ms: c.http?.p95Ms, p99Ms: c.http?.p99Ms, errorRate: c.http?.errorRate, rps: c.http?.rps, peakReplicas: kpis?.peakReplicas });
  run.thresholds = th;
  let { outcome, reason, message } = c.classification;
  if (outcome === 'Succeeded' && c.parseError) {
    outcome = 'Error';
    reason = 'RunError';
    message = `the run ended with exit 0 but its results could not be read (${c.parseError})`;
  } else if ((outcome === 'Succeeded' || reason === 'ThresholdsCrossed') && th.some((t) => !t.passed)) {
    outcome = 'Failed';
    reason = 'ThresholdsCrossed';
    message = thresholdsMessage(th);
  } else if (outcome === 'Succeeded' && th.length > 0) {
    message = `${message}; ${thresholdsMessage(th)}`;
  }
  if (outcome !== 'Succeeded' && c.logTail.length > 0 && reason !== 'ThresholdsCrossed') run.logTail = c.logTail;
  if (c.http?.merged) message = `${message} (${c.http.merged.pods} pods: counts and rates summed, p95/p99 are the maximum over the pods' own percentiles)`;
  run.outcome = outcome;
  run.reason = reason;
  run.message = message;
}

/** k6 runs quietly, so the load-phase samples get the run's mean RPS (for RPS per pod). */
function withRps(samples: ScalingSample[], rps: number | undefined, loadEndMs: number): ScalingSample[] {
  if (rps === undefined) return samples;
  return samples.map((s) => (s.tMs > 0 && s.tMs <= loadEndMs ? { ...s, rps } : s));
}
