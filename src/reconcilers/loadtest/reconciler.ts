// The LoadTest reconciler: level-triggered, one step per call. With a run recorded as Running it
// advances that run (abort, timeout, sampling, collection, verdict); otherwise it checks the
// preconditions and starts a run when one is due (runPolicy OnGenerationChange, or a request from
// `hostplane run`). One status function (loadTestStatus) writes what the records say.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { clusterStoppedMessage } from '../../api/cluster-power.js';
import { getCondition, isReadyAtCurrentGeneration } from '../../api/conditions.js';
import { objectKey, parseObjectKey, type HostObject } from '../../api/types.js';
import type { Clock } from '../../controllers/clock.js';
import { done, requeueAfter, type ReconcileResult } from '../../controllers/controller.js';
import { referenceProblem, type RulesOf } from '../../controllers/reference-check.js';
import type { EventSink, Logger } from '../../controllers/sinks.js';
import type { StateDir } from '../../controllers/state-dir.js';
import type { ObjectStore } from '../../controllers/store.js';
import type { KubernetesPorts } from '../../ports/index.js';
import type { KubePort } from '../../ports/kube.js';
import { parseDuration } from './duration.js';
import { checkPreconditions, type DeploymentFacts, type PreconditionResult } from './preconditions.js';
import { collect, cooldownMs, jobDeadlineExceeded, createRunObjects, deleteRunObjects, finalizeRun, jobsFinished, plannedLoadMs, podBlocked, runPods, tail, takeSample } from './run-executor.js';
import { decideRun, newRunId, pruneRuns, runTimedOut } from './run-history.js';
import { pendingRunRequest, RunStore, type RunData } from './run-store.js';
import { withLoadTestDefaults, type LoadTestSpec } from './spec-types.js';
import { loadTestStatus } from './status.js';

export interface LoadTestDeps {
  store: ObjectStore;
  stateDir: StateDir;
  events: EventSink;
  log: Logger;
  clock: Clock;
  kubernetes: KubernetesPorts;
  referenceRules: RulesOf;
  /** Where relative spec.k6.script paths resolve (the lab root). */
  labRoot?: string;
  /** How often a run's Jobs are polled between samples (ms, default 2000). */
  pollMs?: number;
  /** How long a run pod may stay unschedulable before the run is an Error (ms, default 60 s). */
  unschedulableGraceMs?: number;
  /** Called with each new sample of a run (the watch stream's live samples). */
  onSample?: (name: string, runId: string, sample: unknown) => void;
  /** Real ms of the work queue per ms of `clock` (1 / time scale when the clusters run time-scaled and the queue does not). */
  requeueScale?: number;
}

type Spec = LoadTestSpec;

/** How often an idle scaling LoadTest looks at its cluster's metrics API and HPAs again (ms of the clusters' clock). */
export const IDLE_RECHECK_NOT_READY_MS = 15_000; // the HPA controller's sync period
export const IDLE_RECHECK_READY_MS = 60_000;

