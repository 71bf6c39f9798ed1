// One Overview card per cluster from its inventory. Node CPU and memory come from metrics-server
// where the cluster serves it; a node without it falls back to its VM's guest metrics (/proc over
// SSH, collected anyway), so a cluster without metrics-server still shows what its nodes use.
import type { ClusterCard, GuestSample, Inventory } from '../../api/dashboard.js';


export function clusterCard(name: string, inv: Inventory, guestSample: (vm: string) => GuestSample | null | undefined): ClusterCard {
  const usage = inv.nodes.map((n) => {
    if (n.cpuPercent !== null) return { cpu: n.cpuPercent, mem: n.memPercent ?? 0, from: 'metrics-server' as const };
    const g = guestSample(n.name); // kubeadm names each node after its VM
    return g ? { cpu: g.cpuPercent, mem: g.memPercent, from: 'guest' as const } : undefined;
  });
  const known = usage.filter((u) => u !== undefined);
  const avg = (xs: number[]) => (xs.length ? Math.round((10 * xs.reduce((a, b) => a + b, 0)) / xs.length) / 10 : null);
  const sources = new Set(known.map((u) => u.from));
  return {
    name,
    watched: true,
    synced: inv.synced,
    error: inv.error,
    nodes: { ready: inv.nodes.filter((n) => n.ready).length, total: inv.nodes.length },
    pods: { running: inv.pods.running, pending: inv.pods.pending, failed: inv.pods.failed, total: inv.pods.total },
    byNamespace: inv.pods.byNamespace,
    avgCpuPercent: avg(known.map((u) => u.cpu)),
    avgMemPercent: avg(known.map((u) => u.mem)),
    metricsServed: inv.metricsServed,
    hpas: inv.hpas.length,
    ...(sources.size ? { usageSource: sources.size > 1 ? 'mixed' : [...sources][0] } : {}),
  };
}
