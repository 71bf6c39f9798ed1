// Parents to the left, children to the right, coloured by Ready. Nodes are links (Tab reaches them).
import { For, Show, createMemo, type JSX } from 'solid-js';
import { allEdges, neighbourhood } from '../lib/graph';
import { readiness, readinessRank, type Readiness } from '../lib/ready';
import { detailHref, referencesOf, state } from '../store/resources';
import { navigate } from '../router';

const NODE_W = 220;
const NODE_H = 40;
const COL_GAP = 70;
const ROW_GAP = 14;
const FILL: Record<Readiness | 'Missing', string> = { True: 'var(--good)', False: 'var(--bad)', Unknown: 'var(--unknown)', Deleting: 'var(--warn)', Missing: 'var(--missing)' };

export function DependencyGraph(props: { focus: string }): JSX.Element {
  // Not-ready first, so a crowded column still shows what is failing (Argo CD #10292).
  const graph = createMemo(() =>
    neighbourhood(props.focus, allEdges(Object.values(state.objects), referencesOf), 2, 10, (k) => (state.objects[k] ? readinessRank(readiness(state.objects[k])) : -1)),
  );
  const levels = createMemo(() => {
    const ls = [...new Set(graph().nodes.map((n) => n.level))].sort((a, b) => a - b);
    return ls;
  });
  const rowsMax = createMemo(() => Math.max(1, ...graph().nodes.map((n) => n.row + 1)));
  const height = () => rowsMax() * (NODE_H + ROW_GAP) + ROW_GAP + 18;
  const width = () => levels().length * (NODE_W + COL_GAP) - COL_GAP + 20;
  const pos = (key: string) => {
    const n = graph().nodes.find((x) => x.key === key)!;
    const col = levels().indexOf(n.level);
    const colRows = graph().nodes.filter((x) => x.level === n.level).length;
    const offset = ((rowsMax() - colRows) * (NODE_H + ROW_GAP)) / 2;
    return { x: 10 + col * (NODE_W + COL_GAP), y: 18 + ROW_GAP + offset + n.row * (NODE_H + ROW_GAP) };
  };
  return (
    <Show when={graph().nodes.length > 1} fallback={<p class="muted">No dependencies: nothing references this object and it references nothing.</p>}>
      <div class="graph-wrap">
        <svg class="graph" width={width()} height={height()} viewBox={`0 0 ${width()} ${height()}`} role="group" aria-label="Dependency graph: parents on the left, children on the right">
          <For each={levels()}>
            {(l, i) => (
              <text x={10 + i() * (NODE_W + COL_GAP)} y={12} class="graph-col">
                {l < 0 ? (l === -1 ? 'depends on' : 'transitively') : l === 0 ? 'this object' : l === 1 ? 'used by' : 'transitively'}
                {graph().hidden.get(l) ? ` (+${graph().hidden.get(l)} more)` : ''}
              </text>
            )}
          </For>
          <For each={graph().edges}>
            {(e) => {
              const d = () => {
                const a = pos(e.parent);
                const b = pos(e.child);
                const x1 = a.x + NODE_W;
                const y1 = a.y + NODE_H / 2;
                const x2 = b.x;
                const y2 = b.y + NODE_H / 2;
                const mx = (x1 + x2) / 2;
                return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
              };
              return <path d={d()} class="edge" marker-end="url(#arrow)" />;
            }}
          </For>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="var(--edge)" />
            </marker>
          </defs>
          <For each={graph().nodes}>
            {(n) => {
              const obj = () => state.objects[n.key];
              const r = (): Readiness | 'Missing' => (obj() ? readiness(obj()) : 'Missing');
              const [kind, ...rest] = n.key.split('/');
              const name = rest.join('/');
              const p = () => pos(n.key);
              const href = detailHref(n.key);
              // The <g> makes this template parse as SVG, so <a> is an SVG link (focusable, Tab-reachable).
              return (
                <g>
                <a
                  href={href}
                  class="gnode"
                  data-focus={n.level === 0 ? 'true' : undefined}
                  data-key={n.key}
                  data-ready={r()}
                  aria-label={`${n.key}: ${r() === 'Missing' ? 'not found' : r() === 'True' ? 'ready' : r() === 'False' ? 'not ready' : r().toLowerCase()}`}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                    e.preventDefault();
                    navigate(href);
                  }}
                >
                  <rect x={p().x} y={p().y} width={NODE_W} height={NODE_H} rx="6" class="gbox" />
                  <rect x={p().x} y={p().y} width="6" height={NODE_H} rx="2" fill={FILL[r()]} />
                  <circle cx={p().x + NODE_W - 12} cy={p().y + 12} r="5" fill={FILL[r()]} />
                  <text x={p().x + 14} y={p().y + 16} class="gkind">
                    {kind}
                  </text>
                  <text x={p().x + 14} y={p().y + 32} class="gname">
                    {name.length > 24 ? `${name.slice(0, 23)}…` : name}
                  </text>
                  <title>{`${n.key} — ${r() === 'Missing' ? 'referenced but not defined in any spec' : `Ready: ${r()}`}`}</title>
                </a>
                </g>
              );
            }}
          </For>
        </svg>
      </div>
    </Show>
  );
}
