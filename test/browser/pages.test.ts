// The dashboard's domain pages in Debian's Chromium (playwright-core) against a real API server,
// the real spec source over a copy of specs/, the dashboard collectors and a simulated cluster
// running the example manifests (test/ui-fixtures.ts). Screenshots go to test-results/screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ObjectStore, MemoryPersistence } from '../../src/controllers/store.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { EventRecorder } from '../../src/controllers/events.js';
import { SpecSource } from '../../src/controllers/source.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { serveApi, type ApiContext } from '../../src/server/server.js';
import type { KindModule } from '../../src/controllers/kind-module.js';
import type { Condition, HostObject } from '../../src/api/types.js';
import type { GuestExec } from '../../src/ports/guest-exec.js';
import { simGuestMetricsOutput } from '../../src/sim/host/sim-guest-metrics.js';
import { createDashboardCollectors, type DashboardCollectors } from '../../src/app/collectors/index.js';
import { markClusterReady, startUiLab, type UiLab } from '../ui-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const UI = join(ROOT, 'ui');
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const haveChromium = existsSync(CHROMIUM);

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newestMtime(join(path, e)));
  return max;
}

function buildUiIfStale(): void {
  const built = join(UI, 'dist', 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs > newestMtime(join(UI, 'src'))) return;
  execFileSync(process.execPath, [join(UI, 'build.mjs')], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, HOSTPLANE_UI_QUIET: '1' } });
}

const cond = (type: string, status: Condition['status'], reason: string, message: string): Condition => ({ type, status, reason, message, lastTransitionTime: new Date(Date.now() - 600_000).toISOString(), observedGeneration: 1 });

const guest: GuestExec = {
  async run(target) {
    const name = target.vmKey.split('/')[1];
    return { code: 0, stdout: simGuestMetricsOutput({ name, cpu: 2, memoryMiB: 4096, diskGiB: 20 }, Date.now()), stderr: '' };
  },
  async upload() {},
  forget() {},
  async close() {},
};

