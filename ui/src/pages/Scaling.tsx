// HPA autoscaling live: a card per HPA (current/max, progress bar, SCALING / AT MAX badges),
// replicas over time as a step chart, CPU utilisation against its target, and the HPA table.
// History comes from the server's 360-sample rings (one sample per collector tick).
import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import type { ChartConfiguration, ChartData } from 'chart.js';
import { ChartCanvas } from '../components/Chart';
import { poll, type DashboardSummary, type HpaSample, type ScalingHistory } from '../store/domain';
import { stream } from '../store/resources';

export const PALETTE = ['#6ea8ff', '#3ecf8e', '#ffb347', '#c38bff', '#ff6b6b', '#4dd0e1'];

export function timeLabel(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}

/** Replicas per HPA over time, as stepped lines on a shared time axis. */
export function replicaData(history: Record<string, HpaSample[]>, pick: (s: HpaSample) => number | null = (s) => s.current): ChartData {
  const keys = Object.keys(history).sort();
  const times = [...new Set(keys.flatMap((k) => history[k].map((s) => s.t)))].sort((a, b) => a - b);
  return {
    labels: times.map(timeLabel),
    datasets: keys.map((k, i) => {
      const at = new Map(history[k].map((s) => [s.t, pick(s)]));
      return { label: k, data: times.map((t) => at.get(t) ?? null), borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length] + '33', stepped: true, fill: pick === undefined, pointRadius: 0, spanGaps: true };
    }),
  };
}

export const lineConfig = (yTitle: string, opts: { max?: number } = {}) => (): ChartConfiguration => ({
  type: 'line',
  data: { labels: [], datasets: [] },
  options: {
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, title: { display: true, text: yTitle }, ...(opts.max ? { suggestedMax: opts.max } : {}) } },
    plugins: { legend: { position: 'bottom' } },
  },
});

export function Scaling(): JSX.Element {
  const summary = poll<DashboardSummary>(() => '/api/v1/dashboard/summary', 10_000);
  const [picked, setPicked] = createSignal<string | null>(null);
  const watched = createMemo(() => (summary.data()?.clusters ?? []).filter((c) => c.watched && (c.hpas ?? 0) > 0).map((c) => c.name));
  const cluster = () => picked() ?? watched()[0] ?? null;
  const s = poll<ScalingHistory>(() => (cluster() ? `/api/v1/clusters/${encodeURIComponent(cluster()!)}/scaling` : null));
  const replicas = createMemo(() => replicaData(s.data()?.history ?? {}));
  const cpu = createMemo<ChartData>(() => {
    const d = replicaData(s.data()?.history ?? {}, (x) => x.cpu);
    const targets = (s.data()?.hpas ?? []).map((h) => h.targetCpuPercent).filter((x): x is number => x !== null);
    if (targets.length) d.datasets.push({ label: `target ${targets[0]}%`, data: d.labels!.map(() => targets[0]), borderColor: '#ff6b6b', borderDash: [6, 4], pointRadius: 0 } as never);
    for (const ds of d.datasets) (ds as { stepped?: boolean }).stepped = false;
    return d;
  });
  return (
    <div class="page scaling">
      <header class="page-head">
        <h1>Scaling</h1>
        <p class="muted">
          HorizontalPodAutoscalers, sampled every few seconds (360 samples kept).
          <Show when={stream().phase !== 'live'}><span class="stale"> · stale</span></Show>
        </p>
        <Show when={watched().length > 1}>
          <div class="tabs" role="tablist">
            <For each={watched()}>{(c) => <button role="tab" aria-selected={cluster() === c} onClick={() => setPicked(c)}>{c}</button>}</For>
          </div>
        </Show>
      </header>
      <Show when={s.data()} fallback={<div class="notice">{watched().length ? 'Loading…' : 'No Ready cluster has an HPA yet.'}</div>}>
        {(d) => (
          <>
            <div class="kpis">
              <For each={d().hpas}>
                {(h) => {
                  const scaling = () => h.desiredReplicas !== h.currentReplicas;
                  const atMax = () => h.currentReplicas >= h.maxReplicas;
                  return (
                    <div class="card" data-hpa={`${h.namespace}/${h.name}`}>
                      <span class="card-title">{h.namespace}/{h.name}</span>
                      <span class="card-count" data-replicas={h.currentReplicas}>
                        {h.currentReplicas}<span class="muted small"> / {h.maxReplicas}</span>
                      </span>
                      <div class="progress"><div style={{ width: `${(100 * h.currentReplicas) / Math.max(1, h.maxReplicas)}%` }} /></div>
                      <div class="badges" style={{ 'margin-top': '6px' }}>
                        <Show when={scaling()}><span class="pill warn">SCALING → {h.desiredReplicas}</span></Show>
                        <Show when={atMax()}><span class="pill bad">AT MAX</span></Show>
                        <span class="muted small">CPU {h.cpuPercent ?? '—'}% / target {h.targetCpuPercent ?? '—'}%</span>
                      </div>
                    </div>
                  );
                }}
              </For>
            </div>
            <div class="grid2">
              <section class="panel" aria-labelledby="rep-h">
                <h2 id="rep-h">Replicas over time</h2>
                <ChartCanvas id="replicas-chart" label="Replicas per HPA over time" height={220} config={lineConfig('replicas')} data={replicas} />
              </section>
              <section class="panel" aria-labelledby="cpu-h">
                <h2 id="cpu-h">CPU utilisation vs target</h2>
                <ChartCanvas id="cpu-chart" label="CPU utilisation per HPA against the target" height={220} config={lineConfig('CPU %', { max: 100 })} data={cpu} />
              </section>
            </div>
            <section class="panel" aria-labelledby="hpa-h">
              <h2 id="hpa-h">HPAs</h2>
              <table class="table hpas">
                <thead><tr><th>Namespace</th><th>HPA</th><th>Target</th><th>Current</th><th>Desired</th><th>Min</th><th>Max</th><th>CPU</th><th>Target CPU</th></tr></thead>
                <tbody>
                  <For each={d().hpas}>
                    {(h) => (
                      <tr>
                        <td>{h.namespace}</td><td>{h.name}</td><td class="mono">{h.target}</td><td>{h.currentReplicas}</td><td>{h.desiredReplicas}</td>
                        <td>{h.minReplicas}</td><td>{h.maxReplicas}</td><td>{h.cpuPercent ?? '—'}%</td><td>{h.targetCpuPercent ?? '—'}%</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
