// The dependency graph from spec references. Which fields refer to which kind is each kind's to
// say (its module's references, served with /api/v1/kinds); parentsOf is the runtime's own
// (src/api/references.ts), so the dashboard and the dependency index cannot disagree.
import type { HostObject } from '../api/types';
import { parentsOf, type ReferenceRule } from '../../../src/api/references';

export interface Edge {
  parent: string; // Kind/name
  child: string;
}

/** A kind's reference rules (none for a kind the server did not describe). */
export type RulesOf = (kind: string) => readonly ReferenceRule[];

/** Parent keys of one object, from its spec. */
export function parentKeys(o: HostObject, rulesOf: RulesOf): string[] {
  return parentsOf(o, rulesOf(o.kind));
}

export function allEdges(objects: Iterable<HostObject>, rulesOf: RulesOf): Edge[] {
  const edges: Edge[] = [];
  for (const o of objects) {
    const child = `${o.kind}/${o.metadata.name}`;
    for (const parent of parentKeys(o, rulesOf)) edges.push({ parent, child });
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
