import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore, MemoryPersistence } from '../controllers/store.js';
import { StateDir } from '../controllers/state-dir.js';
import { isSuspended } from '../controllers/object-requests.js';
import { EventRecorder } from '../controllers/events.js';
import type { Kind, ReconcileInfo } from '../api/types.js';
import { API_VERSION } from '../api/types.js';
import { createApi, isLoopbackHost, loadOrCreateToken, parseListen, serveApi, type ApiContext, type ApiKindInfo, type ApiRegistry } from './server.js';
import { Redactor, REDACTED } from './redact.js';
import { loadSchemaRegistry } from '../api/schema.js';
import type { ApiEvents } from './server.js';

// The real pieces must fit the small interfaces the API declares (a compile-time check).
const realEvents: ApiEvents = new EventRecorder();
void realEvents;

// A small registry standing in for the CRD-backed one: the API only needs kinds, validate and schemas.
const KIND_INFO: ApiKindInfo[] = [
  { kind: 'VirtualMachine', plural: 'virtualmachines', singular: 'virtualmachine', shortNames: ['vm'], printerColumns: [{ name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' }] },
  { kind: 'Cluster', plural: 'clusters', singular: 'cluster', shortNames: ['cl'], printerColumns: [] },
  { kind: 'Addon', plural: 'addons', singular: 'addon', shortNames: ['ad'], printerColumns: [] },
  { kind: 'LoadTest', plural: 'loadtests', singular: 'loadtest', shortNames: ['lt'], printerColumns: [] },
];

function fakeRegistry(): ApiRegistry {
  return {
    kinds: () => KIND_INFO,
    openApiSchema: (kind: Kind) => ({ type: 'object', description: `${kind} schema` }),
    validate(doc: unknown) {
      const d = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; spec?: Record<string, unknown> };
      const issues: { field: string; message: string }[] = [];
      if (d.apiVersion !== API_VERSION) issues.push({ field: 'apiVersion', message: `must be ${API_VERSION}` });
      if (!KIND_INFO.some((k) => k.kind === d.kind)) issues.push({ field: 'kind', message: 'unknown kind' });
      if (typeof d.metadata?.name !== 'string') issues.push({ field: 'metadata.name', message: 'is required' });
      if (d.kind === 'VirtualMachine' && d.spec && d.spec.cpu !== undefined && (typeof d.spec.cpu !== 'number' || d.spec.cpu < 1)) {
        issues.push({ field: 'spec.cpu', message: 'must be >= 1' });
      }
      return issues.length ? { ok: false as const, issues } : { ok: true as const, object: doc };
    },
  };
}

interface Fixture {
  root: string;
  specsDir: string;
  store: ObjectStore;
  events: EventRecorder;
  reconciled: string[];
  /** What the controller would report per key; absent keys were never reconciled. */
  reconcileInfos: Map<string, ReconcileInfo>;
  ctx: ApiContext;
}

const fixtures: Fixture[] = [];

function fixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'hostplane-api-'));
  const specsDir = join(root, 'specs');
  mkdirSync(specsDir);
  const uiDir = join(root, 'ui');
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>hostplane ui</title>');
  writeFileSync(join(uiDir, 'assets', 'app-123.js'), 'console.log(1)');
  writeFileSync(join(root, 'outside.yaml'), 'secret: outside\n');
  const store = new ObjectStore(new MemoryPersistence());
  const events = new EventRecorder();
  const reconciled: string[] = [];
  const reconcileInfos = new Map<string, ReconcileInfo>();
  const ctx: ApiContext = {
    store,
    registry: fakeRegistry(),
    events,
    metrics: { render: () => '# TYPE hostplane_up gauge\nhostplane_up 1\n' },
    specsDir,
    stateDir: new StateDir(join(root, 'state')),
    reconcileNow: (key) => {
      reconciled.push(key);
      return store.getByKey(key) !== undefined;
    },
    reconcileInfo: (key) => reconcileInfos.get(key) ?? { lastReconcile: null, inFlight: false },
    hostCapacity: () => ({ cpu: 16, memoryMiB: 131072, requestedCpu: 4, requestedMemoryMiB: 8192 }),
    secretValues: () => ['s3cr3t-pass'],
  };
  const f = { root, specsDir, store, events, reconciled, reconcileInfos, ctx };
  fixtures.push(f);
  return f;
}

afterAll(() => {
  for (const f of fixtures) rmSync(f.root, { recursive: true, force: true });
});

function vm(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: API_VERSION, kind: 'VirtualMachine' as const, metadata: { name }, spec: { cpu: 2, memory: '4Gi', ...spec } };
}

