// `hostplane up`: reconcile the lab in the specs directory and serve the API and dashboard.
import { resolve } from 'node:path';
import { StateDir, StateLockedError } from '../controllers/state-dir.js';
import { recordUpApi } from '../controllers/object-requests.js';
import { serveApi, type ApiContext } from '../server/server.js';
import type { DomainData } from '../server/domain/routes.js';
import { createDashboardCollectors } from './collectors/index.js';
import { chooseProvider } from './select-provider.js';
import { createProviders } from './adapters.js';
import { createHostManager, type HostManager } from './host-manager.js';
import { EXIT } from './exit-codes.js';
import { formatSpecError } from '../api/spec-error.js';
import { KIND_MODULES } from '../reconcilers/index.js';
import { reportProgress } from './progress.js';
import type { Painter } from '../cli/format.js';

export interface UpOptions {
  specs: string;
  state: string;
  provider: 'auto' | 'sim' | 'tart' | 'qemu';
  listen: string | false;
  workers?: number;
  graceMs?: number;
  simScale?: number;
  /** No progress lines after the banner. */
  quiet?: boolean;
  /** Progress as one line rewritten in place (stdout is a terminal). */
  progressTty?: boolean;
  pollIntervalMs?: number;
  /** Safety-net resync of every object (default 10 h). */
  resyncPeriodMs?: number;
  hostCpu?: number;
  hostMemoryMiB?: number;
}

/** What the API reads and drives, taken from a running manager (tests serve a manager's API with it too). */
export function apiContextFor(manager: HostManager, specsDir: string, stateDir: StateDir, domain?: DomainData): ApiContext {
  return {
    store: manager.store,
    registry: manager.registry,
    events: manager.events,
    metrics: manager.metrics,
    specsDir,
    stateDir,
    reconcileNow: (key) => manager.reconcileNow(key),
    reconcileInfo: (key) => manager.reconcileInfo(key),
    hostCapacity: () => {
      const a = manager.capacity.allocatable;
      const r = manager.capacity.requested;
      return { cpu: a.cpu, memoryMiB: a.memoryMiB, requestedCpu: r.cpu, requestedMemoryMiB: r.memoryMiB };
    },
    secretValues: () => manager.ports.secrets.values(),
    kinds: KIND_MODULES,
    domain,
  };
}

export async function up(opts: UpOptions, paint: Painter, out: (s: string) => void = console.log): Promise<number> {
  const specsDir = resolve(opts.specs);
  const stateDir = new StateDir(opts.state);
  const choice = chooseProvider(opts.provider);
  const log = {
    info: (m: string) => out(`${new Date().toISOString()} ${m}`),
    warn: (m: string) => out(`${new Date().toISOString()} ${paint.yellow('WARN')} ${m}`),
  };
  const { provider, guest } = await createProviders(choice.provider, stateDir, { simScale: opts.simScale });
  if (choice.provider === 'sim') {
    for (const l of box(['SIM HOST: no real VMs are created. VMs, guests and their IPs are', 'simulated in-process (state in the state dir).'])) out(paint.yellow(paint.bold(l)));
  }
  out(`provider: ${choice.provider} (${choice.why})`);
  out(`specs:    ${specsDir}`);
  out(`state:    ${stateDir.root}`);

  const manager = createHostManager({
    specsDir,
    stateDir,
    provider,
    guest,
    log,
    workers: opts.workers,
    graceMs: opts.graceMs,
    pollIntervalMs: opts.pollIntervalMs,
    resyncPeriodMs: opts.resyncPeriodMs,
    capacity: {
      ...(opts.hostCpu ? { cpu: opts.hostCpu } : choice.provider === 'sim' ? { cpu: 16 } : {}),
      ...(opts.hostMemoryMiB ? { memoryMiB: opts.hostMemoryMiB } : choice.provider === 'sim' ? { memoryMiB: 128 * 1024 } : {}),
    },
  });
  const startedAt = Date.now();
  try {
    await manager.start();
  } catch (err) {
    if (err instanceof StateLockedError) {
      out(paint.red(`error: ${err.message}`));
      return EXIT.locked;
    }
    throw err;
  }
  const counts = new Map<string, number>();
  for (const o of manager.store.list()) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  out(`loaded:   ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'no objects'}; ${manager.store.specErrors().length} spec errors`);
  for (const e of manager.store.specErrors()) out(paint.red(`  ${formatSpecError(e)}`));

  let api: Awaited<ReturnType<typeof serveApi>> | undefined;
  // The dashboard's live data (guest metrics, cluster inventory, flows), collected once for every reader.
  const collectors = opts.listen !== false ? createDashboardCollectors({ store: manager.store, guest: manager.ports.guest, secrets: manager.ports.secrets }) : undefined;
  collectors?.start();
  if (opts.listen !== false) {
    try {
      api = await serveApi(apiContextFor(manager, specsDir, stateDir, collectors?.data), { listen: opts.listen });
    } catch (err) {
      // Without its API `up` must not linger holding the lock: stop what started, say why, exit 1.
      out(paint.red(`error: cannot serve the API on ${opts.listen}: ${err instanceof Error ? err.message : String(err)} (pick another --listen HOST:PORT, or --listen off)`));
      await collectors?.stop().catch(() => {});
      await manager.stop(20_000).catch(() => {});
      return 1;
    }
    // `hostplane reconcile|suspend|resume` find this `up`'s API here.
    recordUpApi(stateDir, api.url);
    out(`api:      ${api.url}/api/v1   dashboard: ${api.url}/${api.token ? `?token=${api.token}` : ''}`);
    if (api.token) out(paint.bold(`token:    ${api.token}   (listening beyond loopback: every request needs Authorization: Bearer <token>; kept in ${stateDir.path('api-token')})`));
  }
  out('reconciling; Ctrl-C stops hostplane (VMs keep running)');
  const tty = opts.progressTty === true;
  const stopProgress = opts.quiet
    ? () => {}
    : reportProgress(
        { list: () => manager.store.list(), watch: (l) => manager.store.watch(() => l()), subscribe: (fn) => manager.events.subscribe(fn), events: () => manager.events.list() },
        { kinds: KIND_MODULES.map((m) => m.kind), tty, since: startedAt - 1000, readySince: startedAt, write: (s) => (tty ? process.stdout.write(s) : out(s.replace(/\n$/, ''))) },
      );

  return await new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      stopProgress();
      out(`${signal}: stopping (in-flight reconciles get 20s)…`);
      await api?.close().catch(() => {});
      await collectors?.stop().catch(() => {});
      await manager.stop(20_000).catch((e) => out(`stop: ${String(e)}`));
      out('stopped');
      resolveExit(0);
      // A reconcile that ignored its abort must not go on acting after the lock is released.
      setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}

/** A box whose right border lines up whatever the text's length (one column of padding each side). */
export function box(lines: readonly string[]): string[] {
  const w = Math.max(...lines.map((l) => [...l].length));
  const bar = '─'.repeat(w + 2);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${l}${' '.repeat(w - [...l].length)} │`), `└${bar}┘`];
}
