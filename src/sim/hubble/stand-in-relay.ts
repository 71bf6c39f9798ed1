// The sim host's stand-in for Hubble Relay: GetFlows returns the flows since the last call,
// generated each round from the cluster's current pods, Services and CiliumNetworkPolicies.
// Served over gRPC by grpc-relay.ts, so the collector reads it as it would a real relay.
import { generateFlows, type Flow, type ModelPod, type ModelService } from './flow-model.js';

export interface RelayClusterView {
  pods: ModelPod[];
  services: ModelService[];
  policies: Array<Record<string, any>>;
}

export class StandInRelay {
  private round = 0;
  constructor(private readonly view: (cluster: string) => Promise<RelayClusterView | undefined>) {}

  /** observer.Observer/GetFlows in spirit: the newest flows (at most `number`). */
  async getFlows(cluster: string, number = 200): Promise<Flow[]> {
    const v = await this.view(cluster);
    if (!v) return [];
    return generateFlows(v, new Date(), this.round++, Math.min(number, 200));
  }
}
