// Bench scenarios against the tart CLI simulator (hack/tart-sim, a separate process per call, like
// tart). Each prints one JSON line (run by hack/bench/run.ts in its own process).
//   tsx hack/bench/tart.ts atRest VMS POLL_MS WINDOWS
//     provider calls (port methods) and tart invocations per resync once VMs are converged.
//   tsx hack/bench/tart.ts createToSsh VMS PARALLELISM [WORKERS]
//     VMs created through hostplane to SSH-ready (GuestReachable=True, real sshd per guest) against
//     a baseline in the same run that issues the same tart commands directly (clone, set, run,
//     ip --wait, then the same SSH probe), PARALLELISM VMs at a time, like Terraform's local-exec.
//     WORKERS is `up --workers`; without it the VirtualMachine kind's own default is used.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarioFromArgv } from './scenario-main.js';
import { SIM_BIN_DIR, SIM_TART, killAllRuns } from '../tart-sim/testing.js';
import { createHostManager } from '../../src/app/host-manager.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import type { GuestExec } from '../../src/ports/guest-exec.js';
import { observedProvider } from '../../src/reconcilers/virtualmachine/observed-provider.js';
import { createSshGuestExec } from '../../src/adapters/ssh/index.js';
import { TartProvider } from '../../src/adapters/tart/index.js';
import { getCondition } from '../../src/api/conditions.js';

const IMAGE = 'ghcr.io/cirruslabs/ubuntu:latest';
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const quiet = { info() {}, warn() {} };

const vmDoc = (name: string) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: ${name}\nspec:\n  image: ${IMAGE}\n  cpu: 2\n  memory: 2Gi\n  ssh: {user: admin, passwordSecret: tart-default}\n`;

function simEnv(root: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${SIM_BIN_DIR}:${process.env.PATH ?? ''}`,
    TART_HOME: join(root, 'tart'),
    TART_SIM_CALL_LOG: join(root, 'tart-calls.jsonl'),
    ...extra,
  };
}

