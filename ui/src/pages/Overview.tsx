import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import type { ChartConfiguration, ChartData } from 'chart.js';
import { ChartCanvas } from '../components/Chart';
import { ClusterCards } from '../components/ClusterCards';
import { EventList } from '../components/EventList';
import { FilterBox, matches } from '../components/FilterBox';
import { SpecErrorsBanner } from '../components/SpecErrors';
import { ReadyBadge } from '../components/StatusBadge';
import { formatMiB as fmtMiB, cpuOrZero as toCpu, mibOrZero as toMiB } from '../../../src/api/quantity';
import { parentKeys } from '../lib/graph';
import { readiness, readinessRank, summaryCondition } from '../lib/ready';
import { ago, now } from '../lib/time';
import { Link } from '../router';
import { TableHead } from '../components/TableHead';
import { detailHref, referencesOf, state } from '../store/resources';

function CapacityPanel(): JSX.Element {
  const pct = (a: number, b: number) => (b > 0 ? (a / b) * 100 : 0);
  const data = createMemo<ChartData>(() => {
    const h = state.host;
    const cpu = h ? pct(h.requestedCpu, h.cpu) : 0;
    const mem = h ? pct(h.requestedMemoryMiB, h.memoryMiB) : 0;
    return {
      labels: ['CPU', 'Memory'],
      datasets: [
        { label: 'Requested by VMs', data: [Math.min(cpu, 100), Math.min(mem, 100)], backgroundColor: '#4c8dff', borderRadius: 3 },
        { label: 'Free', data: [Math.max(0, 100 - cpu), Math.max(0, 100 - mem)], backgroundColor: 'rgba(170,180,195,0.18)', borderRadius: 3 },
        { label: 'Over capacity', data: [Math.max(0, cpu - 100), Math.max(0, mem - 100)], backgroundColor: '#ff5c5c', borderRadius: 3 },
      ],
    };
  });
  // VMs grouped by the cluster that references them (the seed's per-cluster cards, from specs).
  const byCluster = createMemo(() => {
    const owner = new Map<string, string>();
    for (const c of Object.values(state.objects)) {
      if (c.kind !== 'Cluster') continue;
      for (const p of parentKeys(c, referencesOf)) owner.set(p, c.metadata.name);
    }
    const groups = new Map<string, { cluster: string; vms: number; notReady: number; cpu: number; mem: number }>();
    for (const vm of Object.values(state.objects)) {
      if (vm.kind !== 'VirtualMachine') continue;
      const cluster = owner.get(`VirtualMachine/${vm.metadata.name}`) ?? '';
      const g = groups.get(cluster) ?? { cluster, vms: 0, notReady: 0, cpu: 0, mem: 0 };
      const spec = vm.spec as { cpu?: unknown; memory?: unknown };
      g.vms++;
      if (readiness(vm) !== 'True') g.notReady++;
      g.cpu += toCpu(spec.cpu);
      g.mem += toMiB(spec.memory);
      groups.set(cluster, g);
    }
    return [...groups.values()].sort((a, b) => (a.cluster === '' ? 1 : b.cluster === '' ? -1 : a.cluster.localeCompare(b.cluster)));
  });
  const config = (): ChartConfiguration => ({
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, min: 0, suggestedMax: 100, ticks: { callback: (v) => `${v}%` } },
        y: { stacked: true, grid: { display: false } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${Number(ctx.raw).toFixed(0)}% of the host` } },
      },
    },
  });
  return (
    <section class="panel" aria-labelledby="cap-h">
      <h2 id="cap-h">Host capacity</h2>
      <Show when={state.host} fallback={<p class="muted">Loading host capacity…</p>}>
        {(h) => (
          <>
            <dl class="cap-figures">
              <div classList={{ over: h().requestedCpu > h().cpu }}>
                <dt>CPU</dt>
                <dd>
                  <strong>{h().requestedCpu}</strong> of {h().cpu} vCPU requested
                </dd>
              </div>
              <div classList={{ over: h().requestedMemoryMiB > h().memoryMiB }}>
                <dt>Memory</dt>
                <dd>
                  <strong>{fmtMiB(h().requestedMemoryMiB)}</strong> of {fmtMiB(h().memoryMiB)} requested
                </dd>
              </div>
            </dl>
            <ChartCanvas id="capacity-chart" label="Host CPU and memory: requested by VMs against capacity" height={130} config={config} data={data} />
            <table class="table compact" aria-label="What each cluster's VMs ask for">
              <TableHead columns={['Cluster', 'VMs', { name: 'vCPU', class: 'num' }, { name: 'Memory', class: 'num' }, { name: 'Share of memory', class: 'num' }]} />
              <tbody>
                <For each={byCluster()}>
                  {(g) => (
                    <tr>
                      <td>{g.cluster === '' ? <span class="muted">no cluster</span> : <Link href={detailHref(`Cluster/${g.cluster}`)}>{g.cluster}</Link>}</td>
                      <td>
                        {g.vms}
                        <Show when={g.notReady}>
                          {' '}
                          <span class="bad-text small">({g.notReady} not ready)</span>
                        </Show>
                      </td>
                      <td class="num">{g.cpu}</td>
                      <td class="num">{fmtMiB(g.mem)}</td>
                      <td class="num">{h().memoryMiB ? `${Math.round((g.mem / h().memoryMiB) * 100)}%` : '—'}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </>
        )}
      </Show>
    </section>
  );
}

function EventsSparkline(): JSX.Element {
  const MINUTES = 60;
  const data = createMemo<ChartData>(() => {
    const end = Math.floor(now() / 60000);
    const normal = new Array(MINUTES).fill(0);
    const warning = new Array(MINUTES).fill(0);
    for (const e of state.events) {
      const m = end - Math.floor(Date.parse(e.lastTimestamp) / 60000);
      if (m < 0 || m >= MINUTES) continue;
      (e.type === 'Warning' ? warning : normal)[MINUTES - 1 - m]++;
    }
    return {
      labels: normal.map((_, i) => (i === MINUTES - 1 ? 'now' : `-${MINUTES - 1 - i}m`)),
      datasets: [
        { label: 'Warning', data: warning, borderColor: '#ffb347', backgroundColor: 'rgba(255,179,71,0.25)', fill: true, tension: 0.3, pointRadius: 0, borderWidth: 1.5 },
        { label: 'Normal', data: normal, borderColor: '#4c8dff', backgroundColor: 'rgba(76,141,255,0.15)', fill: true, tension: 0.3, pointRadius: 0, borderWidth: 1.5 },
      ],
    };
  });
  const config = (): ChartConfiguration => ({
    type: 'line',
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: { x: { ticks: { maxTicksLimit: 7 }, grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 4 } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  });
  const warnings = () => state.events.filter((e) => e.type === 'Warning');
  return (
    <section class="panel" aria-labelledby="ev-h">
      <h2 id="ev-h">
        Events <span class="muted small">last hour, per minute</span>
      </h2>
      <ChartCanvas id="events-chart" label="Events per minute over the last hour" height={110} config={config} data={data} />
      <h3 class="sub">Recent warnings</h3>
      <EventList events={warnings()} showObject limit={5} />
    </section>
  );
}

export function Overview(): JSX.Element {
  const [filter, setFilter] = createSignal('');
  const all = createMemo(() => Object.values(state.objects));
  const rows = createMemo(() =>
    all()
      .filter((o) => matches(filter(), o.kind, o.metadata.name, o.status?.phase, summaryCondition(o)?.reason, summaryCondition(o)?.message))
      .map((o) => ({ o, r: readiness(o) }))
      .sort((a, b) => readinessRank(a.r) - readinessRank(b.r) || a.o.kind.localeCompare(b.o.kind) || a.o.metadata.name.localeCompare(b.o.metadata.name)),
  );
  const perKind = createMemo(() =>
    state.kinds.map((k) => {
      const objs = all().filter((o) => o.kind === k.kind);
      // A VM stopped on purpose is neither ready (it serves nothing) nor failing: counted apart.
      const stopped = objs.filter((o) => o.status?.phase === 'Stopped');
      const live = objs.filter((o) => o.status?.phase !== 'Stopped');
      return { k, total: objs.length, stopped: stopped.length, ready: live.filter((o) => readiness(o) === 'True').length, failing: live.filter((o) => readiness(o) === 'False').length };
    }),
  );
  return (
    <div class="page overview">
      <header class="page-head">
        <h1>Overview</h1>
        <p class="muted">
          {all().length} objects · {all().filter((o) => readiness(o) !== 'True').length} not ready
        </p>
      </header>
      <SpecErrorsBanner errors={state.specErrors} />
      <ClusterCards />
      <div class="kind-cards">
        <For each={perKind()}>
          {(p) => (
            <Link href={`/resources/${p.k.plural}`} class="card kind-card">
              <span class="card-title">{p.k.kind}s</span>
              <span class="card-count" data-kind-count={p.k.kind}>
                {p.total}
              </span>
              <span class="card-sub">
                <span class="good-text">{p.ready} ready</span>
                <Show when={p.failing}>
                  {' · '}
                  <span class="bad-text">{p.failing} failing</span>
                </Show>
                <Show when={p.stopped}>
                  {' · '}
                  <span class="muted" data-stopped-count>{p.stopped} stopped</span>
                </Show>
                <Show when={p.total - p.ready - p.failing - p.stopped > 0}>
                  {' · '}
                  <span class="muted">{p.total - p.ready - p.failing - p.stopped} pending</span>
                </Show>
              </span>
            </Link>
          )}
        </For>
      </div>
      <div class="grid2">
        <CapacityPanel />
        <EventsSparkline />
      </div>
      <section class="panel" aria-labelledby="obj-h">
        <div class="panel-head">
          <h2 id="obj-h">All objects</h2>
          <FilterBox value={filter()} onInput={setFilter} label="Filter objects" />
        </div>
        <table class="table objects" aria-label="All objects, not ready first">
          <TableHead columns={['Ready', 'Kind', 'Name', 'Phase', 'Reason', 'Message', 'Age']} />
          <tbody>
            <For each={rows()} fallback={<tr><td colspan="7" class="muted">{state.loaded ? (filter() ? 'Nothing matches the filter.' : 'No objects: add specs to the specs directory.') : 'Loading…'}</td></tr>}>
              {(row) => {
                const key = () => `${row.o.kind}/${row.o.metadata.name}`;
                const c = () => summaryCondition(row.o);
                return (
                  <tr data-key={key()} data-ready={row.r}>
                    <td>
                      <ReadyBadge ready={row.r} phase={row.o.status?.phase} />
                    </td>
                    <td class="muted">{row.o.kind}</td>
                    <td>
                      <Link href={detailHref(key())} class="name">
                        {row.o.metadata.name}
                      </Link>
                    </td>
                    <td>{row.o.status?.phase ?? '—'}</td>
                    <td class="mono small">{c()?.reason ?? ''}</td>
                    <td class="message small">{c()?.message ?? ''}</td>
                    <td title={row.o.metadata.creationTimestamp}>{ago(row.o.metadata.creationTimestamp, now())}</td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </section>
    </div>
  );
}
