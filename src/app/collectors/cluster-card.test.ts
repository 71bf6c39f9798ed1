import { describe, expect, it } from 'vitest';
import type { GuestSample, Inventory, NodeView } from '../../api/dashboard.js';
import { clusterCard } from './cluster-card.js';

const node = (name: string, cpuPercent: number | null, memPercent: number | null = cpuPercent): NodeView => ({ name, ready: true, roles: [], cpuCores: 2, memoryMiB: 4096, cpuPercent, memPercent });
const inv = (nodes: NodeView[]): Inventory => ({
  cluster: 'c',
  synced: true,
  updatedAt: 1,
  error: null,
  metricsServed: nodes.some((n) => n.cpuPercent !== null),
  nodes,
  namespaces: [],
  pods: { running: 0, pending: 0, failed: 0, total: 0, succeeded: 0, byNamespace: {}, items: [], truncated: false },
  services: [],
  deployments: [],
  hpas: [],
});
const sample = (cpuPercent: number, memPercent: number) => ({ t: 1, cpuPercent, memPercent }) as GuestSample;

describe('clusterCard node averages', () => {
  it.each([
    ['metrics-server for every node', [node('a', 10), node('b', 30)], {}, 20, 20, 'metrics-server'],
    ['no metrics-server: the VMs guest metrics', [node('a', null), node('b', null)], { a: sample(40, 50), b: sample(60, 70) }, 50, 60, 'guest'],
    ['one node from each', [node('a', 10, 20), node('b', null)], { b: sample(30, 40) }, 20, 30, 'mixed'],
    ['nothing known yet: n/a, no source', [node('a', null)], {}, null, null, undefined],
  ] as const)('%s', (_what, nodes, guest, cpu, mem, source) => {
    const card = clusterCard('c', inv([...nodes]), (vm) => (guest as Record<string, GuestSample>)[vm]);
    expect([card.avgCpuPercent, card.avgMemPercent, card.usageSource]).toEqual([cpu, mem, source]);
    expect(card.nodes).toEqual({ ready: nodes.length, total: nodes.length });
  });
});
