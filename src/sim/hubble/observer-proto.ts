// A minimal observer API (written from the names of Hubble's public observer.proto / flow.proto:
// service observer.Observer, rpc GetFlows, GetFlowsRequest.number, GetFlowsResponse.flow, Flow with
// time, verdict, drop_reason_desc, source, destination, l4, l7, destination_service). Only the
// fields the dashboard reads; field numbers are ours and not checked against Hubble's, so talking
// to a real relay needs them verified first (see the report).
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const OBSERVER_PROTO = `
syntax = "proto3";
package observer;

enum Verdict { VERDICT_UNKNOWN = 0; FORWARDED = 1; DROPPED = 2; }

message Endpoint { string namespace = 1; string pod_name = 2; repeated string labels = 3; }
message TCP { uint32 destination_port = 1; }
message UDP { uint32 destination_port = 1; }
message Layer4 { oneof protocol { TCP TCP = 1; UDP UDP = 2; } }
message HTTP { string method = 1; string url = 2; }
message Layer7 { HTTP http = 1; }
message Service { string namespace = 1; string name = 2; }

message Flow {
  string time = 1;
  Verdict verdict = 2;
  string drop_reason_desc = 3;
  Endpoint source = 4;
  Endpoint destination = 5;
  Layer4 l4 = 6;
  Layer7 l7 = 7;
  Service destination_service = 8;
  bool is_reply = 9;
}

message GetFlowsRequest { uint64 number = 1; bool follow = 2; }
message GetFlowsResponse { oneof response_types { Flow flow = 1; } string node_name = 1000; }

service Observer { rpc GetFlows(GetFlowsRequest) returns (stream GetFlowsResponse); }
`;

let cached: grpc.GrpcObject | undefined;

/** The loaded `observer` package (the proto is written to a temp file once: proto-loader reads files). */
export function observerPackage(): grpc.GrpcObject {
  if (cached) return cached;
  const file = join(mkdtempSync(join(tmpdir(), 'hostplane-proto-')), 'observer.proto');
  writeFileSync(file, OBSERVER_PROTO);
  const def = protoLoader.loadSync(file, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  cached = grpc.loadPackageDefinition(def).observer as grpc.GrpcObject;
  return cached;
}
