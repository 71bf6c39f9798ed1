// The dashboard's collectors against a simulated cluster running the example manifests, and the
// API routes that serve them: shapes, bounded sizes, auth off loopback, no secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStore, MemoryPersistence } from '../../controllers/store.js';
import type { GuestExec } from '../../ports/guest-exec.js';
import { createApi, type ApiContext } from '../../server/server.js';
import { StateDir } from '../../controllers/state-dir.js';
import { EventRecorder } from '../../controllers/events.js';
import { loadSchemaRegistry } from '../../api/schema.js';
import { SIM_GUEST_METRICS_MARKER, simGuestMetricsOutput } from '../../sim/host/sim-guest-metrics.js';
import { markClusterReady, startUiLab, type UiLab } from '../../../test/ui-fixtures.js';
import { GUEST_METRICS_MARKER, parseGuestOutput, toSample } from './guest-metrics.js';
import { Ring } from './ring.js';
import { createDashboardCollectors, type DashboardCollectors } from './index.js';
import { ingressVerdict } from '../../sim/hubble/policy.js';
import { StandInRelay } from '../../sim/hubble/stand-in-relay.js';
import { serveGrpcRelay } from '../../sim/hubble/grpc-relay.js';
import { GrpcFlowSource } from './hubble-client.js';
import { FlowsCollector } from './flows.js';

const SECRET = 'hunter2-very-secret';

/** Answers the metrics script like the sim guest; anything else fails. */
const guest: GuestExec = {
  async run(target, script) {
    if (!script.startsWith(GUEST_METRICS_MARKER)) return { code: 1, stdout: '', stderr: 'unexpected' };
    return { code: 0, stdout: simGuestMetricsOutput({ name: target.vmKey.split('/')[1], cpu: 2, memoryMiB: 4096, diskGiB: 20 }, Date.now()), stderr: '' };
  },
  async upload() {},
  forget() {},
  async close() {},
};

