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
async function baseline(n: number, parallelism: number, root: string): Promise<{ ms: number; tartCallsPerVm: number; profile: object }> {
  const env = simEnv(root, { TART_SIM_GUESTS: '1', TART_SIM_BOOT_MS: '300', GUEST_SANDBOX_READY_TIMEOUT: '120' });
  warmCache(env);
  const calls0 = tartCalls(root).length;
  const ssh = createSshGuestExec({ knownHostsDir: mkdtempSync(join(root, 'known-')) });
  const t0 = performance.now();
  const phases: Record<string, number>[] = [];
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
        const t = [performance.now()];
        await must(['clone', IMAGE, name]);
        t.push(performance.now());
        await must(['set', name, '--random-mac', '--cpu', '2', '--memory', '2048', '--disk-size', '33']);
        t.push(performance.now());
        spawn(SIM_TART, ['run', name, '--no-graphics'], { env: { ...process.env, ...env }, detached: true, stdio: 'ignore' }).unref();
        const ip = (await must(['ip', name, '--wait', '60'])).trim();
        t.push(performance.now());
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
        t.push(performance.now());
        phases.push({ toStart: t[0]! - t0, clone: t[1]! - t[0]!, set: t[2]! - t[1]!, runToIp: t[3]! - t[2]!, ipToSsh: t[4]! - t[3]!, total: t[4]! - t0 });
      },
    );
    const ms = performance.now() - t0;
    const calls = tartCalls(root).slice(calls0).length;
    const med = (k: string) => median(phases.map((p) => p[k]!));
    return { ms, tartCallsPerVm: calls / n, profile: { medianMs: { queued: med('toStart'), clone: med('clone'), set: med('set'), runToIp: med('runToIp'), ipToSshOk: med('ipToSsh'), toSshOk: med('total') } } };
  } finally {
    await ssh.close();
    killAllRuns(env.TART_HOME);
  }
}

