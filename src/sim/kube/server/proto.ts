// The protobuf request bodies the real clients send (kube-api.md §1): helm's release Secrets
// (ConfigMaps with HELM_DRIVER=configmap), kubectl 1.35's `create ns`, and DeleteOptions. A
// subset of k8s.io/api's generated.proto, decoded with protobufjs; other kinds get a 415.
import protobuf from 'protobufjs';
import type { DeleteOptions, KubeObject } from '../object-store.js';
import { badRequest, unsupportedMediaType } from '../store/errors.js';

const PROTO = `
syntax = "proto2";
package k8s;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message OwnerReference { optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5; optional bool controller = 6; optional bool blockOwnerDeletion = 7; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7;
  optional Time creationTimestamp = 8; optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message Secret { optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3; map<string, string> stringData = 4; optional bool immutable = 5; }
message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
message NamespaceSpec { repeated string finalizers = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; }
message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions { optional int64 gracePeriodSeconds = 1; optional Preconditions preconditions = 2; optional bool orphanDependents = 3; optional string propagationPolicy = 4; repeated string dryRun = 5; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const T = (n: string) => root.lookupType(`k8s.${n}`);
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

type Obj = Record<string, any>;

const toObj = (type: protobuf.Type, bytes: Uint8Array): Obj => type.toObject(type.decode(bytes), { longs: Number, bytes: Buffer, defaults: false }) as Obj;

/** gogo-proto writes every field: "", 0 and empty times mean unset. */
function meta(m: Obj | undefined): Obj {
  const out: Obj = {};
  if (!m) return out;
  for (const k of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion']) if (m[k]) out[k] = m[k];
  if (m.generation) out.generation = m.generation;
  if (m.labels && Object.keys(m.labels).length) out.labels = m.labels;
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = m.annotations;
  if (m.finalizers?.length) out.finalizers = m.finalizers;
  if (m.ownerReferences?.length) out.ownerReferences = m.ownerReferences;
  return out;
}

const b64map = (m: Obj | undefined) => (m && Object.keys(m).length ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])) : undefined);

function unwrap(body: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body does not start with the "k8s\\x00" envelope');
  const u = toObj(T('Unknown'), body.subarray(4));
  return { apiVersion: u.typeMeta?.apiVersion ?? '', kind: u.typeMeta?.kind ?? '', raw: u.raw ?? Buffer.alloc(0) };
}

/** An object from a `application/vnd.kubernetes.protobuf` create/update body. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  const { apiVersion, kind, raw } = unwrap(body);
  const key = `${apiVersion}/${kind}`;
  if (key === 'v1/Secret') {
    const s = toObj(T('Secret'), raw);
    const o: KubeObject = { apiVersion, kind, metadata: meta(s.metadata) };
    const data = b64map(s.data);
    if (data) o.data = data;
    if (s.stringData && Object.keys(s.stringData).length) o.stringData = s.stringData;
    if (s.type) o.type = s.type;
    if (s.immutable) o.immutable = true;
    return o;
  }
  if (key === 'v1/ConfigMap') {
    const c = toObj(T('ConfigMap'), raw);
    const o: KubeObject = { apiVersion, kind, metadata: meta(c.metadata) };
    if (c.data && Object.keys(c.data).length) o.data = c.data;
    const bin = b64map(c.binaryData);
    if (bin) o.binaryData = bin;
    if (c.immutable) o.immutable = true;
    return o;
  }
  if (key === 'v1/Namespace') {
    const n = toObj(T('Namespace'), raw);
    const o: KubeObject = { apiVersion, kind, metadata: meta(n.metadata) };
    if (n.spec?.finalizers?.length) o.spec = { finalizers: n.spec.finalizers };
    return o;
  }
  throw unsupportedMediaType(
    `the simulated API server decodes protobuf bodies only for v1 Secret, ConfigMap and Namespace (helm release records, kubectl create ns); this request sent a protobuf ${kind || 'object'} (${apiVersion}): send it as JSON (kubectl create … -o yaml --dry-run=client | kubectl apply -f -)`,
  );
}

export function decodeProtobufDeleteOptions(body: Buffer): DeleteOptions {
  if (body.length === 0) return {};
  const { raw } = unwrap(body);
  const d = toObj(T('DeleteOptions'), raw);
  const out: DeleteOptions = {};
  if (d.propagationPolicy) out.propagationPolicy = d.propagationPolicy;
  else if (d.orphanDependents) out.propagationPolicy = 'Orphan';
  if (d.gracePeriodSeconds) out.gracePeriodSeconds = d.gracePeriodSeconds;
  if (d.preconditions?.uid || d.preconditions?.resourceVersion) out.preconditions = { ...(d.preconditions.uid ? { uid: d.preconditions.uid } : {}), ...(d.preconditions.resourceVersion ? { resourceVersion: d.preconditions.resourceVersion } : {}) };
  return out;
}

/** Encoders used by tests (the real clients do the encoding in production). */
export function encodeProtobufSecret(obj: { apiVersion: string; kind: string; metadata: Obj; data?: Record<string, string>; type?: string }): Buffer {
  const secret = T('Secret');
  const raw = secret.encode(
    secret.fromObject({
      metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '', creationTimestamp: {} },
      data: Object.fromEntries(Object.entries(obj.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      type: obj.type ?? '',
    }),
  ).finish();
  const u = T('Unknown');
  return Buffer.concat([MAGIC, Buffer.from(u.encode(u.fromObject({ typeMeta: { apiVersion: obj.apiVersion, kind: obj.kind }, raw, contentEncoding: '', contentType: '' })).finish())]);
}
