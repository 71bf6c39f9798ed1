// Traffic from Hubble (the sim host's stand-in relay): an all-clusters summary, then per cluster an
// SVG topology (endpoints grouped by namespace, edges green when forwarded, red when dropped), the
// top connections and the recent flows with their verdicts.
import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import { endpointLabel, poll, type FlowEdge, type TrafficView } from '../store/domain';
import { stream } from '../store/resources';

interface Summary {
  cluster: string;
  total: number;
  forwarded: number;
  dropped: number;
  byProtocol: Record<string, number>;
}

export function Topology(props: { edges: FlowEdge[] }): JSX.Element {
  const layout = createMemo(() => {
    const byNs = new Map<string, Set<string>>();
    for (const e of props.edges) {
      (byNs.get(e.fromNamespace || 'external') ?? byNs.set(e.fromNamespace || 'external', new Set()).get(e.fromNamespace || 'external')!).add(e.from);
      (byNs.get(e.toNamespace) ?? byNs.set(e.toNamespace, new Set()).get(e.toNamespace)!).add(e.to);
    }
    const nss = [...byNs.keys()].sort((a, b) => (a === 'external' ? -1 : b === 'external' ? 1 : a.localeCompare(b)));
    const colW = 180;
    const pos = new Map<string, { x: number; y: number }>();
    let maxRows = 1;
    nss.forEach((ns, i) => {
      const names = [...byNs.get(ns)!].sort();
      maxRows = Math.max(maxRows, names.length);
      names.forEach((n, j) => pos.set(`${ns}/${n}`, { x: 20 + i * colW, y: 50 + j * 44 }));
    });
    return { nss, pos, width: Math.max(400, nss.length * colW + 40), height: 70 + maxRows * 44, colW };
  });
  const key = (ns: string, n: string) => `${ns || 'external'}/${n}`;
  return (
    <svg class="topology" viewBox={`0 0 ${layout().width} ${layout().height}`} role="img" aria-label="Service topology: green edges forwarded, red edges dropped">
      <For each={layout().nss}>
        {(ns, i) => (
          <>
            <rect x={10 + i() * layout().colW} y={10} width={layout().colW - 20} height={layout().height - 20} rx="8" fill="rgba(170,180,195,0.05)" stroke="var(--border)" />
            <text class="ns-label" x={20 + i() * layout().colW} y={30}>{ns}</text>
          </>
        )}
      </For>
      <For each={props.edges}>
        {(e) => {
          const a = () => layout().pos.get(key(e.fromNamespace, e.from));
          const b = () => layout().pos.get(key(e.toNamespace, e.to));
          const d = () => {
            if (!a() || !b()) return '';
            const x1 = a()!.x + 130, y1 = a()!.y, x2 = b()!.x, y2 = b()!.y;
            const mx = (x1 + x2) / 2;
            return x2 > x1 ? `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` : `M${a()!.x + 130},${y1} C${a()!.x + 165},${y1} ${b()!.x + 165},${y2} ${b()!.x + 130},${y2}`; // same column: bulge right
          };
          return (
            <>
              <Show when={e.forwarded}>
                <path d={d()} fill="none" stroke="var(--good)" stroke-opacity="0.7" stroke-width={Math.min(5, 1 + Math.log2(e.forwarded))} data-edge="forwarded" />
              </Show>
              <Show when={e.dropped}>
                <path d={d()} fill="none" stroke="var(--bad)" stroke-dasharray="5 3" stroke-width={Math.min(5, 1 + Math.log2(e.dropped))} data-edge="dropped" />
              </Show>
            </>
          );
        }}
      </For>
      <For each={[...layout().pos]}>
        {([k, p]) => (
          <g>
            <rect x={p.x} y={p.y - 12} width="130" height="24" rx="5" fill="var(--panel)" stroke="var(--accent)" />
            <text x={p.x + 8} y={p.y + 4}>{k.slice(k.indexOf('/') + 1).slice(0, 18)}</text>
          </g>
        )}
      </For>
    </svg>
  );
}

