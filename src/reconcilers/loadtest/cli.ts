// The LoadTest's CLI verbs. They ask the running `hostplane up` through its API (a run is not a
// spec change, so files and git stay clean); without `up` they say so. `run --wait` prints progress
// on stderr and exits by the verdict: 0 Succeeded, 1 Failed (thresholds crossed, stress failed),
// 6 Error, 7 Cancelled, 5 when --timeout passes first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { KindCliContext } from '../../controllers/kind-module.js';
import { StateDir } from '../../controllers/state-dir.js';
import { pidAlive, resolveApiUrl } from '../../controllers/up-address.js';

export const RUN_EXIT = { Succeeded: 0, Failed: 1, Error: 6, Cancelled: 7, notRunning: 1, timeout: 5, notFound: 4, usage: 2 } as const;

/** How the verb was called is wrong (README: usage errors exit 2); said before `up` is asked anything. */
class UsageError extends Error {}

const LOADTEST_WORDS = ['loadtest', 'loadtests', 'lt'];

/** `loadtest/NAME` (or lt/NAME): the name; anything else is a usage error naming what is expected. */
function target(verb: string, arg: string): string {
  const m = /^([^/]*)\/(.*)$/.exec(arg);
  if (!m) {
    if (LOADTEST_WORDS.includes(arg.toLowerCase())) throw new UsageError(`${verb} needs a name: hostplane ${verb} loadtest/NAME (list them: hostplane get loadtests)`);
    throw new UsageError(`${verb} expects loadtest/NAME, got "${arg}"`);
  }
  if (!LOADTEST_WORDS.includes(m[1]!.toLowerCase())) throw new UsageError(`${verb} applies to loadtests only (got "${arg}"): hostplane ${verb} loadtest/NAME`);
  if (!/^[a-z0-9][-a-z0-9.]*$/.test(m[2]!)) throw new UsageError(`${verb}: "${m[2]}" is not a LoadTest name (lowercase letters, digits, '-' and '.')`);
  return m[2]!;
}

function upRunning(state: string): boolean {
  const pid = new StateDir(state).lockOwner();
  return pid !== undefined && pidAlive(pid);
}

interface ApiOpts {
  api?: string;
}

