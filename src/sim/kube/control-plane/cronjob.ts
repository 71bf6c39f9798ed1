// CronJob controller: standard five-field schedules (with @hourly/@daily/… and */n, ranges,
// lists) evaluated in UTC on the clock; a Job named <cronjob>-<minutes since epoch> per run;
// concurrencyPolicy Allow/Forbid/Replace, suspend, startingDeadlineSeconds, history limits,
// and status.active/lastScheduleTime/lastSuccessfulTime.
import type { Env } from './env.js';
import { CM } from './pods.js';
import { WorkQueue } from './runtime.js';
import { R, clone, controllerRef, getCondition, isOwnedBy, parseTime, rfc3339, splitKey, writeStatus, type Obj } from './util.js';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];

export interface Cron { fields: Set<number>[]; domStar: boolean; dowStar: boolean }

/** Parse a cron schedule; throws an error naming the field that is wrong. */
export function parseCron(schedule: string): Cron {
  const expr = MACROS[schedule.trim()] ?? schedule.trim();
  const parts = expr.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: "${schedule}"`);
  const fields = parts.map((p, i) => {
    const [lo, hi] = RANGES[i];
    const set = new Set<number>();
    for (const item of p.split(',')) {
      const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(item);
      if (!m) throw new Error(`failed to parse "${item}" in "${schedule}"`);
      let [a, b] = m[1] === '*' ? [lo, hi] : m[1].split('-').map(Number);
      if (b === undefined) b = m[2] ? hi : a;
      const step = m[2] ? Number(m[2]) : 1;
      if (a < lo || b > hi || a > b || step < 1) throw new Error(`value out of range in "${item}" of "${schedule}"`);
      for (let v = a; v <= b; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    return set;
  });
  return { fields, domStar: parts[2] === '*', dowStar: parts[4] === '*' };
}

function matches(c: Cron, t: Date): boolean {
  const [min, hour, dom, mon, dow] = c.fields;
  if (!min.has(t.getUTCMinutes()) || !hour.has(t.getUTCHours()) || !mon.has(t.getUTCMonth() + 1)) return false;
  const domOk = dom.has(t.getUTCDate());
  const dowOk = dow.has(t.getUTCDay());
  // Vixie cron: when both day fields are restricted, either may match.
  if (!c.domStar && !c.dowStar) return domOk || dowOk;
  return domOk && dowOk;
}

/** The first scheduled time strictly after `after` (ms), searching at most a year ahead. */
export function nextRun(c: Cron, after: number): number | undefined {
  let t = Math.floor(after / 60_000) * 60_000 + 60_000;
  const limit = after + 366 * 24 * 3600_000;
  while (t <= limit) {
    const d = new Date(t);
    if (matches(c, d)) return t;
    t += 60_000;
  }
  return undefined;
}

export class CronJobController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'cronjob', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.cronjobs, (ev) => {
      if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
    });
    this.env.hub.on(R.jobs, (ev) => {
      const ref = ev.object.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'CronJob');
      if (ref) this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const cj = this.env.store.get(R.cronjobs, ns, name) as Obj | undefined;
    if (!cj || cj.metadata.deletionTimestamp) return;
    const now = this.env.clock.now();
    let cron: Cron;
    try {
      cron = parseCron(cj.spec?.schedule ?? '');
    } catch (e) {
      this.env.events.emit(CM, cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${(e as Error).message}`);
      return;
    }
    const jobs = (this.env.store.list(R.jobs, { namespace: ns }).items as Obj[]).filter((j) => isOwnedBy(j, cj));
    const finished = (j: Obj) => ['Complete', 'Failed'].find((t) => getCondition(j.status?.conditions, t)?.status === 'True');
    let active = jobs.filter((j) => !finished(j));
    let lastSuccessful = cj.status?.lastSuccessfulTime;
    for (const j of jobs) {
      if (finished(j) === 'Complete' && j.status?.completionTime && (!lastSuccessful || j.status.completionTime > lastSuccessful)) lastSuccessful = j.status.completionTime;
    }
    // History limits.
    const prune = (kind: string, limit: number) => {
      const done = jobs.filter((j) => finished(j) === kind).sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        try {
          this.env.store.delete(R.jobs, ns, j.metadata.name ?? '', { propagationPolicy: 'Background' });
          this.env.events.emit(CM, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch {
          /* gone */
        }
      }
    };
    prune('Complete', cj.spec?.successfulJobsHistoryLimit ?? 3);
    prune('Failed', cj.spec?.failedJobsHistoryLimit ?? 1);

    const last = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now;
    // The most recent missed time at or before now.
    let due: number | undefined;
    for (let t = nextRun(cron, last), n = 0; t !== undefined && t <= now && n < 1000; t = nextRun(cron, t), n++) due = t;
    let lastSchedule = cj.status?.lastScheduleTime;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (due !== undefined && !cj.spec?.suspend && !(deadline !== undefined && due + deadline * 1000 < now)) {
      const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && active.length) {
        // lastScheduleTime stays: the missed run starts when the active one ends (within startingDeadlineSeconds).
        this.env.events.emit(CM, cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      } else {
        if (policy === 'Replace') {
          for (const j of active) {
            try {
              this.env.store.delete(R.jobs, ns, j.metadata.name ?? '', { propagationPolicy: 'Background' });
              this.env.events.emit(CM, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
            } catch {
              /* gone */
            }
          }
          active = [];
        }
        const jobName = `${name}-${Math.floor(due / 60_000)}`;
        const tpl = clone(cj.spec?.jobTemplate ?? {});
        try {
          const job = this.env.store.create(R.jobs, {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
              name: jobName,
              namespace: ns,
              labels: tpl.metadata?.labels,
              annotations: { ...(tpl.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': rfc3339(due) },
              ownerReferences: [controllerRef(cj)],
            },
            spec: tpl.spec ?? {},
          }) as Obj;
          active.push(job);
          this.env.events.emit(CM, cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
        }
        lastSchedule = rfc3339(due);
      }
    }
    if (due !== undefined && (cj.spec?.suspend || (deadline !== undefined && due + deadline * 1000 < now))) lastSchedule = rfc3339(due);
    const next = nextRun(cron, now);
    if (next !== undefined) this.queue.addAfter(key, next - now);
    const status = {
      ...(active.length ? { active: active.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: ns, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion })) } : {}),
      ...(lastSchedule ? { lastScheduleTime: lastSchedule } : {}),
      ...(lastSuccessful ? { lastSuccessfulTime: lastSuccessful } : {}),
    };
    writeStatus(this.env.store, R.cronjobs, this.env.store.get(R.cronjobs, ns, name) as Obj, status);
  }
}
