// Traffic flows per cluster, read from a relay (the sim host's stand-in; on a real cluster Hubble
// Relay's observer API) every few seconds into a bounded ring, and summarised for the API:
// totals by verdict and protocol, service-level edges, top connections, recent flows.
import type { Flow, FlowEdge, TrafficView } from '../../api/dashboard.js';
import { Ring } from './ring.js';
import { Periodic } from './periodic.js';

export type { Flow, FlowEdge, TrafficView };

export interface FlowSource {
  getFlows(cluster: string, number?: number): Promise<Flow[]>;
}

const FLOW_CAPACITY = 1000;

/** The app label of a pod endpoint, `world` for outside, else the pod name. */
export function endpointName(e: Flow['source']): string {
  if (!e.namespace) return e.labels.includes('reserved:world') ? 'world' : 'host';
  const app = e.labels.find((l) => l.startsWith('k8s:app=') || l.startsWith('k8s:app.kubernetes.io/name=') || l.startsWith('k8s:k8s-app='));
  return app ? app.slice(app.indexOf('=') + 1) : e.podName;
}

export function summarise(cluster: string, flows: Flow[], recent = 50): Omit<TrafficView, 'updatedAt' | 'error'> {
  const edges = new Map<string, FlowEdge>();
  const byProtocol: Record<string, number> = {};
  let dropped = 0;
  for (const f of flows) {
    const proto = f.l7 ? 'HTTP' : f.l4.protocol === 'UDP' && f.l4.destinationPort === 53 ? 'DNS' : f.l4.protocol;
    byProtocol[proto] = (byProtocol[proto] ?? 0) + 1;
    if (f.verdict === 'DROPPED') dropped++;
    const from = endpointName(f.source);
    const to = f.destinationService?.name ?? endpointName(f.destination);
    const key = `${f.source.namespace}/${from}>${f.destination.namespace}/${to}:${f.l4.destinationPort}`;
    const e = edges.get(key) ?? { from, to, fromNamespace: f.source.namespace, toNamespace: f.destination.namespace, forwarded: 0, dropped: 0, protocol: proto, port: f.l4.destinationPort };
    if (f.verdict === 'DROPPED') e.dropped++;
    else e.forwarded++;
    edges.set(key, e);
  }
  return {
    cluster,
    total: flows.length,
    forwarded: flows.length - dropped,
    dropped,
    byProtocol,
    edges: [...edges.values()].sort((a, b) => b.forwarded + b.dropped - (a.forwarded + a.dropped)).slice(0, 200),
    recent: flows.slice(-recent).reverse(),
  };
}

export class FlowsCollector {
  private rings = new Map<string, { ring: Ring<Flow>; updatedAt: number | null; error: string | null }>();
  private readonly clock: Periodic;
  constructor(private readonly opts: { source: FlowSource; clusters(): string[]; intervalMs?: number }) {
    this.clock = new Periodic(() => this.collect(), opts.intervalMs);
  }

  start(): void {
    this.clock.start();
  }

  stop(): Promise<void> {
    return this.clock.stop();
  }

  tick(): Promise<void> {
    return this.clock.tick();
  }

  private async collect(): Promise<void> {
    const names = this.opts.clusters();
    for (const k of this.rings.keys()) if (!names.includes(k)) this.rings.delete(k);
    await Promise.all(
      names.map(async (c) => {
        const r = this.rings.get(c) ?? { ring: new Ring<Flow>(FLOW_CAPACITY), updatedAt: null, error: null };
        this.rings.set(c, r);
        try {
          for (const f of await this.opts.source.getFlows(c, 200)) r.ring.push(f);
          r.updatedAt = Date.now();
          r.error = null;
        } catch (e) {
          r.error = e instanceof Error ? e.message.slice(0, 300) : String(e);
        }
      }),
    );
  }

  /** Flows of one cluster, optionally only those at or after `since` (ms). */
  flows(cluster: string, since?: number): Flow[] | undefined {
    const r = this.rings.get(cluster);
    if (!r) return undefined;
    const all = r.ring.list();
    return since === undefined ? all : all.filter((f) => Date.parse(f.time) >= since);
  }

  traffic(cluster: string, since?: number): TrafficView | undefined {
    const r = this.rings.get(cluster);
    const flows = this.flows(cluster, since);
    if (!r || !flows) return undefined;
    return { ...summarise(cluster, flows), updatedAt: r.updatedAt, error: r.error };
  }

  clusters(): string[] {
    return [...this.rings.keys()].sort();
  }
}
