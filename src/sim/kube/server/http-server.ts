// The simulated Kubernetes API server over HTTPS: what the real kubectl, helm and client-node send
// (recorded in shared/reference/kube-api.md) answered from a MemoryStore. JSON responses; the
// protobuf bodies helm and kubectl 1.35 send are decoded (proto.ts); watches are chunked JSON.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import YAML from 'yaml';
import type { DeleteOptions, KubeObject, MetricsSource, PatchType, PodLogSource, ResourceRef, WatchEvent } from '../object-store.js';
import { badRequest, isStatusError, KubeStatusError, methodNotAllowed, notFound, unsupportedMediaType } from '../store/errors.js';
import type { MemoryStore } from '../store/memory-store.js';
import { apiVersionOf, type ResourceDef } from '../store/registry.js';
import { aggregatedDiscovery, AUTHORIZATION_GROUP, apiGroup, apiGroupList, apiResourceList, etagOf, METRICS_GROUP, type ExtraGroup } from './discovery.js';
import { OpenApiCache } from './openapi.js';
import type { ClusterPki } from './pki.js';
import { userFromCert } from './pki.js';
import { decodeProtobufDeleteOptions, decodeProtobufObject } from './proto.js';
import { toTable } from './tables.js';
import { strictDecodingMessage, unknownFields } from './field-validation.js';

type Obj = Record<string, any>;

export interface KubeApiServerOptions {
  store: MemoryStore;
  pki: ClusterPki;
  /** Bearer token the kubeconfig carries. */
  token: string;
  logs?: PodLogSource;
  metrics?: MetricsSource;
  /** Request bodies above this are refused with 413 while reading (kube-apiserver: 3 MiB). */
  maxBodyBytes?: number;
  /** A watcher whose unsent output exceeds this is cut off (the real server drops slow watchers). */
  maxWatchBufferBytes?: number;
  /** How often watches that allow bookmarks get one. */
  bookmarkIntervalMs?: number;
  /** Watch length when the client gives no timeoutSeconds. */
  defaultWatchSeconds?: number;
  /** One line per request (method, path, status, ms, user agent); no bodies. */
  log?: (line: string) => void;
}

export const VERSION_INFO = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.9',
  gitCommit: '8f38003c8fb6a5a1e5bd8e4d0d0c5e2bcb8d7d0e',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const AGG_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const TABLE_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

interface Route {
  def: ResourceDef;
  ref: ResourceRef;
  namespace?: string;
  name?: string;
  sub?: string;
}

function status(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, details, code };
}

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw badRequest(`malformed percent-encoding in the path segment ${JSON.stringify(seg)}`);
  }
}

export class KubeApiServer {
  private server?: Server;
  private openapi: OpenApiCache;
  private active = new Set<() => void>();
  logs?: PodLogSource;
  metrics?: MetricsSource;
  private readonly maxBody: number;
  private readonly maxWatchBuf: number;
  private readonly bookmarkMs: number;
  private readonly watchSeconds: number;

