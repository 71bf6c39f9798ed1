// The part of Hubble's observer API the dashboard reads, with Hubble's own package names, message
// layout and field numbers, so the same client reads the stand-in relay and a real Hubble Relay.
// Checked against cilium/cilium api/v1/observer/observer.proto (commit 25972d8e) and
// api/v1/flow/flow.proto (commit 04bbfcb5): GetFlowsRequest number=1, follow=3 (2 is reserved);
// GetFlowsResponse flow=1, node_name=1000; Flow time=1 (google.protobuf.Timestamp), verdict=2,
// l4=6, source=8, destination=9, node_name=11, l7=15, destination_service=21,
// traffic_direction=22, drop_reason_desc=25 (enum DropReason, not a string), is_reply=26
// (google.protobuf.BoolValue); Endpoint namespace=3, labels=4, pod_name=5; Layer4 oneof TCP=1,
// UDP=2; TCP/UDP destination_port=2; Layer7 type=1, http=101 (oneof record); HTTP code=1,
// method=2, url=3; Service name=1, namespace=2. Fields we do not use are left out (proto3 skips
// unknown fields); Timestamp and BoolValue are declared locally with the well-known types' wire
// layout (seconds=1, nanos=2; value=1), which is all the wire format sees.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const FLOW_PROTO = `
syntax = "proto3";
package flow;

message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message BoolValue { bool value = 1; }

enum Verdict { VERDICT_UNKNOWN = 0; FORWARDED = 1; DROPPED = 2; ERROR = 3; AUDIT = 4; REDIRECTED = 5; TRACED = 6; TRANSLATED = 7; }
enum TrafficDirection { TRAFFIC_DIRECTION_UNKNOWN = 0; INGRESS = 1; EGRESS = 2; }
enum DropReason { DROP_REASON_UNKNOWN = 0; POLICY_DENIED = 133; POLICY_DENY = 181; }
enum L7FlowType { UNKNOWN_L7_TYPE = 0; REQUEST = 1; RESPONSE = 2; SAMPLE = 3; }

message Endpoint { string namespace = 3; repeated string labels = 4; string pod_name = 5; }
message TCP { uint32 source_port = 1; uint32 destination_port = 2; }
message UDP { uint32 source_port = 1; uint32 destination_port = 2; }
message Layer4 { oneof protocol { TCP TCP = 1; UDP UDP = 2; } }
message HTTP { uint32 code = 1; string method = 2; string url = 3; }
message Layer7 { L7FlowType type = 1; oneof record { HTTP http = 101; } }
message Service { string name = 1; string namespace = 2; }

message Flow {
  Timestamp time = 1;
  Verdict verdict = 2;
  Layer4 l4 = 6;
  Endpoint source = 8;
  Endpoint destination = 9;
  string node_name = 11;
  Layer7 l7 = 15;
  Service destination_service = 21;
  TrafficDirection traffic_direction = 22;
  DropReason drop_reason_desc = 25;
  BoolValue is_reply = 26;
}
`;

export const OBSERVER_PROTO = `
syntax = "proto3";
import "flow.proto";
package observer;

message GetFlowsRequest { uint64 number = 1; bool follow = 3; bool first = 9; }
message GetFlowsResponse { oneof response_types { flow.Flow flow = 1; } string node_name = 1000; }

service Observer { rpc GetFlows(GetFlowsRequest) returns (stream GetFlowsResponse); }
`;

let cached: grpc.GrpcObject | undefined;

/** The loaded `observer` package (the protos are written to a temp dir once: proto-loader reads files). */
export function observerPackage(): grpc.GrpcObject {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'hostplane-proto-'));
  writeFileSync(join(dir, 'flow.proto'), FLOW_PROTO);
  writeFileSync(join(dir, 'observer.proto'), OBSERVER_PROTO);
  const def = protoLoader.loadSync(join(dir, 'observer.proto'), { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [dir] });
  cached = grpc.loadPackageDefinition(def).observer as grpc.GrpcObject;
  return cached;
}
