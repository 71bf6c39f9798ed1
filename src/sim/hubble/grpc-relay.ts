// The stand-in relay served over gRPC (@grpc/grpc-js) on 127.0.0.1: observer.Observer/GetFlows
// streams the flows of one cluster, so the dashboard's collector reads it as it would a real relay.
import * as grpc from '@grpc/grpc-js';
import type { Flow } from './flow-model.js';
import { observerPackage } from './observer-proto.js';
import type { StandInRelay } from './stand-in-relay.js';

type Obj = Record<string, any>;

/** Hubble carries a drop reason as an enum; the model's description says which kind of denial. */
const L7_DENIED = /^L7 policy/;

export function flowToMessage(f: Flow): Obj {
  const ms = Date.parse(f.time);
  const l7Denied = f.verdict === 'DROPPED' && L7_DENIED.test(f.dropReasonDesc ?? '');
  return {
    time: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
    verdict: f.verdict,
    dropReasonDesc: f.verdict === 'DROPPED' ? 'POLICY_DENIED' : 'DROP_REASON_UNKNOWN',
    source: f.source,
    destination: f.destination,
    l4: f.l4.protocol === 'UDP' ? { UDP: { destinationPort: f.l4.destinationPort } } : { TCP: { destinationPort: f.l4.destinationPort } },
    // An L7 denial is answered by Cilium's proxy with 403, which is how a reader tells it apart.
    l7: f.l7 ? { type: 'REQUEST', http: { ...f.l7.http, code: l7Denied ? 403 : 0 } } : null,
    destinationService: f.destinationService ?? null,
    trafficDirection: f.trafficDirection,
    isReply: { value: f.isReply },
  };
}

function timeOf(t: Obj | undefined): string {
  const ms = Number(t?.seconds ?? 0) * 1000 + Math.floor(Number(t?.nanos ?? 0) / 1_000_000);
  return new Date(ms).toISOString();
}

export function messageToFlow(m: Obj): Flow {
  const udp = m.l4?.UDP;
  const http = m.l7?.http;
  const dropped = m.verdict === 'DROPPED';
  const reason = !dropped ? undefined : http?.code === 403 ? `L7 policy denies ${http.method || 'this request'}` : m.dropReasonDesc === 'POLICY_DENIED' || m.dropReasonDesc === 'POLICY_DENY' ? 'Policy denied' : String(m.dropReasonDesc ?? 'unknown');
  return {
    time: timeOf(m.time),
    verdict: dropped ? 'DROPPED' : 'FORWARDED',
    ...(reason ? { dropReasonDesc: reason } : {}),
    source: { namespace: m.source?.namespace ?? '', podName: m.source?.podName ?? '', labels: m.source?.labels ?? [] },
    destination: { namespace: m.destination?.namespace ?? '', podName: m.destination?.podName ?? '', labels: m.destination?.labels ?? [] },
    ...(m.destinationService?.name ? { destinationService: { namespace: m.destinationService.namespace, name: m.destinationService.name } } : {}),
    l4: { protocol: udp ? 'UDP' : 'TCP', destinationPort: (udp ?? m.l4?.TCP)?.destinationPort ?? 0 },
    ...(http?.method ? { l7: { http: { method: http.method, url: http.url } } } : {}),
    trafficDirection: m.trafficDirection === 'EGRESS' ? 'EGRESS' : 'INGRESS',
    isReply: !!m.isReply?.value,
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