function seed(f: Fixture): void {
  const text = [
    '# the dev lab',
    'apiVersion: hostplane.dev/v1alpha1',
    'kind: VirtualMachine',
    'metadata:',
    '  name: dev-master',
    'spec:',
    '  cpu: 2 # two is enough',
    '  memory: 4Gi',
    '  ssh: {user: admin, passwordSecret: tart-default}',
    '---',
    'apiVersion: hostplane.dev/v1alpha1',
    'kind: Cluster',
    'metadata:',
    '  name: dev',
    'spec:',
    '  controlPlane: {vm: dev-master}',
    '',
  ].join('\n');
  writeFileSync(join(f.specsDir, 'dev.yaml'), text);
  f.store.applySpec(vm('dev-master', { ssh: { user: 'admin', passwordSecret: 'tart-default' } }), { file: 'dev.yaml', line: 2, col: 1 });
  f.store.applySpec({ apiVersion: API_VERSION, kind: 'Cluster', metadata: { name: 'dev' }, spec: { controlPlane: { vm: 'dev-master' } } }, { file: 'dev.yaml', line: 11, col: 1 });
  f.store.updateStatus('VirtualMachine', 'dev-master', {
    observedGeneration: 1,
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', reason: 'Provisioned', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  });
  f.reconcileInfos.set('VirtualMachine/dev-master', {
    lastReconcile: { startTime: '2026-01-01T00:00:00.000Z', finishTime: '2026-01-01T00:00:00.041Z', durationMs: 41, result: 'error', requeueAfterMs: 5, message: 'ssh admin@dev-master with password s3cr3t-pass refused' },
    inFlight: true,
  });
  f.events.record({ object: 'VirtualMachine/dev-master', type: 'Normal', reason: 'Started', message: 'VM started' });
  f.events.record({ object: 'Cluster/dev', type: 'Warning', reason: 'DependencyNotReady', message: 'waiting for VMs' });
}

async function body(res: Response): Promise<any> {
  return JSON.parse(await res.text());
}

describe('routes (loopback, no token)', () => {
  let f: Fixture;
  let app: ReturnType<typeof createApi>;
  beforeEach(() => {
    f = fixture();
    seed(f);
    app = createApi(f.ctx, { requireToken: false, uiDir: join(f.root, 'ui') });
  });

  const table: { name: string; method?: string; path: string; status: number; check?: (b: any, res: Response, f: Fixture) => void }[] = [
    { name: 'healthz', path: '/healthz', status: 200, check: (b) => expect(b.status).toBe('ok') },
    { name: 'kinds with printer columns and schema', path: '/api/v1/kinds', status: 200, check: (b) => {
      expect(b.kind).toBe('KindList');
      expect(b.items.map((k: any) => k.plural)).toEqual(['virtualmachines', 'clusters', 'addons', 'loadtests']);
      expect(b.items[0].printerColumns[0].name).toBe('Ready');
      expect(b.items[0].schema.description).toBe('VirtualMachine schema');
    } },
    { name: 'host capacity', path: '/api/v1/host', status: 200, check: (b) => expect(b).toMatchObject({ cpu: 16, memoryMiB: 131072, requestedCpu: 4 }) },
    { name: 'list by plural', path: '/api/v1/virtualmachines', status: 200, check: (b, _r, f) => {
      expect(b).toMatchObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(f.store.resourceVersion) } });
      expect(b.items.map((o: any) => o.metadata.name)).toEqual(['dev-master']);
      expect(b.items[0].spec.cpu).toBe(2);
      expect(b.items[0].status.phase).toBe('Running');
    } },
    { name: 'list by short name', path: '/api/v1/cl', status: 200, check: (b) => expect(b.items[0].metadata.name).toBe('dev') },
    { name: 'get one (spec + status)', path: '/api/v1/virtualmachines/dev-master', status: 200, check: (b) => {
      expect(b.kind).toBe('VirtualMachine');
      expect(b.status.conditions[0].type).toBe('Ready');
      expect(b.spec.ssh.passwordSecret).toBe('tart-default'); // a reference, not a secret
    } },
    { name: 'source position', path: '/api/v1/clusters/dev/source', status: 200, check: (b) => expect(b).toMatchObject({ file: 'dev.yaml', line: 11, col: 1 }) },
    { name: 'get missing', path: '/api/v1/virtualmachines/nope', status: 404, check: (b) => {
      expect(b.error.code).toBe('NotFound');
      expect(b.error.message).toContain('VirtualMachine "nope" not found');
    } },
    { name: 'unknown kind lists known ones', path: '/api/v1/widgets', status: 404, check: (b) => expect(b.error.message).toContain('virtualmachines, clusters') },
    { name: 'events filtered by object', path: '/api/v1/events?object=Cluster/dev', status: 200, check: (b) => {
      expect(b.kind).toBe('EventList');
      expect(b.items.map((e: any) => e.reason)).toEqual(['DependencyNotReady']);
    } },
    { name: 'events since id', path: '/api/v1/events?sinceId=1', status: 200, check: (b) => expect(b.items.map((e: any) => e.id)).toEqual([2]) },
    { name: 'events bad object filter', path: '/api/v1/events?object=nonsense', status: 400, check: (b) => expect(b.error.message).toContain('Kind/name') },
    { name: 'spec errors', path: '/api/v1/spec-errors', status: 200, check: (b) => expect(b).toMatchObject({ kind: 'SpecErrorList', items: [] }) },
    { name: 'reconcile now', method: 'POST', path: '/api/v1/virtualmachines/dev-master/reconcile', status: 202, check: (_b, _r, f) => expect(f.reconciled).toEqual(['VirtualMachine/dev-master']) },
    { name: 'reconcile missing', method: 'POST', path: '/api/v1/virtualmachines/ghost/reconcile', status: 404 },
    { name: 'last reconcile: time, duration, result, in flight', path: '/api/v1/vm/dev-master/reconcile', status: 200, check: (b) => {
      expect(b).toMatchObject({ apiVersion: 'v1', kind: 'ReconcileInfo', object: 'VirtualMachine/dev-master', inFlight: true });
      expect(b.lastReconcile).toMatchObject({ startTime: '2026-01-01T00:00:00.000Z', durationMs: 41, result: 'error', requeueAfterMs: 5 });
      expect(b.lastReconcile.message).toBe(`ssh admin@dev-master with password ${REDACTED} refused`);
    } },
    { name: 'last reconcile of an object not reconciled yet is null', path: '/api/v1/clusters/dev/reconcile', status: 200, check: (b) => {
      expect(b).toMatchObject({ kind: 'ReconcileInfo', object: 'Cluster/dev', lastReconcile: null, inFlight: false });
    } },
    { name: 'last reconcile of an unknown object', path: '/api/v1/virtualmachines/ghost/reconcile', status: 404, check: (b) => {
      expect(b.error.code).toBe('NotFound');
      expect(b.error.message).toContain('VirtualMachine "ghost" not found');
    } },
    { name: 'unknown api route', path: '/api/v1/virtualmachines/dev-master/frobnicate/now', status: 404, check: (b) => expect(b.error.code).toBe('NotFound') },
    { name: 'metrics', path: '/metrics', status: 200, check: (_b, res) => expect(res.headers.get('content-type')).toContain('text/plain') },
    { name: 'dashboard index', path: '/', status: 200, check: (_b, res) => expect(res.headers.get('content-type')).toContain('text/html') },
    { name: 'SPA fallback', path: '/clusters/dev', status: 200, check: (_b, res) => expect(res.headers.get('content-type')).toContain('text/html') },
    { name: 'hashed asset', path: '/assets/app-123.js', status: 200, check: (_b, res) => expect(res.headers.get('cache-control')).toContain('immutable') },
    { name: 'missing asset is a 404', path: '/assets/nope.js', status: 404 },
  ];

  for (const row of table) {
    it(`${row.method ?? 'GET'} ${row.path} — ${row.name}`, async () => {
      const res = await app.request(row.path, { method: row.method ?? 'GET' });
      expect(res.status).toBe(row.status);
      const text = await res.clone().text();
      const parsed = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
      if (row.status >= 400 && res.headers.get('content-type')?.includes('json')) expect(parsed.error.message.length).toBeGreaterThan(10);
      row.check?.(parsed, res, f);
    });
  }

  it('static files never leave the UI folder', async () => {
    for (const p of ['/../outside.yaml', '/%2e%2e/outside.yaml', '/assets/../../outside.yaml', '/..%2Foutside.yaml']) {
      const res = await app.request(p);
      expect(await res.text()).not.toContain('secret: outside');
    }
  });

  it('refuses a non-loopback Host header (DNS rebinding) when no token is required', async () => {
    const res = await app.request('/api/v1/virtualmachines', { headers: { host: 'evil.example:7780' } });
    expect(res.status).toBe(403);
    expect((await body(res)).error.message).toContain('loopback');
    expect((await app.request('/api/v1/virtualmachines', { headers: { host: '127.0.0.1:7780' } })).status).toBe(200);
  });

  it('refuses cross-site changes', async () => {
    const res = await app.request('/api/v1/virtualmachines/dev-master/reconcile', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(f.reconciled).toEqual([]);
    const same = await app.request('http://localhost/api/v1/virtualmachines/dev-master/reconcile', { method: 'POST', headers: { origin: 'http://localhost' } });
    expect(same.status).toBe(202);
  });
});

