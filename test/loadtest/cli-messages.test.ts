// The LoadTest verbs' refusals and NotFound messages as a CLI user reads them: usage errors exit 2 with
// one line (before `up` is asked anything), and a NotFound names the hostplane command that lists
// what exists, not the API route (the API keeps its own wording).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { API_VERSION } from '../../src/api/types.js';
import { EventRecorder } from '../../src/controllers/events.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { MemoryPersistence, ObjectStore } from '../../src/controllers/store.js';
import { loadtestModule } from '../../src/reconcilers/loadtest/module.js';
import { RunStore } from '../../src/reconcilers/loadtest/run-store.js';
import { serveApi, type ServedApi } from '../../src/server/server.js';

let tmp: string;
let state: string;
let api: ServedApi;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hostplane-lt-msg-'));
  state = join(tmp, '.hostplane');
  mkdirSync(join(tmp, 'specs'));
  mkdirSync(state);
  const store = new ObjectStore(new MemoryPersistence());
  store.applySpec({ apiVersion: API_VERSION, kind: 'LoadTest', metadata: { name: 'smoke' }, spec: {} }, { file: 'lt.yaml', line: 1, col: 1 });
  new RunStore(new StateDir(state), 'smoke').save({
    id: '20261206-120000-1', loadTest: 'smoke', startTime: '2026-12-06T12:00:00Z', completionTime: '2026-12-06T12:01:00Z', outcome: 'Succeeded',
    type: 'cpu', namespace: 'default', jobs: [], phase: 'Done', plannedMs: 60_000, samples: [],
  });
  api = await serveApi(
    {
      store, registry: loadSchemaRegistry(), events: new EventRecorder(), metrics: { render: () => '' }, specsDir: join(tmp, 'specs'), stateDir: new StateDir(state),
      reconcileNow: () => true, reconcileInfo: () => ({ lastReconcile: null, inFlight: false }),
      hostCapacity: () => ({ cpu: 4, memoryMiB: 4096, requestedCpu: 0, requestedMemoryMiB: 0 }), secretValues: () => [], kinds: [loadtestModule],
    },
    { listen: '127.0.0.1:0' },
  );
}, 30_000);
afterAll(async () => {
  await api?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function hostplane(args: string[], stateDir: string) {
  let out = '';
  let err = '';
  const code = await main(['--specs', join(tmp, 'specs'), '--state', stateDir, ...args], (s) => (out += `${s}\n`), (s) => (err += `${s}\n`));
  return { code, out, err };
}

describe('LoadTest verbs called wrongly', () => {
  it.each([
    [['run', 'vm/solo'], /^error: run applies to loadtests only \(got "vm\/solo"\): hostplane run loadtest\/NAME\n$/],
    [['run', 'loadtest'], /^error: run needs a name: hostplane run loadtest\/NAME \(list them: hostplane get loadtests\)\n$/],
    [['runs', 'lt'], /^error: runs needs a name: hostplane runs loadtest\/NAME/],
    [['abort', 'cluster/dev'], /^error: abort applies to loadtests only/],
    [['results', 'lt/smoke', '-o', 'xml'], /^error: -o xml: use json or csv\n$/],
  ])('hostplane %j is a usage error: exit 2 and one line, whether or not up runs', async (args, message) => {
    const noUp = await hostplane(args, join(tmp, 'no-up'));
    expect(noUp).toEqual({ code: 2, out: '', err: expect.stringMatching(message) });
  });
});

describe('LoadTest verbs on what does not exist', () => {
  beforeAll(() => writeFileSync(join(state, 'lock'), `${process.pid}\n`)); // this process plays the running up
  it.each([
    [['run', 'lt/nope'], 'error: LoadTest "nope" not found; list them with hostplane get loadtests\n'],
    [['runs', 'loadtest/nope'], 'error: LoadTest "nope" not found; list them with hostplane get loadtests\n'],
    [['results', 'lt/smoke', '--run', 'r1'], 'error: LoadTest/smoke has no run r1; list them with hostplane runs lt/smoke\n'],
  ])('hostplane %j exits 4 naming the CLI command that lists them', async (args, message) => {
    const r = await hostplane([...args, '--api', api.url], state);
    expect(r).toEqual({ code: 4, out: '', err: message });
  });

  it('the API keeps its own wording', async () => {
    const res = await fetch(`${api.url}/api/v1/loadtests/smoke/results?run=r1`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/list them with GET \.\.\.\/runs$/);
  });
});

describe('GET /api/v1/loadtests/NAME/results', () => {
  it.each([
    ['format=xml', 400, /format "xml" is not supported; use format=json \(the default\) or format=csv/],
    ['format=CSV', 400, /format "CSV" is not supported/],
    ['format=', 400, /format "" is not supported/],
  ])('?%s is %i naming the supported formats', async (query, code, message) => {
    const res = await fetch(`${api.url}/api/v1/loadtests/smoke/results?${query}`);
    expect(res.status).toBe(code);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it.each([
    ['format=csv&run=20261206-120000-1', 'attachment; filename="smoke-20261206-120000-1.csv"'],
    ['format=csv', 'attachment; filename="smoke-runs.csv"'],
  ])('?%s is CSV sent as a download (%s)', async (query, disposition) => {
    const res = await fetch(`${api.url}/api/v1/loadtests/smoke/results?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(disposition);
    expect(await res.text()).toMatch(/20261206-120000-1,smoke,/);
  });

  it.each(['', 'format=json'])('?%s is the JSON list', async (query) => {
    const res = await fetch(`${api.url}/api/v1/loadtests/smoke/results?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(((await res.json()) as { items: { id: string }[] }).items.map((r) => r.id)).toEqual(['20261206-120000-1']);
  });
});
