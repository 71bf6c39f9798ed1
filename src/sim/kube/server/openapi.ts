// OpenAPI v3 documents per group-version, as kubectl apply/explain and helm install need them
// (kube-api.md §4): PATCH operations with x-kubernetes-group-version-kind and a fieldValidation
// parameter, patch content types (strategic merge only for built-ins), and component schemas.
// Built-in schemas are derived from @kubernetes/client-node's model classes — their
// attributeTypeMap (names, types, formats) and the descriptions and required markers of their
// .d.ts files, both generated from the upstream OpenAPI spec — plus the strategic-merge list
// keys of merge-keys.ts. CRD schemas are their own openAPIV3Schema.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as models from '@kubernetes/client-node';
import { servedVersion } from '../store/crd.js';
import type { ResourceDef, ResourceRegistry } from '../store/registry.js';
import type { KubeObject } from '../object-store.js';

type Obj = Record<string, any>;
interface Attr {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

const MODEL_DIR = join(dirname(fileURLToPath(import.meta.resolve('@kubernetes/client-node'))), 'gen', 'models');

/** Class name of a built-in kind in @kubernetes/client-node. */
function modelFor(d: ResourceDef): string | undefined {
  if (d.kind === 'Event') return d.group === 'events.k8s.io' ? 'EventsV1Event' : 'CoreV1Event';
  const name = `${d.version[0].toUpperCase()}${d.version.slice(1)}${d.kind}`;
  return (models as Obj)[name]?.attributeTypeMap ? name : undefined;
}

/** `V1DeploymentSpec` → `io.k8s.api.v1.DeploymentSpec`; kubectl explain prints the last part. */
function schemaName(cls: string): string {
  const m = /^(Core|Events|Discovery|Storage|Admissionregistration|Authentication|Apiextensions|Apiregistration|Rbac|Flowcontrol)?(V\d+(?:alpha\d+|beta\d+)?)(.*)$/.exec(cls);
  if (!m) return `io.k8s.api.${cls}`;
  return `io.k8s.api.${m[1] ? m[1].toLowerCase() + '.' : ''}${m[2].toLowerCase()}.${m[3]}`;
}

const docCache = new Map<string, { descr: string; props: Map<string, { descr: string; required: boolean }> }>();

function docsOf(cls: string) {
  let d = docCache.get(cls);
  if (d) return d;
  d = { descr: '', props: new Map() };
  try {
    const text = readFileSync(join(MODEL_DIR, `${cls}.d.ts`), 'utf8');
    const cm = /\/\*\*\s*\n\*\s?([\s\S]*?)\*\/\s*\nexport declare class/.exec(text);
    if (cm) d.descr = cm[1].replace(/\n\s*\*\s?/g, '\n').trim();
    const re = /(?:\/\*\*\s*\n\s*\*\s?([\s\S]*?)\*\/\s*\n)?\s*'([^']+)'(\?)?:/g;
    for (let m = re.exec(text); m; m = re.exec(text)) d.props.set(m[2], { descr: (m[1] ?? '').replace(/\n\s*\*\s?/g, '\n').trim(), required: !m[3] });
  } catch {
    /* no .d.ts: schemas without descriptions */
  }
  docCache.set(cls, d);
  return d;
}

interface ListKeys {
  mergeKey: string;
}
function listKeysFor(field: string, itemType: string): ListKeys | undefined {
  if (field === 'ports') return itemType.endsWith('ContainerPort') ? { mergeKey: 'containerPort' } : itemType.endsWith('ServicePort') ? { mergeKey: 'port' } : undefined;
  const table: Record<string, string> = {
    containers: 'name', initContainers: 'name', ephemeralContainers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath',
    volumeDevices: 'devicePath', imagePullSecrets: 'name', hostAliases: 'ip', topologySpreadConstraints: 'topologyKey', conditions: 'type',
    ownerReferences: 'uid', resourceClaims: 'name', schedulingGates: 'name',
  };
  return table[field] ? { mergeKey: table[field] } : undefined;
}