describe('auth (token required)', () => {
  let f: Fixture;
  let app: ReturnType<typeof createApi>;
  const token = 'test-token-0123456789abcdef';
  beforeEach(() => {
    f = fixture();
    seed(f);
    app = createApi(f.ctx, { requireToken: true, token, uiDir: join(f.root, 'ui') });
  });

  const routes: [string, string][] = [
    ['GET', '/healthz'],
    ['GET', '/metrics'],
    ['GET', '/'],
    ['GET', '/assets/app-123.js'],
    ['GET', '/api/v1/kinds'],
    ['GET', '/api/v1/host'],
    ['GET', '/api/v1/events'],
    ['GET', '/api/v1/spec-errors'],
    ['GET', '/api/v1/watch'],
    ['GET', '/api/v1/virtualmachines'],
    ['GET', '/api/v1/virtualmachines/dev-master'],
    ['POST', '/api/v1/apply'],
    ['DELETE', '/api/v1/virtualmachines/dev-master'],
    ['POST', '/api/v1/virtualmachines/dev-master/reconcile'],
    ['POST', '/api/v1/virtualmachines/dev-master/suspend'],
    ['POST', '/api/v1/virtualmachines/dev-master/resume'],
  ];

  for (const [method, path] of routes) {
    it(`${method} ${path} is 401 without a token and with a wrong one`, async () => {
      const res = await app.request(path, { method });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect((await body(res)).error.code).toBe('Unauthorized');
      const wrong = await app.request(path, { method, headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    });
  }

  it('accepts the bearer token', async () => {
    const res = await app.request('/api/v1/virtualmachines', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const rec = await app.request('/api/v1/virtualmachines/dev-master/reconcile', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(rec.status).toBe(202);
    expect(f.reconciled).toEqual(['VirtualMachine/dev-master']);
  });

  it('trades /?token= for an HttpOnly cookie; cookie changes need the request header', async () => {
    const res = await app.request(`/clusters/dev?token=${token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/clusters/dev');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const pair = cookie.split(';')[0];
    expect((await app.request('/api/v1/clusters', { headers: { cookie: pair } })).status).toBe(200);
    const noHeader = await app.request('/api/v1/clusters/dev/reconcile', { method: 'POST', headers: { cookie: pair } });
    expect(noHeader.status).toBe(403);
    const ok = await app.request('/api/v1/clusters/dev/reconcile', { method: 'POST', headers: { cookie: pair, 'x-hostplane-request': '1' } });
    expect(ok.status).toBe(202);
    expect((await app.request('/?token=wrong')).status).toBe(401);
  });
});

describe('token file and listen parsing', () => {
  it('creates the token with mode 0600 and reuses it', () => {
    const f = fixture();
    const t1 = loadOrCreateToken(f.ctx.stateDir);
    const file = f.ctx.stateDir.path('api-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(t1.length).toBeGreaterThanOrEqual(32);
    expect(loadOrCreateToken(f.ctx.stateDir)).toBe(t1);
  });

  it('knows loopback', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('192.168.1.5')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.evil.com')).toBe(false);
    expect(parseListen('127.0.0.1:7780')).toEqual({ host: '127.0.0.1', port: 7780 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(() => parseListen('nonsense')).toThrow(/host:port/);
  });
});

describe('apply, delete, suspend through the spec files', () => {
  let f: Fixture;
  let app: ReturnType<typeof createApi>;
  beforeEach(() => {
    f = fixture();
    seed(f);
    app = createApi(f.ctx, { requireToken: false, uiDir: join(f.root, 'ui') });
  });

  const post = (path: string, text: string, type = 'application/yaml') => app.request(path, { method: 'POST', body: text, headers: { 'content-type': type } });

  it('422 names the field of an invalid document and writes nothing', async () => {
    const before = readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8');
    const res = await post('/api/v1/apply', `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: bad}\nspec: {cpu: 0}\n---\n` + `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: fine}\nspec: {cpu: 1}\n`);
    expect(res.status).toBe(422);
    const b = await body(res);
    expect(b.error.code).toBe('Invalid');
    expect(b.error.message).toContain('spec.cpu');
    expect(b.error.issues).toEqual([{ document: 0, object: 'VirtualMachine/bad', field: 'spec.cpu', message: 'must be >= 1' }]);
    expect(readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8')).toBe(before);
    expect(existsSync(join(f.specsDir, 'fine.yaml'))).toBe(false);
  });

  it('422 from the real CRD schema names the field path', async () => {
    const real = createApi({ ...f.ctx, registry: loadSchemaRegistry() }, { requireToken: false });
    const res = await real.request('/api/v1/apply', { method: 'POST', body: `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: vm1}\nspec: {image: ubuntu, cpu: 2, memory: 4Gi, powerState: Sideways}\n`, headers: { 'content-type': 'application/yaml' } });
    expect(res.status).toBe(422);
    const b = await body(res);
    expect(b.error.issues.map((i: any) => i.field)).toContain('spec.powerState');
    expect(b.error.message).toContain('spec.powerState');
    expect(existsSync(join(f.specsDir, 'vms'))).toBe(false);
  });

  it('400 on YAML that does not parse, with the position', async () => {
    const res = await post('/api/v1/apply', 'kind: [unclosed\n');
    expect(res.status).toBe(400);
    expect((await body(res)).error.message).toMatch(/not valid YAML/);
  });

  it('rewrites an existing object in place, keeping comments and status out of the file', async () => {
    const doc = { ...vm('dev-master', { cpu: 4, ssh: { user: 'admin', passwordSecret: 'tart-default' } }), status: { phase: 'Running' }, metadata: { name: 'dev-master', uid: 'x', resourceVersion: '9' } };
    const res = await post('/api/v1/apply', JSON.stringify(doc), 'application/json');
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b.items).toEqual([{ object: 'VirtualMachine/dev-master', file: 'dev.yaml', action: 'configured' }]);
    const text = readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8');
    expect(text).toContain('# the dev lab');
    expect(text).toMatch(/cpu: 4/);
    expect(text).toContain('name: dev'); // the Cluster document is still there
    expect(text).not.toContain('resourceVersion');
    expect(text).not.toContain('phase');
  });

  it('is all or nothing: a document whose file cannot be edited leaves the earlier ones unwritten', async () => {
    // "old" exists, but its file has since been broken by hand: it cannot be rewritten.
    mkdirSync(join(f.specsDir, 'virtualmachines'), { recursive: true });
    const broken = 'apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata: {name: old\n';
    writeFileSync(join(f.specsDir, 'virtualmachines', 'old.yaml'), broken);
    f.store.applySpec(vm('old'), { file: 'virtualmachines/old.yaml', line: 1, col: 1 });
    const before = readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8');
    const res = await post(
      '/api/v1/apply',
      `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: fresh}\nspec: {cpu: 1}\n---\n` +
        `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: dev-master}\nspec: {cpu: 3, memory: 4Gi}\n---\n` +
        `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: old}\nspec: {cpu: 2}\n`,
    );
    expect(res.status).toBe(409);
    const b = await body(res);
    expect(b.error.code).toBe('SpecEditFailed');
    expect(b.error.message).toContain('virtualmachines/old.yaml');
    expect(existsSync(join(f.specsDir, 'virtualmachines', 'fresh.yaml'))).toBe(false);
    expect(readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8')).toBe(before);
    expect(readFileSync(join(f.specsDir, 'virtualmachines', 'old.yaml'), 'utf8')).toBe(broken);
  });

  it('applies several new documents into one ?file= together', async () => {
    const res = await post('/api/v1/apply?file=lab/two.yaml', `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: one}\nspec: {cpu: 1}\n---\n` + `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: two}\nspec: {cpu: 2}\n`);
    expect(res.status).toBe(200);
    expect((await body(res)).items).toEqual([
      { object: 'VirtualMachine/one', file: 'lab/two.yaml', action: 'created' },
      { object: 'VirtualMachine/two', file: 'lab/two.yaml', action: 'created' },
    ]);
    const text = readFileSync(join(f.specsDir, 'lab', 'two.yaml'), 'utf8');
    expect(text).toContain('name: one');
    expect(text).toContain('name: two');
  });

  it('creates a new object in ?file= inside the specs directory', async () => {
    const res = await post('/api/v1/apply?file=lab/new.yaml', `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: fresh}\nspec: {cpu: 1}\n`);
    expect(res.status).toBe(200);
    expect(readFileSync(join(f.specsDir, 'lab', 'new.yaml'), 'utf8')).toContain('fresh');
  });

  it('refuses paths that leave the specs directory', async () => {
    for (const file of ['../outside.yaml', '/etc/hostplane.yaml', 'lab/../../outside.yaml', '..', '.git/config.yaml']) {
      const res = await post(`/api/v1/apply?file=${encodeURIComponent(file)}`, `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: esc}\nspec: {cpu: 1}\n`);
      expect(res.status, file).toBe(400);
      expect((await body(res)).error.message).toContain(file);
    }
    expect(readFileSync(join(f.root, 'outside.yaml'), 'utf8')).toBe('secret: outside\n');
  });

  it('refuses to edit an object whose recorded source is outside the specs directory', async () => {
    f.store.applySpec(vm('escapee'), { file: '../outside.yaml', line: 1, col: 1 });
    expect((await app.request('/api/v1/virtualmachines/escapee', { method: 'DELETE' })).status).toBe(400);
    expect(readFileSync(join(f.root, 'outside.yaml'), 'utf8')).toBe('secret: outside\n');
  });

  it('refuses to write back the redaction placeholder', async () => {
    const res = await post('/api/v1/apply', JSON.stringify(vm('dev-master', { ssh: { user: 'admin', password: REDACTED } })), 'application/json');
    expect(res.status).toBe(422);
    expect((await body(res)).error.issues[0].field).toBe('spec.ssh.password');
  });

  it('suspend and resume hold the object in the state dir and queue a reconcile; the spec file keeps its bytes', async () => {
    const before = readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8');
    f.reconciled.length = 0;
    const s = await app.request('/api/v1/virtualmachines/dev-master/suspend', { method: 'POST' });
    expect(s.status).toBe(202);
    expect((await body(s)).message).toMatch(/VirtualMachine\/dev-master suspended/);
    expect(isSuspended(f.ctx.stateDir, 'VirtualMachine/dev-master')).toBe(true);
    expect(f.reconciled).toEqual(['VirtualMachine/dev-master']);
    expect((await app.request('/api/v1/vm/dev-master/resume', { method: 'POST' })).status).toBe(202);
    expect(isSuspended(f.ctx.stateDir, 'VirtualMachine/dev-master')).toBe(false);
    expect(f.reconciled).toEqual(['VirtualMachine/dev-master', 'VirtualMachine/dev-master']);
    expect(readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8')).toBe(before);
  });

  it('delete removes only that document from its file', async () => {
    const res = await app.request('/api/v1/clusters/dev', { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect((await body(res)).message).toContain('dev.yaml');
    const text = readFileSync(join(f.specsDir, 'dev.yaml'), 'utf8');
    expect(text).not.toContain('kind: Cluster');
    expect(text).toContain('name: dev-master');
    expect((await app.request('/api/v1/clusters/ghost', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('redaction', () => {
  it('hides secret fields, secret values and key material in every response', async () => {
    const f = fixture();
    f.store.applySpec(vm('leaky', { ssh: { user: 'admin', password: 'hunter22', passwordSecret: 'tart-default' }, token: 'tok-abc' }), { file: 'x.yaml', line: 1, col: 1 });
    f.store.updateStatus('VirtualMachine', 'leaky', {
      message: 'login with s3cr3t-pass failed',
      kubeconfig: 'apiVersion: v1\nclusters: []\n',
      key: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
      kubeconfigPath: '/state/kubeconfigs/dev.yaml',
    });
    f.events.record({ object: 'VirtualMachine/leaky', type: 'Warning', reason: 'SSHFailed', message: 'password s3cr3t-pass rejected' });
    const app = createApi(f.ctx, { requireToken: false });
    for (const path of ['/api/v1/virtualmachines', '/api/v1/virtualmachines/leaky', '/api/v1/events']) {
      const text = await (await app.request(path)).text();
      for (const secret of ['hunter22', 's3cr3t-pass', 'tok-abc', 'clusters: []', 'abc\n', 'BEGIN OPENSSH']) expect(text, `${path} leaks ${secret}`).not.toContain(secret);
    }
    const one = await body(await app.request('/api/v1/virtualmachines/leaky'));
    expect(one.spec.ssh.password).toBe(REDACTED);
    expect(one.spec.ssh.passwordSecret).toBe('tart-default');
    expect(one.status.kubeconfigPath).toBe('/state/kubeconfigs/dev.yaml');
    expect(one.status.message).toBe(`login with ${REDACTED} failed`);
  });

  it('Redactor leaves ordinary data alone', () => {
    const r = new Redactor(['abc']);
    expect(r.value({ a: 'abc', b: 'xabcx', n: 3, t: true, tokenTTL: '1h' })).toEqual({ a: REDACTED, b: 'xabcx', n: 3, t: true, tokenTTL: '1h' });
    // Settings under a secret-sounding name are walked into, not hidden wholesale.
    expect(r.value({ kubeconfig: { merge: true, context: 'hostplane-dev' }, password: { secretRef: 'tart-default' }, adminPassword: 'pw1234', joinToken: 'abcdef.0123456789abcdef' })).toEqual({
      kubeconfig: { merge: true, context: 'hostplane-dev' },
      password: { secretRef: 'tart-default' },
      adminPassword: REDACTED,
      joinToken: REDACTED,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// SSE against a real socket

interface Frame {
  event: string;
  id?: string;
  data: string;
}

class SseReader {
  private buf = '';
  private readonly frames: Frame[] = [];
  private readonly waiters: (() => void)[] = [];
  private done = false;
  lastId: string | undefined;

  constructor(private readonly res: Response, private readonly abort: AbortController) {
    void this.pump();
  }

  private async pump(): Promise<void> {
    const reader = this.res.body!.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = this.buf.indexOf('\n\n')) >= 0) {
          const raw = this.buf.slice(0, i);
          this.buf = this.buf.slice(i + 2);
          const f: Frame = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of raw.split('\n')) {
            if (line.startsWith(':')) continue;
            const c = line.indexOf(':');
            const field = c < 0 ? line : line.slice(0, c);
            const val = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
            if (field === 'event') f.event = val;
            else if (field === 'id') f.id = val;
            else if (field === 'data') data.push(val);
          }
          if (!data.length) continue;
          f.data = data.join('\n');
          if (f.id !== undefined) this.lastId = f.id;
          this.frames.push(f);
          for (const w of this.waiters.splice(0)) w();
        }
      }
    } catch {
      /* aborted */
    }
    this.done = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Frames until `pred` holds for the frames read so far. */
  async until(pred: (frames: Frame[]) => boolean, timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.frames)) {
      if (this.done) throw new Error(`stream ended; frames: ${this.frames.map((x) => x.event).join(',')}`);
      if (Date.now() > deadline) throw new Error(`timeout; frames: ${this.frames.map((x) => `${x.event}#${x.id}`).join(',')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.frames;
  }

  close(): void {
    this.abort.abort();
  }
}

