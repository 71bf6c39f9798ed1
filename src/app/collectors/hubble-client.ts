// Reads flows from a Hubble relay address through @grpc/grpc-js (observer.Observer/GetFlows): the
// stand-in on the sim host; on a real cluster the relay's NodePort. One client per address.
import * as grpc from '@grpc/grpc-js';
import { observerPackage } from '../../sim/hubble/observer-proto.js';
import { messageToFlow } from '../../sim/hubble/grpc-relay.js';
import type { Flow, FlowSource } from './flows.js';

export class GrpcFlowSource implements FlowSource {
  private clients = new Map<string, grpc.Client>();
  constructor(private readonly addressOf: (cluster: string) => string | undefined, private readonly timeoutMs = 5000) {}

  async getFlows(cluster: string, number = 200): Promise<Flow[]> {
    const address = this.addressOf(cluster);
    if (!address) return [];
    let client = this.clients.get(address);
    if (!client) {
      const Observer = observerPackage().Observer as grpc.ServiceClientConstructor;
      client = new Observer(address, grpc.credentials.createInsecure());
      this.clients.set(address, client);
    }
    const call = (client as unknown as { getFlows(req: object, opts: grpc.CallOptions): grpc.ClientReadableStream<Record<string, any>> }).getFlows({ number }, { deadline: Date.now() + this.timeoutMs });
    const out: Flow[] = [];
    return new Promise<Flow[]>((resolve, reject) => {
      call.on('data', (m) => m.flow && out.length < 1000 && out.push(messageToFlow(m.flow)));
      call.on('end', () => resolve(out));
      call.on('error', (e) => reject(new Error(`hubble relay ${address}: ${e.message}`)));
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
