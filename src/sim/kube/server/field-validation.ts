// Server-side field validation (the fieldValidation query parameter, KEP-2885): unknown fields
// in a request body are an error under Strict and a Warning header under Warn (the default), as
// kube-apiserver does. Built-in kinds are checked against @kubernetes/client-node's model classes
// (the same source as our OpenAPI documents), CRs against their CRD schema.
import * as models from '@kubernetes/client-node';
import type { KubeObject } from '../object-store.js';
import { servedVersion } from '../store/crd.js';
import type { ResourceDef } from '../store/registry.js';

type Obj = Record<string, any>;
interface Attr {
  baseName: string;
  type: string;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function attrs(cls: string): Map<string, string> | undefined {
  const list = (models as Obj)[cls]?.attributeTypeMap as Attr[] | undefined;
  return list ? new Map(list.map((a) => [a.baseName, a.type])) : undefined;
}

function checkType(v: unknown, type: string, path: string, out: string[]): void {
  if (out.length >= 20 || v === null || v === undefined) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (Array.isArray(v)) v.forEach((x, i) => checkType(x, m![1], `${path}[${i}]`, out));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    if (isObj(v)) for (const [k, x] of Object.entries(v)) checkType(x, m[1], `${path}.${k}`, out);
    return;
  }
  const known = attrs(type);
  if (!known || !isObj(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue; // strategic-merge directives
    const t = known.get(k);
    const p = path ? `${path}.${k}` : k;
    if (t === undefined) out.push(p);
    else checkType(x, t, p, out);
  }
}

function checkSchema(v: unknown, schema: Obj | undefined, path: string, out: string[]): void {
  if (!schema || out.length >= 20 || v === null || v === undefined) return;
  if (schema['x-kubernetes-preserve-unknown-fields'] || schema['x-kubernetes-embedded-resource'] || schema['x-kubernetes-int-or-string']) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkSchema(x, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(v)) return;
  if (schema.properties) {
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (!schema.properties[k]) {
        if (!schema.additionalProperties) out.push(p);
        continue;
      }
      checkSchema(x, schema.properties[k], p, out);
    }
  } else if (isObj(schema.additionalProperties)) for (const [k, x] of Object.entries(v)) checkSchema(x, schema.additionalProperties, `${path}.${k}`, out);
}

function builtinClass(d: ResourceDef): string | undefined {
  if (d.kind === 'Event') return d.group === 'events.k8s.io' ? 'EventsV1Event' : 'CoreV1Event';
  const cls = `${d.version[0].toUpperCase()}${d.version.slice(1)}${d.kind}`;
  return attrs(cls) ? cls : undefined;
}

/** Paths of fields the type does not declare (`spec.replica`, `spec.template.spec.containers[0].imagee`). */
export function unknownFields(def: ResourceDef, body: unknown, crd?: KubeObject): string[] {
  const out: string[] = [];
  if (!isObj(body)) return out;
  if (def.crd) {
    const schema = crd ? servedVersion(crd as Obj)?.schema?.openAPIV3Schema : undefined;
    if (!schema) return out;
    const { apiVersion: _a, kind: _k, metadata, ...rest } = body;
    checkSchema(rest, { ...schema, properties: { ...(schema.properties ?? {}) } }, '', out);
    checkType(metadata, 'V1ObjectMeta', 'metadata', out);
    return out;
  }
  const cls = builtinClass(def);
  if (cls) checkType(body, cls, '', out);
  return out;
}

export function strictDecodingMessage(def: ResourceDef, fields: string[]): string {
  return `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`;
}