  constructor(private opts: KubeApiServerOptions) {
    this.logs = opts.logs;
    this.metrics = opts.metrics;
    this.maxBody = opts.maxBodyBytes ?? 3 * 1024 * 1024;
    this.maxWatchBuf = opts.maxWatchBufferBytes ?? 8 * 1024 * 1024;
    this.bookmarkMs = opts.bookmarkIntervalMs ?? 15_000;
    this.watchSeconds = opts.defaultWatchSeconds ?? 1800;
    this.openapi = new OpenApiCache(opts.store.registry, () => {
      const m = new Map<string, KubeObject>();
      for (const c of opts.store.list({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' }).items) m.set(c.metadata.name!, c);
      return m;
    });
  }

  get store(): MemoryStore {
    return this.opts.store;
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number; url: string }> {
    const { pki } = this.opts;
    const server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem, ca: [pki.ca.certPem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const realPort = typeof addr === 'object' && addr ? addr.port : port;
    return { host, port: realPort, url: `https://${host.includes(':') ? `[${host}]` : host}:${realPort}` };
  }

  async close(): Promise<void> {
    for (const stop of [...this.active]) stop();
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------------------------

  private authenticated(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const a = Buffer.from(auth.slice(7).trim());
      const b = Buffer.from(this.opts.token);
      if (a.length === b.length && timingSafeEqual(a, b)) return true;
    }
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      const cert = sock.getPeerCertificate();
      if (userFromCert(cert?.subject as unknown as Record<string, string>)) return true;
    }
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'https://sim');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    res.on('finish', () => this.opts.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms ${req.headers['content-type'] ? `[${req.headers['content-type']}] ` : ''}${req.headers['user-agent'] ?? ''}`));
    try {
      if (!PUBLIC_PATHS.has(path) && !this.authenticated(req)) throw new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
      await this.route(req, res, url, path);
    } catch (e) {
      this.sendError(res, e);
    }
  }

  private sendError(res: ServerResponse, e: unknown): void {
    const body = isStatusError(e) ? e.toStatus() : status(500, 'InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    this.json(res, (body as Obj).code, body, e instanceof KubeStatusError && e.code === 413 ? { Connection: 'close' } : {});
  }

  private json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
    res.end(text);
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const max = this.maxBody;
    const tooLarge = () => new KubeStatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${max} bytes`);
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > max) {
        req.resume();
        reject(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        n += c.length;
        if (n > max) {
          failed = true;
          chunks.length = 0;
          reject(tooLarge());
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => failed || resolve(Buffer.concat(chunks)));
      req.on('error', (e) => failed || reject(e));
    });
  }

  private async bodyObject(req: IncomingMessage): Promise<unknown> {
    const buf = await this.readBody(req);
    const ct = String(req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (ct === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(buf);
    if (ct.includes('cbor')) throw unsupportedMediaType(`the simulated API server does not decode ${ct} bodies: send JSON`);
    const text = buf.toString('utf8');
    if (!text.trim()) throw badRequest('the request body is empty');
    try {
      return ct.includes('yaml') ? YAML.parse(text) : JSON.parse(text);
    } catch (e) {
      throw badRequest(`the request body is not valid ${ct.includes('yaml') ? 'YAML' : 'JSON'}: ${e instanceof Error ? e.message : e}`);
    }
  }

  // -------------------------------------------------------------------------------------------

  private extras(): ExtraGroup[] {
    const out = [AUTHORIZATION_GROUP];
    if (this.metrics && this.store.apiServiceAvailable('metrics.k8s.io', 'v1beta1')) out.push(METRICS_GROUP);
    return out;
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const accept = String(req.headers.accept ?? '');
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(url.searchParams.has('verbose') ? `[+]ping ok\n[+]etcd ok\n${path.slice(1)} check passed\n` : 'ok');
      return;
    }
    if (path === '/version') return this.json(res, 200, VERSION_INFO);
    if (path === '/api' || path === '/apis') {
      const core = path === '/api';
      if (accept.includes('as=APIGroupDiscoveryList')) {
        const body = JSON.stringify(aggregatedDiscovery(this.store.registry, core, this.extras()));
        const etag = etagOf(body);
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { ETag: etag, 'Content-Type': AGG_TYPE });
          res.end();
          return;
        }
        res.writeHead(200, { 'Content-Type': AGG_TYPE, ETag: etag, 'Content-Length': Buffer.byteLength(body), Vary: 'Accept' });
        res.end(body);
        return;
      }
      if (core) return this.json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }] });
      return this.json(res, 200, apiGroupList(this.store.registry, this.extras()));
    }
    if (path === '/openapi/v2') throw new KubeStatusError(404, 'NotFound', 'the simulated API server serves OpenAPI v3 only (/openapi/v3)');
    if (path === '/openapi/v3') return this.json(res, 200, this.openapi.root());
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.openapi.document(path.slice('/openapi/v3/'.length));
      if (!doc) throw notFound('openapi', '', path);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc.body), ETag: `"${doc.hash}"`, 'Cache-Control': url.searchParams.get('hash') === doc.hash ? 'public, immutable' : 'no-cache, private' });
      res.end(doc.body);
      return;
    }
    // Segments are decoded after splitting (as kube-apiserver does): client-node sends `system%3Aname`,
    // kubectl sends `system:name`; an encoded '/' stays inside its segment.
    const segs = path.split('/').filter(Boolean).map(decodeSegment);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) [group, version, rest] = ['', segs[1], segs.slice(2)];
    else if (segs[0] === 'apis' && segs.length >= 2) {
      if (segs.length === 2) {
        const g = this.store.registry.groups().get(segs[1]);
        const extra = this.extras().find((x) => x.group === segs[1]);
        if (!g && !extra) throw notFound('groups', '', segs[1]);
        return this.json(res, 200, apiGroup(segs[1], g ? [...g.keys()] : [extra!.version]));
      }
      [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
    } else throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');

    const extra = this.extras().find((x) => x.group === group && x.version === version);
    if (group === 'metrics.k8s.io' && !extra) {
      const exists = this.store.get({ group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' }, undefined, 'v1beta1.metrics.k8s.io');
      if (exists) throw new KubeStatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request (the metrics APIService is not Available yet)');
      throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (rest.length === 0) {
      const defs = this.store.registry.groups().get(group)?.get(version);
      if (!defs && !extra) throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
      return this.json(res, 200, apiResourceList(defs ?? [], group, version, extra));
    }
    if (group === 'metrics.k8s.io') return this.serveMetrics(res, rest);
    if (group === 'authorization.k8s.io' && method === 'POST') {
      const body = (await this.bodyObject(req)) as Obj;
      if (rest[0] === 'selfsubjectaccessreviews') return this.json(res, 201, { ...body, status: { allowed: true, reason: 'the simulated API server stores RBAC but does not enforce it' } });
      if (rest[0] === 'selfsubjectrulesreviews') return this.json(res, 201, { ...body, status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false } });
    }

    const r = this.resolve(group, version, rest);
    await this.serveResource(req, res, url, method, accept, r);
  }

  private resolve(group: string, version: string, rest: string[]): Route {
    const reg = this.store.registry;
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let sub: string | undefined;
    // /namespaces/<ns>/<resource>/… unless it is a Namespace's own subresource (/namespaces/<name>/status|finalize).
    const namespacedForm = rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && (rest[2] === 'status' || rest[2] === 'finalize'));
    if (namespacedForm) [namespace, resource, name, sub] = [rest[1], rest[2], rest[3], rest[4]];
    else [resource, name, sub] = [rest[0], rest[1], rest[2]];
    if (rest.length > (namespace !== undefined ? 5 : 3)) throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
    const def = reg.find({ group, version, resource });
    if (def && namespace !== undefined && !def.namespaced) throw new KubeStatusError(404, 'NotFound', `the server could not find the requested resource: ${resource} are cluster-scoped`);
    if (!def) throw new KubeStatusError(404, 'NotFound', `the server could not find the requested resource (${group ? resource + '.' + group : resource})`, { group, kind: resource });
    if (sub && !def.subresources.includes(sub)) throw new KubeStatusError(404, 'NotFound', `the server could not find the requested resource (${resource}/${sub})`);
    if (def.namespaced && name !== undefined && namespace === undefined) throw new KubeStatusError(404, 'NotFound', `the server could not find the requested resource: ${resource} are namespaced; the path needs /namespaces/<ns>/`);
    return { def, ref: { group, version, resource }, namespace, name, sub };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, method: string, accept: string, r: Route): Promise<void> {
    const q = url.searchParams;
    const store = this.store;
    const dryRun = q.getAll('dryRun').includes('All');
    const fieldManager = q.get('fieldManager') ?? String(req.headers['user-agent'] ?? 'unknown').split('/')[0];
    const { def, ref, namespace, name, sub } = r;
    const wantsTable = accept.includes('as=Table');
    const wantsPartial = accept.includes('as=PartialObjectMetadata');

    if (sub === 'exec' || sub === 'attach' || sub === 'portforward' || sub === 'proxy' || sub === 'ephemeralcontainers') {
      throw new KubeStatusError(400, 'BadRequest', `${sub} is not supported by the simulated API server: its containers are simulated and have no processes to ${sub === 'portforward' ? 'forward ports to' : 'run commands in'} (kubectl exec, attach, port-forward and cp do not work against a simulated cluster)`);
    }

    if (method === 'GET') {
      if (name === undefined) {
        if (q.get('watch') === 'true' || q.get('watch') === '1') return this.serveWatch(req, res, q, r, wantsTable);
        const list = store.list(ref, { namespace, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined, limit: q.has('limit') ? Number(q.get('limit')) : undefined, continue: q.get('continue') ?? undefined });
        if (wantsTable) return this.json(res, 200, toTable(def, list.items, { now: store.clock.now(), resourceVersion: list.resourceVersion, continue: list.continue, crd: this.crdOf(def), includeObject: (q.get('includeObject') as 'Object') ?? 'Metadata' }), {}, TABLE_TYPE);
        if (wantsPartial) return this.json(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}) }, items: list.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })) }, {}, 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io');
        return this.json(res, 200, { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}) }, items: list.items });
      }
      if (sub === 'log') return this.serveLog(req, res, q, namespace!, name);
      if (sub === 'scale') return this.json(res, 200, store.getScale(ref, namespace, name));
      const obj = store.mustGet(ref, namespace, name);
      if (wantsTable) return this.json(res, 200, toTable(def, [obj], { now: store.clock.now(), resourceVersion: obj.metadata.resourceVersion!, crd: this.crdOf(def) }), {}, TABLE_TYPE);
      if (wantsPartial) return this.json(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata }, {}, 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io');
      return this.json(res, 200, obj);
    }

    if (method === 'POST') {
      if (name !== undefined) {
        if (def.resource === 'pods' && sub === 'eviction') {
          await this.bodyObject(req);
          // Evictions honour PodDisruptionBudgets: 429 while a matching budget allows no disruption.
          const pod = store.mustGet(ref, namespace, name);
          const labels = (pod.metadata.labels ?? {}) as Record<string, string>;
          const pdbs = store.list({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' }, { namespace }).items;
          const blocking = pdbs.find((b) => {
            const sel = ((b.spec as Obj | undefined)?.selector?.matchLabels ?? {}) as Record<string, string>;
            return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v) && ((b.status as Obj | undefined)?.disruptionsAllowed ?? 0) < 1;
          });
          if (blocking) return this.json(res, 429, status(429, 'TooManyRequests', `Cannot evict pod as it would violate the pod's disruption budget.`, { causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${blocking.metadata.name} needs ${(blocking.spec as Obj).minAvailable ?? 0} healthy pods and has ${(blocking.status as Obj | undefined)?.currentHealthy ?? 0} currently` }] }));
          store.delete(ref, namespace, name, {});
          return this.json(res, 201, status(201, '', '', { name, kind: 'pods' }));
        }
        if (def.resource === 'pods' && sub === 'binding') {
          const b = (await this.bodyObject(req)) as Obj;
          if (!b?.target?.name) throw badRequest('a Binding needs target.name (the node)');
          store.bind(namespace!, name, String(b.target.name));
          return this.json(res, 201, status(201, '', ''));
        }
        throw methodNotAllowed(`POST is not supported on ${def.resource}/${name}${sub ? '/' + sub : ''}`);
      }
      const body = (await this.bodyObject(req)) as KubeObject;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be one object');
      body.metadata ??= {};
      if (def.namespaced) {
        if (body.metadata.namespace && body.metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        if (namespace === undefined) throw new KubeStatusError(404, 'NotFound', `the server could not find the requested resource: create ${def.resource} under /namespaces/<ns>/`);
        body.metadata.namespace = namespace;
      }
      if (body.kind && body.kind !== def.kind) throw badRequest(`the ${def.resource} endpoint creates ${def.kind} objects; the body is a ${body.kind}`);
      this.validateFields(res, q, def, body);
      const created = store.create(ref, body, { fieldManager, dryRun });
      return this.json(res, 201, created);
    }

    if (name === undefined) {
      if (method === 'DELETE') {
        const opts = await this.deleteOptions(req, q);
        const gone = store.deleteCollection(ref, { namespace, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined, ...opts });
        return this.json(res, 200, { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: store.currentResourceVersion() }, items: gone });
      }
      throw methodNotAllowed(`${method} is not supported on a collection`);
    }

    if (method === 'PUT') {
      const body = (await this.bodyObject(req)) as KubeObject;
      if (!body || typeof body !== 'object') throw badRequest('the request body must be one object');
      body.metadata ??= {};
      if (body.metadata.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      body.metadata.name = name;
      if (def.namespaced) body.metadata.namespace = namespace;
      if (sub === 'finalize') {
        const cur = store.mustGet(ref, namespace, name);
        const out = store.update(ref, { ...cur, spec: { ...(cur.spec as Obj), finalizers: (body.spec as Obj | undefined)?.finalizers ?? [] } }, { fieldManager, dryRun });
        return this.json(res, 200, out);
      }
      if (sub !== 'scale') this.validateFields(res, q, def, body);
      const out = store.update(ref, body, { fieldManager, dryRun, subresource: sub as 'status' | 'scale' | undefined });
      return this.json(res, 200, out);
    }

    if (method === 'PATCH') {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim();
      const types: Record<string, PatchType> = {
        'application/json-patch+json': 'json',
        'application/merge-patch+json': 'merge',
        'application/strategic-merge-patch+json': 'strategic',
        'application/apply-patch+yaml': 'apply',
      };
      const type = types[ct];
      if (!type) throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${def.crd ? '' : ', application/strategic-merge-patch+json'}`);
      const body = await this.bodyObject(req);
      if (type !== 'json' && sub !== 'scale') this.validateFields(res, q, def, body);
      const existed = type === 'apply' ? store.get(ref, namespace, name) !== undefined : true;
      const force = q.get('force') === 'true';
      const out = store.patch(ref, namespace, name, type, body, { fieldManager: q.get('fieldManager') ?? (type === 'apply' ? undefined : fieldManager), force, dryRun, subresource: sub as 'status' | 'scale' | undefined });
      return this.json(res, existed ? 200 : 201, out);
    }

    if (method === 'DELETE') {
      const opts = await this.deleteOptions(req, q);
      const cur = store.mustGet(ref, namespace, name);
      const after = dryRun ? cur : store.delete(ref, namespace, name, opts);
      if (after) return this.json(res, 200, after);
      return this.json(res, 200, status(200, '', '', { name, group: def.group, kind: def.resource, uid: cur.metadata.uid }));
    }
    throw methodNotAllowed(`${method} is not supported`);
  }

  /** fieldValidation: Strict → 400 for unknown fields; Warn (default) → Warning headers; Ignore → nothing. */
  private validateFields(res: ServerResponse, q: URLSearchParams, def: ResourceDef, body: unknown): void {
    const mode = q.get('fieldValidation') ?? 'Warn';
    if (mode === 'Ignore') return;
    const unknown = unknownFields(def, body, this.crdOf(def));
    if (!unknown.length) return;
    if (mode === 'Strict') throw badRequest(strictDecodingMessage(def, unknown));
    res.setHeader('Warning', unknown.map((f) => `299 - "unknown field \\"${f}\\""`));
  }

  private async deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
    const opts: DeleteOptions = {};
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      const buf = await this.readBody(req);
      const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim();
      if (buf.length) {
        if (ct === 'application/vnd.kubernetes.protobuf') Object.assign(opts, decodeProtobufDeleteOptions(buf));
        else {
          let b: Obj;
          try {
            b = JSON.parse(buf.toString('utf8'));
          } catch {
            throw badRequest('the DeleteOptions body is not valid JSON');
          }
          if (b.propagationPolicy) opts.propagationPolicy = b.propagationPolicy;
          else if (b.orphanDependents === true) opts.propagationPolicy = 'Orphan';
          if (b.preconditions) opts.preconditions = b.preconditions;
          if (typeof b.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = b.gracePeriodSeconds;
        }
      }
    }
    const p = q.get('propagationPolicy');
    if (p === 'Foreground' || p === 'Background' || p === 'Orphan') opts.propagationPolicy = p;
    if (q.get('orphanDependents') === 'true') opts.propagationPolicy = 'Orphan';
    return opts;
  }

  private crdOf(def: ResourceDef): KubeObject | undefined {
    return def.crd ? this.store.get({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' }, undefined, def.crd) : undefined;
  }

  private serveWatch(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: Route, table: boolean): void {
    const { def, ref, namespace } = r;
    const store = this.store;
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const initial = q.get('sendInitialEvents') === 'true';
    const timeoutS = q.has('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : this.watchSeconds;
    let rv = q.get('resourceVersion') ?? undefined;
    if (initial) rv = undefined;
    res.writeHead(200, { 'Content-Type': table ? TABLE_TYPE : 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let closed = false;
    let first = true;
    const timers: ReturnType<typeof setTimeout>[] = [];
    let stopWatch: (() => void) | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      stopWatch?.();
      for (const t of timers) clearTimeout(t);
      this.active.delete(stop);
      res.end();
    };
    this.active.add(stop);
    const write = (ev: { type: string; object: unknown }) => {
      if (closed) return;
      let object = ev.object as KubeObject;
      if (table && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
        object = toTable(def, [object], { now: store.clock.now(), resourceVersion: object.metadata.resourceVersion!, crd: this.crdOf(def), includeColumns: first }) as unknown as KubeObject;
        first = false;
      }
      res.write(JSON.stringify({ type: ev.type, object }) + '\n');
      // A watcher that does not read is cut off, as kube-apiserver drops slow watchers.
      if (res.writableLength > this.maxWatchBuf) {
        this.opts.log?.(`watch ${def.resource}: client too slow (${res.writableLength} bytes unsent), closing`);
        closed = true;
        stopWatch?.();
        for (const t of timers) clearTimeout(t);
        this.active.delete(stop);
        res.destroy();
      }
    };
    req.on('close', stop);
    res.on('close', stop);
    const bookmark = (extra?: Obj) => write({ type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: store.currentResourceVersion(), ...(extra ?? {}) } } });
    try {
      stopWatch = store.watch(ref, { namespace, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined, resourceVersion: rv, allowWatchBookmarks: bookmarks }, (e: WatchEvent) => write(e));
    } catch (e) {
      const s = isStatusError(e) ? e.toStatus() : status(500, 'InternalError', String(e));
      write({ type: 'ERROR', object: s });
      stop();
      return;
    }
    this.opts.log?.(`GET ${req.url} 200 watch started ${req.headers['user-agent'] ?? ''}`);
    if (initial) bookmark({ annotations: { 'k8s.io/initial-events-end': 'true' } });
    if (timeoutS > 0) timers.push(setTimeout(stop, timeoutS * 1000));
    if (bookmarks) {
      const tick = () => {
        bookmark();
        timers.push(setTimeout(tick, this.bookmarkMs));
      };
      timers.push(setTimeout(tick, this.bookmarkMs));
    }
  }

  private serveLog(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, namespace: string, name: string): void {
    const pod = this.store.mustGet({ group: '', version: 'v1', resource: 'pods' }, namespace, name) as Obj;
    const containers: string[] = (pod.spec?.containers ?? []).map((c: Obj) => c.name);
    let container = q.get('container') ?? undefined;
    if (!container) {
      if (containers.length > 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
      container = containers[0];
    } else if (!containers.includes(container) && !(pod.spec?.initContainers ?? []).some((c: Obj) => c.name === container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const follow = q.get('follow') === 'true';
    const tail = q.has('tailLines') ? Number(q.get('tailLines')) : undefined;
    const src = this.logs;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    if (!src) {
      res.end();
      return;
    }
    const out = src.read(namespace, name, { container, tailLines: tail, sinceSeconds: q.has('sinceSeconds') ? Number(q.get('sinceSeconds')) : undefined, timestamps: q.get('timestamps') === 'true', previous: q.get('previous') === 'true' });
    res.write(out.text);
    if (!follow) {
      res.end();
      return;
    }
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      unsub();
      this.active.delete(end);
      res.end();
    };
    const unsub = out.follow(
      (chunk) => {
        if (!done) res.write(chunk);
      },
      end,
    );
    this.active.add(end);
    req.on('close', end);
  }

  private serveMetrics(res: ServerResponse, rest: string[]): void {
    const m = this.metrics!;
    const api = 'metrics.k8s.io/v1beta1';
    const node = (s: ReturnType<MetricsSource['nodes']>[number]) => ({ kind: 'NodeMetrics', apiVersion: api, metadata: { name: s.name, creationTimestamp: s.timestamp }, timestamp: s.timestamp, window: s.window, usage: s.usage });
    const pod = (s: ReturnType<MetricsSource['pods']>[number]) => ({ kind: 'PodMetrics', apiVersion: api, metadata: { name: s.name, namespace: s.namespace, creationTimestamp: s.timestamp }, timestamp: s.timestamp, window: s.window, containers: s.containers });
    let ns: string | undefined;
    let parts = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      parts = rest.slice(2);
    }
    const [resource, name] = parts;
    if (resource === 'nodes' && ns === undefined) {
      const items = m.nodes().map(node);
      if (name === undefined) return this.json(res, 200, { kind: 'NodeMetricsList', apiVersion: api, metadata: {}, items });
      const one = items.find((i) => i.metadata.name === name);
      if (!one) throw notFound('nodes', 'metrics.k8s.io', name);
      return this.json(res, 200, one);
    }
    if (resource === 'pods') {
      const items = m.pods(ns).map(pod);
      if (name === undefined) return this.json(res, 200, { kind: 'PodMetricsList', apiVersion: api, metadata: {}, items });
      const one = items.find((i) => i.metadata.name === name);
      if (!one) throw notFound('pods', 'metrics.k8s.io', name);
      return this.json(res, 200, one);
    }
    throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
}
