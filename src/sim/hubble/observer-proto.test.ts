// The stand-in's observer API on the wire: bytes laid out by Hubble's field numbers (observer.proto,
// flow.proto) decode to the flow the dashboard shows, and what the stand-in sends decodes back.
import { describe, expect, it } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { observerPackage } from './observer-proto.js';
import { flowToMessage, messageToFlow } from './grpc-relay.js';
import type { Flow } from './flow-model.js';

/** Protobuf wire encoding by hand, so the test does not share the schema under test. */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const num = (field: number, v: number) => [...varint(field * 8), ...varint(v)];
const bytes = (field: number, b: number[]) => [...varint(field * 8 + 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s)]);

const method = () => (observerPackage().Observer as grpc.ServiceClientConstructor).service.GetFlows;

describe('observer API wire format (Hubble field numbers)', () => {
  it('decodes a dropped HTTP flow laid out as Hubble Relay sends it', () => {
    const flow = [
      ...bytes(1, [...num(1, 1_796_000_000), ...num(2, 5_000_000)]), // time: Timestamp{seconds, nanos}
      ...num(2, 2), // verdict DROPPED
      ...bytes(6, bytes(1, num(2, 8080))), // l4.TCP.destination_port
      ...bytes(8, [...str(3, 'demo'), ...str(4, 'k8s:app=nginx-web'), ...str(5, 'nginx-1')]), // source
      ...bytes(9, [...str(3, 'demo'), ...str(5, 'httpbin-1')]), // destination
      ...bytes(15, bytes(101, [...num(1, 403), ...str(2, 'POST'), ...str(3, '/post')])), // l7.http
      ...bytes(21, [...str(1, 'httpbin'), ...str(2, 'demo')]), // destination_service{name, namespace}
      ...num(22, 1), // traffic_direction INGRESS
      ...num(25, 133), // drop_reason_desc POLICY_DENIED
      ...bytes(26, num(1, 1)), // is_reply BoolValue{true}
    ];
    const response = Buffer.from([...bytes(1, flow), ...str(1000, 'dev-worker1')]);
    const m = method().responseDeserialize(response) as Record<string, any>;
    expect(m.nodeName).toBe('dev-worker1');
    const f = messageToFlow(m.flow);
    expect(f).toMatchObject({
      time: new Date(1_796_000_000_005).toISOString(),
      verdict: 'DROPPED',
      dropReasonDesc: 'L7 policy denies POST',
      source: { namespace: 'demo', podName: 'nginx-1', labels: ['k8s:app=nginx-web'] },
      destination: { namespace: 'demo', podName: 'httpbin-1' },
      destinationService: { namespace: 'demo', name: 'httpbin' },
      l4: { protocol: 'TCP', destinationPort: 8080 },
      l7: { http: { method: 'POST', url: '/post' } },
      trafficDirection: 'INGRESS',
      isReply: true,
    });
  });

  it('puts number in field 1 and follow in field 3 of GetFlowsRequest (2 is reserved upstream)', () => {
    const buf = method().requestSerialize({ number: 200, follow: true }) as Buffer;
    expect([...buf]).toEqual([...num(1, 200), ...num(3, 1)]);
  });

  it('round-trips what the stand-in sends: an L3/L4 policy drop and a forwarded UDP flow', () => {
    const flows: Flow[] = [
      { time: '2026-12-06T07:00:00.123Z', verdict: 'DROPPED', dropReasonDesc: 'Policy denied', source: { namespace: 'other', podName: 'a', labels: [] }, destination: { namespace: 'demo', podName: 'b', labels: ['k8s:app=redis'] }, destinationService: { namespace: 'demo', name: 'redis' }, l4: { protocol: 'TCP', destinationPort: 6379 }, trafficDirection: 'INGRESS', isReply: false },
      { time: '2026-12-06T07:00:01.000Z', verdict: 'FORWARDED', source: { namespace: 'demo', podName: 'a', labels: [] }, destination: { namespace: 'kube-system', podName: 'dns', labels: [] }, l4: { protocol: 'UDP', destinationPort: 53 }, trafficDirection: 'INGRESS', isReply: false },
    ];
    for (const f of flows) {
      const wire = method().responseSerialize({ flow: flowToMessage(f) }) as Buffer;
      expect(messageToFlow((method().responseDeserialize(wire) as Record<string, any>).flow)).toEqual(f);
    }
  });
});
