// The tart adapter of the VM provider port: drives the tart 2.x CLI through execa, always with
// argument arrays (never a shell string). Contract: /work/shared/reference/tart.md.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import {
  ProviderError,
  type GuestEndpoint,
  type ObservedVm,
  type VmCreateRequest,
  type VmNetwork,
  type VmProvider,
  type VmResources,
  type VmStartRequest,
} from '../../ports/vm-provider.js';
import { classifyTartError, commandLine } from './errors.js';
import { gibToGb, parseTartGet, parseTartList, parseTartVersion, type TartVersion } from './parse.js';

export const SUPPORTED_TART_MAJOR = 2;
/** tart 2.x minor that has every flag create uses (`set --random-mac`, 2.10.0). */
const MIN_CREATE_MINOR = 10;

export interface TartProviderOptions {
  /** The tart binary (default `tart`, looked up on PATH). */
  tartPath?: string;
  /** Passed to every tart invocation as TART_HOME (default: tart's own, ~/.tart). */
  tartHome?: string;
  /** Extra environment for tart invocations. */
  env?: Record<string, string>;
  /** Called after every tart invocation: subcommand (e.g. `list`), duration, success. */
  onCommand?(cmd: string, ms: number, ok: boolean): void;
  /** How long start() watches `tart run` for an early failure before calling it started (ms, default 2000). */
  startGraceMs?: number;
  /** Seconds `tart stop` waits before it kills the VM (default 30, tart's default). */
  stopTimeoutSeconds?: number;
  /** Timeout for one ordinary tart command (ms, default 120 000). Clone (pulls) gets 30 min. */
  commandTimeoutMs?: number;
  /**
   * Where the pid of each `tart run` we start is kept, so stop() can ask the guest OS to shut down
   * (SIGUSR2) before `tart stop` powers it off hard. Without it, stop() is `tart stop` alone.
   */
  runPidDir?: string;
}

interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** CIDRs, interface names and share names go into `--flag=value` arguments; keep them plain. */
function checkValue(what: string, v: string, re: RegExp): string {
  if (!re.test(v)) throw new ProviderError('InvalidArgument', `${what} ${JSON.stringify(v)} is not allowed in a tart argument`);
  return v;
}

/** `tart run` network flags for a VmNetwork (reference/tart.md §4). */
export function networkArgs(net: VmNetwork): string[] {
  switch (net.mode) {
    case 'shared':
      return [];
    case 'softnet': {
      // VM↔VM traffic needs --net-softnet-allow (0.0.0.0/0 also lifts vmnet isolation), seed 003 BUG-003.
      const allow = (net.allow ?? []).map((c) => checkValue('softnet CIDR', c, /^[0-9a-fA-F.:/@a-z]+$/));
      return allow.length > 0 ? [`--net-softnet-allow=${allow.join(',')}`] : ['--net-softnet'];
    }
    case 'bridged': {
      if (!net.bridgeInterface) throw new ProviderError('InvalidArgument', 'bridged networking needs network.bridgeInterface (e.g. en0)');
      return [`--net-bridged=${checkValue('bridge interface', net.bridgeInterface, /^[^\0\n]+$/)}`];
    }
    default:
      throw new ProviderError('InvalidArgument', `tart does not support network mode ${JSON.stringify((net as VmNetwork).mode)}`);
  }
}

export function dirArgs(dirs: VmCreateRequest['dirs']): string[] {
  return (dirs ?? []).map((d) => {
    checkValue('shared directory name', d.name, /^[A-Za-z0-9._-]+$/);
    if (d.path.includes(':') || d.path.includes(',')) {
      throw new ProviderError('InvalidArgument', `shared directory path ${JSON.stringify(d.path)} contains ':' or ',' which tart's --dir syntax cannot express`);
    }
    return `--dir=${d.name}:${d.path}${d.readOnly ? ':ro' : ''}`;
  });
}

export class TartProvider implements VmProvider {
  readonly name = 'tart' as const;
  private readonly bin: string;
  private readonly env: Record<string, string>;
  private version?: Promise<TartVersion | undefined>;
  /** Network of VMs this process started: bridged VMs need the ARP resolver. */
  private readonly networks = new Map<string, VmNetwork>();
  /** cpu/memory per VM from `tart get` (tart list does not show them); dropped when we change the VM. */
  /** cpu/memory per VM from `tart get`, with the power state they were read in. */
  private readonly sizes = new Map<string, { cpu?: number; memoryMiB?: number; state: ObservedVm['state'] }>();

  constructor(private readonly opts: TartProviderOptions = {}) {
    this.bin = opts.tartPath ?? 'tart';
    this.env = { ...(opts.env ?? {}) };
    if (opts.tartHome) this.env.TART_HOME = opts.tartHome;
  }

