// A sim host with kubeadm in its guests, for the Cluster end-to-end tests: short poll intervals, a
// temp HOME for ~/.kube/config, and the cluster registry the test can inspect (init counts).
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getCondition } from '../../src/api/conditions.js';
import type { HostManager, HostManagerOptions } from '../../src/app/host-manager.js';
import { createHostManager } from '../../src/app/host-manager.js';
import type { GuestExec } from '../../src/ports/guest-exec.js';
import { SimClusters } from '../../src/sim/host/sim-clusters.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import type { Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

export interface ClusterLab {
  manager: HostManager;
  provider: SimVmProvider;
  clusters: SimClusters;
  home: string;
  stop(): Promise<void>;
}

/** `wrapGuest`: put a test double around the sim guest port (e.g. one that dies after a command). */
export async function startClusterSim(lab: Lab, opts: Partial<HostManagerOptions> & { wrapGuest?: (g: GuestExec) => GuestExec } = {}): Promise<ClusterLab> {
  const { wrapGuest, ...managerOpts } = opts;
  const clusters = new SimClusters(lab.stateDir.ensure('sim/clusters'), { persistDebounceMs: 100 });
  const provider = new SimVmProvider(lab.stateDir, { scale: 0.01, clusters });
  const home = join(lab.root, 'home');
  mkdirSync(home, { recursive: true });
  const manager = createHostManager({
    specsDir: lab.specsDir,
    stateDir: lab.stateDir,
    provider,
    guest: wrapGuest ? wrapGuest(new SimGuestExec(provider)) : new SimGuestExec(provider),
    log: { info() {}, warn() {} },
    graceMs: 300,
    pollIntervalMs: 200,
    observeMaxAgeMs: 50,
    capacity: { cpu: 64, memoryMiB: 256 * 1024 },
    clusterOptions: { pollIntervalMs: 500, waitMs: 200, drainTimeoutMs: 5_000, certCheckIntervalMs: 1_000, home },
    ...managerOpts,
  });
  await manager.start();
  return { manager, provider, clusters, home, stop: () => manager.stop(10_000) };
}

/** The example lab's VM and Cluster specs (addons and load tests left out: other kinds' tests). */
export function exampleLabFiles(only?: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of ['vms', 'clusters']) {
    for (const f of readdirSync(join('specs', dir))) if (!only || only.some((n) => f.startsWith(n))) files[`${dir}/${f}`] = readFileSync(join('specs', dir, f), 'utf8');
  }
  return files;
}

export function clusterReady(m: HostManager, name: string): string | undefined {
  return getCondition(m.store.get('Cluster', name)?.status?.conditions, 'Ready')?.status;
}

export function clusterCondition(m: HostManager, name: string, type: string) {
  return getCondition(m.store.get('Cluster', name)?.status?.conditions, type);
}

export async function waitClusterReady(m: HostManager, names: string[], timeoutMs = 60_000): Promise<void> {
  try {
    await waitFor(() => names.every((n) => clusterReady(m, n) === 'True'), timeoutMs, `Ready=True on ${names.join(', ')}`, 50);
  } catch (e) {
    const why = names.map((n) => `${n}: ${JSON.stringify(getCondition(m.store.get('Cluster', n)?.status?.conditions, 'Ready'))}`).join('; ');
    throw new Error(`${(e as Error).message}; ${why}`);
  }
}