export function createLoadTestReconciler(d: LoadTestDeps) {
  const pollMs = d.pollMs ?? 2000;
  const kubes = new Map<string, KubePort>();
  const kubeFor = (path: string) => {
    let k = kubes.get(path);
    if (!k) kubes.set(path, (k = d.kubernetes.kube(path)));
    return k;
  };
  const now = () => new Date(d.clock.now());

  function clusterOf(spec: Spec): { ready: boolean; stopped?: string; kubeconfig?: string; obj?: HostObject } {
    const c = d.store.get('Cluster', spec.cluster);
    const kubeconfig = c?.status?.kubeconfigPath as string | undefined;
    // a stopped Cluster is Ready (StoppedAsDesired) but its API server does not answer: not usable
    const stopped = clusterStoppedMessage(c, spec.cluster);
    return { ready: !!c && !stopped && isReadyAtCurrentGeneration(c) && !!kubeconfig, ...(stopped ? { stopped } : {}), ...(kubeconfig ? { kubeconfig } : {}), ...(c ? { obj: c } : {}) };
  }

  function addonsNotReady(spec: Spec): string[] {
    return (spec.dependsOn ?? []).filter((a) => {
      const o = d.store.get('Addon', a);
      return !o || !isReadyAtCurrentGeneration(o);
    });
  }

  async function preconditions(spec: Spec, kube: KubePort | undefined): Promise<PreconditionResult> {
    const cluster = clusterOf(spec);
    const base = { type: spec.type, clusterReady: cluster.ready, clusterName: spec.cluster, ...(cluster.stopped ? { clusterStopped: cluster.stopped } : {}), addonsNotReady: addonsNotReady(spec) };
    if (!cluster.ready || base.addonsNotReady.length > 0 || spec.type !== 'scaling' || !kube) return checkPreconditions(base);
    let metricsApiAvailable = false;
    try {
      await kube.list({ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics' });
      metricsApiAvailable = true;
    } catch {
      /* reported as MetricsUnavailable */
    }
    const deployments: DeploymentFacts[] = [];
    if (metricsApiAvailable) {
      for (const ref of spec.target?.deployments ?? []) {
        const [ns, name] = ref.includes('/') ? (ref.split('/') as [string, string]) : [spec.namespace, ref];
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const dep = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name })) as any;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const hpas = (await kube.list({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: ns })).items as any[];
        const hpa = hpas.find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec?.scaleTargetRef?.name === name);
        deployments.push({
          ref: `${ns}/${name}`,
          exists: !!dep,
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          cpuRequested: !!dep && (dep.spec?.template?.spec?.containers ?? []).every((c: any) => c.resources?.requests?.cpu !== undefined),
          ...(hpa ? { hpa: { name: hpa.metadata.name, conditions: hpa.status?.conditions ?? [] } } : {}),
        });
      }
    }
    return checkPreconditions({ ...base, metricsApiAvailable, deployments });
  }

  function readUserScript(spec: Spec): string | undefined {
    const p = spec.k6?.script;
    if (!p) return undefined;
    const file = isAbsolute(p) ? p : join(d.labRoot ?? process.cwd(), p);
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`spec.k6.script: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the path is relative to the lab root`);
    }
  }

  function event(name: string, type: 'Normal' | 'Warning', reason: string, message: string) {
    d.events.record({ object: objectKey('LoadTest', name), type, reason, message });
  }

  async function finishRun(name: string, rs: RunStore, run: RunData, spec: Spec, kube: KubePort | undefined, outcome: RunData['outcome'], reason: string, message: string, logTail?: string[]) {
    run.outcome = outcome;
    run.reason = reason;
    run.message = message;
    if (logTail && logTail.length) run.logTail = logTail;
    run.phase = 'Done';
    run.completionTime = now().toISOString();
    run.progress = 1;
    // a run stopped early (abort, timeout, a pod that cannot start) loses its Jobs whatever spec.cleanup says
    const stopped = reason === 'Cancelled' || reason === 'Timeout' || message.startsWith('Could not start');
    if (kube && (stopped || spec.cleanup === 'Always' || (spec.cleanup === 'OnSuccess' && outcome === 'Succeeded'))) await deleteRunObjects(kube, run);
    rs.save(run);
    event(name, outcome === 'Succeeded' ? 'Normal' : 'Warning', `Run${outcome}`, `Run ${run.id}: ${message}`);
    const { prune } = pruneRuns(rs.runs(), spec.keepRuns);
    for (const p of prune) rs.remove(p.id);
  }

  /** Advances a Running run by one step; returns when to come back (ms). */
  async function advance(name: string, rs: RunStore, run: RunData, spec: Spec): Promise<number | undefined> {
    const cluster = clusterOf(spec);
    const kube = cluster.kubeconfig ? kubeFor(cluster.kubeconfig) : undefined;
    const control = rs.control();
    const t = now();
    const elapsed = t.getTime() - Date.parse(run.startTime!);
    if (control.abortRequest) {
      rs.saveControl({ ...control, abortRequest: undefined });
      await finishRun(name, rs, run, spec, kube, 'Cancelled', 'Cancelled', `Aborted by request (${control.abortRequest}); its Jobs were deleted`);
      return undefined;
    }
    if (!kube) {
      await finishRun(name, rs, run, spec, undefined, 'Error', 'RunError', `Cluster ${spec.cluster} has no kubeconfig any more (deleted or not Ready); the run cannot be followed`);
      return undefined;
    }
    const timeoutMs = parseDuration(spec.timeout) ?? 30 * 60_000;
    if (runTimedOut(run, t, timeoutMs)) {
      const pods = await runPods(kube, run).catch(() => []);
      const logs = await lastLogs(kube, run, pods);
      await finishRun(name, rs, run, spec, kube, 'Error', 'Timeout', `Exceeded spec.timeout ${spec.timeout}; its Jobs were deleted`, logs);
      return undefined;
    }
    const interval = parseDuration(spec.sampleInterval) ?? 5000;
    let next = pollMs;
    if (spec.type === 'scaling') {
      const due = run.nextSampleAt ? Date.parse(run.nextSampleAt) : 0;
      if (t.getTime() >= due) {
        const s = await takeSample(kube, spec, elapsed);
        run.samples.push(s);
        run.nextSampleAt = new Date(Math.max(t.getTime() + 1, (due || t.getTime()) + interval)).toISOString();
        d.onSample?.(name, run.id, s);
      }
      next = Math.min(next, Math.max(10, Date.parse(run.nextSampleAt!) - t.getTime()));
    }
    run.progress = Math.min(1, elapsed / Math.max(1, run.plannedMs));
    if (run.phase === 'Load') {
      const finished = await jobsFinished(kube, run);
      if (finished === undefined) {
        await finishRun(name, rs, run, spec, kube, 'Error', 'RunError', `Its Job is gone from namespace ${run.namespace} (deleted by hand, or the cluster was reset while hostplane was not running)`);
        return undefined;
      }
      const grace = d.unschedulableGraceMs ?? 60_000;
      if (!finished && elapsed > grace) {
        // a run pod that cannot start (unschedulable, image) is an Error after the grace period
        const pods = await runPods(kube, run);
        const blocked = podBlocked(pods);
        if (blocked) {
          await finishRun(name, rs, run, spec, kube, 'Error', 'RunError', `Could not start: ${blocked}`, await lastLogs(kube, run, pods));
          return undefined;
        }
      }
      if (!finished) {
        rs.save(run);
        return next;
      }
      if (await jobDeadlineExceeded(kube, run)) {
        await finishRun(name, rs, run, spec, kube, 'Error', 'Timeout', `Exceeded spec.timeout ${spec.timeout} (the Job's activeDeadlineSeconds); its Jobs were deleted`, await lastLogs(kube, run, await runPods(kube, run).catch(() => [])));
        return undefined;
      }
      const c = await collect(kube, run, spec);
      const loadEnd = elapsed;
      run.loadEndTime = t.toISOString();
      finalizeRun(run, spec, c, loadEnd);
      const cd = cooldownMs(spec);
      if (cd > 0 && run.outcome !== 'Error') {
        // the verdict is known; the cooldown samples the scale-down before the run is closed
        run.phase = 'Cooldown';
        run.plannedMs = Math.max(run.plannedMs, loadEnd + cd);
        run.outcome = 'Running';
        rs.save(run);
        return next;
      }
      await finishRun(name, rs, run, spec, kube, run.outcome, run.reason!, run.message!, run.logTail);
      return undefined;
    }
    // Cooldown
    const loadEndMs = Date.parse(run.loadEndTime!) - Date.parse(run.startTime!);
    if (elapsed >= loadEndMs + cooldownMs(spec)) {
      const c = await collect(kube, run, spec).catch(() => undefined);
      if (c) finalizeRun(run, spec, c, loadEndMs);
      else run.outcome = run.reason === 'RunSucceeded' ? 'Succeeded' : 'Failed';
      await finishRun(name, rs, run, spec, kube, run.outcome === 'Running' ? 'Succeeded' : run.outcome, run.reason!, run.message!, run.logTail);
      return undefined;
    }
    rs.save(run);
    return next;
  }

  async function lastLogs(kube: KubePort, run: RunData, pods: Awaited<ReturnType<typeof runPods>>): Promise<string[]> {
    const out: string[] = [];
    for (const p of pods) {
      const text = await kube.podLogs({ name: p.metadata.name!, namespace: run.namespace }).catch(() => '');
      out.push(...tail(text).map((l) => `${p.metadata.name}: ${l}`));
    }
    return out.slice(-15);
  }

  async function startRun(name: string, obj: HostObject, rs: RunStore, spec: Spec, trigger: 'GenerationChange' | 'Manual', handledRequest?: string): Promise<RunData> {
    const cluster = clusterOf(spec);
    const kube = kubeFor(cluster.kubeconfig!);
    // synchronous from reading control.json to saving the run: a request or abort made through the
    // API meanwhile sees either no run and the request pending, or the run recorded as Running
    const control = rs.control();
    const runCount = control.runCount + 1;
    const t = now();
    const id = newRunId(t, runCount);
    rs.saveControl({ ...control, runCount, ...(handledRequest ? { lastHandledRunRequest: handledRequest } : {}) });
    const run: RunData = {
      id, loadTest: name, generation: obj.metadata.generation ?? 1, trigger, startTime: t.toISOString(), outcome: 'Running',
      ...(handledRequest ? { request: handledRequest } : {}),
      type: spec.type, namespace: spec.namespace, jobs: [], phase: 'Load', plannedMs: plannedLoadMs(spec) + cooldownMs(spec), progress: 0, samples: [],
    };
    rs.save(run);
    try {
      const created = await createRunObjects(kube, name, id, spec, readUserScript(spec));
      run.jobs = created.jobs;
      if (created.configMap) run.configMap = created.configMap;
    } catch (e) {
      run.outcome = 'Error';
      run.reason = 'RunError';
      run.message = `Could not be created: ${(e as Error).message}`;
      run.phase = 'Done';
      run.completionTime = t.toISOString();
      rs.save(run);
      event(name, 'Warning', 'RunError', `Run ${id}: ${run.message}`);
      return run;
    }
    rs.save(run);
    event(name, 'Normal', 'RunStarted', `Run ${id} started (${trigger === 'Manual' ? 'requested' : 'spec generation ' + run.generation}): ${run.jobs.join(', ')} in ${spec.namespace}`);
    const { prune } = pruneRuns(rs.runs(), spec.keepRuns);
    for (const p of prune) rs.remove(p.id);
    return run;
  }

  return async function reconcileLoadTest(key: string): Promise<ReconcileResult> {
    const { name } = parseObjectKey(key);
    const obj = d.store.get('LoadTest', name);
    const rs = new RunStore(d.stateDir, name);
    if (!obj) return done();
    if (obj.metadata.deletionTimestamp) {
      const spec = safeSpec(obj);
      const running = rs.runs().find((r) => r.outcome === 'Running');
      const cluster = spec ? clusterOf(spec) : undefined;
      if (running && cluster?.kubeconfig) await deleteRunObjects(kubeFor(cluster.kubeconfig), running).catch(() => undefined);
      rs.removeAll();
      d.store.remove('LoadTest', name);
      return done();
    }
    let spec: Spec;
    try {
      spec = withLoadTestDefaults(obj.spec as never);
    } catch (e) {
      d.store.updateStatus('LoadTest', name, loadTestStatus({ obj, now: now(), runs: rs.runs(), control: rs.control(), ready: { ready: false, reason: 'InvalidSpec', message: (e as Error).message }, stalled: { reason: 'InvalidSpec', message: (e as Error).message } }));
      return done();
    }
    const problem = referenceProblem(obj, (k) => d.store.getByKey(k), d.referenceRules);
    let runs = rs.runs();
    let running = runs.find((r) => r.outcome === 'Running');
    let requeue: number | undefined;
    let ready: PreconditionResult | { ready: false; reason: string; message: string } | undefined;
    let notice: string | undefined;
    let stalled: { reason: string; message: string } | undefined;
    if (running) {
      try {
        requeue = await advance(name, rs, running, spec);
      } catch (e) {
        requeue = pollMs * 2;
        notice = `Following run ${running.id} failed for now (${(e as Error).message}); retrying`;
        d.log.warn?.('loadtest run step failed', { loadtest: name, error: (e as Error).message });
      }
      // the step may have finished the run: then this reconcile goes on as an idle one (preconditions
      // observed, a request queued during the run started), so status never keeps a stale "in progress"
      runs = rs.runs();
      running = runs.find((r) => r.outcome === 'Running');
    }
    if (running) {
      // while a run is in progress the status function says so; the preconditions are not re-checked
    } else if (problem) {
      ready = { ready: false, reason: problem.reason, message: problem.message };
      stalled = { reason: problem.reason, message: problem.message };
    } else {
      const cluster = clusterOf(spec);
      if (spec.suspend) {
        ready = { ready: false, reason: 'Suspended', message: 'The LoadTest is suspended (spec.suspend); no run starts' };
      } else {
        // observed on every reconcile, a run due or not: Ready says whether a run could start now
        try {
          ready = await preconditions(spec, cluster.kubeconfig ? kubeFor(cluster.kubeconfig) : undefined);
        } catch (e) {
          ready = { ready: false, reason: 'DependencyNotReady', message: `Cluster ${spec.cluster} does not answer: ${(e as Error).message}` };
        }
      }
      // control.json is read after the awaits above, so a request or abort made meanwhile is seen,
      // and decided on and handled (startRun) without another await in between
      const control = rs.control();
      if (control.abortRequest) rs.saveControl({ ...control, abortRequest: undefined });
      const due = decideRun({ runPolicy: spec.runPolicy, generation: obj.metadata.generation ?? 1, runs: rs.runs(), runRequest: pendingRunRequest(control), lastHandledRunRequest: control.lastHandledRunRequest, suspended: spec.suspend === true, ready: true });
      if (due.start && ready.ready) {
        try {
          await startRun(name, obj, rs, spec, due.trigger, due.handledRequest);
          requeue = 10;
        } catch (e) {
          stalled = { reason: 'InvalidSpec', message: (e as Error).message };
        }
      } else if (due.start) {
        requeue = 5000;
        notice = `A run is due: waiting for ${ready.message}`;
      } else if (spec.type === 'scaling' && !spec.suspend && cluster.ready) {
        // the metrics API and the HPAs live in the cluster and change without a hostplane event:
        // look again soon while they do not hold, now and then while they do
        requeue = ready.ready ? IDLE_RECHECK_READY_MS : IDLE_RECHECK_NOT_READY_MS;
      }
    }
    d.store.updateStatus('LoadTest', name, loadTestStatus({ obj, now: now(), runs: rs.runs(), control: rs.control(), ...(ready ? { ready } : {}), ...(notice ? { notice } : {}), ...(stalled ? { stalled } : {}) }));
    return requeue !== undefined ? requeueAfter(Math.max(1, Math.round(requeue * (d.requeueScale ?? 1)))) : done();
  };
}

function safeSpec(obj: HostObject): Spec | undefined {
  try {
    return withLoadTestDefaults(obj.spec as never);
  } catch {
    return undefined;
  }
}

export { getCondition };
