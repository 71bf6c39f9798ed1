// Bench scenarios. Each runs in its own process (fresh heap, honest RSS) and prints one JSON line.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarioFromArgv } from './scenario-main.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { createHostManager } from '../../src/app/host-manager.js';
import { SpecSource } from '../../src/controllers/source.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { MemoryPersistence, ObjectStore } from '../../src/controllers/store.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import { getCondition } from '../../src/api/conditions.js';

const vmDoc = (name: string, cpu = 1) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: ${name}\nspec:\n  image: ghcr.io/cirruslabs/ubuntu:latest\n  cpu: ${cpu}\n  memory: 1Gi\n  network: {mode: softnet, allow: ["0.0.0.0/0"]}\n  provision:\n    hostname: ${name}\n`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hostplane-bench-'));
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const quiet = { info() {}, warn() {} };

/** Start-up: time and memory to watch, parse, validate and store N spec files. */
export async function loadFiles(n: number): Promise<object> {
  const root = tmp();
  const specs = join(root, 'specs');
  mkdirSync(specs);
  for (let i = 0; i < n; i++) {
    const dir = join(specs, `g${Math.floor(i / 500)}`);
    if (i % 500 === 0) mkdirSync(dir);
    writeFileSync(join(dir, `vm-${i}.yaml`), vmDoc(`vm-${i}`));
  }
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const registry = loadSchemaRegistry();
  const store = new ObjectStore(new MemoryPersistence());
  const source = new SpecSource({ specsDir: specs, store, registry });
  await source.start();
  const ms = performance.now() - t0;
  const rss1 = process.memoryUsage().rss;
  const objects = store.list().length;
  await source.stop();
  rmSync(root, { recursive: true, force: true });
  return { files: n, objects, startMs: round(ms, 0), rssMiB: round(rss1 / 2 ** 20, 1), rssGrowthMiB: round((rss1 - rss0) / 2 ** 20, 1), errors: store.specErrors().length };
}

/** Edit → reconcile start through the real file watcher. */
export async function editLatency(edits: number): Promise<object> {
  const root = tmp();
  const specs = join(root, 'specs');
  mkdirSync(specs);
  const files = 20;
  for (let i = 0; i < files; i++) writeFileSync(join(specs, `vm-${i}.yaml`), vmDoc(`vm-${i}`));
  const stateDir = new StateDir(join(root, '.hostplane'));
  const provider = new SimVmProvider(stateDir, { scale: 0 });
  let waiting: { key: string; resolve: () => void } | undefined;
  const manager = createHostManager({
    specsDir: specs,
    stateDir,
    provider,
    guest: new SimGuestExec(provider),
    log: quiet,
    capacity: { cpu: 1000, memoryMiB: 10_000_000 },
    onReconcileStart: (key) => {
      if (waiting && key === waiting.key) waiting.resolve();
    },
  });
  await manager.start();
  await waitUntil(() => manager.store.list('VirtualMachine').every((o) => getCondition(o.status?.conditions, 'Ready')?.status === 'True'), 60_000);
  const samples: number[] = [];
  for (let i = 0; i < edits; i++) {
    const n = i % files;
    const key = `VirtualMachine/vm-${n}`;
    const started = new Promise<void>((resolve) => (waiting = { key, resolve }));
    const t0 = performance.now();
    writeFileSync(join(specs, `vm-${n}.yaml`), vmDoc(`vm-${n}`, Math.floor(i / files) % 2 === 0 ? 2 : 1)); // every edit changes the spec
    await Promise.race([started, new Promise((r) => setTimeout(r, 5_000))]);
    samples.push(performance.now() - t0);
  }
  await manager.stop();
  rmSync(root, { recursive: true, force: true });
  samples.sort((a, b) => a - b);
  return { edits, p50Ms: round(pct(samples, 50), 1), p99Ms: round(pct(samples, 99), 1), maxMs: round(samples[samples.length - 1], 1), note: 'includes the source debounce (50 ms) and chokidar' };
}

/** Steady state with N converged VMs: provider calls (every kind, not only list) per poll interval and idle CPU. */
export async function steadyState(n: number, pollMs: number, windows: number): Promise<object> {
  const root = tmp();
  const specs = join(root, 'specs');
  mkdirSync(specs);
  for (let i = 0; i < n; i++) writeFileSync(join(specs, `vm-${i}.yaml`), vmDoc(`vm-${i}`));
  const stateDir = new StateDir(join(root, '.hostplane'));
  const provider = new SimVmProvider(stateDir, { scale: 0 });
  const manager = createHostManager({ specsDir: specs, stateDir, provider, guest: new SimGuestExec(provider), log: quiet, pollIntervalMs: pollMs, capacity: { cpu: 10_000, memoryMiB: 100_000_000 } });
  const t0 = performance.now();
  await manager.start();
  await waitUntil(() => manager.store.list('VirtualMachine').filter((o) => getCondition(o.status?.conditions, 'Ready')?.status === 'True').length === n, 300_000);
  const convergeMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, pollMs * 1.2)); // let the first poll wave pass
  const lists0 = provider.calls.list;
  const calls0 = { ...provider.calls };
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, pollMs * windows));
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  const lists = provider.calls.list - lists0;
  const byCommand = Object.fromEntries(
    Object.entries(provider.calls)
      .map(([k, v]) => [k, v - (calls0[k as keyof typeof calls0] ?? 0)] as const)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => [k, round(v / windows, 1)]),
  );
  const hostCalls = Object.entries(provider.calls).reduce((n, [k, v]) => (k === 'guest' ? n : n + v - (calls0[k as keyof typeof calls0] ?? 0)), 0);
  await manager.stop();
  rmSync(root, { recursive: true, force: true });
  return {
    vms: n,
    convergeMs: round(convergeMs, 0),
    pollIntervalMs: pollMs,
    listCallsPerResync: round(lists / windows, 1),
    // Every VM provider call (guest commands are SSH, not the provider), per resync and command.
    providerCallsPerResync: round(hostCalls / windows, 1),
    providerCallsPerResyncByCommand: byCommand,
    providerCallsPerVmPerResyncBeyondList: round((hostCalls - lists) / windows / n, 3),
    reconcilesPerResync: n,
    idleCpuPercent: round(((cpu.user + cpu.system) / 1000 / wall) * 100, 1),
    rssMiB: round(process.memoryUsage().rss / 2 ** 20, 1),
  };
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('bench: timed out waiting for convergence');
    await new Promise((r) => setTimeout(r, 20));
  }
}

runScenarioFromArgv({ loadFiles, editLatency, steadyState });
