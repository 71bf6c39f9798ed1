// What a scaling run did to the cluster: pick a run (the running one preselected, LIVE badge);
// KPI cards (scale-up latency, peak replicas, scale-down start, RPS per pod); the replica timeline
// with the load and cooldown phases shaded; throughput vs pods; per-pod efficiency; before → peak
// → final per deployment; HPA events; flows during the run; what the VMs use now.
import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import type { ChartConfiguration, ChartData } from 'chart.js';
import { ChartCanvas } from '../components/Chart';
import { FlowsTable } from './Traffic';
import { PALETTE, lineConfig, timeLabel } from './Scaling';
import { poll, type DashboardSummary, type HpaSample, type ScalingHistory, type TrafficView } from '../store/domain';
import { state } from '../store/resources';

type Obj = Record<string, any>;

/** `90s`, `2m`, `1m30s`, `1h` → seconds. */
export function seconds(d: unknown): number {
  if (typeof d === 'number') return d;
  let total = 0;
  for (const m of String(d ?? '').matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : m[2] === 's' ? 1 : 0.001);
  return total;
}

interface RunChoice {
  key: string;
  test: string;
  run: Obj;
  spec: Obj;
  live: boolean;
}

export function LoadAnalysis(): JSX.Element {
  const choices = createMemo<RunChoice[]>(() => {
    const out: RunChoice[] = [];
    for (const o of Object.values(state.objects)) {
      if (o.kind !== 'LoadTest' || (o.spec as Obj).type !== 'scaling') continue;
      const st = (o.status ?? {}) as Obj;
      const runs: Obj[] = [...(st.runs ?? [])];
      if (st.lastRun && !runs.some((r) => r.id === st.lastRun.id)) runs.push(st.lastRun);
      for (const r of runs) {
        const run = st.lastRun?.id === r.id ? st.lastRun : r;
        out.push({ key: `${o.metadata.name}/${r.id}`, test: o.metadata.name, run, spec: o.spec as Obj, live: run.outcome === 'Running' });
      }
    }
    return out.sort((a, b) => Number(b.live) - Number(a.live) || String(b.run.startTime).localeCompare(String(a.run.startTime)));
  });
  const [picked, setPicked] = createSignal<string | null>(null);
  const choice = () => choices().find((c) => c.key === picked()) ?? choices()[0];
  const hist = poll<ScalingHistory>(() => (choice() ? `/api/v1/clusters/${encodeURIComponent(choice()!.spec.cluster)}/scaling` : null));
  const flows = poll<TrafficView>(() => (choice()?.run.startTime ? `/api/v1/clusters/${encodeURIComponent(choice()!.spec.cluster)}/traffic?since=${encodeURIComponent(choice()!.run.startTime)}` : null), 5000);
  const summary = poll<DashboardSummary>(() => '/api/v1/dashboard/summary', 5000);

  const win = createMemo(() => {
    const c = choice();
    if (!c?.run.startTime) return undefined;
    const start = Date.parse(c.run.startTime);
    const loadEnd = start + 1000 * seconds(c.spec.k6?.duration ?? (c.spec.k6?.stages ?? []).reduce((a: number, s: Obj) => a + seconds(s.duration), 0));
    const end = c.run.completionTime ? Date.parse(c.run.completionTime) : Math.max(Date.now(), loadEnd + 1000 * seconds(c.spec.cooldown ?? '60s'));
    return { start, loadEnd, end };
  });
  /** The HPA series of the run's deployments inside its window (plus a little before, for the baseline). */
  const series = createMemo(() => {
    const h = hist.data();
    const w = win();
    if (!h || !w) return {} as Record<string, HpaSample[]>;
    const deps = new Set<string>((choice()!.spec.target?.deployments ?? []) as string[]);
    const out: Record<string, HpaSample[]> = {};
    for (const hpa of h.hpas) {
      const dep = `${hpa.namespace}/${hpa.target.split('/')[1]}`;
      if (deps.size && !deps.has(dep)) continue;
      out[dep] = (h.history[`${hpa.namespace}/${hpa.name}`] ?? []).filter((s) => s.t >= w.start - 15_000 && s.t <= w.end);
    }
    return out;
  });
  const times = createMemo(() => [...new Set(Object.values(series()).flatMap((s) => s.map((x) => x.t)))].sort((a, b) => a - b));
  const total = (t: number) => Object.values(series()).reduce((a, s) => a + (s.find((x) => x.t === t)?.current ?? 0), 0);
  const rps = () => (choice()?.run.http?.rps as number | undefined) ?? null;
  const kpis = createMemo(() => {
    const sc = (choice()?.run.scaling ?? {}) as Obj;
    const w = win();
    let firstUp: number | null = sc.timeToFirstScaleUpSeconds ?? null;
    let peak: number | null = sc.peakReplicas ?? null;
    if (w && (firstUp === null || peak === null)) {
      const ts = times();
      const base = ts.length ? total(ts[0]) : 0;
      const up = ts.find((t) => total(t) > base);
      firstUp ??= up !== undefined ? Math.round((up - w.start) / 1000) : null;
      peak ??= ts.length ? Math.max(...ts.map(total)) : null;
    }
    return { firstUp, peak, down: (sc.timeToScaleDownSeconds as number | undefined) ?? null, perPod: rps() !== null && peak ? rps()! / peak : null };
  });
  const inPhase = (t: number, phase: 'load' | 'cooldown') => {
    const w = win();
    if (!w) return false;
    return phase === 'load' ? t >= w.start && t < w.loadEnd : t >= w.loadEnd && t <= w.end;
  };
  const timeline = createMemo<ChartData>(() => {
    const ts = times();
    const keys = Object.keys(series()).sort();
    const top = Math.max(1, ...ts.map(total)) + 1;
    return {
      labels: ts.map(timeLabel),
      datasets: [
        ...keys.map((k, i) => {
          const at = new Map(series()[k].map((s) => [s.t, s.current]));
          return { label: k, data: ts.map((t) => at.get(t) ?? null), borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length] + '44', fill: true, stepped: true, pointRadius: 0 };
        }),
        { label: 'load phase', data: ts.map((t) => (inPhase(t, 'load') ? top : null)), backgroundColor: 'rgba(110,168,255,0.12)', borderWidth: 0, fill: 'origin', pointRadius: 0, stepped: true },
        { label: 'cooldown', data: ts.map((t) => (inPhase(t, 'cooldown') ? top : null)), backgroundColor: 'rgba(255,179,71,0.12)', borderWidth: 0, fill: 'origin', pointRadius: 0, stepped: true },
      ],
    } as ChartData;
  });
  const throughput = createMemo<ChartData>(() => {
    const ts = times();
    return {
      labels: ts.map(timeLabel),
      datasets: [
        { label: 'pods (all deployments)', data: ts.map(total), borderColor: PALETTE[0], backgroundColor: PALETTE[0] + '33', fill: true, stepped: true, pointRadius: 0, yAxisID: 'y' },
        { label: 'RPS (run)', data: ts.map(() => rps()), borderColor: '#3ecf8e', borderDash: [6, 4], pointRadius: 0, yAxisID: 'y2' },
      ],
    } as ChartData;
  });
  const efficiency = createMemo<ChartData>(() => {
    const ts = times();
    return { labels: ts.map(timeLabel), datasets: [{ label: 'RPS per pod', data: ts.map((t) => (rps() !== null && total(t) > 0 ? Math.round((10 * rps()!) / total(t)) / 10 : null)), borderColor: '#c38bff', pointRadius: 0 }] };
  });
  const dualConfig = (): ChartConfiguration => ({
    type: 'line',
    data: { labels: [], datasets: [] },
    options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, title: { display: true, text: 'pods' } }, y2: { position: 'right', beginAtZero: true, title: { display: true, text: 'RPS' }, grid: { drawOnChartArea: false } } }, plugins: { legend: { position: 'bottom' } } },
  });
  const events = createMemo(() => {
    const out: Array<{ t: number; dep: string; from: number; to: number }> = [];
    for (const [dep, s] of Object.entries(series())) for (let i = 1; i < s.length; i++) if (s[i].current !== s[i - 1].current) out.push({ t: s[i].t, dep, from: s[i - 1].current, to: s[i].current });
    return out.sort((a, b) => a.t - b.t).slice(-50);
  });
  return (
    <div class="page analysis">
      <header class="page-head">
        <h1>Load analysis</h1>
        <div class="title-row">
          <label>
            Run{' '}
            <select data-run-select onChange={(e) => setPicked(e.currentTarget.value)} value={choice()?.key ?? ''}>
              <For each={choices()} fallback={<option value="">no scaling runs yet</option>}>
                {(c) => <option value={c.key}>{c.test} · {c.run.id} · {c.run.outcome}{c.live ? ' (live)' : ''}</option>}
              </For>
            </select>
          </label>
          <Show when={choice()?.live}>
            <span class="badge bad" data-live>
              <span class="dot" /> LIVE
            </span>
          </Show>
        </div>
      </header>
      <Show when={choice()} fallback={<div class="notice">No scaling LoadTest has run yet: run one from the Testing page.</div>}>
        {(c) => (
          <>
            <div class="kpis">
              <div class="card"><span class="card-title">Scale-up latency</span><span class="card-count" data-kpi="scale-up">{kpis().firstUp !== null ? `${kpis().firstUp}s` : '—'}</span></div>
              <div class="card"><span class="card-title">Peak replicas</span><span class="card-count" data-kpi="peak">{kpis().peak ?? '—'}</span></div>
              <div class="card"><span class="card-title">Scale-down start</span><span class="card-count">{kpis().down !== null ? `${kpis().down}s` : '—'}</span></div>
              <div class="card"><span class="card-title">RPS per pod</span><span class="card-count">{kpis().perPod !== null ? kpis().perPod!.toFixed(1) : '—'}</span></div>
            </div>
            <section class="panel" aria-labelledby="tl-h">
              <h2 id="tl-h">Replica timeline <span class="muted small">blue: load · orange: cooldown</span></h2>
              <ChartCanvas id="timeline-chart" label="Replicas per deployment during the run, load and cooldown shaded" height={240} config={lineConfig('replicas')} data={timeline} />
            </section>
            <div class="grid2">
              <section class="panel" aria-labelledby="tp-h">
                <h2 id="tp-h">Throughput vs pods</h2>
                <ChartCanvas id="throughput-chart" label="Pods and requests per second" height={200} config={dualConfig} data={throughput} />
              </section>
              <section class="panel" aria-labelledby="eff-h">
                <h2 id="eff-h">Per-pod efficiency</h2>
                <ChartCanvas id="efficiency-chart" label="Requests per second per pod" height={200} config={lineConfig('RPS / pod')} data={efficiency} />
              </section>
            </div>
            <div class="grid2">
              <section class="panel" aria-labelledby="bpf-h">
                <h2 id="bpf-h">Before → peak → final</h2>
                <table class="table small bpf">
                  <thead><tr><th>Deployment</th><th>Before</th><th>Peak</th><th>Final</th><th>CPU before → peak</th></tr></thead>
                  <tbody>
                    <For each={Object.entries(series())}>
                      {([dep, s]) => (
                        <tr data-deployment={dep}>
                          <td>{dep}</td>
                          <td>{s[0]?.current ?? '—'}</td>
                          <td>{s.length ? Math.max(...s.map((x) => x.current)) : '—'}</td>
                          <td>{s.at(-1)?.current ?? '—'}</td>
                          <td>{s[0]?.cpu ?? '—'}% → {s.length ? Math.max(...s.map((x) => x.cpu ?? 0)) : '—'}%</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
                <h3 class="sub">HPA events</h3>
                <table class="table small">
                  <tbody>
                    <For each={events()} fallback={<tr><td class="muted">No replica changes in this run yet.</td></tr>}>
                      {(e) => <tr><td class="mono">{timeLabel(e.t)}</td><td>{e.dep}</td><td>{e.from} → {e.to}</td></tr>}
                    </For>
                  </tbody>
                </table>
              </section>
              <section class="panel" aria-labelledby="vm-h">
                <h2 id="vm-h">VM impact <span class="muted small">now</span></h2>
                <table class="table small">
                  <thead><tr><th>VM</th><th>CPU</th><th>Memory</th></tr></thead>
                  <tbody>
                    <For each={(summary.data()?.vms ?? []).filter((v) => v.name.startsWith(c().spec.cluster))}>
                      {(v) => <tr><td>{v.name}</td><td>{v.sample?.cpuPercent ?? '—'}%</td><td>{v.sample ? `${v.sample.memPercent}% (${v.sample.memUsedMiB} MiB)` : '—'}</td></tr>}
                    </For>
                  </tbody>
                </table>
              </section>
            </div>
            <section class="panel" aria-labelledby="fl-h">
              <h2 id="fl-h">Flows during the run <span class="muted small">{flows.data()?.total ?? 0} flows · {flows.data()?.dropped ?? 0} dropped</span></h2>
              <FlowsTable flows={flows.data()?.recent ?? []} limit={15} />
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
