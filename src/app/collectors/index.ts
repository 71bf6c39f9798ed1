// The dashboard's collectors, built once by the composition root: guest metrics for running VMs,
// inventory for Ready clusters, flows from a relay. `data` is what the API's domain routes serve.
import * as k8s from '@kubernetes/client-node';
import type { HostObject } from '../../api/types.js';
import type { ObjectStore } from '../../controllers/store.js';
import type { GuestExec, GuestTarget } from '../../ports/guest-exec.js';
import type { Secrets } from '../../ports/secrets.js';
import type { DomainData } from '../../server/domain/routes.js';
import { StandInRelay } from '../../sim/hubble/stand-in-relay.js';
import { serveGrpcRelay } from '../../sim/hubble/grpc-relay.js';
import { GrpcFlowSource } from './hubble-client.js';
import { ClusterInventoryCollector, serviceUrls, usableKubeconfig } from './cluster-inventory.js';
import { FlowsCollector, summarise, type FlowSource } from './flows.js';
import { GuestMetricsCollector } from './guest-metrics.js';
import { clusterCard } from './cluster-card.js';

type Obj = Record<string, any>;

export interface DashboardCollectorsOptions {
  store: ObjectStore;
  guest: GuestExec;
  secrets: Secrets;
  /** Where flows come from; default: a stand-in relay per cluster, served over gRPC on 127.0.0.1 (sim host). */
  flowSource?: FlowSource;
  /** A real cluster's Hubble Relay address (its NodePort), read over gRPC instead of the stand-in. */
  relayAddress?: (cluster: string) => string | undefined;
  intervalMs?: number;
}

/** A running VM's SSH target from its spec and status; undefined when not running or a secret is missing. */
export function vmTarget(vm: HostObject, secrets: Secrets): GuestTarget | undefined {
  const st = (vm.status ?? {}) as Obj;
  const spec = (vm.spec ?? {}) as Obj;
  if (st.phase !== 'Running' || typeof st.ip !== 'string') return undefined;
  const ssh = spec.ssh ?? {};
  try {
    const auth = ssh.keySecret ? { privateKey: secrets.get(ssh.keySecret) } : { password: secrets.get(ssh.passwordSecret ?? 'tart-default') };
    return { vmKey: `VirtualMachine/${vm.metadata.name}`, incarnation: String(st.incarnation ?? 'unknown'), host: st.ip, port: ssh.port ?? 22, user: ssh.user ?? 'admin', auth };
  } catch {
    return undefined;
  }
}

export interface DashboardCollectors {
  data: DomainData;
  guest: GuestMetricsCollector;
  inventory: ClusterInventoryCollector;
  flows: FlowsCollector;
  start(): void;
  stop(): Promise<void>;
}

export function createDashboardCollectors(opts: DashboardCollectorsOptions): DashboardCollectors {
  const { store } = opts;
  const guest = new GuestMetricsCollector({
    guest: opts.guest,
    intervalMs: opts.intervalMs,
    targets: () => store.list('VirtualMachine').flatMap((vm) => {
      const target = vmTarget(vm, opts.secrets);
      return target ? [{ vm, target }] : [];
    }),
  });
  const inventory = new ClusterInventoryCollector({ clusters: () => store.list('Cluster'), intervalMs: opts.intervalMs });
  const policyCache = new Map<string, { at: number; items: Obj[] }>();
  const policiesOf = async (cluster: string): Promise<Obj[]> => {
    const hit = policyCache.get(cluster);
    if (hit && Date.now() - hit.at < 10_000) return hit.items;
    const obj = store.list('Cluster').find((c) => c.metadata.name === cluster);
    const path = obj && usableKubeconfig(obj);
    let items: Obj[] = [];
    if (path) {
      try {
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(path);
        const res = (await kc.makeApiClient(k8s.CustomObjectsApi).listClusterCustomObject({ group: 'cilium.io', version: 'v2', plural: 'ciliumnetworkpolicies' })) as Obj;
        items = res.items ?? [];
      } catch {
        items = []; // Cilium's CRD not installed: no policies apply
      }
    }
    policyCache.set(cluster, { at: Date.now(), items });
    return items;
  };
  const standIn = new StandInRelay(async (cluster) => {
    const inv = inventory.inventory(cluster);
    if (!inv) return undefined;
    return { pods: inv.pods.items, services: inv.services, policies: await policiesOf(cluster) };
  });
  // Stand-in relays are started on first use, one per cluster, and read like a real relay: over gRPC.
  const relays = new Map<string, Promise<{ address: string; stop(): Promise<void> }>>();
  const addresses = new Map<string, string>();
  const grpcSource = new GrpcFlowSource((c) => opts.relayAddress?.(c) ?? addresses.get(c));
  const relay: FlowSource = opts.flowSource ?? {
    async getFlows(cluster, number) {
      if (!opts.relayAddress?.(cluster)) {
        let r = relays.get(cluster);
        if (!r) relays.set(cluster, (r = serveGrpcRelay(standIn, cluster)));
        addresses.set(cluster, (await r).address);
      }
      return grpcSource.getFlows(cluster, number);
    },
  };
  const flows = new FlowsCollector({ source: relay, clusters: () => inventory.clusters(), intervalMs: opts.intervalMs });

  const data: DomainData = {
    vmMetrics: (vm, limit) => guest.get(vm, limit),
    inventory: (c) => inventory.inventory(c),
    urls: (c) => {
      const inv = inventory.inventory(c);
      return inv && serviceUrls(inv);
    },
    scaling: (c, limit) => {
      const inv = inventory.inventory(c);
      const history = inventory.hpaHistory(c, limit);
      return inv && history && { cluster: c, hpas: inv.hpas, history };
    },
    traffic: (c, since) => flows.traffic(c, since),
    trafficAll: () =>
      inventory.clusters().map((c) => {
        const t = flows.traffic(c);
        return t ? { cluster: c, total: t.total, forwarded: t.forwarded, dropped: t.dropped, byProtocol: t.byProtocol, updatedAt: t.updatedAt } : { ...summarise(c, []), recent: undefined, edges: undefined, updatedAt: null };
      }),
    summary: () => {
      const clusters = store.list('Cluster').map((c) => {
        const inv = inventory.inventory(c.metadata.name);
        if (!inv) return { name: c.metadata.name, watched: false };
        return clusterCard(c.metadata.name, inv, (vm) => guest.get(vm, 1)?.samples.at(-1));
      });
      const vms = guest.names().map((n) => {
        const m = guest.get(n, 1)!;
        return { name: n, updatedAt: m.updatedAt, error: m.error, sample: m.samples[0] ?? null };
      });
      return { clusters, vms };
    },
  };

  return {
    data,
    guest,
    inventory,
    flows,
    start() {
      guest.start();
      inventory.start();
      flows.start();
    },
    async stop() {
      // Not awaited: a round stuck on a slow guest or relay must not hold up Ctrl-C; its results are dropped.
      void guest.stop();
      void flows.stop();
      grpcSource.close();
      await Promise.all([...relays.values()].map((r) => r.then((x) => x.stop(), () => undefined)));
      await inventory.stop();
    },
  };
}
