// The dashboard in Debian's Chromium (playwright-core, headless) on a converged example lab: the
// app as `up` builds it (test/browser/lab-app.ts) on the sim host with the repo's specs and
// manifests — real controllers, simulated VMs and Kubernetes API servers, the collectors, the
// stand-in Hubble relay over gRPC. Time runs ×SCALE in the clusters and the controllers' queues.
// By default the dev cluster and its add-ons and load tests converge (the whole lab takes
// minutes on a loaded 2-core machine); HOSTPLANE_UI_FULL_LAB=1 loads every spec. Screenshots go to
// test-results/screenshots/lab-*.png (the path is printed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Inventory, TrafficView } from '../../src/api/dashboard.js';
import { startLabApp, type LabApp } from './lab-app.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const UI = join(ROOT, 'ui');
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const SCALE = 10;
const FULL = process.env.HOSTPLANE_UI_FULL_LAB === '1';
const DEV_ONLY = ['vms/dev.yaml', 'clusters/dev.yaml', 'addons/dev.yaml', 'loadtests/http.yaml', 'loadtests/scaling.yaml', 'loadtests/stress.yaml', 'vms/spare.yaml'];
const haveChromium = existsSync(CHROMIUM);
/** The Overview's card of the dev cluster (the attribute sits on its title row). */
const DEV_CARD = '.cluster-card:has([data-cluster-card="dev"])';

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newestMtime(join(path, e)));
  return max;
}

function buildUiIfStale(): void {
  const inputs = [join(UI, 'src'), join(UI, 'index.html'), join(ROOT, 'src/api')];
  const built = join(UI, 'dist', 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...inputs.map(newestMtime))) return;
  execFileSync(process.execPath, [join(UI, 'build.mjs')], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, HOSTPLANE_UI_QUIET: '1' } });
}

