// Load tests: the presets (LoadTest specs) grouped by type with Run / Abort, a live progress bar
// from status.lastRun.progress, results (p95/p99/avg, RPS, error rate, thresholds), run history
// and the CSV; a custom-test form writes a LoadTest spec through the API's apply (GitOps stays
// the source of truth), which the watch stream then brings back here.
import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import { ApiError, postAction } from '../api/client';
import type { HostObject } from '../api/types';
import { ReadyBadge } from '../components/StatusBadge';
import { readiness } from '../lib/ready';
import { ago, now } from '../lib/time';
import { Link } from '../router';
import { state, stream } from '../store/resources';

type Obj = Record<string, any>;
const TYPES = ['http', 'scaling', 'cpu', 'memory'] as const;

export function lastRunOf(o: HostObject): Obj | undefined {
  return (o.status as Obj | undefined)?.lastRun;
}

function config(o: HostObject): string {
  const s = o.spec as Obj;
  if (s.type === 'cpu' || s.type === 'memory') return `${s.stressNg?.workers ?? 1} worker(s) / ${s.stressNg?.duration ?? '?'}${s.stressNg?.vmBytes ? ` / ${s.stressNg.vmBytes}` : ''}`;
  const k6 = s.k6 ?? {};
  const base = k6.stages ? `${k6.stages.length} stages` : `${k6.vus ?? '?'} VUs / ${k6.duration ?? '?'}`;
  return `${base}${s.type === 'scaling' && s.cooldown ? ` + ${s.cooldown} cooldown` : ''}`;
}

export function Progress(props: { run: Obj | undefined }): JSX.Element {
  const f = () => Math.max(0, Math.min(1, props.run?.progress?.fraction ?? (props.run?.outcome && props.run.outcome !== 'Running' ? 1 : 0)));
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(f() * 100)} data-progress={Math.round(f() * 100)}>
      <div style={{ width: `${f() * 100}%` }} />
    </div>
  );
}

function Results(props: { run: Obj }): JSX.Element {
  const h = () => props.run.http as Obj | undefined;
  const st = () => props.run.stress as Obj | undefined;
  return (
    <div class="results" data-results>
      <Show when={h()}>
        <div class="kpis">
          <div class="card"><span class="card-title">p95</span><span class="card-count">{h()!.p95Ms?.toFixed(0) ?? '—'} ms</span></div>
          <div class="card"><span class="card-title">p99</span><span class="card-count">{h()!.p99Ms?.toFixed(0) ?? '—'} ms</span></div>
          <div class="card"><span class="card-title">avg</span><span class="card-count">{h()!.avgMs?.toFixed(0) ?? '—'} ms</span></div>
          <div class="card"><span class="card-title">RPS</span><span class="card-count" data-rps>{h()!.rps?.toFixed(1) ?? '—'}</span></div>
          <div class="card"><span class="card-title">error rate</span><span class="card-count">{((h()!.errorRate ?? 0) * 100).toFixed(2)}%</span></div>
          <div class="card"><span class="card-title">requests</span><span class="card-count">{h()!.requests ?? '—'}</span></div>
        </div>
      </Show>
      <Show when={st()}>
        <div class="kpis">
          <div class="card"><span class="card-title">bogo ops/s</span><span class="card-count">{st()!.bogoOpsPerSecReal?.toFixed(0) ?? '—'}</span></div>
          <div class="card"><span class="card-title">max RSS</span><span class="card-count">{st()!.maxRssKB ? `${(st()!.maxRssKB / 1024).toFixed(0)} MiB` : '—'}</span></div>
        </div>
      </Show>
      <Show when={props.run.thresholds && Object.keys(props.run.thresholds).length}>
        <p>
          Thresholds:{' '}
          <For each={Object.entries(props.run.thresholds as Record<string, boolean>)}>
            {([k, ok]) => <span class={`pill ${ok ? 'good' : 'bad'}`} style={{ 'margin-right': '6px' }}>{k} {ok ? 'pass' : 'fail'}</span>}
          </For>
        </p>
      </Show>
      <Show when={props.run.message}>
        <p class="muted small">{props.run.message}</p>
      </Show>
    </div>
  );
}