async function until<T>(what: string, fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('guest metrics parsing', () => {
  it('computes CPU% and RX/TX rates from the deltas of two readings, and lists listening ports', () => {
    expect(SIM_GUEST_METRICS_MARKER).toBe(GUEST_METRICS_MARKER);
    const a = parseGuestOutput(['@@stat', 'cpu  100 0 100 800 0 0 0 0', '@@meminfo', 'MemTotal: 4096000 kB', 'MemAvailable: 1024000 kB', '@@df', '/dev/vda1 1000 250 750 25% /', '@@netdev', 'lo: 5 0 0 0 0 0 0 0 5', 'eth0: 1000 1 0 0 0 0 0 0 500 1', '@@ports', '0.0.0.0:22', '[::]:6443', '*:22'].join('\n'));
    const b = { ...a, cpuTotal: a.cpuTotal + 100, cpuIdle: a.cpuIdle + 75, rxBytes: a.rxBytes + 2000, txBytes: a.txBytes + 1000 };
    const s = toSample(2000, b, { t: 0, raw: a });
    expect(s).toMatchObject({ cpuPercent: 25, memPercent: 75, diskPercent: 25, rxBytesPerSec: 1000, txBytesPerSec: 500 });
    expect(a.ports).toEqual([22, 6443]);
    expect(toSample(0, a, undefined).cpuPercent).toBe(0);
    expect(() => parseGuestOutput('@@stat\n')).toThrow(/no stat section/);
  });

  it('keeps at most 360 samples per series', () => {
    const r = new Ring<number>();
    for (let i = 0; i < 1000; i++) r.push(i);
    expect(r.size).toBe(360);
    expect(r.list()[0]).toBe(640);
    expect(r.list(2)).toEqual([998, 999]);
  });
});

describe('policy verdicts', () => {
  const pol = (name: string, spec: object) => ({ metadata: { name, namespace: 'demo' }, spec });
  const deny = pol('default-deny', { endpointSelector: {}, ingress: [{ fromEntities: ['host'] }] });
  const nginxToHttpbin = pol('allow-nginx-to-httpbin', { endpointSelector: { matchLabels: { app: 'httpbin' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'nginx-web' } }], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET' }] } }] }] });
  const httpbin = { namespace: 'demo', labels: { app: 'httpbin' } };
  it.each([
    ['no policy selects the target', [], { namespace: 'x', labels: { app: 'a' } }, 'GET', 'FORWARDED'],
    ['default-deny drops another namespace', [deny], { namespace: 'monitoring', labels: { app: 'grafana' } }, 'GET', 'DROPPED'],
    ['nginx → httpbin GET is allowed', [deny, nginxToHttpbin], { namespace: 'demo', labels: { app: 'nginx-web' } }, 'GET', 'FORWARDED'],
    ['nginx → httpbin POST is denied at L7', [deny, nginxToHttpbin], { namespace: 'demo', labels: { app: 'nginx-web' } }, 'POST', 'DROPPED'],
  ] as const)('%s', (_, policies, from, method, want) => {
    expect(ingressVerdict(policies as never, { from, to: httpbin, port: 80, protocol: 'TCP', httpMethod: method }).verdict).toBe(want);
  });
});

describe('dashboard collectors against a simulated cluster', { timeout: 30_000 }, () => {
  let lab: UiLab;
  let store: ObjectStore;
  let col: DashboardCollectors;
  let ctx: ApiContext;

  beforeAll(async () => {
    lab = await startUiLab({ host: '127.0.0.1' });
    store = new ObjectStore(new MemoryPersistence());
    store.applySpec({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'dev' }, spec: { controlPlane: 'dev-master' } });
    store.applySpec({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'dev-master' }, spec: { cpu: 2, memory: '4G' } });
    store.updateStatus('VirtualMachine', 'dev-master', { phase: 'Running', ip: '127.0.0.1' });
    markClusterReady(store, 'dev', lab.kubeconfig);
    col = createDashboardCollectors({ store, guest, secrets: { get: () => SECRET, values: () => [SECRET] }, intervalMs: 60_000 });
    ctx = {
      store,
      registry: loadSchemaRegistry(),
      events: new EventRecorder(),
      metrics: { render: () => '' },
      specsDir: lab.dir,
      stateDir: new StateDir(lab.dir),
      reconcileNow: () => false,
      reconcileInfo: () => ({ lastReconcile: null, inFlight: false }),
      hostCapacity: () => ({ cpu: 8, memoryMiB: 16384, requestedCpu: 2, requestedMemoryMiB: 4096 }),
      secretValues: () => [SECRET],
      domain: col.data,
    };
  });
  afterAll(async () => {
    await col?.stop();
    await lab?.stop();
  });

  it('collects guest samples per running VM and serves them under /vms/:name/metrics', async () => {
    await col.guest.tick();
    await col.guest.tick();
    const app = createApi(ctx, { requireToken: false });
    const res = await app.request('/api/v1/vms/dev-master/metrics', { headers: { host: '127.0.0.1' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { samples: Array<{ cpuPercent: number }>; ports: number[] };
    expect(body.samples).toHaveLength(2);
    expect(body.samples[1].cpuPercent).toBeGreaterThan(0);
    expect(body.ports).toContain(6443);
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect((await app.request('/api/v1/vms/nope/metrics', { headers: { host: '127.0.0.1' } })).status).toBe(404);
  });

  it('keeps the inventory through informers and serves nodes, pods, services, HPAs and NodePort URLs', async () => {
    await col.inventory.tick();
    const inv = await until('pods running and node metrics', () => {
      const i = col.inventory.inventory('dev');
      return i && i.pods.running >= 5 && i.hpas.length > 0 ? i : undefined;
    });
    expect(inv.nodes.map((n) => n.name)).toEqual(['dev-master', 'dev-worker1', 'dev-worker2']);
    expect(inv.namespaces).toContain('demo');
    expect(inv.hpas.find((h) => h.name === 'nginx-web')?.targetCpuPercent).toBeGreaterThan(0);
    expect(inv.services.find((s) => s.name === 'nginx-web')?.namespace).toBe('demo');
    const app = createApi(ctx, { requireToken: false });
    const urls = (await (await app.request('/api/v1/clusters/dev/urls', { headers: { host: '127.0.0.1' } })).json()) as { items: Array<{ service: string; url: string }> };
    expect(urls.items).toContainEqual(expect.objectContaining({ service: 'grafana', url: 'http://10.200.0.10:30300' }));
    await col.inventory.tick();
    const scaling = (await (await app.request('/api/v1/clusters/dev/scaling?limit=5000', { headers: { host: '127.0.0.1' } })).json()) as { history: Record<string, unknown[]> };
    expect(Object.keys(scaling.history).length).toBeGreaterThan(0);
  });

  it('reads flows from the stand-in relay with verdicts from the applied policies', async () => {
    await until('pods', () => (col.inventory.inventory('dev')?.pods.running ?? 0) >= 5);
    await col.flows.tick();
    const t = col.flows.traffic('dev')!;
    expect(t.total).toBeGreaterThan(0);
    expect(t.dropped).toBeGreaterThan(0);
    expect(t.forwarded).toBeGreaterThan(0);
    const post = t.recent.find((f) => f.l7?.http.method === 'POST' && f.destination.labels.includes('k8s:app=httpbin'));
    expect(post?.verdict).toBe('DROPPED');
    const get = t.recent.find((f) => f.l7?.http.method === 'GET' && f.destination.labels.includes('k8s:app=httpbin') && f.source.labels.includes('k8s:app=nginx-web'));
    expect(get?.verdict).toBe('FORWARDED');
  });

  it('reads the same flows over gRPC from the stand-in relay (observer.Observer/GetFlows)', async () => {
    await until('pods', () => (col.inventory.inventory('dev')?.pods.running ?? 0) >= 5);
    // Default-deny in demo only, so the round trip carries both verdicts and L7 fields.
    const deny = { metadata: { name: 'default-deny', namespace: 'demo' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['host'] }] } };
    const relay = new StandInRelay(async (c) => {
      const inv = col.inventory.inventory(c);
      return inv && { pods: inv.pods.items, services: inv.services, policies: [deny] };
    });
    const served = await serveGrpcRelay(relay, 'dev');
    const source = new GrpcFlowSource((c) => (c === 'dev' ? served.address : undefined));
    try {
      const fc = new FlowsCollector({ source, clusters: () => ['dev'] });
      await fc.tick();
      const t = fc.traffic('dev')!;
      expect(t.error).toBeNull();
      expect(t.total).toBeGreaterThan(0);
      expect(t.recent.every((f) => f.l4.destinationPort > 0)).toBe(true);
      expect(t.dropped).toBeGreaterThan(0);
      expect(t.recent.find((f) => f.verdict === 'DROPPED')?.dropReasonDesc).toBe('Policy denied');
      expect(t.recent.some((f) => f.l7?.http.method === 'GET')).toBe(true);
      expect(await source.getFlows('other')).toEqual([]);
    } finally {
      source.close();
      await served.stop();
    }
  });

  it('asks for the token off loopback and serves the summary with it', async () => {
    const app = createApi(ctx, { requireToken: true, token: 'tok' });
    expect((await app.request('/api/v1/dashboard/summary', { headers: { host: '10.0.0.5:7780' } })).status).toBe(401);
    const ok = await app.request('/api/v1/dashboard/summary', { headers: { host: '10.0.0.5:7780', authorization: 'Bearer tok' } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { clusters: Array<{ name: string; nodes?: { total: number } }> };
    expect(body.clusters[0]).toMatchObject({ name: 'dev', nodes: { total: 3 } });
  });
});
