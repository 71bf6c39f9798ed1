import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../controllers/clock.js';
import type { MetricsSource } from '../object-store.js';
import { MemoryStore } from '../store/memory-store.js';
import { KubeApiServer } from './http-server.js';
import { createClusterPki, type ClusterPki } from './pki.js';
import { encodeProtobufSecret } from './proto.js';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const HOST = '127.0.0.10';
let pki: ClusterPki;
let store: MemoryStore;
let server: KubeApiServer;
let port: number;
const TOKEN = 'test-token-123';
const metrics: MetricsSource = {
  nodes: () => [{ name: 'n1', timestamp: '2026-01-01T00:00:00Z', window: '10s', usage: { cpu: '250m', memory: '512Mi' } }],
  pods: () => [],
};

function call(method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null; cert?: boolean; chunks?: Buffer[] } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? TOKEN}`;
    if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    const req = request({ host: HOST, port, method, path, headers, ca: pki.ca.certPem, ...(opts.cert ? { cert: pki.admin.certPem, key: pki.admin.keyPem } : {}) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

/** Open a watch and collect lines until `until` holds; resolves with the lines. */
function watch(path: string, until: (lines: any[]) => boolean): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const lines: any[] = [];
    const req = request({ host: HOST, port, method: 'GET', path, headers: { Authorization: `Bearer ${TOKEN}` }, ca: pki.ca.certPem }, (res) => {
      let buf = '';
      res.on('data', (c) => {
        buf += c;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
        if (until(lines)) {
          req.destroy();
          resolve(lines);
        }
      });
      res.on('end', () => resolve(lines));
    });
    req.on('error', (e) => (until(lines) ? resolve(lines) : reject(e)));
    req.end();
  });
}

beforeAll(async () => {
  pki = createClusterPki(HOST);
  store = new MemoryStore({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 3, eventHistory: 50 });
  server = new KubeApiServer({ store, pki, token: TOKEN, metrics, maxBodyBytes: 64 * 1024, maxWatchBufferBytes: 256 * 1024 });
  port = (await server.listen(HOST, 0)).port;
});
afterAll(async () => {
  await server?.close();
});

describe('KubeApiServer', () => {
  it('refuses requests without credentials (401) but serves /version and /readyz anonymously', async () => {
    const r = await call('GET', '/api/v1/namespaces', { token: null });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await call('GET', '/api/v1/namespaces', { token: 'wrong' })).status).toBe(401);
    expect(JSON.parse((await call('GET', '/version', { token: null })).body).gitVersion).toBe('v1.31.9');
    expect((await call('GET', '/readyz', { token: null })).body).toBe('ok');
  });

  it('accepts the admin client certificate instead of a token', async () => {
    const r = await call('GET', '/api/v1/namespaces/default', { token: null, cert: true });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).metadata.name).toBe('default');
  });

  it('aggregated discovery answers with its content type and an ETag that changes when a CRD is created', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const a = await call('GET', '/apis', { headers: { Accept: accept } });
    expect(a.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const etag = String(a.headers.etag);
    expect((await call('GET', '/apis', { headers: { Accept: accept, 'If-None-Match': etag } })).status).toBe(304);
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.example.org' }, spec: { group: 'example.org', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer' } } } } } } }] } };
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: JSON.stringify(crd), headers: { 'Content-Type': 'application/json' } })).status).toBe(201);
    const b = await call('GET', '/apis', { headers: { Accept: accept, 'If-None-Match': etag } });
    expect(b.status).toBe(200);
    expect(b.headers.etag).not.toBe(etag);
    expect(JSON.parse(b.body).items.some((g: any) => g.metadata.name === 'example.org')).toBe(true);
    // …served at once, validated with the CRD's schema
    const bad = await call('POST', '/apis/example.org/v1/namespaces/default/gadgets', { body: JSON.stringify({ apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { n: 'x' } }), headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body).message).toContain('spec.n');
    const root = JSON.parse((await call('GET', '/openapi/v3')).body);
    expect(root.paths['apis/example.org/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/example\.org\/v1\?hash=/);
    const doc = JSON.parse((await call('GET', root.paths['apis/example.org/v1'].serverRelativeURL)).body);
    const patch = doc.paths['/apis/example.org/v1/namespaces/{namespace}/gadgets/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'example.org', version: 'v1', kind: 'Gadget' });
    expect(Object.keys(patch.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });

  it('decodes a protobuf Secret as helm 3 sends it', async () => {
    const body = encodeProtobufSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.x.v1', labels: { owner: 'helm', name: 'x' } }, data: { release: Buffer.from('H4sIabc').toString('base64') }, type: 'helm.sh/release.v1' });
    const r = await call('POST', '/api/v1/namespaces/default/secrets', { body, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' } });
    expect(r.status).toBe(201);
    const s = store.get({ group: '', version: 'v1', resource: 'secrets' }, 'default', 'sh.helm.release.v1.x.v1')!;
    expect(s.type).toBe('helm.sh/release.v1');
    expect(Buffer.from((s.data as any).release, 'base64').toString()).toBe('H4sIabc');
    expect(s.metadata.labels).toEqual({ owner: 'helm', name: 'x' });
  });

  it('caps request bodies while reading them (413), also without a Content-Length', async () => {
    const big = Buffer.alloc(40 * 1024, 'a');
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', { chunks: [big, big], headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ reason: 'RequestEntityTooLarge', code: 413 });
  });

  it('a watch from a resourceVersion older than the history gets ERROR 410 Expired', async () => {
    const first = store.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w0', namespace: 'default' } });
    for (let i = 0; i < 60; i++) store.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w${i + 1}`, namespace: 'default' } });
    const lines = await watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${first.metadata.resourceVersion}`, (l) => l.length >= 1);
    expect(lines[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('sendInitialEvents lists every object then sends the initial-events-end bookmark', async () => {
    const lines = await watch('/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (l) => l.some((e) => e.type === 'BOOKMARK'));
    const names = lines.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    expect(lines[lines.length - 1]).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
  });

  it('serves metrics.k8s.io only once its APIService is Available', async () => {
    expect((await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status).toBe(404);
    store.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ms' } });
    store.create({ group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' }, { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'ms' }, groupPriorityMinimum: 100, versionPriority: 100 } });
    const unavailable = await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(unavailable.status).toBe(503);
    store.create({ group: '', version: 'v1', resource: 'endpoints' }, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server', namespace: 'ms' }, subsets: [{ addresses: [{ ip: '10.244.0.9' }], ports: [{ port: 10250 }] }] });
    const ok = await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).items[0]).toMatchObject({ kind: 'NodeMetrics', metadata: { name: 'n1' }, usage: { cpu: '250m' } });
  });

  it('cuts off a watcher that stops reading', async () => {
    const before = store.watcherCount();
    const closed = new Promise<void>((resolve, reject) => {
      const req = request({ host: HOST, port, method: 'GET', path: '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0', headers: { Authorization: `Bearer ${TOKEN}` }, ca: pki.ca.certPem }, (res) => {
        res.pause(); // never reads
        res.on('close', () => resolve());
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => reject(new Error('the slow watcher was not cut off')), 15_000);
    });
    // wait until the watch is registered, then flood it
    for (let i = 0; i < 200 && store.watcherCount() === before; i++) await new Promise((r) => setImmediate(r));
    const data = { blob: 'x'.repeat(30_000) };
    for (let i = 0; i < 200 && store.watcherCount() > before; i++) store.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `flood-${i}`, namespace: 'default' }, data });
    expect(store.watcherCount()).toBe(before);
    await closed;
  });

  it.each([
    ['raw colon (kubectl, helm)', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:colon-role'],
    ['percent-encoded colon (client-node encodeURIComponent)', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Acolon-role'],
    ['lower-case percent-encoding', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3acolon-role'],
  ])('finds an object whose name contains a colon: %s', async (_how, path) => {
    const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
    if (!store.get(rbac, undefined, 'system:colon-role')) store.create(rbac, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:colon-role' }, rules: [] });
    const r = await call('GET', path);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).metadata.name).toBe('system:colon-role');
  });

  it('answers exec with a clear error and unknown patch types with 415', async () => {
    store.create({ group: '', version: 'v1', resource: 'pods' }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const e = await call('POST', '/api/v1/namespaces/default/pods/p/exec?command=ls&container=c&stdout=true');
    expect(e.status).toBe(400);
    expect(JSON.parse(e.body).message).toContain('exec is not supported by the simulated API server');
    const p = await call('PATCH', '/api/v1/namespaces/default/pods/p', { body: '{}', headers: { 'Content-Type': 'application/xml' } });
    expect(p.status).toBe(415);
  });
});
