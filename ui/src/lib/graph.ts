// The dependency graph from spec references:
//   VirtualMachine ← Cluster.spec.controlPlane.vm, Cluster.spec.workers[].vm
//   Cluster ← Addon.spec.cluster;  Addon ← Addon.spec.dependsOn[]
//   Cluster/Addon ← LoadTest.spec.cluster / LoadTest.spec.dependsOn[]
import type { HostObject } from '../api/types';

export interface Edge {
  parent: string; // Kind/name
  child: string;
}

function names(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((x) => (typeof x === 'string' ? x : x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' ? (x as { name: string }).name : undefined))
    .filter((x): x is string => !!x);
}

/** Parent keys of one object, from its spec. */
export function parentsOf(o: HostObject): string[] {
  const spec = (o.spec ?? {}) as Record<string, any>;
  const out: string[] = [];
  if (o.kind === 'Cluster') {
    if (typeof spec.controlPlane?.vm === 'string') out.push(`VirtualMachine/${spec.controlPlane.vm}`);
    for (const w of Array.isArray(spec.workers) ? spec.workers : []) if (typeof w?.vm === 'string') out.push(`VirtualMachine/${w.vm}`);
  } else if (o.kind === 'Addon') {
    if (typeof spec.cluster === 'string') out.push(`Cluster/${spec.cluster}`);
    for (const n of names(spec.dependsOn)) out.push(`Addon/${n}`);
  } else if (o.kind === 'LoadTest') {
    if (typeof spec.cluster === 'string') out.push(`Cluster/${spec.cluster}`);
    for (const n of names(spec.dependsOn)) out.push(n.includes('/') ? n : `Addon/${n}`);
  }
  return [...new Set(out)];
}

export function allEdges(objects: Iterable<HostObject>): Edge[] {
  const edges: Edge[] = [];
  for (const o of objects) {
    const child = `${o.kind}/${o.metadata.name}`;
    for (const parent of parentsOf(o)) edges.push({ parent, child });
  }
  return edges;
}

export interface GraphNode {
  key: string;
  level: number; // negative: ancestors, 0: the focus, positive: descendants
  row: number;
}

export interface Neighbourhood {
  nodes: GraphNode[];
  edges: Edge[];
  /** Nodes left out per level because the column was full. */
  hidden: Map<number, number>;
}

/**
 * Ancestors and descendants of `focus`, up to `depth` hops each way, at most `perLevel` per column.
 * `rank` orders each column (smaller first), so a full column keeps the objects that need attention.
 */
export function neighbourhood(focus: string, edges: Edge[], depth = 2, perLevel = 10, rank: (key: string) => number = () => 0): Neighbourhood {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const e of edges) {
    (up.get(e.child) ?? up.set(e.child, []).get(e.child)!).push(e.parent);
    (down.get(e.parent) ?? down.set(e.parent, []).get(e.parent)!).push(e.child);
  }
  const level = new Map<string, number>([[focus, 0]]);
  const walk = (dir: Map<string, string[]>, sign: number): void => {
    let frontier = [focus];
    for (let d = 1; d <= depth && frontier.length; d++) {
      const next: string[] = [];
      for (const k of frontier) for (const n of dir.get(k) ?? []) if (!level.has(n)) {
        level.set(n, sign * d);
        next.push(n);
      }
      frontier = next;
    }
  };
  walk(up, -1);
  walk(down, 1);
  const byLevel = new Map<number, string[]>();
  for (const [k, l] of level) (byLevel.get(l) ?? byLevel.set(l, []).get(l)!).push(k);
  const nodes: GraphNode[] = [];
  const hidden = new Map<number, number>();
  for (const [l, keys] of byLevel) {
    keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    keys.slice(0, perLevel).forEach((key, row) => nodes.push({ key, level: l, row }));
    if (keys.length > perLevel) hidden.set(l, keys.length - perLevel);
  }
  const shown = new Set(nodes.map((n) => n.key));
  return { nodes, edges: edges.filter((e) => shown.has(e.parent) && shown.has(e.child) && level.get(e.parent)! < level.get(e.child)!), hidden };
}
