// dependsOn between Addons (issue 11 item 6): refuse cycles naming them ("a → b → a"), install in
// dependency order, delete in reverse (an Addon others depend on waits until they are gone).

export interface DependencyNode {
  name: string;
  dependsOn: readonly string[];
}

/** Every cycle through the graph, each as its path closed on its first node: ["a", "b", "a"]. One per set of members. */
export function findCycles(nodes: readonly DependencyNode[]): string[][] {
  const deps = new Map(nodes.map((n) => [n.name, [...n.dependsOn].sort()]));
  const cycles: string[][] = [];
  const seenSets = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (!deps.has(d)) continue;
      if (state.get(d) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(d)), d];
        const key = [...new Set(cycle)].sort().join(',');
        if (!seenSets.has(key)) {
          seenSets.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...deps.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/** Dependencies that name no known Addon, as [addon, missing]. */
export function missingDependencies(nodes: readonly DependencyNode[]): Array<[string, string]> {
  const names = new Set(nodes.map((n) => n.name));
  return nodes.flatMap((n) => n.dependsOn.filter((d) => !names.has(d)).map((d) => [n.name, d] as [string, string]));
}

export type OrderResult = { ok: true; order: string[] } | { ok: false; cycles: string[][]; message: string };

/** Install order: dependencies first, ties broken by name. Unknown dependencies are ignored here (see missingDependencies). */
export function installOrder(nodes: readonly DependencyNode[]): OrderResult {
  const cycles = findCycles(nodes);
  if (cycles.length > 0) return { ok: false, cycles, message: `dependsOn has a cycle: ${cycles.map(formatCycle).join('; ')}` };
  const names = new Set(nodes.map((n) => n.name));
  const remaining = new Map(nodes.map((n) => [n.name, new Set(n.dependsOn.filter((d) => names.has(d) && d !== n.name))]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.entries()].filter(([, ds]) => ds.size === 0).map(([n]) => n).sort();
    for (const r of ready) {
      order.push(r);
      remaining.delete(r);
      for (const ds of remaining.values()) ds.delete(r);
    }
  }
  return { ok: true, order };
}

/** Deletion order: dependants before what they depend on. */
export function deletionOrder(nodes: readonly DependencyNode[]): OrderResult {
  const r = installOrder(nodes);
  return r.ok ? { ok: true, order: [...r.order].reverse() } : r;
}

/** Addons (among `present`) that depend on `name`: its deletion waits for them. */
export function blockingDependants(name: string, nodes: readonly DependencyNode[], present: ReadonlySet<string>): string[] {
  return nodes.filter((n) => n.name !== name && present.has(n.name) && n.dependsOn.includes(name)).map((n) => n.name).sort();
}
