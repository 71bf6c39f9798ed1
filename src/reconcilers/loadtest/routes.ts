// The LoadTest's API routes (mounted under /api/v1/loadtests/:name/): run and abort leave a
// request in the state dir and wake the reconciler (a run is not a spec change: no file or git
// edit); runs and results read the run records, results also as CSV (?format=csv, ?run=ID).
import { randomBytes } from 'node:crypto';
import { objectKey, type HostObject } from '../../api/types.js';
import type { KindRoute, KindRouteContext } from '../../controllers/kind-module.js';
import { StateDir } from '../../controllers/state-dir.js';
import { metricsCsv, samplesCsv, type RunMetricsRow } from './csv.js';
import { pendingRunRequest, RunStore, type RunData } from './run-store.js';
import { runSummary } from './status.js';

const store = (obj: HostObject, ctx: KindRouteContext) => new RunStore(new StateDir(ctx.stateRoot), obj.metadata.name);

export function metricsRow(r: RunData): RunMetricsRow {
  return {
    id: r.id, loadTest: r.loadTest, startTime: r.startTime, completionTime: r.completionTime, outcome: r.outcome,
    ...(r.exitCodes?.length ? { exitCode: Math.max(...r.exitCodes) } : {}),
    message: r.message,
    ...(r.http ? { http: r.http } : {}),
    ...(r.stress ? { stress: r.stress } : {}),
    ...(r.kpis ? { scaling: r.kpis } : {}),
  };
}

const status = (code: number, reason: string, message: string) => ({ status: code, body: { apiVersion: 'v1', kind: 'Status', status: code < 300 ? 'Success' : 'Failure', reason, message, code } });

export const LOADTEST_ROUTES: readonly KindRoute[] = [
  {
    method: 'POST',
    path: 'run',
    handle(obj, ctx) {
      // one pending request at a time: a request made while another waits to start joins it (both
      // callers get its id and follow the same run); nothing overwrites a request that has no run yet
      const rs = store(obj, ctx);
      const running = rs.runs().find((r) => r.outcome === 'Running');
      const control = rs.control();
      const pending = pendingRunRequest(control);
      const lt = `LoadTest/${obj.metadata.name}`;
      if (pending) {
        ctx.reconcileNow(objectKey('LoadTest', obj.metadata.name));
        const msg = `${lt}: a run is already requested and has not started yet${running ? ` (it starts after run ${running.id})` : ''}; this request joins it`;
        return { status: 202, body: { ...status(202, 'RunAlreadyRequested', msg).body, runRequest: pending, joined: true, runCountBefore: control.runCount } };
      }
      const request = `${new Date().toISOString()}-${randomBytes(3).toString('hex')}`;
      rs.saveControl({ ...control, runRequest: request });
      ctx.reconcileNow(objectKey('LoadTest', obj.metadata.name));
      return { status: 202, body: { ...status(202, 'RunRequested', running ? `${lt}: run ${running.id} is in progress; the requested run starts after it` : `${lt}: run requested`).body, runRequest: request, runCountBefore: control.runCount } };
    },
  },
  {
    method: 'POST',
    path: 'abort',
    handle(obj, ctx) {
      // abort stops what this LoadTest has going: the run in progress and a request still waiting to
      // start (it never starts; callers following it are told it was cancelled)
      const rs = store(obj, ctx);
      const lt = `LoadTest/${obj.metadata.name}`;
      const running = rs.runs().find((r) => r.outcome === 'Running');
      const control = rs.control();
      const pending = pendingRunRequest(control);
      if (!running && !pending) return status(409, 'NotRunning', `${lt} has no run in progress and no run request pending`);
      rs.saveControl({ ...control, ...(running ? { abortRequest: new Date().toISOString() } : {}), ...(pending ? { cancelledRunRequest: pending } : {}) });
      ctx.reconcileNow(objectKey('LoadTest', obj.metadata.name));
      const cancelled = pending ? `the pending run request ${pending} is cancelled; its run will not start` : '';
      const message = running ? `${lt}: aborting run ${running.id}${pending ? `; ${cancelled}` : ''}` : `${lt}: ${cancelled}`;
      return { status: 202, body: { ...status(202, running ? 'AbortRequested' : 'RequestCancelled', message).body, ...(running ? { run: running.id } : {}), ...(pending ? { cancelledRunRequest: pending } : {}) } };
    },
  },
  {
    method: 'GET',
    path: 'runs',
    handle(obj, ctx) {
      return { status: 200, body: { apiVersion: 'v1', kind: 'List', items: store(obj, ctx).runs().map((r) => ({ ...runSummary(r), progress: r.progress, phase: r.phase, ...(r.request ? { request: r.request } : {}) })) } };
    },
  },
  {
    method: 'GET',
    path: 'results',
    handle(obj, ctx) {
      const rs = store(obj, ctx);
      const q = ctx.query ?? {};
      if (q.format !== undefined && q.format !== 'json' && q.format !== 'csv') return status(400, 'BadRequest', `format "${q.format}" is not supported; use format=json (the default) or format=csv`);
      const runs = q.run ? [rs.run(q.run)].filter((r): r is RunData => !!r) : rs.runs();
      if (q.run && runs.length === 0) return status(404, 'NotFound', `LoadTest/${obj.metadata.name} has no run ${q.run}; list them with GET .../runs`);
      if (q.format === 'csv') {
        // one run: its metrics row, a blank line, then its samples; all runs: one metrics row each
        const text = q.run ? `${metricsCsv(runs.map(metricsRow))}\r\n${samplesCsv(runs[0]!.id, runs[0]!.samples)}` : metricsCsv(runs.map(metricsRow));
        return { status: 200, body: text, contentType: 'text/csv; charset=utf-8', filename: `${obj.metadata.name}-${q.run ?? 'runs'}.csv` };
      }
      return { status: 200, body: { apiVersion: 'v1', kind: 'List', items: runs } };
    },
  },
];