async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  return new SseReader(res, abort);
}

describe('watch stream (SSE over a real socket)', () => {
  let served: Awaited<ReturnType<typeof serveApi>> | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it('resumes with Last-Event-ID: every change exactly once, in order', async () => {
    const f = fixture();
    seed(f);
    served = await serveApi(f.ctx, { listen: '127.0.0.1:0', heartbeatMs: 100 });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(served.token).toBeUndefined();

    // List, then watch from the list's resourceVersion.
    const list = await (await fetch(`${served.url}/api/v1/virtualmachines`)).json() as { metadata: { resourceVersion: string } };
    const first = await openSse(`${served.url}/api/v1/watch?resourceVersion=${list.metadata.resourceVersion}`);
    await first.until((fr) => fr.some((x) => x.event === 'BOOKMARK'));
    f.store.applySpec(vm('w1'), { file: 'w.yaml', line: 1, col: 1 });
    await first.until((fr) => fr.some((x) => x.event === 'ADDED'));
    const resumeFrom = first.lastId!;
    expect(Number(resumeFrom)).toBe(f.store.resourceVersion);
    first.close();

    // Changes while disconnected.
    const expected: string[] = [];
    const track = f.store.watch((e) => expected.push(`${e.type}:${e.object.metadata.name}:${e.resourceVersion}`));
    f.store.applySpec(vm('w2'), { file: 'w.yaml', line: 5, col: 1 });
    f.store.applySpec(vm('w1', { cpu: 3 }), { file: 'w.yaml', line: 1, col: 1 });
    f.store.updateStatus('VirtualMachine', 'w2', { phase: 'Provisioning' });
    f.store.markDeleting('VirtualMachine', 'w1');
    f.store.remove('VirtualMachine', 'w1');

    const second = await openSse(`${served.url}/api/v1/watch`, { 'last-event-id': resumeFrom });
    await second.until((fr) => fr.filter((x) => x.id && x.event !== 'BOOKMARK').length >= expected.length);
    // A change after reconnect arrives live too, redacted, even for a secret learned after the stream opened.
    const secrets = ['s3cr3t-pass'];
    f.ctx.secretValues = () => secrets;
    secrets.push('late-secret-xyz');
    f.store.applySpec(vm('w3', { ssh: { user: 'admin', password: 'pw-live-123' }, note: 'has late-secret-xyz inside' }), { file: 'w.yaml', line: 9, col: 1 });
    const live = await second.until((fr) => fr.some((x) => x.data.includes('"w3"')));
    const w3 = live.find((x) => x.data.includes('"w3"'))!.data;
    expect(w3).not.toContain('pw-live-123');
    expect(w3).not.toContain('late-secret-xyz');
    track();
    const got = (await second.until(() => true))
      .filter((x) => ['ADDED', 'MODIFIED', 'DELETED'].includes(x.event))
      .map((x) => {
        const d = JSON.parse(x.data);
        return `${d.type}:${d.object.metadata.name}:${x.id}`;
      });
    expect(got).toEqual(expected);
    expect(new Set(got).size).toBe(got.length);
    second.close();
  });

  it('sends a 410 ERROR when the resourceVersion is too old, and streams recorder events and spec errors', async () => {
    const f = fixture();
    seed(f);
    served = await serveApi(f.ctx, { listen: '127.0.0.1:0', heartbeatMs: 50 });
    const gone = await openSse(`${served.url}/api/v1/watch?resourceVersion=5`);
    const frames = await gone.until((fr) => fr.some((x) => x.event === 'ERROR'));
    const err = JSON.parse(frames.find((x) => x.event === 'ERROR')!.data);
    expect(err.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(err.object.message).toContain('list again');
    gone.close();

    const live = await openSse(`${served.url}/api/v1/watch?eventsSince=1`);
    // No resourceVersion: synthetic ADDED for every object, then a bookmark.
    const init = await live.until((fr) => fr.some((x) => x.event === 'BOOKMARK'));
    expect(init.filter((x) => x.event === 'ADDED').map((x) => JSON.parse(x.data).object.metadata.name).sort()).toEqual(['dev', 'dev-master']);
    f.events.record({ object: 'Cluster/dev', type: 'Warning', reason: 'Boom', message: 'with s3cr3t-pass inside' });
    f.store.setSpecErrors('bad.yaml', [{ file: 'bad.yaml', line: 3, col: 5, field: 'spec.cpu', message: 'must be integer' }]);
    const after = await live.until((fr) => fr.some((x) => x.event === 'hostEvent' && x.data.includes('Boom')) && fr.some((x) => x.event === 'specErrors' && x.data.includes('bad.yaml')));
    const hostEvents = after.filter((x) => x.event === 'hostEvent').map((x) => JSON.parse(x.data));
    expect(hostEvents.map((e) => e.reason)).toEqual(['DependencyNotReady', 'Boom']); // replayed since id 1, then live
    expect(hostEvents[1].message).not.toContain('s3cr3t-pass');
    expect(after.filter((x) => x.event === 'hostEvent').every((x) => x.id === undefined)).toBe(true);
    live.close();
  });

  it('close() ends open streams', async () => {
    const f = fixture();
    served = await serveApi(f.ctx, { listen: '127.0.0.1:0' });
    const s = await openSse(`${served.url}/api/v1/watch`);
    await s.until((fr) => fr.some((x) => x.event === 'BOOKMARK'));
    await served.close();
    served = undefined;
    await expect(s.until(() => false, 3000)).rejects.toThrow(/stream ended/);
  });
});

describe('bad input gets a clear 4xx, never a 500 (issue 14 items 5, 6)', () => {
  let f: Fixture;
  let app: ReturnType<typeof createApi>;
  beforeEach(() => {
    f = fixture();
    seed(f);
    app = createApi(f.ctx, { requireToken: false, uiDir: join(f.root, 'ui') });
  });

  const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  it.each([
    ['null JSON', 'null', 'application/json', 400, /document 1 .*must be a mapping/],
    ['a JSON number', '42', 'application/json', 400, /must be a mapping/],
    ['a JSON array holding null', '[null]', 'application/json', 400, /must be a mapping/],
    ['deeply nested JSON', '['.repeat(100_000) + ']'.repeat(100_000), 'application/json', 400, /nested too deeply/],
    ['deeply nested JSON object', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), 'application/json', 400, /nested too deeply/],
    ['deeply nested flow YAML', 'a: ' + '['.repeat(50_000) + ']'.repeat(50_000), 'application/yaml', 400, /nested too deeply|not valid YAML/],
    ['deeply nested block YAML', '- '.repeat(30_000) + 'x\n', 'application/yaml', 400, /nested too deeply|not valid YAML/],
    ['deeply nested YAML maps', Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n', 'application/yaml', 400, /nested too deeply/],
    ['a YAML alias bomb', aliasBomb, 'application/yaml', 400, /alias/],
  ])('POST /api/v1/apply with %s answers a 4xx with a message', async (_what, text, type, code, message) => {
    const res = await app.request('/api/v1/apply', { method: 'POST', body: text, headers: { 'content-type': type } });
    const b = await body(res);
    expect(res.status).toBe(code);
    expect(b.error.message).toMatch(message);
  });

  it('answers 414 for a 5,000-character ?file=', async () => {
    const res = await app.request(`/api/v1/apply?file=${'a'.repeat(5_000)}.yaml`, { method: 'POST', body: `apiVersion: ${API_VERSION}\nkind: VirtualMachine\nmetadata: {name: x}\nspec: {cpu: 1}\n`, headers: { 'content-type': 'application/yaml' } });
    expect(res.status).toBe(414);
    expect((await body(res)).error.message).toMatch(/file.*5005 characters.*limit/);
  });

  it('stops reading a chunked body at the 4 MiB limit and answers 413 (an 8 MiB stream is not read whole)', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const total = 8 * 1024 * 1024;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (pulled >= total) return ctrl.close();
        pulled += chunk.length;
        ctrl.enqueue(chunk);
      },
    });
    const res = await app.request('/api/v1/apply', { method: 'POST', body: stream, headers: { 'content-type': 'application/yaml' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect((await body(res)).error.message).toMatch(/limit is 4194304 bytes/);
    expect(pulled).toBeLessThan(4 * 1024 * 1024 + 4 * chunk.length);
  });
});

