// The app as `hostplane up` builds it, in process, on the sim host with the repo's example lab
// (specs/ and manifests/ copied to a temp dir): the manager with every kind's real controller,
// simulated VMs whose kubeadm starts simulated API servers, the dashboard collectors and the API.
// One ScaledClock drives the manager's queues and the simulated clusters, so load tests and HPAs
// run `scale` times faster than real time. `only` keeps a subset of the spec files (a cluster and
// what it needs) when the whole lab would take too long to converge.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { apiContextFor } from '../../src/app/up.js';
import { createHostManager, type HostManager } from '../../src/app/host-manager.js';
import { createDashboardCollectors, type DashboardCollectors } from '../../src/app/collectors/index.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { serveApi } from '../../src/server/server.js';
import { SimClusters } from '../../src/sim/host/sim-clusters.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import { ScaledClock } from '../../src/sim/kube/control-plane/index.js';
import { getCondition } from '../../src/api/conditions.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LabApp {
  root: string;
  specsDir: string;
  stateDir: StateDir;
  manager: HostManager;
  collectors: DashboardCollectors;
  clock: ScaledClock;
  url: string;
  ready(kind: string, name: string): boolean;
  /** Closes the API only (as when `up` stops): the dashboard loses its stream. */
  stopApi(): Promise<void>;
  stop(): Promise<void>;
}

export interface LabAppOptions {
  /** Spec files to keep, relative to specs/ (default: all). */
  only?: string[];
  /** Simulated seconds per real second for the clusters and the controllers' queues. */
  scale?: number;
  /** Provider latency factor of the simulated VMs (1 = realistic). */
  vmLatency?: number;
  /** Changes to the copied lab before the manager starts (extra specs). */
  edit?: (root: string) => void;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

export async function startLabApp(opts: LabAppOptions = {}): Promise<LabApp> {
  const root = mkdtempSync(join(tmpdir(), 'hostplane-lab-app-'));
  const specsDir = join(root, 'specs');
  cpSync(join(ROOT, 'manifests'), join(root, 'manifests'), { recursive: true });
  mkdirSync(specsDir);
  for (const f of files(join(ROOT, 'specs'))) {
    const rel = relative(join(ROOT, 'specs'), f);
    if (!opts.only || opts.only.includes(rel)) cpSync(f, join(specsDir, rel), { recursive: true });
  }
  opts.edit?.(root);
  const stateDir = new StateDir(join(root, '.hostplane'));
  const clock = new ScaledClock(opts.scale ?? 1);
  const clusters = new SimClusters(stateDir.ensure('sim/clusters'), { clock });
  const provider = new SimVmProvider(stateDir, { scale: opts.vmLatency ?? 0.05, clusters });
  const manager = createHostManager({
    specsDir,
    stateDir,
    provider,
    guest: new SimGuestExec(provider),
    log: { info() {}, warn() {} },
    queueClock: clock,
    pollIntervalMs: 1000,
    capacity: { cpu: 16, memoryMiB: 128 * 1024 },
  });
  await manager.start();
  const collectors = createDashboardCollectors({ store: manager.store, guest: manager.ports.guest, secrets: manager.ports.secrets, intervalMs: 1000 });
  collectors.start();
  const api = await serveApi(apiContextFor(manager, specsDir, stateDir, collectors.data), { listen: '127.0.0.1:0' });
  return {
    root,
    specsDir,
    stateDir,
    manager,
    collectors,
    clock,
    url: api.url,
    ready: (kind, name) => getCondition(manager.store.get(kind, name)?.status?.conditions, 'Ready')?.status === 'True',
    stopApi: () => api.close().catch(() => {}),
    async stop() {
      await api.close().catch(() => {});
      await collectors.stop().catch(() => {});
      await manager.stop(10_000).catch(() => {});
      await clusters.close().catch(() => {}); // the guest's close does this too; twice is harmless
      rmSync(root, { recursive: true, force: true });
    },
  };
}
