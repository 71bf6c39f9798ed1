// metrics.k8s.io from the simulation: what metrics-server would scrape from the kubelets.
// Nodes report their pods' usage plus a fixed system share (kubelet, containerd, OS).
import type { MetricsSource, NodeMetricsSample, PodMetricsSample } from '../object-store.js';
import type { Clock } from '../../../controllers/clock.js';
import type { SimKubelet } from './kubelet.js';
import { formatBytesKi, formatMilliCpu, rfc3339 } from './util.js';

const SYSTEM_CPU_MILLI = 60;
const SYSTEM_MEMORY = 450 * 1024 * 1024;

export class SimMetrics implements MetricsSource {
  constructor(private readonly clock: Clock, private readonly kubelets: () => SimKubelet[]) {}

  nodes(): NodeMetricsSample[] {
    const ts = rfc3339(this.clock.now());
    return this.kubelets()
      .filter((k) => k.running)
      .map((k) => {
        let cpu = SYSTEM_CPU_MILLI;
        let mem = SYSTEM_MEMORY;
        for (const p of k.usage()) for (const c of p.containers) {
          cpu += c.cpuMilli;
          mem += c.memoryBytes;
        }
        return { name: k.name, timestamp: ts, window: '20.05s', usage: { cpu: formatMilliCpu(cpu), memory: formatBytesKi(mem) } };
      });
  }

  pods(namespace?: string): PodMetricsSample[] {
    const ts = rfc3339(this.clock.now());
    const out: PodMetricsSample[] = [];
    for (const k of this.kubelets()) {
      for (const p of k.usage()) {
        if (namespace && p.ns !== namespace) continue;
        out.push({
          namespace: p.ns,
          name: p.name,
          timestamp: ts,
          window: '15.02s',
          containers: p.containers.map((c) => ({ name: c.name, usage: { cpu: formatMilliCpu(c.cpuMilli), memory: formatBytesKi(c.memoryBytes) } })),
        });
      }
    }
    return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }
}