  /** Runs tart once; resolves with the result whatever the exit code (callers classify). */
  private async exec(args: string[], timeoutMs?: number): Promise<RunResult> {
    const t0 = performance.now();
    let ok = false;
    try {
      const r = await execa(this.bin, args, {
        env: this.env,
        extendEnv: true,
        reject: false,
        stdin: 'ignore',
        timeout: timeoutMs ?? this.opts.commandTimeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
      });
      if (r.failed && r.exitCode === undefined) {
        const cause = r.cause as NodeJS.ErrnoException | undefined;
        if (cause?.code === 'ENOENT') {
          throw new ProviderError('ProviderUnavailable', `tart is not installed or not on PATH: could not run ${JSON.stringify(this.bin)} (${cause.message})`, {
            command: [this.bin, ...args],
          });
        }
        if (r.timedOut) {
          throw new ProviderError('CommandFailed', `\`${commandLine({ binary: this.bin, args })}\` did not finish within ${Math.round((timeoutMs ?? 120_000) / 1000)} s and was killed`, {
            command: [this.bin, ...args],
            stderr: String(r.stderr ?? ''),
          });
        }
        throw new ProviderError('CommandFailed', `\`${commandLine({ binary: this.bin, args })}\` could not run: ${r.shortMessage}`, { command: [this.bin, ...args] });
      }
      const res = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
      ok = res.exitCode === 0;
      return res;
    } finally {
      this.opts.onCommand?.(args[0] ?? '', performance.now() - t0, ok);
    }
  }

  /** Runs tart and throws a classified ProviderError unless it exits 0. */
  private async run(args: string[], timeoutMs?: number): Promise<RunResult> {
    await this.checkVersion();
    const r = await this.exec(args, timeoutMs);
    if (r.exitCode !== 0) throw classifyTartError({ args, exitCode: r.exitCode, stderr: r.stderr, stdout: r.stdout, binary: this.bin });
    return r;
  }

  /** `tart --version`, checked once (lazily); majors other than 2 are refused. */
  async checkVersion(): Promise<TartVersion | undefined> {
    this.version ??= (async () => {
      const r = await this.exec(['--version']);
      if (r.exitCode !== 0) throw classifyTartError({ args: ['--version'], exitCode: r.exitCode, stderr: r.stderr, binary: this.bin });
      const v = parseTartVersion(r.stdout);
      if (r.stdout.trim() === 'SNAPSHOT') return undefined; // a development build: assume current
      if (!v) throw new ProviderError('ProviderUnavailable', `could not read the tart version from \`${this.bin} --version\`: ${JSON.stringify(r.stdout.trim())}`);
      if (v.major !== SUPPORTED_TART_MAJOR) {
        throw new ProviderError(
          'ProviderUnavailable',
          `tart ${v.raw} (${this.bin}) is not supported: hostplane drives tart ${SUPPORTED_TART_MAJOR}.x; install tart 2 (brew upgrade cirruslabs/cli/tart)`,
        );
      }
      return v;
    })();
    try {
      return await this.version;
    } catch (e) {
      this.version = undefined; // check again next time (tart may get installed/upgraded)
      throw e;
    }
  }

  /**
   * One `tart list` per resync. It has no CPU or memory columns, so those come from one `tart get`
   * per VM, cached until we change the VM ourselves (create, configure, delete) or its power state
   * changes: a `tart set` made by hand takes effect at the next boot, and is read then.
   */
  async list(): Promise<ObservedVm[]> {
    const r = await this.run(['list', '--format', 'json']);
    const vms = parseTartList(r.stdout);
    const names = new Set(vms.map((v) => v.name));
    for (const n of [...this.sizes.keys()]) if (!names.has(n)) this.sizes.delete(n);
    for (const vm of vms) {
      let size = this.sizes.get(vm.name);
      if (!size || size.state !== vm.state) {
        const info = await this.get(vm.name).catch(() => undefined);
        if (!info) continue;
        size = { cpu: info.cpu, memoryMiB: info.memoryMiB, state: vm.state };
        this.sizes.set(vm.name, size);
      }
      if (size.cpu !== undefined) vm.cpu = size.cpu;
      if (size.memoryMiB !== undefined) vm.memoryMiB = size.memoryMiB;
    }
    return vms;
  }

  /** One VM's configuration and state (`tart get NAME --format json`), or undefined when it does not exist. */
  async get(name: string): Promise<ReturnType<typeof parseTartGet> | undefined> {
    try {
      const r = await this.run(['get', name, '--format', 'json']);
      return parseTartGet(r.stdout, name);
    } catch (e) {
      if (e instanceof ProviderError && e.code === 'NotFound') return undefined;
      throw e;
    }
  }