describe.skipIf(!haveChromium)('domain pages in Chromium', { timeout: 60_000 }, () => {
  let tmp: string;
  let lab: UiLab;
  let store: ObjectStore;
  let source: SpecSource;
  let col: DashboardCollectors;
  let served: Awaited<ReturnType<typeof serveApi>>;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  /** A stand-in for the LoadTest controller's run/abort routes: writes what it would write. */
  const loadTestRoutes = {
    kind: 'LoadTest',
    references: [],
    routes: [
      {
        method: 'POST' as const,
        path: 'run',
        handle: (obj: HostObject) => {
          const id = `run-${Date.now()}`;
          const lastRun = { id, trigger: 'Manual', startTime: new Date().toISOString(), outcome: 'Running', progress: { elapsedSeconds: 0, plannedSeconds: 15, fraction: 0 } };
          store.updateStatus('LoadTest', obj.metadata.name, { ...(obj.status ?? {}), phase: 'Running', lastRun });
          // The run finishes shortly after, with results (as the controller's Job would report).
          setTimeout(() => {
            const done = { ...lastRun, outcome: 'Succeeded', completionTime: new Date().toISOString(), progress: { elapsedSeconds: 15, plannedSeconds: 15, fraction: 1 }, http: { requests: 1500, rps: 99.5, avgMs: 21, p95Ms: 48, p99Ms: 80, errorRate: 0.001 }, thresholds: { 'p95<500': true }, resultsFile: 'results.json' };
            const st = (store.get('LoadTest', obj.metadata.name)?.status ?? {}) as Record<string, unknown>;
            store.updateStatus('LoadTest', obj.metadata.name, { ...st, phase: 'Succeeded', lastRun: done, runs: [...((st.runs as unknown[]) ?? []), done] });
          }, 800).unref();
          return { status: 202, body: { message: `started ${id}` } };
        },
      },
    ],
  } as unknown as KindModule;

  beforeAll(async () => {
    buildUiIfStale();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'hostplane-pages-'));
    cpSync(join(ROOT, 'specs'), join(tmp, 'specs'), { recursive: true });
    lab = await startUiLab({ name: 'dev' });
    store = new ObjectStore(new MemoryPersistence());
    const events = new EventRecorder();
    const registry = loadSchemaRegistry();
    source = new SpecSource({ specsDir: join(tmp, 'specs'), store, registry, events, debounceMs: 20 });
    await source.start();
    // The converged lab as the controllers would leave it: dev Ready with its kubeconfig, VMs Running.
    for (const o of store.list()) {
      const ready = o.kind === 'LoadTest' ? cond('Ready', 'True', 'Idle', 'ready to run') : cond('Ready', 'True', 'Available', 'all good');
      store.updateStatus(o.kind, o.metadata.name, { observedGeneration: 1, phase: o.kind === 'VirtualMachine' ? 'Running' : 'Ready', conditions: [ready], ...(o.kind === 'VirtualMachine' ? { ip: '127.0.0.1' } : {}), ...(o.kind === 'Addon' ? { releaseRevision: 2, chartName: o.metadata.name.replace(/^[a-z]+-/, ''), chartVersion: '1.0.0' } : {}) });
    }
    markClusterReady(store, 'dev', lab.kubeconfig);
    // A VM stopped on purpose: its badge says Stopped, not a green Ready.
    store.updateStatus('VirtualMachine', 'prod-worker2', { observedGeneration: 1, phase: 'Stopped', conditions: [cond('Ready', 'False', 'Stopped', 'stopped as the spec asks')] });
    const heavyStart = new Date(Date.now() - 20_000).toISOString();
    store.updateStatus('LoadTest', 'dev-scale-heavy', { phase: 'Running', runCount: 1, conditions: [cond('Ready', 'True', 'Running', 'running')], lastRun: { id: 'r1', trigger: 'Manual', startTime: heavyStart, outcome: 'Running', progress: { elapsedSeconds: 20, plannedSeconds: 180, fraction: 0.11 } } });
    col = createDashboardCollectors({ store, guest, secrets: { get: () => 'pw', values: () => ['pw'] }, intervalMs: 1000 });
    col.start();
    const ctx: ApiContext = {
      store,
      registry,
      events,
      metrics: { render: () => '' },
      specsDir: join(tmp, 'specs'),
      stateDir: new StateDir(join(tmp, 'state')),
      reconcileNow: () => true,
      reconcileInfo: () => ({ lastReconcile: null, inFlight: false }),
      hostCapacity: () => ({ cpu: 16, memoryMiB: 65536, requestedCpu: 10, requestedMemoryMiB: 40960 }),
      secretValues: () => ['pw'],
      kinds: [loadTestRoutes],
      domain: col.data,
    };
    served = await serveApi(ctx, { listen: '127.0.0.1:0' });
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      colorScheme: 'dark',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // Wait until the inventory holds running pods before any page is looked at.
    const deadline = Date.now() + 15_000;
    for (let i = 0; i < 300 && (col.inventory.inventory('dev')?.pods.running ?? 0) <= 5; i++) {
      if (Date.now() > deadline) throw new Error('the simulated cluster did not run the demo pods within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await context?.close();
    await served?.close();
    await col?.stop();
    await source?.stop();
    await lab?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the overview shows one card per cluster with nodes, pod badges and namespaces (load time printed)', async () => {
    const t0 = Date.now();
    await page.goto(`${served.url}/`);
    await page.locator('[data-cluster-card="dev"]').waitFor();
    await page.locator('.cluster-card [data-pods-running]').first().waitFor();
    const loadMs = Date.now() - t0;
    console.log(`overview loaded with cluster cards in ${loadMs} ms (${store.list().length} objects)`);
    expect(await page.locator('.cluster-card [data-nodes]').first().textContent()).toContain('Nodes 3/3 ready');
    await expect.poll(() => page.locator('[data-host-used]').textContent()).toMatch(/memory \d+\.\d GiB used of 40\.0 GiB requested/);
    await page.locator('table.objects tbody tr[data-key]').first().waitFor();
    expect(await page.locator('tr[data-key="VirtualMachine/prod-worker2"] [data-stopped]').textContent()).toContain('Stopped');
    await page.screenshot({ path: join(SHOTS, 'pages-overview.png'), fullPage: true });
  });

  it('the cluster detail shows node gauges, sparklines, ports, pods by namespace, services, add-ons and URLs', async () => {
    await page.goto(`${served.url}/clusters/dev`);
    await page.locator('[data-node="dev-master"]').waitFor();
    await expect.poll(() => page.locator('[data-node="dev-master"] [data-ports]').textContent(), { timeout: 10_000 }).toContain('6443');
    expect(await page.locator('.node-card').count()).toBe(3);
    await page.locator('tr[data-url="grafana"]').waitFor();
    expect(await page.locator('tr[data-url="grafana"]').textContent()).toContain('http://10.200.0.10:30300');
    expect(await page.locator('details.ns[data-ns="demo"]').count()).toBe(1);
    await page.locator('details.ns[data-ns="demo"] summary').click();
    expect(await page.locator('tr[data-service="demo/nginx-web"]').count()).toBe(1);
    expect(await page.locator('tr[data-addon]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'pages-cluster-detail.png'), fullPage: true });
  });

  it('runs a preset from the Testing page and shows its results without a reload', async () => {
    await page.goto(`${served.url}/testing`);
    const row = page.locator('tr[data-loadtest="dev-light-load"]');
    await row.waitFor();
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    expect(await page.locator('tr[data-loadtest="dev-scale-heavy"] [data-progress]').getAttribute('data-progress')).toBe('11');
    await row.locator('[data-action="run"]').click();
    await expect.poll(() => row.getAttribute('data-outcome'), { timeout: 10_000 }).toBe('Succeeded');
    await page.locator('[data-selected="dev-light-load"] [data-rps]').waitFor();
    expect(await page.locator('[data-selected="dev-light-load"] [data-rps]').textContent()).toBe('99.5');
    expect(await page.locator('[data-selected="dev-light-load"] [data-csv]').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'pages-testing.png'), fullPage: true });
  });

  it('the traffic page shows the topology and dropped flows for a denied connection', async () => {
    await page.goto(`${served.url}/traffic`);
    await page.locator('[data-traffic-cluster="dev"]').waitFor();
    await page.locator('svg.topology path[data-edge="dropped"]').first().waitFor({ state: 'attached' });
    expect(await page.locator('svg.topology path[data-edge="forwarded"]').count()).toBeGreaterThan(0);
    await page.locator('table.flows tr[data-verdict="DROPPED"]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'pages-traffic.png'), fullPage: true });
  });

  it('the scaling page shows replicas rising while dev-scale-heavy runs', async () => {
    await page.goto(`${served.url}/scaling`);
    const card = page.locator('[data-hpa="demo/nginx-web"]').first();
    await card.waitFor();
    const before = Number(await card.locator('[data-replicas]').getAttribute('data-replicas'));
    // Load raises the HPA's demand; here the floor is raised, which the simulated HPA controller follows.
    const hpa = col.inventory.inventory('dev')!.hpas.find((h) => h.name.startsWith('nginx'))!;
    lab.cluster.store.patch({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' }, 'demo', hpa.name, 'merge', { spec: { minReplicas: Math.min(hpa.maxReplicas, before + 2) } });
    await expect.poll(async () => Number(await card.locator('[data-replicas]').getAttribute('data-replicas')), { timeout: 20_000 }).toBeGreaterThan(before);
    expect(await page.locator('#replicas-chart').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'pages-scaling.png'), fullPage: true });
  });

  it('load analysis preselects the running scaling test with a LIVE badge and its timeline', async () => {
    await page.goto(`${served.url}/analysis`);
    await page.locator('[data-live]').waitFor();
    expect(await page.locator('[data-run-select]').inputValue()).toBe('dev-scale-heavy/r1');
    await page.locator('tr[data-deployment="demo/nginx-web"]').waitFor();
    expect(await page.locator('#timeline-chart').count()).toBe(1);
    await page.locator('.analysis table.flows tr[data-verdict]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'pages-analysis.png'), fullPage: true });
  });

  it('accepts short names in URLs and keeps working at 800 px', async () => {
    await page.goto(`${served.url}/resources/vm`);
    await page.locator('text=dev-master').first().waitFor();
    await page.goto(`${served.url}/resources/vm/dev-master`);
    await expect.poll(() => page.locator('[data-vm-ports]').textContent(), { timeout: 10_000 }).toContain('6443');
    await page.screenshot({ path: join(SHOTS, 'pages-vm-detail.png'), fullPage: true });
    await page.setViewportSize({ width: 800, height: 900 });
    await page.goto(`${served.url}/clusters/dev`);
    await page.locator('[data-node="dev-master"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'pages-cluster-detail-800.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(errors).toEqual([]);
  });
});