export function FlowsTable(props: { flows: TrafficView['recent']; limit?: number }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="table small flows">
        <thead><tr><th>Time</th><th>Source</th><th>Destination</th><th>Port</th><th>L7</th><th>Verdict</th></tr></thead>
        <tbody>
          <For each={props.flows.slice(0, props.limit ?? 30)} fallback={<tr><td colspan="6" class="muted">No flows yet.</td></tr>}>
            {(f) => (
              <tr data-verdict={f.verdict}>
                <td class="mono">{f.time.slice(11, 19)}</td>
                <td>{endpointLabel(f.source)}</td>
                <td>{f.destinationService ? `${f.destinationService.namespace}/${f.destinationService.name}` : endpointLabel(f.destination)}</td>
                <td class="mono">{f.l4.destinationPort}/{f.l4.protocol}</td>
                <td class="mono">{f.l7 ? `${f.l7.http.method} ${f.l7.http.url}` : ''}</td>
                <td>
                  <span class={`pill ${f.verdict === 'FORWARDED' ? 'good' : 'bad'}`} title={f.dropReasonDesc}>{f.verdict}</span>
                  <Show when={f.dropReasonDesc}><span class="muted small"> {f.dropReasonDesc}</span></Show>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}

export function Traffic(props: { params: Record<string, string> }): JSX.Element {
  const all = poll<{ items: Summary[] }>(() => '/api/v1/traffic');
  const [picked, setPicked] = createSignal<string | null>(props.params.cluster ?? null);
  const cluster = () => picked() ?? all.data()?.items[0]?.cluster ?? null;
  const view = poll<TrafficView>(() => (cluster() ? `/api/v1/clusters/${encodeURIComponent(cluster()!)}/traffic` : null));
  return (
    <div class="page traffic">
      <header class="page-head">
        <h1>Traffic</h1>
        <p class="muted">
          Flows from Hubble (stand-in relay on the sim host), verdicts from the CiliumNetworkPolicies applied.
          <Show when={stream().phase !== 'live'}><span class="stale"> · stale</span></Show>
        </p>
      </header>
      <div class="cluster-cards">
        <For each={all.data()?.items ?? []} fallback={<p class="muted">No Ready cluster is watched yet.</p>}>
          {(s) => (
            <button class="card" data-traffic-cluster={s.cluster} aria-pressed={cluster() === s.cluster} onClick={() => setPicked(s.cluster)}>
              <span class="card-title">{s.cluster}</span>
              <span class="card-count">{s.total}</span>
              <span class="card-sub">
                <span class="good-text">{s.forwarded} forwarded</span> · <span class="bad-text" data-dropped>{s.dropped} dropped</span>
              </span>
              <span class="muted small">{Object.entries(s.byProtocol).map(([p, n]) => `${p} ${n}`).join(' · ')}</span>
            </button>
          )}
        </For>
      </div>
      <Show when={view.data()}>
        {(v) => (
          <>
            <section class="panel" aria-labelledby="topo-h">
              <h2 id="topo-h">Topology of {v().cluster}</h2>
              <Topology edges={v().edges.slice(0, 60)} />
            </section>
            {/* Full-width panels: side by side, long pod names pushed the verdict column out of view. */}
            <section class="panel" aria-labelledby="top-h">
              <h2 id="top-h">Top connections</h2>
              <div class="table-wrap">
                <table class="table small top-connections">
                  <thead><tr><th>Source</th><th>Destination</th><th>Port</th><th>Forwarded</th><th>Dropped</th></tr></thead>
                  <tbody>
                    <For each={v().edges.slice(0, 15)}>
                      {(e) => (
                        <tr>
                          <td>{e.fromNamespace ? `${e.fromNamespace}/` : ''}{e.from}</td>
                          <td>{e.toNamespace}/{e.to}</td>
                          <td class="mono">{e.port}/{e.protocol}</td>
                          <td class="good-text">{e.forwarded}</td>
                          <td class={e.dropped ? 'bad-text' : 'muted'}>{e.dropped}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </section>
            <section class="panel" aria-labelledby="recent-h">
              <h2 id="recent-h">Recent flows</h2>
              <FlowsTable flows={v().recent} limit={20} />
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