/** A VM the lab keeps stopped on purpose: its badge must say Stopped, and the sidebar must not count it. */
const SPARE_VM = `apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: spare
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: 1
  memory: 1Gi
  powerState: Stopped
`;

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms: number, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (let i = 0; ; i++) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} ${detail()}`);
    await new Promise((r) => setTimeout(r, Math.min(500, 50 * (i + 1))));
  }
}

describe.skipIf(!haveChromium)('dashboard on a converged example lab (Chromium)', { timeout: 90_000 }, () => {
  let app: LabApp;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const shots: string[] = [];
  const shot = async (name: string) => {
    const path = join(SHOTS, `lab-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    shots.push(path);
  };
  /** How many pixels of the recent-flows table are hidden behind its own horizontal scrollbar. */
  const flowsClippedBy = () =>
    page.locator('table.flows').first().evaluate((t) => {
      const wrap = t.closest('.table-wrap') ?? t.parentElement!;
      return wrap.scrollWidth - wrap.clientWidth;
    });
  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers; text: string }> => {
    const res = await fetch(`${app.url}${path}`, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* CSV */
    }
    return { status: res.status, body: body as T, headers: res.headers, text };
  };
  const inventory = () => app.collectors.inventory.inventory('dev') as Inventory | undefined;

  beforeAll(async () => {
    buildUiIfStale();
    mkdirSync(SHOTS, { recursive: true });
    const t0 = Date.now();
    app = await startLabApp({
      scale: SCALE,
      ...(FULL ? {} : { only: DEV_ONLY }),
      edit: (root) => {
        mkdirSync(join(root, 'specs/vms'), { recursive: true });
        writeFileSync(join(root, 'specs/vms/spare.yaml'), SPARE_VM);
      },
    });
    // What the pages need: dev Ready, its demo apps and policies, every preset runnable (a scaling one only
    // once metrics.k8s.io answers and its HPAs are ScalingActive), the collectors filled.
    const presets = app.manager.store.list('LoadTest').map((o): [string, string] => ['LoadTest', o.metadata.name]);
    expect(presets.map(([, n]) => n)).toEqual(expect.arrayContaining(['dev-light-load', 'dev-scale-heavy']));
    const needed: Array<[string, string]> = [['Cluster', 'dev'], ['Addon', 'dev-demo-apps'], ['Addon', 'dev-network-policies'], ...presets];
    const notReady = () => needed.filter(([k, n]) => !app.ready(k, n)).map(([k, n]) => `${k}/${n} (${JSON.stringify((app.manager.store.get(k, n)?.status?.conditions ?? []).find((c) => c.type === 'Ready')?.message ?? 'no status')})`).join('; ');
    await until(`Ready: ${needed.map((n) => n.join('/')).join(', ')} — not yet`, () => needed.every(([k, n]) => app.ready(k, n)), 180_000, notReady);
    await until('the inventory of dev with HPAs and node metrics', () => {
      const inv = inventory();
      return inv && inv.hpas.length >= 2 && inv.metricsServed && inv.pods.running >= 10 && inv.hpas.every((h) => h.cpuPercent !== null);
    }, 60_000, () => JSON.stringify({ hpas: inventory()?.hpas, metricsServed: inventory()?.metricsServed, running: inventory()?.pods.running }));
    await until('dropped flows in dev', () => (app.collectors.flows.traffic('dev')?.dropped ?? 0) > 0, 30_000);
    console.log(`lab converged in ${((Date.now() - t0) / 1000).toFixed(1)} s (${FULL ? 'every spec' : 'dev cluster, its add-ons and load tests'}; ${app.manager.store.list().length} objects; time ×${SCALE})`);
    context = await chromium.launchPersistentContext(join(app.root, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      colorScheme: 'dark',
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text()) && errors.push(m.text()));
  }, 360_000);

  afterAll(async () => {
    if (shots.length) console.log(`screenshots (${shots.length}) in ${SHOTS}:\n  ${shots.map((s) => s.slice(SHOTS.length + 1)).join('\n  ')}`);
    await context?.close();
    await app?.stop();
  }, 60_000);

  it('Overview: a card for dev with its nodes, pod badges and namespaces, from the live lab (load time printed)', async () => {
    const t0 = Date.now();
    await page.goto(`${app.url}/`);
    await page.locator(`${DEV_CARD} [data-pods-running]`).waitFor();
    const cardsMs = Date.now() - t0;
    await page.locator('table.objects tbody tr[data-key]').first().waitFor();
    const tableMs = Date.now() - t0;
    console.log(`Overview load: cluster cards in ${cardsMs} ms, all-objects table in ${tableMs} ms (${app.manager.store.list().length} objects)`);
    const inv = inventory()!;
    expect(await page.locator(`${DEV_CARD} [data-nodes]`).textContent()).toContain(`Nodes ${inv.nodes.length}/${inv.nodes.length} ready`);
    expect(Number(await page.locator(`${DEV_CARD} [data-pods-running]`).textContent().then((t) => /\d+/.exec(t ?? '')?.[0]))).toBeGreaterThanOrEqual(10);
    expect(await page.locator(DEV_CARD).textContent()).toContain('demo');
    await shot('overview');
  });

  it('Cluster detail: a gauge card per node, pods by namespace, services, add-ons with chart versions', async () => {
    await page.goto(`${app.url}/clusters/dev`);
    await page.locator('[data-node="dev-master"]').waitFor();
    expect(await page.locator('.node-card').count()).toBe(inventory()!.nodes.length);
    await expect.poll(() => page.locator('[data-node="dev-master"] [data-ports]').textContent(), { timeout: 15_000 }).toContain('6443');
    expect(await page.locator('details.ns[data-ns="demo"]').count()).toBe(1);
    await page.locator('details.ns[data-ns="demo"] summary').click();
    await page.locator('tr[data-service="demo/nginx-web"]').waitFor();
    expect(await page.locator('tr[data-addon="dev-istiod"]').textContent()).toContain('1.24.2');
    await shot('cluster-dev');
  });

  it('Testing: Run on a preset shows its progress and results without a reload; the CSV link is the results route', async () => {
    await page.goto(`${app.url}/testing`);
    const row = page.locator('tr[data-loadtest="dev-light-load"]');
    await row.waitFor();
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await row.locator('[data-action="run"]').click();
    await expect.poll(() => row.getAttribute('data-outcome'), { timeout: 60_000 }).toMatch(/^(Succeeded|Failed)$/);
    const rps = page.locator('[data-selected="dev-light-load"] [data-rps]');
    await rps.waitFor();
    expect(Number(await rps.textContent())).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    // The link the page offers is the route the LoadTest kind serves: CSV with the run's metrics and samples.
    const href = await page.locator('[data-selected="dev-light-load"] [data-csv]').getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/loadtests\/dev-light-load\/results\?format=csv&run=.+/);
    const csv = await api<string>(href!);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toMatch(/^[a-zA-Z_]+(,[a-zA-Z_0-9]+)+$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-selected="dev-light-load"] [data-csv]').click()]);
    expect(download.suggestedFilename()).toMatch(/^dev-light-load-.+\.csv$/);
    expect(readFileSync((await download.path())!, 'utf8')).toBe(csv.text);
    await shot('testing');
  });

  it('Scaling: nginx-web replicas rise while dev-scale-heavy runs (time ×10)', async () => {
    await page.goto(`${app.url}/scaling`);
    const card = page.locator('[data-hpa="demo/nginx-web"]').first();
    await card.waitFor();
    const before = Number(await card.locator('[data-replicas]').getAttribute('data-replicas'));
    expect((await api(`/api/v1/loadtests/dev-scale-heavy/run`, { method: 'POST' })).status).toBe(202);
    await expect.poll(async () => Number(await card.locator('[data-replicas]').getAttribute('data-replicas')), { timeout: 60_000, interval: 500 }).toBeGreaterThan(before);
    expect(await page.locator('#replicas-chart').count()).toBe(1);
    await shot('scaling');
    // Load analysis preselects the running scaling run.
    await page.goto(`${app.url}/analysis`);
    await expect.poll(() => page.locator('[data-run-select]').inputValue(), { timeout: 15_000 }).toMatch(/^dev-scale-heavy\//);
    expect(await page.locator('#timeline-chart').count()).toBe(1);
    await shot('analysis');
  });

  it('Traffic: the topology and flows show connections the applied policies deny as DROPPED', async () => {
    const view = (await api<TrafficView>('/api/v1/clusters/dev/traffic')).body;
    // nginx-web → httpbin is allowed for GET only (allow-nginx-to-httpbin): its POSTs are denied.
    expect(view.recent.some((f) => f.verdict === 'DROPPED' && f.dropReasonDesc)).toBe(true);
    await page.goto(`${app.url}/traffic`);
    await page.locator('[data-traffic-cluster="dev"]').waitFor();
    await page.locator('svg.topology path[data-edge="dropped"]').first().waitFor({ state: 'attached' });
    expect(await page.locator('svg.topology path[data-edge="forwarded"]').count()).toBeGreaterThan(0);
    const dropped = page.locator('table.flows tr[data-verdict="DROPPED"]').first();
    await dropped.waitFor();
    expect(await dropped.textContent()).toMatch(/Policy denied|denies/);
    // Every column, the verdict last, is on screen: nothing clipped behind the table's own scrollbar.
    expect(await flowsClippedBy()).toBeLessThanOrEqual(0);
    const pill = await dropped.locator('.pill').boundingBox();
    const panel = await page.locator('section[aria-labelledby="recent-h"]').boundingBox();
    expect(pill && panel && pill.x + pill.width <= panel.x + panel.width).toBe(true);
    await shot('traffic');
  });

  it('habits: short names in URLs, counts that say what they count, Stopped for a VM stopped on purpose, 800 px', async () => {
    await page.goto(`${app.url}/resources/vm`);
    await page.locator('text=dev-master').first().waitFor();
    expect(await page.locator('h1').first().textContent()).toBe('VirtualMachines');
    await page.goto(`${app.url}/resources/vm/dev-master`);
    await expect.poll(() => page.locator('[data-vm-ports]').textContent(), { timeout: 15_000 }).toContain('6443');
    await shot('vm-dev-master');
    await page.goto(`${app.url}/`);
    await until('spare stopped', () => app.manager.store.get('VirtualMachine', 'spare')?.status?.phase === 'Stopped', 30_000);
    const badge = page.locator('tr[data-key="VirtualMachine/spare"] [data-stopped]');
    await badge.waitFor();
    expect(await badge.textContent()).toContain('Stopped');
    // What the card must say follows the store (the small lab has 2 running VMs, the full one 10).
    const vmCardText = () => {
      const vms = app.manager.store.list('VirtualMachine');
      const stopped = vms.filter((o) => o.status?.phase === 'Stopped').length;
      const ready = vms.filter((o) => o.status?.phase !== 'Stopped' && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      return `${ready} ready · ${stopped} stopped`;
    };
    await expect.poll(() => page.locator('[data-kind-count="VirtualMachine"] + .card-sub').textContent(), { timeout: 10_000 }).toBe(vmCardText());
    expect(vmCardText()).toMatch(/^\d+ ready · 1 stopped$/);
    // The VM link carries no count (the stopped VM is not failing); every count names what it counts.
    expect(await page.locator('nav a[href="/resources/virtualmachines"] [data-count]').count()).toBe(0);
    for (const t of await page.locator('nav [data-count]').allTextContents()) expect(t.trim()).toMatch(/^\d+ (not ready|pending)$/);
    await page.setViewportSize({ width: 800, height: 900 });
    for (const [path, ready, name] of [['/', '[data-cluster-card="dev"]', 'overview'], ['/clusters/dev', '[data-node="dev-master"]', 'cluster-dev'], ['/testing', 'tr[data-loadtest]', 'testing'], ['/traffic', '[data-traffic-cluster="dev"]', 'traffic'], ['/scaling', '[data-hpa]', 'scaling'], ['/analysis', '[data-run-select]', 'analysis']] as const) {
      await page.goto(`${app.url}${path}`);
      await page.locator(ready).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${path} at 800 px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
      if (path === '/traffic') expect(await flowsClippedBy(), 'recent flows at 800 px hide columns').toBeLessThanOrEqual(0);
      await shot(`${name}-800px`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(errors).toEqual([]);
  });

  it('stale: when up stops serving, the pages say their figures are as of the last update', async () => {
    await page.goto(`${app.url}/`);
    await page.locator(`${DEV_CARD} [data-pods-running]`).waitFor();
    await app.stopApi();
    await page.locator('[data-stale]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-stale]').textContent()).toMatch(/Not connected to hostplane up.*as of .* may be stale/);
    await page.locator('[data-host-used] .stale').waitFor();
    await shot('stale');
  });
});
