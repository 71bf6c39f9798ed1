// The dashboard in Debian's Chromium (playwright-core, no browser download) against a real API
// server, a real object store and the real spec source watching a copy of specs/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ObjectStore, MemoryPersistence } from '../../src/controllers/store.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { isSuspended } from '../../src/controllers/object-requests.js';
import { EventRecorder } from '../../src/controllers/events.js';
import { SpecSource } from '../../src/controllers/source.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { createApi, serveApi, type ApiContext } from '../../src/server/server.js';
import { KIND_MODULES } from '../../src/reconcilers/index.js';
import { serve } from '@hono/node-server';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Condition, Kind } from '../../src/api/types.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const UI = join(ROOT, 'ui');
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping browser tests: ${CHROMIUM} is not installed (apt-get install chromium)`);

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newestMtime(join(path, e)));
  return max;
}

/** Builds ui/dist unless it is newer than every input. */
function buildUiIfStale(): void {
  const inputs = [join(UI, 'src'), join(UI, 'index.html'), join(UI, 'vite.config.ts'), join(UI, 'tsconfig.json'), join(ROOT, 'src/api/jsonpath.ts'), join(ROOT, 'src/api/types.ts')];
  const built = join(UI, 'dist', 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...inputs.map(newestMtime))) return;
  execFileSync(process.execPath, [join(UI, 'build.mjs')], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, HOSTPLANE_UI_QUIET: '1' } });
}

function cond(type: string, status: Condition['status'], reason: string, message: string, minutesAgo: number, observedGeneration = 1): Condition {
  return { type, status, reason, message, lastTransitionTime: new Date(Date.now() - minutesAgo * 60_000).toISOString(), observedGeneration };
}

/** A TCP proxy the test can cut, to drop the browser's watch stream the way a flaky network would. */
async function cuttableProxy(target: string): Promise<{ url: string; block(): void; unblock(): void; cutAll(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let blocked = false;
  const server: Server = createServer((client) => {
    if (blocked) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    block: () => void (blocked = true),
    unblock: () => void (blocked = false),
    cutAll: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () => {
      blocked = true;
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(!haveChromium)('dashboard in Chromium', { timeout: 60_000 }, () => {
  let tmp: string;
  let specsDir: string;
  let store: ObjectStore;
  let events: EventRecorder;
  let source: SpecSource;
  let served: Awaited<ReturnType<typeof serveApi>>;
  let ctx: ApiContext;
  let context: BrowserContext;
  let page: Page;
  const reconciled: string[] = [];
  const consoleErrors: string[] = [];
  /** Network errors the browser logs while a test cuts connections on purpose. */
  let expectNetworkErrors = false;

  beforeAll(async () => {
    buildUiIfStale();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'hostplane-ui-'));
    specsDir = join(tmp, 'specs');
    cpSync(join(ROOT, 'specs'), specsDir, { recursive: true });
    // A short history, so a long disconnect can outlive it (the store trims at historySize + 1024).
    store = new ObjectStore(new MemoryPersistence(), { historySize: 50 });
    events = new EventRecorder();
    const registry = loadSchemaRegistry();
    source = new SpecSource({ specsDir, store, registry, events, debounceMs: 20 });
    await source.start();
    expect(store.list().length).toBeGreaterThan(5);

    // What a controller would have written: most things Ready, a few not.
    for (const o of store.list()) {
      const good = !['dev-worker1', 'dev'].includes(o.metadata.name) && o.kind !== 'LoadTest';
      const ready = good
        ? cond('Ready', 'True', o.kind === 'VirtualMachine' ? 'Provisioned' : 'Available', 'all good', 30)
        : cond('Ready', 'False', o.kind === 'Cluster' ? 'DependencyNotReady' : 'ProvisionFailed', o.kind === 'Cluster' ? 'VirtualMachine/dev-worker1 is not Ready' : 'apt-get install conntrack failed: exit 100', 3);
      const conditions = [ready];
      if (o.kind === 'VirtualMachine') conditions.push(cond('Provisioned', good ? 'True' : 'False', good ? 'Done' : 'CommandFailed', good ? '5 steps applied' : 'step packages: exit 100', 3));
      if (o.kind === 'LoadTest') conditions[0] = cond('Ready', 'Unknown', 'NotRun', 'no run yet', 60);
      const phase = o.kind === 'LoadTest' ? 'Pending' : good ? (o.kind === 'VirtualMachine' ? 'Running' : 'Ready') : 'Failed';
      store.updateStatus(o.kind, o.metadata.name, { observedGeneration: 1, phase, conditions, ...(o.kind === 'VirtualMachine' ? { ip: '192.168.64.10' } : {}) });
    }
    events.record({ object: 'VirtualMachine/dev-worker1', type: 'Normal', reason: 'Created', message: 'cloned ghcr.io/cirruslabs/ubuntu:latest' });
    events.record({ object: 'VirtualMachine/dev-worker1', type: 'Warning', reason: 'ProvisionFailed', message: 'step packages: apt-get exited 100' });
    events.record({ object: 'Cluster/dev', type: 'Warning', reason: 'DependencyNotReady', message: 'waiting for VirtualMachine/dev-worker1' });

    ctx = {
      store,
      registry,
      events,
      metrics: { render: () => '' },
      specsDir,
      stateDir: new StateDir(join(tmp, 'state')),
      reconcileNow: (key) => {
        reconciled.push(key);
        return store.getByKey(key) !== undefined;
      },
      reconcileInfo: () => ({ lastReconcile: null, inFlight: false }),
      hostCapacity: () => {
        let cpu = 0;
        let mem = 0;
        for (const vm of store.list('VirtualMachine')) {
          const spec = vm.spec as { cpu?: number; memory?: string };
          cpu += spec.cpu ?? 0;
          mem += Number.parseInt(spec.memory ?? '0', 10) * 1024;
        }
        return { cpu: 16, memoryMiB: 131072, requestedCpu: cpu, requestedMemoryMiB: mem };
      },
      secretValues: () => [],
      // The kinds' modules say who references whom: the dependency graph draws from them.
      kinds: KIND_MODULES,
    };
    served = await serveApi(ctx, { listen: '127.0.0.1:0' });
    // A fresh profile directory per run (playwright passes it as --user-data-dir).
    context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      colorScheme: 'dark',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' && !(expectNetworkErrors && m.text().includes('net::ERR_'))) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  afterAll(async () => {
    await context?.close();
    await served?.close();
    await source?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const row = (key: string) => page.locator(`tr[data-key="${key}"]`);

  it('the overview lists every object, not-ready first, with counts and capacity', async () => {
    await page.goto(`${served.url}/`);
    await row('VirtualMachine/dev-master').waitFor();
    const keys = await page.locator('table.objects tbody tr[data-key]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')!));
    expect(keys.sort()).toEqual(store.list().map((o) => `${o.kind}/${o.metadata.name}`).sort());
    const ready = await page.locator('table.objects tbody tr[data-key]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-ready')));
    const firstTrue = ready.indexOf('True');
    expect(firstTrue).toBeGreaterThan(0);
    expect(ready.slice(firstTrue).every((r) => r === 'True')).toBe(true);
    expect(ready[0]).toBe('False');
    expect(await page.locator('[data-kind-count="VirtualMachine"]').textContent()).toBe(String(store.list('VirtualMachine').length));
    await expect.poll(() => page.locator('.cap-figures').textContent()).toContain('of 16 vCPU requested');
    expect(await page.locator('#capacity-chart').count()).toBe(1);
    expect(await page.locator('#events-chart').count()).toBe(1);
    await expect.poll(() => page.locator('.stream').getAttribute('data-phase')).toBe('live');
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
  });

  it('shows a spec edit on disk, a status change and a spec error live, without a reload', async () => {
    await page.goto(`${served.url}/`);
    await row('VirtualMachine/dev-master').waitFor();
    await expect.poll(() => page.locator('.stream').getAttribute('data-phase')).toBe('live');
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    // A new VM appended to a spec file.
    const file = join(specsDir, 'vms', 'dev.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, `${original}\n---\napiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: dev-worker2\nspec:\n  image: ghcr.io/cirruslabs/ubuntu:latest\n  cpu: 2\n  memory: 8Gi\n`);
    await row('VirtualMachine/dev-worker2').waitFor({ timeout: 10_000 });
    expect(await row('VirtualMachine/dev-worker2').getAttribute('data-ready')).toBe('Unknown');

    // The controller reports it Ready: the badge flips.
    store.updateStatus('VirtualMachine', 'dev-worker2', { observedGeneration: 1, phase: 'Running', conditions: [cond('Ready', 'True', 'Provisioned', 'ok', 0)] });
    await expect.poll(() => row('VirtualMachine/dev-worker2').getAttribute('data-ready')).toBe('True');

    // A broken edit: the banner names file:line:col and the last valid spec stays.
    const broken = join(specsDir, 'vms', 'broken.yaml');
    writeFileSync(broken, 'apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: bad-vm\nspec:\n  cpu: many\n');
    const banner = page.locator('section.banner[aria-label="Spec errors"]');
    await banner.waitFor({ timeout: 10_000 });
    await expect.poll(() => banner.textContent()).toMatch(/vms\/broken\.yaml:\d+:\d+/);
    await page.screenshot({ path: join(SHOTS, 'overview-live-spec-error.png'), fullPage: true });

    // Removing the new document and the broken file: the row and the banner go.
    rmSync(broken);
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    writeFileSync(file, original);
    // What the VM reconciler does once the host resource is gone (the source marks it deleting after its grace period).
    store.markDeleting('VirtualMachine', 'dev-worker2');
    store.remove('VirtualMachine', 'dev-worker2');
    await row('VirtualMachine/dev-worker2').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  });

  it('a detail page shows header, conditions, events, graph and YAML; actions work', async () => {
    await page.goto(`${served.url}/resources/virtualmachines/dev-worker1`);
    await page.locator('.detail h1').waitFor();
    expect(await page.locator('.detail h1').textContent()).toContain('dev-worker1');
    expect(await page.locator('.detail-head [data-ready]').first().getAttribute('data-ready')).toBe('False');
    await page.locator('tr[data-condition="Ready"]').waitFor();
    expect(await page.locator('tr[data-condition="Ready"]').textContent()).toContain('ProvisionFailed');
    expect(await page.locator('tr[data-condition="Provisioned"]').textContent()).toContain('step packages: exit 100');
    await expect.poll(() => page.locator('.timeline li').count()).toBe(2);
    expect(await page.locator('.timeline').textContent()).toContain('apt-get exited 100');
    // Parent-less VM: its child is the dev cluster, coloured not ready.
    expect(await page.locator('svg.graph a[data-key="Cluster/dev"]').getAttribute('data-ready')).toBe('False');
    expect(await page.locator('.yaml').first().textContent()).toContain('cpu: 2');
    expect(await page.locator('.facts').textContent()).toMatch(/vms\/dev\.yaml:\d+:\d+/);

    // Stale marker when the spec moves ahead of what the controller observed.
    await page.getByRole('button', { name: 'Reconcile now' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('queued');
    expect(reconciled).toContain('VirtualMachine/dev-worker1');

    const devYaml = join(specsDir, 'vms', 'dev.yaml');
    const specBefore = readFileSync(devYaml, 'utf8');
    await page.getByRole('button', { name: 'Suspend' }).click();
    // A runtime hold kept in the state dir, not a spec edit.
    await expect.poll(() => page.locator('.notice').textContent()).toContain('suspended');
    expect(readFileSync(devYaml, 'utf8')).toBe(specBefore);
    expect(isSuspended(ctx.stateDir, 'VirtualMachine/dev-worker1')).toBe(true);
    // What `up`'s controller writes when it takes the queued reconcile of a held object; the page shows it.
    const held = store.get('VirtualMachine', 'dev-worker1')!;
    store.updateStatus('VirtualMachine', 'dev-worker1', { ...held.status, conditions: [...(held.status?.conditions ?? []), cond('Suspended', 'True', 'Suspended', 'hostplane suspend: held in the state dir until hostplane resume', 0)] });
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 10_000 });
    // The spec file edited on disk moves the spec ahead of what the controller observed.
    writeFileSync(devYaml, specBefore.replace(/(name: dev-worker1[\s\S]*?\n  cpu: )2\n/, '$13\n'));
    await expect.poll(() => page.locator('[data-testid="generation"]').textContent()).toContain('stale');
    await page.screenshot({ path: join(SHOTS, 'detail-vm.png'), fullPage: true });
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => isSuspended(ctx.stateDir, 'VirtualMachine/dev-worker1')).toBe(false);
    const resumed = store.get('VirtualMachine', 'dev-worker1')!;
    store.updateStatus('VirtualMachine', 'dev-worker1', { ...resumed.status, conditions: (resumed.status?.conditions ?? []).filter((c) => c.type !== 'Suspended') });
    await page.getByRole('button', { name: 'Suspend' }).waitFor({ timeout: 10_000 });

    // A cluster with parents and children.
    await page.goto(`${served.url}/resources/clusters/dev`);
    await page.locator('svg.graph').waitFor();
    expect(await page.locator('svg.graph a[data-key="VirtualMachine/dev-master"]').getAttribute('data-ready')).toBe('True');
    expect(await page.locator('svg.graph a[data-key="VirtualMachine/dev-worker1"]').getAttribute('data-ready')).toBe('False');
    await page.screenshot({ path: join(SHOTS, 'detail-cluster.png'), fullPage: true });
  });

  it('a kind list shows the CRD printer columns', async () => {
    await page.goto(`${served.url}/resources/virtualmachines`);
    await row('VirtualMachine/dev-master').waitFor();
    const headers = await page.locator('table thead th').allTextContents();
    const kinds = await (await fetch(`${served.url}/api/v1/kinds`)).json() as { items: { kind: Kind; printerColumns: { name: string; priority: number }[] }[] };
    const expected = kinds.items.find((k) => k.kind === 'VirtualMachine')!.printerColumns.filter((c) => !c.priority && c.name !== 'Age').map((c) => c.name);
    expect(headers).toEqual(['Name', ...expected, 'Age']);
    expect(await row('VirtualMachine/dev-master').textContent()).toContain('192.168.64.10');
    await page.screenshot({ path: join(SHOTS, 'list-vms.png'), fullPage: true });
  });

  it('is keyboard-usable: / focuses the filter, Tab reaches the object, Enter opens it', async () => {
    await page.goto(`${served.url}/`);
    await row('Cluster/dev').waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');
    await page.keyboard.type('cluster dev');
    await expect.poll(() => page.locator('table.objects tbody tr[data-key]').count()).toBe(1);
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('href') === '/resources/clusters/dev');
    }
    expect(reached).toBe(true);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.screenshot({ path: join(SHOTS, 'keyboard-focus.png') });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${served.url}/resources/clusters/dev`);
    expect(await page.locator('.detail h1').textContent()).toContain('dev');
    // The graph's nodes are links too: Tab reaches one.
    let onGraph = false;
    for (let i = 0; i < 40 && !onGraph; i++) {
      await page.keyboard.press('Tab');
      onGraph = await page.evaluate(() => !!document.activeElement?.closest('svg.graph'));
    }
    expect(onGraph).toBe(true);
  });

  it('reconnects with Last-Event-ID after a dropped stream and relists after a 410', async () => {
    const proxy = await cuttableProxy(served.url);
    const watchHeaders: Record<string, string>[] = [];
    let kindsRequests = 0;
    const onRequest = async (r: import('playwright-core').Request) => {
      if (r.url().includes('/api/v1/watch')) watchHeaders.push(await r.allHeaders());
      if (r.url().endsWith('/api/v1/kinds')) kindsRequests++;
    };
    page.on('request', onRequest);
    expectNetworkErrors = true;
    try {
      await page.goto(`${proxy.url}/`);
      await row('VirtualMachine/prod-master').waitFor();
      await expect.poll(() => page.locator('.stream').getAttribute('data-phase')).toBe('live');
      await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

      // Drop the stream; change things while the browser cannot connect.
      proxy.block();
      proxy.cutAll();
      await expect.poll(() => page.locator('.stream').getAttribute('data-phase')).not.toBe('live');
      store.updateStatus('VirtualMachine', 'prod-master', { observedGeneration: 1, phase: 'Stopped', conditions: [cond('Ready', 'False', 'HostRebooted', 'the VM stopped behind our back', 0)] });
      proxy.unblock();
      await expect.poll(() => row('VirtualMachine/prod-master').getAttribute('data-ready'), { timeout: 20_000 }).toBe('False');
      const resumed = watchHeaders.slice(1).find((h) => h['last-event-id']);
      expect(resumed, JSON.stringify(watchHeaders)).toBeDefined();
      expect(kindsRequests).toBe(1); // a resume, not a relist

      // A disconnect longer than the server's history: the resume gets a 410 and the page relists.
      proxy.block();
      proxy.cutAll();
      await expect.poll(() => page.locator('.stream').getAttribute('data-phase')).not.toBe('live');
      for (let i = 0; i < 1200; i++) store.updateStatus('VirtualMachine', 'prod-master', { observedGeneration: 1, phase: 'Stopped', message: `tick ${i}` });
      store.updateStatus('VirtualMachine', 'prod-master', { observedGeneration: 1, phase: 'Running', conditions: [cond('Ready', 'True', 'Provisioned', 'back', 0)] });
      proxy.unblock();
      await expect.poll(() => row('VirtualMachine/prod-master').getAttribute('data-ready'), { timeout: 20_000 }).toBe('True');
      expect(kindsRequests).toBe(2);
      expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    } finally {
      page.off('request', onRequest);
      await page.goto('about:blank');
      await proxy.close();
      expectNetworkErrors = false;
    }
  });

  it('works beyond loopback with the token: /?token= gives a cookie, the stream and actions use it', async () => {
    const token = 'browser-test-token-0123456789';
    const app = createApi(ctx, { requireToken: true, token });
    const server = await new Promise<ReturnType<typeof serve>>((r) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => r(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const other = await context.browser()?.newContext?.() ?? undefined;
    const p2 = other ? await other.newPage() : await context.newPage();
    try {
      const denied = await p2.goto(`${url}/`);
      expect(denied?.status()).toBe(401);
      await p2.goto(`${url}/resources/clusters/dev?token=${token}`);
      expect(p2.url()).toBe(`${url}/resources/clusters/dev`);
      await p2.locator('.detail h1').waitFor();
      await expect.poll(() => p2.locator('.stream').getAttribute('data-phase')).toBe('live');
      const before = reconciled.length;
      await p2.getByRole('button', { name: 'Reconcile now' }).click();
      await expect.poll(() => reconciled.length).toBe(before + 1);
      expect(reconciled.at(-1)).toBe('Cluster/dev');
    } finally {
      await p2.close();
      await other?.close();
      server.close();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  });

  it('logged no errors in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});

// The detail page against a real manager on the sim host: measured reconciles and the desired-vs-observed diff.
describe.skipIf(!haveChromium)('VM detail page against a running manager', { timeout: 60_000 }, () => {
  it('shows the last reconcile measured by the controller, and a diff that is in sync until the spec moves away from the host', async () => {
    buildUiIfStale();
    const { makeLab, startSim, vmDoc, waitReady } = await import('../fixtures/lab.js');
    const { apiContextFor } = await import('../../src/app/up.js');
    const { waitFor } = await import('../fixtures/wait-for.js');
    const lab = makeLab({ 'web.yaml': vmDoc('web', { restartPolicy: 'Never' }) });
    // A long poll interval: once converged, nothing reconciles the VM unless the test asks for it.
    const sim = await startSim(lab, { pollIntervalMs: 60_000 });
    const api = await serveApi(apiContextFor(sim.manager, lab.specsDir, lab.stateDir), { listen: '127.0.0.1:0' });
    const context = await chromium.launchPersistentContext(join(lab.root, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      colorScheme: 'dark',
    });
    const errors: string[] = [];
    try {
      await waitReady(sim.manager, ['web']);
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => errors.push(String(e)));
      type Info = { kind: string; lastReconcile: { startTime: string; durationMs: number; result: string; message?: string } | null; inFlight: boolean };
      const info = async () => (await (await fetch(`${api.url}/api/v1/virtualmachines/web/reconcile`)).json()) as Info;
      const last = page.locator('[data-testid="last-reconcile"]');
      const summary = page.locator('[data-testid="diff-summary"]');
      /** The header agrees with the API: its duration, its result, its start time in the tooltip. */
      const headerMatchesApi = async () => {
        const i = await info();
        if (!i.lastReconcile) return false;
        const text = (await last.textContent()) ?? '';
        const title = (await last.locator('span').first().getAttribute('title')) ?? '';
        return (await last.getAttribute('data-result')) === i.lastReconcile.result && text.includes(` · ${i.lastReconcile.durationMs} ms · `) && (title.includes(i.lastReconcile.startTime) || title.includes(i.lastReconcile.message ?? '\u0000'));
      };

      await page.goto(`${api.url}/resources/virtualmachines/web`);
      await page.locator('.detail h1').waitFor();
      const converged = await info();
      expect(converged.kind).toBe('ReconcileInfo');
      expect(converged.lastReconcile?.result).toBe('requeueAfter'); // a converged VM is polled
      await waitFor(headerMatchesApi, 10_000, 'the header to show the last reconcile from the API');
      expect(await last.textContent()).toMatch(/^\d+s ago · \d+ ms · requeue after [\d.]+ s/);
      // The VM's status.observed matches its spec: nothing to show but unchanged lines.
      await expect.poll(() => summary.textContent()).toBe('in sync');
      expect(await page.locator('pre.diff .dl.del, pre.diff .dl.add').count()).toBe(0);
      expect(await page.locator('pre.diff').textContent()).toContain('cpu: 2');

      // More CPUs in the spec; restartPolicy Never keeps the VM running at its old size.
      lab.write('web.yaml', vmDoc('web', { restartPolicy: 'Never', cpu: 4 }));
      await waitFor(() => sim.manager.store.get('VirtualMachine', 'web')?.status?.conditions?.some((c) => c.type === 'UpToDate' && c.reason === 'RestartPending'), 10_000, 'RestartPending');
      expect(sim.provider.vm('web')?.cpu).toBe(2);
      await expect.poll(() => summary.textContent()).toBe('1 field differs');
      expect(await page.locator('pre.diff .dl.del').allTextContents()).toEqual(['-desired: cpu: 4\n']);
      expect(await page.locator('pre.diff .dl.add').allTextContents()).toEqual(['+observed: cpu: 2\n']);
      // The reconcile of the new spec is the one the header shows (refetched as the object changed).
      await waitFor(async () => (await info()).lastReconcile!.startTime > converged.lastReconcile!.startTime && headerMatchesApi(), 10_000, 'the header to show the newer reconcile');
      await page.screenshot({ path: join(SHOTS, 'detail-vm-diff.png'), fullPage: true });

      // The provider stops answering: the reconcile fails, the header says so with the error as its tooltip,
      // and the diff keeps the last observation instead of going blank.
      sim.provider.apply({ op: 'fail', command: 'list', times: 1_000, message: 'injected: tart list failed' });
      await page.getByRole('button', { name: 'Reconcile now' }).click();
      await expect.poll(() => last.getAttribute('data-result'), { timeout: 15_000 }).toBe('error');
      expect(await last.locator('span').first().getAttribute('title')).toContain('injected: tart list failed');
      expect(await summary.textContent()).toBe('1 field differs');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await api.close();
      await sim.stop();
      lab.cleanup();
    }
  });
});

// The dashboard as a user first sees it: the real `hostplane up` process on the example lab in specs/.
describe.skipIf(!haveChromium)('dashboard served by hostplane up on the example lab', { timeout: 300_000 }, () => {
  it('shows the ten VMs of the example lab Ready on the sim host, and a Cluster\'s conditions', async () => {
    buildUiIfStale();
    const { startUp } = await import('../fixtures/cli.js');
    const tmp = mkdtempSync(join(tmpdir(), 'hostplane-up-ui-'));
    cpSync(join(ROOT, 'specs'), join(tmp, 'specs'), { recursive: true });
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const up = startUp(['--specs', join(tmp, 'specs'), '--state', join(tmp, '.hostplane'), '--provider', 'sim', '--sim-scale', '0.2', '--listen', `127.0.0.1:${port}`]);
    const context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      colorScheme: 'dark',
    });
    try {
      await up.waitForOutput('reconciling', 30_000);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://127.0.0.1:${port}/`);
      const vmCard = page.locator('.kind-card', { hasText: 'VirtualMachines' });
      await expect.poll(() => vmCard.innerText(), { timeout: 45_000 }).toMatch(/10\s+ready/);
      await page.goto(`http://127.0.0.1:${port}/resources/clusters/dev`);
      await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('InfrastructureReady');
      await page.goto(`http://127.0.0.1:${port}/`);
      await expect.poll(() => vmCard.innerText(), { timeout: 15_000 }).toMatch(/10\s+ready/);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'up-example-lab.png'), fullPage: true });
    } finally {
      await context.close();
      await up.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('runs as the built package `npm start` runs, finding its CRDs and dashboard with no sources beside it (seed 003 BUG-007: __dirname under ESM)', async () => {
    buildUiIfStale();
    const { spawn } = await import('node:child_process');
    const { symlinkSync } = await import('node:fs');
    const tmp = mkdtempSync(join(tmpdir(), 'hostplane-built-'));
    // The package as `npm run build` leaves it, without src/: bin/hostplane.mjs must take dist/.
    const pkg = join(tmp, 'pkg');
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    execFileSync(process.execPath, [join(ROOT, 'hack/build/copy-assets.mjs'), join(pkg, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    for (const d of ['bin', 'crds']) cpSync(join(ROOT, d), join(pkg, d), { recursive: true });
    cpSync(join(UI, 'dist'), join(pkg, 'ui', 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    cpSync(join(ROOT, 'specs'), join(tmp, 'specs'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.HOSTPLANE_FROM_SOURCE;
    const bin = join(pkg, 'bin', 'hostplane.mjs');

    const explained = execFileSync(process.execPath, [bin, 'explain', 'vm.spec.cpu', '--specs', join(tmp, 'specs')], { env, encoding: 'utf8' });
    expect(explained).toMatch(/cpu/i);

    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const child = spawn(process.execPath, [bin, 'up', '--specs', join(tmp, 'specs'), '--provider', 'sim', '--sim-scale', '0.2', '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await expect.poll(() => (child.exitCode === null ? out : `exited ${child.exitCode}: ${out}`), { timeout: 30_000 }).toContain('reconciling');
      expect(out).toMatch(/sim/i); // the banner says no real provider is in use
      const base = `http://127.0.0.1:${port}`;
      const html = await (await fetch(`${base}/`)).text();
      const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
      expect(script).toBeTruthy();
      expect((await fetch(new URL(script!, base))).status).toBe(200);
      await expect
        .poll(async () => {
          const list = (await (await fetch(`${base}/api/v1/virtualmachines`)).json()) as { items: { status?: { conditions?: Condition[] } }[] };
          return list.items.filter((o) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        }, { timeout: 45_000, interval: 500 })
        .toBe(10);
      // The state dir defaulted to .hostplane beside the specs, not inside the package.
      expect(existsSync(join(tmp, '.hostplane'))).toBe(true);
      expect(existsSync(join(pkg, '.hostplane'))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      expect(code).toBe(0);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