/** Hostplane: spec files for n VMs → every VM GuestReachable=True over real SSH. */
async function throughHostplane(n: number, root: string, workers: number | undefined): Promise<object> {
  const env = simEnv(root, { TART_SIM_GUESTS: '1', TART_SIM_BOOT_MS: '300', GUEST_SANDBOX_READY_TIMEOUT: '120' });
  warmCache(env);
  const calls0 = tartCalls(root).length;
  const specs = join(root, 'specs');
  mkdirSync(specs);
  const stateDir = new StateDir(join(root, 'state'));
  const ssh = createSshGuestExec({ knownHostsDir: stateDir.ensure('known-hosts') });
  // Profile: when each VM's reconciles, provider calls and SSH probes began and ended.
  const trace = new Map<string, { reconciles: number[]; calls: { cmd: string; start: number; end: number; ok: boolean }[]; probes: { start: number; end: number; ok: boolean }[] }>();
  const traceOf = (vm: string) => {
    let t = trace.get(vm);
    if (!t) trace.set(vm, (t = { reconciles: [], calls: [], probes: [] }));
    return t;
  };
  const guest: GuestExec = {
    async run(target, script, opts) {
      const start = performance.now();
      let ok = false;
      try {
        const r = await ssh.run(target, script, opts);
        ok = r.code === 0;
        return r;
      } finally {
        traceOf(target.vmKey.replace(/^VirtualMachine\//, '')).probes.push({ start, end: performance.now(), ok });
      }
    },
    upload: (t, p, c, o) => ssh.upload(t, p, c, o),
    forget: (k) => ssh.forget(k),
    close: () => ssh.close(),
  };
  const provider = observedProvider(new TartProvider({ tartPath: SIM_TART, env, runPidDir: stateDir.ensure('tart-runs') }), (cmd, args, ms, error) => {
    const vm = typeof args[0] === 'string' ? args[0] : (args[0] as { name?: string } | undefined)?.name;
    if (cmd === 'list') traceOf('(list)').calls.push({ cmd, start: performance.now() - ms, end: performance.now(), ok: error === undefined });
    if (vm) traceOf(vm).calls.push({ cmd, start: performance.now() - ms, end: performance.now(), ok: error === undefined });
  });
  const manager = createHostManager({
    // `up`'s own health poll (30 s): a converged VM's SSH health check is part of what `up` costs,
    // at the rate a user gets it, not a bench-only 2 s one competing with the boots for the CPU.
    specsDir: specs, stateDir, provider, guest, log: quiet, workers, capacity: { cpu: 10_000, memoryMiB: 100_000_000 },
    onReconcileStart: (key) => traceOf(key.replace(/^VirtualMachine\//, '')).reconciles.push(performance.now()),
  });
  await manager.start();
  try {
    const reachable = () => manager.store.list('VirtualMachine').filter((o) => getCondition(o.status?.conditions, 'GuestReachable')?.status === 'True').length;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) writeFileSync(join(specs, `vm-${i}.yaml`), vmDoc(`vm-${i}`));
    await until('every VM SSH-ready', () => reachable() === n, 300_000).catch((e) => {
      const stuck = manager.store.list('VirtualMachine').filter((o) => getCondition(o.status?.conditions, 'GuestReachable')?.status !== 'True');
      const why = stuck.slice(0, 5).map((o) => `${o.metadata.name}: ${(o.status?.conditions as { type: string; status: string; reason?: string; message?: string }[] | undefined)?.filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`).join('; ')}`);
      throw new Error(`${(e as Error).message}; ${stuck.length} not reachable: ${why.join(' | ')}`);
    });
    const ms = performance.now() - t0;
    const calls = tartCalls(root).slice(calls0);
    if (process.env.BENCH_TRACE) {
      const e0 = performance.timeOrigin + t0;
      const log = readFileSync(join(root, 'tart-calls.jsonl'), 'utf8').split('\n').filter(Boolean).slice(calls0).map((l) => JSON.parse(l) as { argv: string[]; t: number });
      process.stderr.write(`tart: ${log.filter((c) => c.argv[0] !== 'run').map((c) => `${c.argv.slice(0, 2).join(' ')}@${Math.round(c.t - e0)}`).join(', ')}\n`);
    }
    const beyondList = calls.filter((a) => a[0] !== 'list' && a[0] !== '--version');
    const byCmd: Record<string, number> = {};
    for (const a of beyondList) byCmd[a[0]!] = (byCmd[a[0]!] ?? 0) + 1;
    return {
      ms: Math.round(ms),
      workers: workers ?? 'VirtualMachine default',
      healthPoll: "up's default (30 s)",
      tartCallsPerVm: round(beyondList.length / n, 2),
      tartCallsPerVmByCommand: Object.fromEntries(Object.entries(byCmd).map(([k, v]) => [k, round(v / n, 2)])),
      tartListsDuringCreate: calls.filter((a) => a[0] === 'list').length,
      profile: profileOf(trace, t0),
    };
  } finally {
    await manager.stop();
    await guest.close();
    killAllRuns(env.TART_HOME);
  }
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.floor(s.length / 2)]!) : undefined;
};

/**
 * Where a created VM's time goes, median over VMs (ms): spec written → first reconcile (watcher and
 * worker queue), → create call begins (observe), the create call, → start call begins, the start
 * call, → address known, → first SSH success; and the counts behind it.
 */
function profileOf(trace: Map<string, { reconciles: number[]; calls: { cmd: string; start: number; end: number; ok: boolean }[]; probes: { start: number; end: number; ok: boolean }[] }>, t0: number): object {
  const rows = [...trace.entries()].filter(([k]) => k !== '(list)').map(([, t]) => t).map((t) => {
    const create = t.calls.find((c) => c.cmd === 'create');
    const start = t.calls.find((c) => c.cmd === 'start');
    const sshOk = t.probes.find((p) => p.ok);
    const firstProbe = t.probes[0];
    return {
      toFirstReconcile: (t.reconciles[0] ?? NaN) - t0,
      toCreate: (create?.start ?? NaN) - (t.reconciles[0] ?? NaN),
      create: (create?.end ?? NaN) - (create?.start ?? NaN),
      createToStart: (start?.start ?? NaN) - (create?.end ?? NaN),
      start: (start?.end ?? NaN) - (start?.start ?? NaN),
      startToFirstProbe: (firstProbe?.start ?? NaN) - (start?.end ?? NaN),
      firstProbeToSsh: (sshOk?.end ?? NaN) - (firstProbe?.start ?? NaN),
      total: (sshOk?.end ?? NaN) - t0,
      reconciles: t.reconciles.length,
      probes: t.probes.length,
      addressCalls: t.calls.filter((c) => c.cmd === 'endpoint' || c.cmd === 'ip').length,
    };
  });
  if (process.env.BENCH_TRACE) {
    for (const [vm, t] of trace) {
      const r = (x: number) => Math.round(x - t0);
      process.stderr.write(`${vm}: reconciles ${t.reconciles.map(r).join(',')} | calls ${t.calls.map((c) => `${c.cmd}${c.ok ? '' : '!'} ${r(c.start)}-${r(c.end)}`).join(', ')} | probes ${t.probes.map((p) => `${p.ok ? 'ok' : 'x'} ${r(p.start)}-${r(p.end)}`).join(', ')}\n`);
    }
  }
  const med = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k] as number));
  return {
    medianMs: {
      specToFirstReconcile: med('toFirstReconcile'),
      reconcileToCreate: med('toCreate'),
      createCall: med('create'),
      createToStartCall: med('createToStart'),
      startCall: med('start'),
      startToFirstSshProbe: med('startToFirstProbe'),
      firstProbeToSshOk: med('firstProbeToSsh'),
      specToSshOk: med('total'),
    },
    maxSpecToSshOkMs: Math.round(Math.max(...rows.map((r) => r.total))),
    perVm: { reconciles: med('reconciles'), sshProbes: med('probes'), addressCalls: med('addressCalls') },
  };
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
      baseline: { parallelism, ms: Math.round(base.ms), tartCallsPerVm: round(base.tartCallsPerVm, 2), profile: base.profile, what: 'clone, set, run, ip --wait 60, SSH probe per VM' },
      hostplane: hp,
      ratio: round(hp.ms / base.ms, 2),
    };
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

runScenarioFromArgv({ atRest, createToSsh });
