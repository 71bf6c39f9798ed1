// Job controller: runs pods until `completions` succeed with at most `parallelism` active,
// counts failures (pods Failed, plus container restarts under OnFailure) against backoffLimit
// with the exponential delay between retries, honours activeDeadlineSeconds, suspend and
// ttlSecondsAfterFinished, and sets Complete or Failed as kubectl wait expects.
import type { Env } from './env.js';
import { CM, createPod, deletePod, ownedPods, podFromTemplate } from './pods.js';
import { WorkQueue } from './runtime.js';
import {
  R, clone, controllerOf, getCondition, parseTime, podDeleting, podReady, podTerminal, rfc3339, setCondition, splitKey, writeStatus,
  type Condition, type Json, type Obj,
} from './util.js';

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;
export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** "0-2,4,6-7" as status.completedIndexes writes it. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return out.join(',');
}

export function parseIndexes(s: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

export class JobController {
  private queue: WorkQueue;
  /** Pod uids already counted as succeeded/failed per job uid (pods may be deleted after). */
  private counted = new Map<string, { succeeded: Set<string>; failed: Set<string>; indexes: Set<number>; lastFailure: number }>();

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'job', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.jobs, (ev) => {
      if (ev.type === 'DELETED') this.counted.delete(ev.object.metadata.uid ?? '');
      else this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    this.env.hub.on(R.pods, (ev) => {
      const ref = controllerOf(ev.object);
      if (ref?.kind === 'Job') this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const job = this.env.store.get(R.jobs, ns, name) as Obj | undefined;
    if (!job || job.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    const uid = job.metadata.uid ?? '';
    const finished = (job.status?.conditions ?? []).find((c: Condition) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (finished) {
      const ttl = job.spec?.ttlSecondsAfterFinished;
      if (ttl !== undefined && ttl !== null) {
        const due = (parseTime(job.status?.completionTime ?? finished.lastTransitionTime) ?? now) + ttl * 1000;
        if (due <= now) {
          try {
            this.env.store.delete(R.jobs, ns, name, { propagationPolicy: 'Background' });
          } catch {
            /* gone */
          }
        } else this.queue.addAfter(key, due - now);
      }
      return;
    }
    let c = this.counted.get(uid);
    if (!c) {
      c = { succeeded: new Set(), failed: new Set(), indexes: new Set(parseIndexes(job.status?.completedIndexes)), lastFailure: 0 };
      this.counted.set(uid, c);
    }
    const completions: number = job.spec?.completions ?? 1;
    const parallelism: number = job.spec?.parallelism ?? 1;
    const backoffLimit: number = job.spec?.backoffLimit ?? 6;
    const pods = ownedPods(this.env, job);
    const indexed = job.spec?.completionMode === 'Indexed';
    const indexOf = (p: Obj) => Number(p.metadata.annotations?.[INDEX_ANNOTATION]);
    for (const p of pods) {
      if (p.status?.phase === 'Succeeded') {
        c.succeeded.add(p.metadata.uid ?? '');
        if (indexed && Number.isInteger(indexOf(p))) c.indexes.add(indexOf(p));
      }
      if (p.status?.phase === 'Failed' && !c.failed.has(p.metadata.uid ?? '')) {
        c.failed.add(p.metadata.uid ?? '');
        c.lastFailure = now;
      }
    }
    const active = pods.filter((p) => !podTerminal(p) && !podDeleting(p));
    const restarts = job.spec?.template?.spec?.restartPolicy === 'OnFailure'
      ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, s: { restartCount?: number }) => m + (s.restartCount ?? 0), 0), 0)
      : 0;
    // Counts only grow; after a restart the written status carries what deleted pods contributed.
    const succeeded = indexed ? c.indexes.size : Math.max(c.succeeded.size, job.status?.succeeded ?? 0);
    const failed = Math.max(c.failed.size, job.status?.failed ?? 0);
    let conds: Condition[] = clone(job.status?.conditions ?? []);
    const startTime = job.status?.startTime ?? (job.spec?.suspend ? undefined : rfc3339(now));
    let completionTime: string | undefined;
    let failure: { reason: string; message: string } | undefined;
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && startTime && (parseTime(startTime) ?? now) + deadline * 1000 <= now) {
      failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    } else if (failed + restarts > backoffLimit) {
      failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    let activeCount = active.length;
    if (failure) {
      for (const p of active) deletePod(this.env, p);
      activeCount = 0;
      conds = setCondition(conds, { type: 'FailureTarget', status: 'True', ...failure }, now, { probeTime: true });
      conds = setCondition(conds, { type: 'Failed', status: 'True', ...failure }, now, { probeTime: true });
      this.env.events.emit(CM, job, 'Warning', failure.reason, failure.message);
    } else if (succeeded >= completions) {
      for (const p of active) deletePod(this.env, p);
      activeCount = 0;
      completionTime = rfc3339(now);
      conds = setCondition(conds, { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }, now, { probeTime: true });
      conds = setCondition(conds, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }, now, { probeTime: true });
      this.env.events.emit(CM, job, 'Normal', 'Completed', 'Job completed');
    } else if (job.spec?.suspend) {
      for (const p of active) deletePod(this.env, p);
      activeCount = 0;
      if (getCondition(conds, 'Suspended')?.status !== 'True') {
        conds = setCondition(conds, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, now, { probeTime: true });
        this.env.events.emit(CM, job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (getCondition(conds, 'Suspended')?.status === 'True') {
        conds = setCondition(conds, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, now, { probeTime: true });
        this.env.events.emit(CM, job, 'Normal', 'Resumed', 'Job resumed');
      }
      const want = Math.min(parallelism, completions - succeeded);
      const toCreate = want - active.length;
      // Exponential back-off after failures: 10 s, 20 s, 40 s … (capped at 6 min).
      const wait = failed > 0 ? Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failed - 1)) - (now - c.lastFailure) : 0;
      if (toCreate > 0 && wait > 0) this.queue.addAfter(key, wait);
      else if (toCreate > 0) {
        // Indexed: the lowest indexes neither succeeded nor running; NonIndexed: any.
        const busy = new Set(active.map(indexOf));
        const free = indexed ? [...Array(completions).keys()].filter((i) => !c.indexes.has(i) && !busy.has(i)) : [];
        for (let i = 0; i < toCreate && (!indexed || i < free.length); i++) {
          const labels: Record<string, string> = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
          let extra: Json = { labels };
          if (indexed) {
            const idx = String(free[i]);
            const spec = clone(job.spec?.template?.spec ?? {});
            spec.hostname = `${name}-${idx}`;
            for (const ctr of spec.containers ?? []) {
              ctr.env = [...(ctr.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } }];
            }
            extra = { labels: { ...labels, [INDEX_ANNOTATION]: idx }, annotations: { [INDEX_ANNOTATION]: idx }, spec };
          }
          const pod = createPod(this.env, job, (n) => podFromTemplate(job, job.spec?.template, n, extra), indexed ? `${name}-${free[i]}` : name);
          this.env.events.emit(CM, job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        }
        activeCount = want;
      } else if (toCreate < 0) {
        for (const p of active.slice(toCreate)) deletePod(this.env, p);
        activeCount = want;
      }
      if (deadline !== undefined && startTime) this.queue.addAfter(key, Math.max(1, (parseTime(startTime) ?? now) + deadline * 1000 - now));
    }
    const status: Json = {
      ...(startTime ? { startTime } : {}),
      ...(completionTime || job.status?.completionTime ? { completionTime: completionTime ?? job.status.completionTime } : {}),
      active: activeCount || undefined,
      ready: active.filter(podReady).length,
      terminating: pods.filter(podDeleting).length,
      succeeded: succeeded || undefined,
      failed: failed || undefined,
      ...(indexed ? { completedIndexes: formatIndexes(c.indexes) } : {}),
      uncountedTerminatedPods: {},
      ...(conds.length ? { conditions: conds } : {}),
    };
    for (const k of Object.keys(status)) if (status[k] === undefined) delete status[k];
    writeStatus(this.env.store, R.jobs, job, status);
    if (completionTime && job.spec?.ttlSecondsAfterFinished !== undefined) this.queue.addAfter(key, job.spec.ttlSecondsAfterFinished * 1000);
  }
}
