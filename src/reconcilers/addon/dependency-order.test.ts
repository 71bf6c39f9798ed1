import { describe, expect, it } from 'vitest';
import { blockingDependants, deletionOrder, findCycles, formatCycle, installOrder, missingDependencies, type DependencyNode } from './dependency-order.js';

const n = (name: string, ...dependsOn: string[]): DependencyNode => ({ name, dependsOn });
// the dev lab's add-ons (specs/addons/dev.yaml)
const dev = [
  n('dev-metrics-server'),
  n('dev-istio-base'),
  n('dev-istiod', 'dev-istio-base'),
  n('dev-istio-gateway', 'dev-istiod'),
  n('dev-demo-apps', 'dev-istiod'),
  n('dev-autoscaling', 'dev-demo-apps', 'dev-metrics-server'),
  n('dev-istio-traffic', 'dev-demo-apps'),
  n('dev-network-policies', 'dev-demo-apps'),
];

describe('dependsOn ordering', () => {
  it('installs dependencies first (the dev lab)', () => {
    const r = installOrder(dev);
    if (!r.ok) throw new Error(r.message);
    const at = (x: string) => r.order.indexOf(x);
    for (const node of dev) for (const d of node.dependsOn) expect(at(d), `${d} before ${node.name}`).toBeLessThan(at(node.name));
    expect(r.order).toEqual(['dev-istio-base', 'dev-metrics-server', 'dev-istiod', 'dev-demo-apps', 'dev-istio-gateway', 'dev-autoscaling', 'dev-istio-traffic', 'dev-network-policies']);
  });

  it('deletes in reverse', () => {
    const r = deletionOrder(dev);
    expect(r.ok && r.order[0]).toBe('dev-network-policies');
    expect(r.ok && r.order.at(-1)).toBe('dev-istio-base');
  });

  it.each([
    ['a self-dependency', [n('a', 'a')], ['a → a']],
    ['two nodes', [n('a', 'b'), n('b', 'a')], ['a → b → a']],
    ['three nodes behind a healthy one', [n('x'), n('a', 'x', 'b'), n('b', 'c'), n('c', 'a')], ['a → b → c → a']],
    ['two separate cycles', [n('a', 'b'), n('b', 'a'), n('c', 'd'), n('d', 'c')], ['a → b → a', 'c → d → c']],
    ['no cycle', dev, []],
  ])('finds cycles: %s', (_name, nodes, want) => {
    expect(findCycles(nodes).map(formatCycle)).toEqual(want);
  });

  it('refuses to order a cycle and names it', () => {
    const r = installOrder([n('dev-istiod', 'dev-demo-apps'), n('dev-demo-apps', 'dev-istiod')]);
    expect(r).toMatchObject({ ok: false, message: 'dependsOn has a cycle: dev-demo-apps → dev-istiod → dev-demo-apps' });
  });

  it('reports dependencies on unknown Addons', () => {
    expect(missingDependencies([n('a', 'b', 'zz')])).toEqual([['a', 'b'], ['a', 'zz']]);
  });

  it('an Addon others depend on waits until they are gone', () => {
    expect(blockingDependants('dev-demo-apps', dev, new Set(dev.map((d) => d.name)))).toEqual(['dev-autoscaling', 'dev-istio-traffic', 'dev-network-policies']);
    expect(blockingDependants('dev-demo-apps', dev, new Set(['dev-demo-apps', 'dev-istiod']))).toEqual([]);
  });
});