describe('request body limit over a real socket (issue 14 item 6)', () => {
  it('answers 413 to a chunked upload and stops reading it, long before the client is done', async () => {
    const f = fixture();
    const served = await serveApi(f.ctx, { listen: '127.0.0.1:0' });
    try {
      const { request } = await import('node:http');
      const url = new URL('/api/v1/apply', served.url);
      const total = 64 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/yaml', 'transfer-encoding': 'chunked' } });
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', (err) => (answered ? undefined : reject(err)));
        const pump = () => {
          while (!answered && sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!answered) req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      expect(sent).toBeLessThan(total / 2);
    } finally {
      await served.close();
    }
  });
});

describe('kind modules in the API', () => {
  it('serves each kind\'s references with /kinds and mounts the routes a kind brings, for its own objects only', async () => {
    const f = fixture();
    f.store.applySpec(vm('a'), { file: 'a.yaml', line: 1, col: 1 });
    const seen: string[] = [];
    f.ctx.kinds = [
      {
        kind: 'VirtualMachine',
        shortNames: ['vm'],
        crdFile: 'virtualmachine.yaml',
        references: [{ path: 'spec.base', kind: 'VirtualMachine' }],
        conditions: {},
        workers: () => 1,
        createReconciler: () => async () => ({ kind: 'done' }),
        routes: [{ method: 'POST', path: 'snapshot', handle: (obj) => (seen.push(obj.metadata.name), { status: 202, body: { snapshot: obj.metadata.name } }) }],
      },
    ];
    const api = createApi(f.ctx, { requireToken: false, uiDir: join(f.root, 'ui') });
    const kinds = (await (await api.request('/api/v1/kinds')).json()) as { items: { kind: string; references: unknown[] }[] };
    expect(kinds.items.find((k) => k.kind === 'VirtualMachine')?.references).toEqual([{ path: 'spec.base', kind: 'VirtualMachine' }]);
    const res = await api.request('/api/v1/virtualmachines/a/snapshot', { method: 'POST', headers: { 'x-hostplane-request': '1' } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ snapshot: 'a' });
    expect(seen).toEqual(['a']);
    expect((await api.request('/api/v1/virtualmachines/nope/snapshot', { method: 'POST', headers: { 'x-hostplane-request': '1' } })).status).toBe(404);
  });
});

describe('list ?labelSelector=', () => {
  let f: Fixture;
  let app: ReturnType<typeof createApi>;
  beforeEach(() => {
    f = fixture();
    const labelled = (name: string, labels: Record<string, string>) => ({ ...vm(name), metadata: { name, labels } });
    f.store.applySpec(labelled('a', { env: 'dev', role: 'master' }), { file: 'a.yaml', line: 1, col: 1 });
    f.store.applySpec(labelled('b', { env: 'prod', role: 'worker' }), { file: 'b.yaml', line: 1, col: 1 });
    f.store.applySpec(labelled('c', { env: 'staging' }), { file: 'c.yaml', line: 1, col: 1 });
    app = createApi(f.ctx, { requireToken: false, uiDir: join(f.root, 'ui') });
  });

  it.each([
    ['', ['a', 'b', 'c']],
    ['env=dev', ['a']],
    ['env==prod', ['b']],
    ['env!=dev', ['b', 'c']],
    ['env in (dev,prod)', ['a', 'b']],
    ['env notin (dev,prod)', ['c']],
    ['role', ['a', 'b']],
    ['!role', ['c']],
    ['env in (dev,prod),role!=master', ['b']],
  ])('labelSelector %j selects %j', async (selector, names) => {
    const res = await app.request(`/api/v1/virtualmachines?labelSelector=${encodeURIComponent(selector)}`);
    expect(res.status).toBe(200);
    expect((await body(res)).items.map((o: any) => o.metadata.name)).toEqual(names);
  });

  it.each(['((', 'env in (dev', 'env in dev', '=dev', 'a b'])('a malformed labelSelector %j is 400 saying what is wrong', async (selector) => {
    const res = await app.request(`/api/v1/virtualmachines?labelSelector=${encodeURIComponent(selector)}`);
    expect(res.status).toBe(400);
    expect((await body(res)).error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/^labelSelector: .*selector/) });
  });
});