function client(ctx: KindCliContext, opts: ApiOpts) {
  const { state } = ctx.dirs();
  // --api, then <state>/up.json (where the running up listens), then $HOSTPLANE_API, then the default
  const base = resolveApiUrl(state, opts.api).url;
  let token: string | undefined;
  try {
    token = readFileSync(join(state, 'api-token'), 'utf8').trim();
  } catch {
    /* loopback without a token */
  }
  return async (method: string, path: string): Promise<{ status: number; body: unknown; text: string }> => {
    const res = await fetch(`${base}/api/v1/loadtests/${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* CSV */
    }
    return { status: res.status, body, text };
  };
}

/** Runs a verb against `up`, or says plainly that `up` is not running. */
async function withUp(ctx: KindCliContext, fn: () => Promise<number>, check?: () => void): Promise<void> {
  const { state } = ctx.dirs();
  try {
    check?.();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    ctx.err(`error: ${e.message}`);
    ctx.setCode?.(RUN_EXIT.usage);
    return;
  }
  if (!upRunning(state)) {
    ctx.err(`error: hostplane up is not running on ${state}; start it (hostplane up) and try again: runs are started and followed by the running controller`);
    ctx.setCode?.(RUN_EXIT.notRunning);
    return;
  }
  try {
    ctx.setCode?.(await fn());
  } catch (e) {
    ctx.err(`error: ${(e as Error).message}`);
    ctx.setCode?.(1);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * The API's message, with its pointers to API routes ("list them with GET /api/v1/loadtests",
 * "GET .../runs") turned into the CLI commands that list the same things.
 */
export function cliMessage(message: string, name: string): string {
  return message
    .replace(/list them with GET \S*\/runs\b/, `list them with hostplane runs lt/${name}`)
    .replace(/list them with GET \S*\/loadtests\b/, 'list them with hostplane get loadtests');
}

const fail = (ctx: KindCliContext, r: { status: number; body: Json }, name: string) => {
  ctx.err(`error: ${cliMessage(String(r.body?.message ?? r.body?.error?.message ?? `HTTP ${r.status}`), name)}`);
  return r.status === 404 ? RUN_EXIT.notFound : 1;
};

function fmtRun(r: Json): string {
  const h = r.http;
  const s = r.stress;
  const sc = r.scaling;
  const parts = [`run ${r.id}: ${r.outcome}${r.message ? ` (${r.message})` : ''}`];
  if (h) parts.push(`  http: p95 ${h.p95Ms} ms, p99 ${h.p99Ms} ms, ${h.rps} req/s, error rate ${(h.errorRate * 100).toFixed(2)}%, ${h.requests} requests, ${h.vusMax} VUs`);
  if (s) parts.push(`  stress: ${s.bogoOps} bogo ops, ${s.bogoOpsPerSecReal} bogo ops/s (real time)`);
  if (r.logTail?.length) parts.push('  last log lines:', ...r.logTail.map((l: string) => `    ${l}`));
  if (sc) parts.push(`  scaling: replicas ${sc.baselineReplicas} → ${sc.peakReplicas} → ${sc.finalReplicas}, first scale-up ${sc.timeToFirstScaleUpSeconds ?? '-'} s, scale-down ${sc.timeToScaleDownSeconds ?? '-'} s after the load, peak CPU ${sc.peakCpuUtilization ?? '-'}%`);
  return parts.join('\n');
}

export function loadtestCommands(ctx: KindCliContext): Command[] {
  const api = (c: Command) => c.option('--api <url>', 'API of the running hostplane up (default: where it listens, from <state>/up.json; then $HOSTPLANE_API or http://127.0.0.1:7780)');
  const run = api(new Command('run'))
    .summary('start a run of a LoadTest in the running hostplane up')
    .argument('<loadtest/NAME>')
    .option('--wait', 'follow the run: progress on stderr, the result on stdout, exit code from the verdict')
    .option('--timeout <seconds>', 'with --wait: give up after this long', '3600')
    .action(async (arg: string, o: ApiOpts & { wait?: boolean; timeout: string }) => {
      let name = '';
      await withUp(ctx, async () => {
        const call = client(ctx, o);
        const r = await call('POST', `${name}/run`);
        if (r.status >= 300) return fail(ctx, r as Json, name);
        const before = (r.body as Json).runCountBefore as number;
        const request = (r.body as Json).runRequest as string | undefined;
        if (!o.wait) {
          // name the run when it starts promptly (within 15 s); otherwise say what it waits for
          const until = Date.now() + 15_000;
          for (;;) {
            const l = await call('GET', `${name}/runs`);
            const mine = ((l.body as Json)?.items ?? []).find((x: Json) => request !== undefined && x.request === request);
            if (mine) {
              ctx.out(`run ${mine.id} of loadtest/${name} started`);
              ctx.out(`follow it: hostplane runs loadtest/${name}; results: hostplane results loadtest/${name} --run ${mine.id}`);
              return 0;
            }
            if (Date.now() > until) break;
            await new Promise((res) => setTimeout(res, 200));
          }
          const g = await call('GET', name);
          const ready = ((g.body as Json)?.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
          ctx.out(`${(r.body as Json).message}; not started yet${ready?.status === 'False' ? `: ${ready.message}` : ''}`);
          ctx.out(`follow it: hostplane runs loadtest/${name}; results: hostplane results loadtest/${name}`);
          return 0;
        }
        // follow the run that answers this request (the same one for callers whose requests joined)
        const deadline = Date.now() + Number(o.timeout) * 1000;
        let lastLine = '';
        let waitingFor: string | undefined;
        while (Date.now() < deadline) {
          const g = await call('GET', name);
          const st = (g.body as Json)?.status ?? {};
          if (request !== undefined && st.cancelledRunRequest === request) {
            ctx.err(`run request ${request} was cancelled before its run started (hostplane abort ${arg}); no run`);
            return RUN_EXIT.Cancelled;
          }
          const lr = st.lastRun;
          const listed = request !== undefined ? ((st.runs ?? []) as Json[]).find((x) => x.request === request) : undefined;
          const mine = listed ? (lr?.id === listed.id ? lr : listed) : request === undefined && (st.runCount ?? 0) > before ? lr : undefined;
          if (mine) {
            const line = `run ${mine.id}: ${mine.outcome === 'Running' ? `${Math.round((mine.progress?.fraction ?? 0) * 100)}% (${mine.progress?.elapsedSeconds ?? 0}s of ${mine.progress?.plannedSeconds ?? '?'}s)` : mine.outcome}`;
            if (line !== lastLine) ctx.err((lastLine = line));
            if (mine.outcome !== 'Running') {
              ctx.out(fmtRun(mine));
              return RUN_EXIT[mine.outcome as 'Succeeded'] ?? 1;
            }
          } else {
            const ready = (st.conditions ?? []).find((c: Json) => c.type === 'Ready');
            waitingFor = ready?.status === 'False' ? ready.message : undefined;
            const line = `waiting: ${ready?.message ?? 'the run has not started yet'}`;
            if (line !== lastLine) ctx.err((lastLine = line));
          }
          await new Promise((res) => setTimeout(res, 300));
        }
        if (!lastLine.startsWith('run ')) {
          ctx.err(`error: the run has not started within ${o.timeout}s${waitingFor ? `: ${waitingFor}` : ''} (the request stays pending and starts when it can; cancel it with hostplane abort ${arg})`);
          return RUN_EXIT.timeout;
        }
        ctx.err(`error: the run did not finish within ${o.timeout}s (it goes on; follow it with hostplane runs ${arg})`);
        return RUN_EXIT.timeout;
      }, () => (name = target('run', arg)));
    });
  const runs = api(new Command('runs'))
    .summary('list the runs of a LoadTest')
    .argument('<loadtest/NAME>')
    .action(async (arg: string, o: ApiOpts) => {
      let name = '';
      await withUp(ctx, async () => {
        const r = await client(ctx, o)('GET', `${name}/runs`);
        if (r.status >= 300) return fail(ctx, r as Json, name);
        const items = (r.body as Json).items as Json[];
        ctx.out(['RUN                 OUTCOME    START                     END                       MESSAGE', ...items.map((x) => `${String(x.id).padEnd(20)}${String(x.outcome).padEnd(11)}${String(x.startTime ?? '').padEnd(26)}${String(x.completionTime ?? '').padEnd(26)}${x.message ?? ''}`)].join('\n'));
        return 0;
      }, () => (name = target('runs', arg)));
    });
  const results = api(new Command('results'))
    .summary('print the results of a LoadTest\'s runs (JSON or CSV)')
    .argument('<loadtest/NAME>')
    .option('--run <id>', 'one run (CSV: its metrics row, then its samples)')
    .option('-o, --output <format>', 'json or csv', 'json')
    .action(async (arg: string, o: ApiOpts & { run?: string; output: string }) => {
      let name = '';
      await withUp(ctx, async () => {
        const q = new URLSearchParams({ ...(o.run ? { run: o.run } : {}), ...(o.output === 'csv' ? { format: 'csv' } : {}) });
        const r = await client(ctx, o)('GET', `${name}/results?${q}`);
        if (r.status >= 300) return fail(ctx, r as Json, name);
        ctx.out(o.output === 'csv' ? r.text.replace(/\r\n$/, '') : JSON.stringify(r.body, null, 2));
        return 0;
      }, () => {
        name = target('results', arg);
        if (o.output !== 'json' && o.output !== 'csv') throw new UsageError(`-o ${o.output}: use json or csv`);
      });
    });
  const abort = api(new Command('abort'))
    .summary('abort the running run of a LoadTest (its Jobs are deleted)')
    .argument('<loadtest/NAME>')
    .action(async (arg: string, o: ApiOpts) => {
      let name = '';
      await withUp(ctx, async () => {
        const r = await client(ctx, o)('POST', `${name}/abort`);
        if (r.status >= 300) return fail(ctx, r as Json, name);
        ctx.out((r.body as Json).message);
        return 0;
      }, () => (name = target('abort', arg)));
    });
  return [run, runs, results, abort];
}
