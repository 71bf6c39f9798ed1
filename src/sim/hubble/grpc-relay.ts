// The stand-in relay served over gRPC (@grpc/grpc-js) on 127.0.0.1: observer.Observer/GetFlows
// streams the flows of one cluster, so the dashboard's collector reads it as it would a real relay.
import * as grpc from '@grpc/grpc-js';
import type { Flow } from './flow-model.js';
import { observerPackage } from './observer-proto.js';
import type { StandInRelay } from './stand-in-relay.js';

type Obj = Record<string, any>;

export function flowToMessage(f: Flow): Obj {
  return {
    time: f.time,
    verdict: f.verdict,
    dropReasonDesc: f.dropReasonDesc ?? '',
    source: f.source,
    destination: f.destination,
    l4: f.l4.protocol === 'UDP' ? { UDP: { destinationPort: f.l4.destinationPort } } : { TCP: { destinationPort: f.l4.destinationPort } },
    l7: f.l7 ? { http: f.l7.http } : null,
    destinationService: f.destinationService ?? null,
    isReply: f.isReply,
  };
}

export function messageToFlow(m: Obj): Flow {
  const udp = m.l4?.UDP;
  return {
    time: m.time,
    verdict: m.verdict === 'DROPPED' ? 'DROPPED' : 'FORWARDED',
    ...(m.dropReasonDesc ? { dropReasonDesc: m.dropReasonDesc } : {}),
    source: { namespace: m.source?.namespace ?? '', podName: m.source?.podName ?? '', labels: m.source?.labels ?? [] },
    destination: { namespace: m.destination?.namespace ?? '', podName: m.destination?.podName ?? '', labels: m.destination?.labels ?? [] },
    ...(m.destinationService?.name ? { destinationService: { namespace: m.destinationService.namespace, name: m.destinationService.name } } : {}),
    l4: { protocol: udp ? 'UDP' : 'TCP', destinationPort: (udp ?? m.l4?.TCP)?.destinationPort ?? 0 },
    ...(m.l7?.http?.method ? { l7: { http: { method: m.l7.http.method, url: m.l7.http.url } } } : {}),
    trafficDirection: 'INGRESS',
    isReply: !!m.isReply,
  };
}

/** Serves `cluster`'s flows from the relay; resolves with the address and a stop function. */
export async function serveGrpcRelay(relay: StandInRelay, cluster: string, host = '127.0.0.1'): Promise<{ address: string; stop(): Promise<void> }> {
  const server = new grpc.Server();
  const Observer = observerPackage().Observer as grpc.ServiceClientConstructor;
  server.addService(Observer.service, {
    getFlows(call: grpc.ServerWritableStream<Obj, Obj>) {
      const n = Math.min(Number(call.request.number) || 100, 1000);
      relay.getFlows(cluster, n).then(
        (flows) => {
          for (const f of flows) call.write({ flow: flowToMessage(f), nodeName: `${cluster}/stand-in` });
          call.end();
        },
        (e) => call.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    address: `${host}:${port}`,
    stop: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
}