  async create(req: VmCreateRequest): Promise<void> {
    // `set --random-mac` (below) came in tart 2.10.0: say "upgrade tart", not "your spec is invalid" (exit 64).
    const v = await this.checkVersion();
    if (v && (v.major < 2 || (v.major === 2 && v.minor < MIN_CREATE_MINOR))) {
      throw new ProviderError('ProviderUnavailable', `tart ${v.raw} is too old to create VMs for hostplane (it needs \`tart set --random-mac\`, tart 2.${MIN_CREATE_MINOR}.0 or later): brew upgrade cirruslabs/cli/tart`);
    }
    // `tart clone` silently overwrites an existing VM (tart.md §1, #822): never clobber one.
    if (await this.get(req.name)) {
      throw new ProviderError('AlreadyExists', `a tart VM named "${req.name}" already exists; hostplane will not overwrite it (tart clone would replace it silently)`);
    }
    if (req.name.includes('/')) throw new ProviderError('InvalidArgument', `VM name "${req.name}" must not contain '/' (tart reads it as a registry name)`);
    this.sizes.delete(req.name);
    await this.run(['clone', req.image, req.name], 30 * 60_000);
    try {
      // A fresh MAC for every clone avoids stale DHCP leases and duplicate IPs (tart.md §3, orchard).
      await this.run(['set', req.name, '--random-mac']);
      await this.configure(req.name, { cpu: req.cpu, memoryMiB: req.memoryMiB, diskGiB: req.diskGiB });
    } catch (e) {
      // The half-made VM is ours (we just cloned it): remove it so a retry starts clean.
      await this.exec(['delete', req.name]).catch(() => undefined);
      throw e;
    }
  }

  async configure(name: string, res: VmResources): Promise<void> {
    const args = ['set', name];
    if (res.cpu !== undefined) args.push('--cpu', String(res.cpu));
    if (res.memoryMiB !== undefined) args.push('--memory', String(res.memoryMiB));
    if (res.diskGiB !== undefined) args.push('--disk-size', String(gibToGb(res.diskGiB)));
    if (args.length === 2) return;
    this.sizes.delete(name);
    await this.run(args);
  }