function tartCalls(root: string): string[][] {
  try {
    return readFileSync(join(root, 'tart-calls.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { argv: string[] }).argv);
  } catch {
    return [];
  }
}

/** Pulls the image into the simulator's cache (both sides of a comparison start warm). */
function warmCache(env: Record<string, string>): void {
  const e = { ...process.env, ...env };
  spawnSync(SIM_TART, ['clone', IMAGE, 'bench-warm'], { env: e });
  spawnSync(SIM_TART, ['delete', 'bench-warm'], { env: e });
}

async function until(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const answeringGuest: GuestExec = {
  async run() {
    return { code: 0, stdout: '', stderr: '' };
  },
  async upload() {},
  forget() {},
  async close() {},
};

/** Converged VMs at rest: what one resync costs beyond its one `tart list`. */
export async function atRest(n: number, pollMs: number, windows: number): Promise<object> {
  const root = mkdtempSync(join(tmpdir(), 'hostplane-bench-tart-'));
  const specs = join(root, 'specs');
  mkdirSync(specs);
  for (let i = 0; i < n; i++) writeFileSync(join(specs, `vm-${i}.yaml`), vmDoc(`vm-${i}`));
  const env = simEnv(root, { TART_SIM_BOOT_MS: '200', TART_SIM_IP_POLL_MS: '200' });
  const stateDir = new StateDir(join(root, 'state'));
  const portCalls: Record<string, number> = {};
  const provider = observedProvider(new TartProvider({ tartPath: SIM_TART, env, runPidDir: stateDir.ensure('tart-runs'), startGraceMs: 500 }), (cmd: string) => {
    portCalls[cmd] = (portCalls[cmd] ?? 0) + 1;
  });
  // The guest is a stand-in here: at rest only provider calls are counted.
  const manager = createHostManager({ specsDir: specs, stateDir, provider, guest: answeringGuest, log: quiet, pollIntervalMs: pollMs, capacity: { cpu: 10_000, memoryMiB: 100_000_000 } });
  try {
    const t0 = performance.now();
    await manager.start();
    const ready = () => manager.store.list('VirtualMachine').filter((o) => getCondition(o.status?.conditions, 'Ready')?.status === 'True').length;
    await until('convergence', () => ready() === n, 120_000);
    const convergeMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, pollMs * 1.5)); // let the first poll wave pass
    const port0 = { ...portCalls };
    const tart0 = tartCalls(root).length;
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, pollMs * windows));
    const resyncs = (performance.now() - w0) / pollMs;
    const tart = tartCalls(root).slice(tart0);
    const delta = Object.fromEntries(Object.entries(portCalls).map(([k, v]) => [k, v - (port0[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    const ports = (Object.values(delta) as number[]).reduce((a, b) => a + b, 0);
    const lists = (delta.list as number | undefined) ?? 0;
    const tartLists = tart.filter((a) => a[0] === 'list').length;
    return {
      provider: 'tart (hack/tart-sim, one process per call)',
      vms: n,
      convergeMs: Math.round(convergeMs),
      pollIntervalMs: pollMs,
      resyncs: round(resyncs, 1),
      portCallsPerResync: round(ports / resyncs, 2),
      portCallsByMethod: delta,
      portCallsPerVmPerResyncBeyondList: round((ports - lists) / resyncs / n, 3),
      tartCallsPerResync: round(tart.length / resyncs, 2),
      tartListsPerResync: round(tartLists / resyncs, 2),
      tartCallsPerVmPerResyncBeyondList: round((tart.length - tartLists) / resyncs / n, 3),
      tartCallsBeyondList: tart.filter((a) => a[0] !== 'list').map((a) => a.join(' ')).slice(0, 10),
    };
  } finally {
    await manager.stop();
    killAllRuns(env.TART_HOME);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs `fn` over items, at most `parallelism` at a time. */
async function pool<T>(items: T[], parallelism: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallelism, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function tartAsync(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const c = spawn(SIM_TART, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => resolve({ code, stdout: out }));
  });
}

/** The baseline: the same tart commands a script (Terraform local-exec) would issue, then the same SSH probe. */
async function baseline(n: number, parallelism: number, root: string): Promise<{ ms: number; tartCallsPerVm: number }> {
  const env = simEnv(root, { TART_SIM_GUESTS: '1', TART_SIM_BOOT_MS: '300' });
  warmCache(env);
  const calls0 = tartCalls(root).length;
  const ssh = createSshGuestExec({ knownHostsDir: mkdtempSync(join(root, 'known-')) });
  const t0 = performance.now();
  try {
    await pool(
      Array.from({ length: n }, (_, i) => `base-${i}`),
      parallelism,
      async (name) => {
        const must = async (args: string[]) => {
          const r = await tartAsync(env, args);
          if (r.code !== 0) throw new Error(`tart ${args.join(' ')} exited ${r.code}`);
          return r.stdout;
        };
        await must(['clone', IMAGE, name]);
        await must(['set', name, '--random-mac', '--cpu', '2', '--memory', '2048', '--disk-size', '33']);
        spawn(SIM_TART, ['run', name, '--no-graphics'], { env: { ...process.env, ...env }, detached: true, stdio: 'ignore' }).unref();
        const ip = (await must(['ip', name, '--wait', '60'])).trim();
        const end = Date.now() + 60_000;
        for (;;) {
          try {
            const r = await ssh.run({ vmKey: name, incarnation: name, host: ip, port: 22, user: 'admin', auth: { password: 'admin' } }, 'true', { timeoutMs: 15_000 });
            if (r.code === 0) break;
          } catch (e) {
            if (Date.now() > end) throw e;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    );
    const ms = performance.now() - t0;
    const calls = tartCalls(root).slice(calls0).length;
    return { ms, tartCallsPerVm: calls / n };
  } finally {
    await ssh.close();
    killAllRuns(env.TART_HOME);
  }
}

/** Hostplane: spec files for n VMs → every VM GuestReachable=True over real SSH. */
async function throughHostplane(n: number, root: string, workers: number | undefined): Promise<object> {
  const env = simEnv(root, { TART_SIM_GUESTS: '1', TART_SIM_BOOT_MS: '300' });
  warmCache(env);
  const calls0 = tartCalls(root).length;
  const specs = join(root, 'specs');
  mkdirSync(specs);
  const stateDir = new StateDir(join(root, 'state'));
  const guest = createSshGuestExec({ knownHostsDir: stateDir.ensure('known-hosts') });
  const provider = new TartProvider({ tartPath: SIM_TART, env, runPidDir: stateDir.ensure('tart-runs') });
  const manager = createHostManager({ specsDir: specs, stateDir, provider, guest, log: quiet, pollIntervalMs: 2_000, workers, capacity: { cpu: 10_000, memoryMiB: 100_000_000 } });
  await manager.start();
  try {
    const reachable = () => manager.store.list('VirtualMachine').filter((o) => getCondition(o.status?.conditions, 'GuestReachable')?.status === 'True').length;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) writeFileSync(join(specs, `vm-${i}.yaml`), vmDoc(`vm-${i}`));
    await until('every VM SSH-ready', () => reachable() === n, 300_000);
    const ms = performance.now() - t0;
    const calls = tartCalls(root).slice(calls0);
    const beyondList = calls.filter((a) => a[0] !== 'list' && a[0] !== '--version');
    const byCmd: Record<string, number> = {};
    for (const a of beyondList) byCmd[a[0]!] = (byCmd[a[0]!] ?? 0) + 1;
    return {
      ms: Math.round(ms),
      workers: workers ?? 'VirtualMachine default',
      tartCallsPerVm: round(beyondList.length / n, 2),
      tartCallsPerVmByCommand: Object.fromEntries(Object.entries(byCmd).map(([k, v]) => [k, round(v / n, 2)])),
      tartListsDuringCreate: calls.filter((a) => a[0] === 'list').length,
    };
  } finally {
    await manager.stop();
    await guest.close();
    killAllRuns(env.TART_HOME);
  }
}

export async function createToSsh(n: number, parallelism: number, workers?: number): Promise<object> {
  const check = spawnSync(join(SIM_BIN_DIR, '../../guest-sandbox/bin/guest-sandbox'), ['--check'], { encoding: 'utf8' });
  if (check.status !== 0) return { skipped: `guest sandboxes unavailable (real sshd per guest): ${(check.stdout || check.stderr).trim()}` };
  const a = mkdtempSync(join(tmpdir(), 'hostplane-bench-tart-base-'));
  const b = mkdtempSync(join(tmpdir(), 'hostplane-bench-tart-hp-'));
  try {
    const base = await baseline(n, parallelism, a);
    const hp = (await throughHostplane(n, b, workers)) as { ms: number };
    return {
      vms: n,
      baseline: { parallelism, ms: Math.round(base.ms), tartCallsPerVm: round(base.tartCallsPerVm, 2), what: 'clone, set, run, ip --wait 60, SSH probe per VM' },
      hostplane: hp,
      ratio: round(hp.ms / base.ms, 2),
    };
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

runScenarioFromArgv({ atRest, createToSsh });