/** Schemas reachable from a class, added to `out`; returns the schema (or a $ref) for a type string. */
function typeSchema(type: string, format: string, out: Obj): Obj {
  if (type === 'string') return { type: 'string', ...(format ? { format } : {}) };
  if (type === 'number') return { type: format === 'double' ? 'number' : 'integer', ...(format ? { format } : {}) };
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'Date') return { type: 'string', format: 'date-time' };
  if (type === 'any' || type === 'object') return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (type === 'IntOrString') return { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  let m = /^Array<(.+)>$/.exec(type);
  if (m) return { type: 'array', items: typeSchema(m[1], '', out) };
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) return { type: 'object', additionalProperties: typeSchema(m[1], '', out) };
  if ((models as Obj)[type]?.attributeTypeMap) {
    addClass(type, out);
    return { $ref: `#/components/schemas/${schemaName(type)}` };
  }
  return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

function addClass(cls: string, out: Obj): void {
  const name = schemaName(cls);
  if (out[name]) return;
  const attrs: Attr[] = (models as Obj)[cls].attributeTypeMap;
  const docs = docsOf(cls);
  const schema: Obj = { type: 'object', description: docs.descr, properties: {} };
  out[name] = schema;
  const required: string[] = [];
  for (const a of attrs) {
    let s = typeSchema(a.type, a.format, out);
    const doc = docs.props.get(a.name);
    if (s.$ref) s = { allOf: [s], default: {} };
    if (doc?.descr) s.description = doc.descr;
    if (doc?.required) required.push(a.baseName);
    const arr = /^Array<(.+)>$/.exec(a.type);
    if (arr) {
      const keys = listKeysFor(a.baseName, arr[1]);
      if (keys) Object.assign(s, { 'x-kubernetes-list-map-keys': [keys.mergeKey], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': keys.mergeKey, 'x-kubernetes-patch-strategy': 'merge' });
      else if (a.baseName === 'finalizers') Object.assign(s, { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
      else s['x-kubernetes-list-type'] = 'atomic';
    }
    schema.properties[a.baseName] = s;
  }
  if (required.length) schema.required = required;
}

const gvk = (d: ResourceDef) => ({ group: d.group, version: d.version, kind: d.kind });

function param(name: string, where: 'query' | 'path', description: string, required = false): Obj {
  return { name, in: where, description, required, schema: { type: 'string', uniqueItems: true } };
}

const FIELD_VALIDATION = param('fieldValidation', 'query', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict (the simulated server does not enforce it).');
const FIELD_MANAGER = param('fieldManager', 'query', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const DRY_RUN = param('dryRun', 'query', 'When present, indicates that modifications should not be persisted. Valid value: All');
const FORCE = { name: 'force', in: 'query', description: 'Force is going to "force" Apply requests.', schema: { type: 'boolean', uniqueItems: true } };

function paths(d: ResourceDef, schemaRef: string): Obj {
  const base = d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`;
  const coll = d.namespaced ? `${base}/namespaces/{namespace}/${d.resource}` : `${base}/${d.resource}`;
  const item = `${coll}/{name}`;
  const body = (types: string[]) => ({ content: Object.fromEntries(types.map((t) => [t, { schema: { $ref: schemaRef } }])), required: true });
  const ok = { responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: schemaRef } } } } } };
  const ext = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk(d) });
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', ...(d.crd ? [] : ['application/strategic-merge-patch+json']), 'application/apply-patch+yaml'];
  const common = [param('name', 'path', `name of the ${d.kind}`, true), ...(d.namespaced ? [param('namespace', 'path', 'object name and auth scope, such as for teams and projects', true)] : [])];
  const out: Obj = {
    [coll]: {
      get: { tags: [d.group || 'core'], operationId: `list${d.kind}`, ...ok, ...ext('list') },
      post: { operationId: `create${d.kind}`, parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: body(['*/*']), ...ok, ...ext('post') },
      delete: { operationId: `deletecollection${d.kind}`, ...ok, ...ext('deletecollection') },
      parameters: d.namespaced ? [param('namespace', 'path', 'object name and auth scope, such as for teams and projects', true)] : [],
    },
    [item]: {
      get: { operationId: `read${d.kind}`, ...ok, ...ext('get') },
      put: { operationId: `replace${d.kind}`, parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: body(['*/*']), ...ok, ...ext('put') },
      patch: { operationId: `patch${d.kind}`, parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], requestBody: { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])), required: true }, ...ok, ...ext('patch') },
      delete: { operationId: `delete${d.kind}`, ...ok, ...ext('delete') },
      parameters: common,
    },
  };
  for (const s of d.subresources.filter((x) => x === 'status' || x === 'scale')) {
    out[`${item}/${s}`] = {
      get: { operationId: `read${d.kind}${s}`, ...ok, ...ext('get') },
      put: { operationId: `replace${d.kind}${s}`, parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: body(['*/*']), ...ok, ...ext('put') },
      patch: { operationId: `patch${d.kind}${s}`, parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], requestBody: { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])), required: true }, ...ok, ...ext('patch') },
      parameters: common,
    };
  }
  return out;
}

function crdSchemaName(d: ResourceDef): string {
  return `${d.group.split('.').reverse().join('.')}.${d.version}.${d.kind}`;
}

/** The OpenAPI v3 document of one group-version (`api/v1`, `apis/apps/v1`). */
export function groupVersionDocument(defs: ResourceDef[], crds: Map<string, KubeObject>, gvPath: string): Obj {
  const schemas: Obj = {};
  let allPaths: Obj = {};
  addClass('V1ObjectMeta', schemas);
  addClass('V1Status', schemas);
  for (const d of defs) {
    let name: string;
    if (d.crd) {
      const crd = crds.get(d.crd) as Obj | undefined;
      const v = crd ? servedVersion(crd) : undefined;
      const s: Obj = structuredClone(v?.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
      s.properties ??= {};
      s.properties.apiVersion ??= { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
      s.properties.kind ??= { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
      s.properties.metadata = { allOf: [{ $ref: `#/components/schemas/${schemaName('V1ObjectMeta')}` }], description: "Standard object's metadata." };
      s['x-kubernetes-group-version-kind'] = [gvk(d)];
      name = crdSchemaName(d);
      schemas[name] = s;
    } else {
      const cls = modelFor(d);
      if (cls) {
        addClass(cls, schemas);
        name = schemaName(cls);
      } else {
        name = `io.k8s.api.${d.version}.${d.kind}`;
        schemas[name] = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      }
      schemas[name] = { ...schemas[name], 'x-kubernetes-group-version-kind': [gvk(d)] };
    }
    allPaths = { ...allPaths, ...paths(d, `#/components/schemas/${name}`) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.31.9' }, paths: allPaths, components: { schemas } };
}

/** Every group-version path the server documents, with its document's hash, cached per registry generation. */
export class OpenApiCache {
  private generation = -1;
  private docs = new Map<string, { body: string; hash: string }>();

  constructor(
    private registry: ResourceRegistry,
    private crds: () => Map<string, KubeObject>,
  ) {}

  private refresh(): void {
    if (this.generation === this.registry.generation) return;
    this.generation = this.registry.generation;
    this.docs.clear();
  }

  gvPaths(): string[] {
    const out: string[] = [];
    for (const [group, versions] of this.registry.groups()) for (const v of versions.keys()) out.push(group ? `apis/${group}/${v}` : `api/${v}`);
    return out;
  }

  document(gvPath: string): { body: string; hash: string } | undefined {
    this.refresh();
    let doc = this.docs.get(gvPath);
    if (doc) return doc;
    const m = /^api\/(v\d\w*)$|^apis\/([^/]+)\/([^/]+)$/.exec(gvPath);
    if (!m) return undefined;
    const group = m[1] ? '' : m[2];
    const version = m[1] ?? m[3];
    const defs = this.registry.groups().get(group)?.get(version);
    if (!defs) return undefined;
    const body = JSON.stringify(groupVersionDocument(defs, this.crds(), gvPath));
    doc = { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 64).toUpperCase() };
    this.docs.set(gvPath, doc);
    return doc;
  }

  root(): Obj {
    const paths: Obj = {};
    for (const p of this.gvPaths()) {
      const d = this.document(p);
      if (d) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
    }
    return { paths };
  }
}