  async start(req: VmStartRequest): Promise<void> {
    await this.checkVersion();
    const args = ['run', req.name, '--no-graphics', ...networkArgs(req.network), ...dirArgs(req.dirs)];
    fs.mkdirSync(path.dirname(path.resolve(req.logFile)), { recursive: true });
    let before = 0;
    try {
      fs.appendFileSync(req.logFile, `--- hostplane ${new Date().toISOString()}: ${commandLine({ binary: this.bin, args })}\n`);
      before = fs.statSync(req.logFile).size;
    } catch (e) {
      throw new ProviderError('CommandFailed', `cannot write the VM log ${req.logFile}: ${(e as Error).message}`);
    }
    const fd = fs.openSync(req.logFile, 'a');
    const t0 = performance.now();
    // Detached in its own process group, output appended to the log, not waited for: the VM
    // keeps running when hostplane exits (tart has no daemon; `tart run` *is* the VM).
    // node's spawn rather than execa here: execa 9 routes file targets through pipes held by this
    // process (the VM's output would die with hostplane) and types raw fds only up to 9.
    let child: ChildProcess;
    try {
      child = spawn(this.bin, args, { env: { ...process.env, ...this.env }, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
    const grace = this.opts.startGraceMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    let onExit: ((code: number | null) => void) | undefined;
    let onError: ((e: Error) => void) | undefined;
    const outcome = await new Promise<{ exited: false } | { exited: true; exitCode?: number; cause?: NodeJS.ErrnoException }>((resolve) => {
      timer = setTimeout(() => resolve({ exited: false }), grace);
      onExit = (code) => resolve({ exited: true, exitCode: code ?? undefined });
      onError = (e) => resolve({ exited: true, cause: e as NodeJS.ErrnoException });
      child.once('exit', onExit);
      child.once('error', onError);
    });
    clearTimeout(timer);
    if (onExit) child.off('exit', onExit);
    if (onError) child.off('error', onError);
    if (!outcome.exited) {
      child.on('error', () => undefined);
      child.unref();
      this.rememberRun(req.name, child.pid, req.network);
      this.networks.set(req.name, req.network);
      this.opts.onCommand?.('run', performance.now() - t0, true);
      return;
    }
    this.opts.onCommand?.('run', performance.now() - t0, false);
    if (outcome.cause?.code === 'ENOENT') {
      throw new ProviderError('ProviderUnavailable', `tart is not installed or not on PATH: could not run ${JSON.stringify(this.bin)}`, { command: [this.bin, ...args] });
    }
    let output = '';
    try {
      output = fs.readFileSync(req.logFile).subarray(before).toString('utf8');
    } catch {
      /* unreadable log */
    }
    if (outcome.exitCode === 0) {
      throw new ProviderError('CommandFailed', `\`${commandLine({ binary: this.bin, args })}\` exited right after starting (exit 0): ${output.trim() || '(no output)'}; see ${req.logFile}`, {
        command: [this.bin, ...args],
        exitCode: 0,
        stderr: output,
      });
    }
    const e = classifyTartError({ args, exitCode: outcome.exitCode, stderr: output, binary: this.bin });
    throw new ProviderError(e.code, `${e.message} (log: ${req.logFile})`, e.detail);
  }

  /**
   * Graceful first: SIGUSR2 to the `tart run` we started asks the guest OS to shut down (SIGINT,
   * which `tart stop` sends, is a hard power-off). After timeoutSeconds, `tart stop` ends it.
   */
  async stop(name: string, opts?: { timeoutSeconds?: number }): Promise<void> {
    const timeout = Math.max(0, Math.round(opts?.timeoutSeconds ?? this.opts.stopTimeoutSeconds ?? 30));
    const pid = this.runPid(name);
    if (pid !== undefined && timeout > 0) {
      try {
        process.kill(pid, 'SIGUSR2');
        const until = Date.now() + timeout * 1000;
        while (Date.now() < until) {
          if ((await this.get(name))?.state !== 'running') {
            this.forgetRun(name);
            return;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      } catch {
        /* the runner is gone: fall through to tart stop */
      }
    }
    try {
      await this.run(['stop', name, '--timeout', String(pid !== undefined ? 5 : timeout)], (timeout + 30) * 1000);
    } catch (e) {
      // Already stopped is the goal state.
      if (e instanceof ProviderError && e.code === 'NotRunning') return;
      throw e;
    } finally {
      this.forgetRun(name);
    }
  }

  private runPidFile(name: string): string | undefined {
    return this.opts.runPidDir ? path.join(this.opts.runPidDir, `${name}.json`) : undefined;
  }

  private rememberRun(name: string, pid: number | undefined, network: VmNetwork): void {
    const file = this.runPidFile(name);
    if (!file || pid === undefined) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ pid, name, network, startedAt: new Date().toISOString() }) + '\n');
  }

  /** The network a VM was started with, surviving a hostplane restart (bridged VMs need the arp resolver). */
  private networkOf(name: string): VmNetwork | undefined {
    const known = this.networks.get(name);
    if (known) return known;
    const file = this.runPidFile(name);
    if (!file) return undefined;
    try {
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { network?: VmNetwork }).network;
    } catch {
      return undefined;
    }
  }

  private forgetRun(name: string): void {
    const file = this.runPidFile(name);
    if (file) fs.rmSync(file, { force: true });
  }

  /** The pid of our `tart run NAME`, only if that process still is one (pids get reused). */
  private runPid(name: string): number | undefined {
    const file = this.runPidFile(name);
    if (!file) return undefined;
    let pid: number;
    try {
      pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid;
    } catch {
      return undefined;
    }
    try {
      const cmd = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
      // Exactly `… run NAME …` (a reused pid of, say, `npm run dev` must not get our signal).
      const argv = cmd.trim().split(/\s+/);
      const i = argv.indexOf('run');
      return i >= 0 && argv[i + 1] === name && /tart/.test(argv.slice(0, i).join(' ')) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async delete(name: string): Promise<void> {
    this.sizes.delete(name);
    try {
      await this.run(['delete', name]);
    } catch (e) {
      if (e instanceof ProviderError && e.code === 'NotFound') return; // already gone
      throw e;
    }
    this.networks.delete(name);
  }

  async ip(name: string, opts?: { waitSeconds?: number }): Promise<string | undefined> {
    // tart's DHCP resolver reads the lease file, not the VM, so a stopped VM still "has" its old
    // IP (#172, #460): only ask for the IP of a VM that is running.
    const info = await this.get(name);
    if (!info) throw new ProviderError('NotFound', `VM "${name}" does not exist (tart get ${name})`);
    if (info.state !== 'running') return undefined;
    const wait = Math.max(0, Math.min(65535, Math.round(opts?.waitSeconds ?? 0)));
    const args = ['ip', name, '--wait', String(wait)];
    if (this.networkOf(name)?.mode === 'bridged') args.push('--resolver', 'arp');
    try {
      const r = await this.run(args, (wait + 30) * 1000);
      const ip = r.stdout.trim().split('\n')[0]?.trim();
      return ip || undefined;
    } catch (e) {
      if (e instanceof ProviderError && e.code === 'NoIpYet') return undefined;
      throw e;
    }
  }

  async endpoint(name: string, opts?: { waitSeconds?: number }): Promise<GuestEndpoint | undefined> {
    const ip = await this.ip(name, opts);
    return ip ? { host: ip, port: 22 } : undefined;
  }
}