function CustomForm(props: { onDone: (msg: string) => void }): JSX.Element {
  const clusters = createMemo(() => Object.values(state.objects).filter((o) => o.kind === 'Cluster').map((o) => o.metadata.name).sort());
  const [type, setType] = createSignal<(typeof TYPES)[number]>('http');
  const [busy, setBusy] = createSignal(false);
  let form!: HTMLFormElement;
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(form);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    const spec: Obj = { cluster: v('cluster'), type: type(), displayName: v('displayName') || undefined, runPolicy: 'Manual' };
    if (type() === 'http' || type() === 'scaling') {
      spec.target = { url: v('url') };
      if (type() === 'scaling') spec.target.deployments = v('deployments').split(',').map((s) => s.trim()).filter(Boolean);
      spec.k6 = { vus: Number(v('vus')), duration: v('duration') };
      if (v('p95')) spec.thresholds = { p95: v('p95'), ...(v('errorRate') ? { errorRate: v('errorRate') } : {}) };
      if (type() === 'scaling') spec.cooldown = v('cooldown') || '60s';
    } else {
      spec.stressNg = { workers: Number(v('workers') || 1), duration: v('duration'), ...(type() === 'memory' && v('vmBytes') ? { vmBytes: v('vmBytes') } : {}) };
    }
    const doc = { apiVersion: 'hostplane.dev/v1alpha1', kind: 'LoadTest', metadata: { name: v('name') }, spec };
    setBusy(true);
    try {
      const res = await fetch('/api/v1/apply?file=loadtests/custom.yaml', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-hostplane-request': '1' }, credentials: 'same-origin', body: JSON.stringify(doc) });
      const body = (await res.json()) as Obj;
      props.onDone(res.ok ? `LoadTest/${v('name')} written to specs/loadtests/custom.yaml` : `not applied: ${body.error?.message ?? res.status}`);
    } catch (err) {
      props.onDone(`not applied: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form ref={form} class="form-grid" onSubmit={submit} aria-label="Custom load test">
      <label>Name<input name="name" required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?" placeholder="my-test" /></label>
      <label>Title<input name="displayName" placeholder="My test" /></label>
      <label>Cluster<select name="cluster">{<For each={clusters()}>{(c) => <option>{c}</option>}</For>}</select></label>
      <label>Type<select name="type" onChange={(e) => setType(e.currentTarget.value as never)}>{<For each={TYPES}>{(t) => <option>{t}</option>}</For>}</select></label>
      <Show when={type() === 'http' || type() === 'scaling'} fallback={<>
        <label>Workers<input name="workers" type="number" min="1" value="1" /></label>
        <Show when={type() === 'memory'}><label>VM bytes<input name="vmBytes" placeholder="64M" /></label></Show>
      </>}>
        <label>Target URL<input name="url" value="http://nginx-web.demo.svc.cluster.local/" /></label>
        <label>VUs<input name="vus" type="number" min="1" value="10" /></label>
        <label>p95 threshold<input name="p95" placeholder="500ms" /></label>
        <label>Error-rate threshold<input name="errorRate" placeholder="1%" /></label>
        <Show when={type() === 'scaling'}>
          <label>Deployments<input name="deployments" value="demo/nginx-web" /></label>
          <label>Cooldown<input name="cooldown" value="60s" /></label>
        </Show>
      </Show>
      <label>Duration<input name="duration" value="30s" /></label>
      <button type="submit" class="btn" disabled={busy()}>Write LoadTest spec</button>
    </form>
  );
}

export function Testing(): JSX.Element {
  const [selected, setSelected] = createSignal<string | null>(null);
  const [note, setNote] = createSignal<string | null>(null);
  const tests = createMemo(() => Object.values(state.objects).filter((o) => o.kind === 'LoadTest').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)));
  const groups = createMemo(() => TYPES.map((t) => ({ t, items: tests().filter((o) => (o.spec as Obj).type === t) })).filter((g) => g.items.length));
  const current = createMemo(() => tests().find((o) => o.metadata.name === selected()) ?? tests().find((o) => lastRunOf(o)?.outcome === 'Running'));
  const act = async (name: string, verb: 'run' | 'abort') => {
    try {
      setNote(await postAction(`/api/v1/loadtests/${encodeURIComponent(name)}/${verb}`));
      setSelected(name);
    } catch (e) {
      setNote(e instanceof ApiError ? `${verb} failed: ${e.message}` : String(e));
    }
  };
  return (
    <div class="page testing">
      <header class="page-head">
        <h1>Testing</h1>
        <p class="muted">
          {tests().length} LoadTests · {tests().filter((o) => lastRunOf(o)?.outcome === 'Running').length} running
          <Show when={stream().phase !== 'live'}><span class="stale"> · stale (live stream not connected)</span></Show>
        </p>
      </header>
      <Show when={note()}>
        <div class="notice" role="status">{note()}</div>
      </Show>
      <For each={groups()}>
        {(g) => (
          <section class="panel" aria-labelledby={`lt-${g.t}`}>
            <h2 id={`lt-${g.t}`}>{g.t === 'http' ? 'HTTP (k6)' : g.t === 'scaling' ? 'Scaling (k6 + HPA)' : g.t === 'cpu' ? 'CPU stress' : 'Memory stress'}</h2>
            <div class="table-wrap">
              <table class="table loadtests">
                <thead><tr><th>Ready</th><th>Test</th><th>Cluster</th><th>Config</th><th>Last run</th><th>Progress</th><th /></tr></thead>
                <tbody>
                  <For each={g.items}>
                    {(o) => {
                      const run = () => lastRunOf(o);
                      const running = () => run()?.outcome === 'Running';
                      return (
                        <tr data-loadtest={o.metadata.name} data-outcome={run()?.outcome ?? 'none'} classList={{ selected: current()?.metadata.name === o.metadata.name }}>
                          <td><ReadyBadge ready={readiness(o)} /></td>
                          <td>
                            <button class="linkish" onClick={() => setSelected(o.metadata.name)}>{(o.spec as Obj).displayName ?? o.metadata.name}</button>
                            <div class="muted small mono">{o.metadata.name}</div>
                          </td>
                          <td>{(o.spec as Obj).cluster}</td>
                          <td class="small">{config(o)}</td>
                          <td class="small">{run() ? `${run()!.outcome} · ${ago(run()!.startTime, now())}` : 'never'}</td>
                          <td><Progress run={run()} /></td>
                          <td class="actions">
                            <button class="btn" disabled={running()} onClick={() => act(o.metadata.name, 'run')} data-action="run">Run</button>{' '}
                            <button class="btn" disabled={!running()} onClick={() => act(o.metadata.name, 'abort')} data-action="abort">Abort</button>
                          </td>
                        </tr>
                      );
                    }}
                  </For>
                </tbody>
              </table>
            </div>
          </section>
        )}
      </For>
      <Show when={current()}>
        {(o) => (
          <section class="panel" aria-labelledby="res-h" data-selected={o().metadata.name}>
            <div class="panel-head">
              <h2 id="res-h">
                {(o().spec as Obj).displayName ?? o().metadata.name} <span class="muted small">{lastRunOf(o())?.id ?? ''}</span>
              </h2>
              <Show when={lastRunOf(o())?.resultsFile}>
                {/* The LoadTest kind's results route (src/reconcilers/loadtest/routes.ts): the last run's metrics and samples. */}
                <a href={`/api/v1/loadtests/${encodeURIComponent(o().metadata.name)}/results?format=csv&run=${encodeURIComponent(lastRunOf(o())?.id ?? '')}`} download={`${o().metadata.name}-${lastRunOf(o())?.id ?? 'run'}.csv`} data-csv="">
                  Download CSV
                </a>
              </Show>
            </div>
            <Show when={lastRunOf(o())} fallback={<p class="muted">Not run yet: press Run.</p>}>
              {(run) => (
                <>
                  <p>
                    {run().outcome}
                    <Show when={run().progress}> · {Math.round((run().progress.fraction ?? 0) * 100)}% ({Math.round(run().progress.elapsedSeconds ?? 0)}s of {Math.round(run().progress.plannedSeconds ?? 0)}s)</Show>
                  </p>
                  <Progress run={run()} />
                  <Results run={run()} />
                </>
              )}
            </Show>
            <h3 class="sub">History</h3>
            <table class="table small history">
              <thead><tr><th>Run</th><th>Trigger</th><th>Started</th><th>Outcome</th><th>p95</th><th>RPS</th><th>Errors</th></tr></thead>
              <tbody>
                <For each={[...(((o().status as Obj)?.runs ?? []) as Obj[])].reverse()} fallback={<tr><td colspan="7" class="muted">No runs yet.</td></tr>}>
                  {(r) => (
                    <tr>
                      <td class="mono">{r.id}</td>
                      <td>{r.trigger ?? ''}</td>
                      <td>{ago(r.startTime, now())}</td>
                      <td><span class={`pill ${r.outcome === 'Succeeded' ? 'good' : r.outcome === 'Running' ? 'warn' : 'bad'}`}>{r.outcome}</span></td>
                      <td>{r.http?.p95Ms?.toFixed(0) ?? '—'}</td>
                      <td>{r.http?.rps?.toFixed(1) ?? '—'}</td>
                      <td>{r.http ? `${((r.http.errorRate ?? 0) * 100).toFixed(2)}%` : '—'}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <p class="small"><Link href={`/resources/loadtests/${o().metadata.name}`}>Object details and events</Link></p>
          </section>
        )}
      </Show>
      <section class="panel" aria-labelledby="custom-h">
        <h2 id="custom-h">Custom test</h2>
        <CustomForm onDone={setNote} />
      </section>
    </div>
  );
}
