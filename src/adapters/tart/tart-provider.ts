// The tart adapter of the VM provider port: drives the tart 2.x CLI through execa, always with
// argument arrays (never a shell string). Contract: /work/shared/reference/tart.md.

import * as fs from 'node:fs';
import * as os from 'node:os';
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
import { gbToGiB, gibToGb, parseTartGet, parseTartList, parseTartVersion, type TartVersion } from './parse.js';
import { VmViews } from './vm-views.js';

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
  /**
   * How long start() watches `tart run` for an early failure before calling it started (ms, default
   * 500). It keeps watching in the background up to lateFailureMs: a failure then is thrown by the
   * next start() of that VM, so no reconcile holds a worker for it.
   */
  startGraceMs?: number;
  /** See startGraceMs (ms from the spawn, default 3000). */
  lateFailureMs?: number;
  /** Seconds `tart stop` waits before it kills the VM (default 30, tart's default). */
  stopTimeoutSeconds?: number;
  /** Timeout for one ordinary tart command (ms, default 120 000). Clone (pulls) gets 30 min. */
  commandTimeoutMs?: number;
  /**
   * Where the pid of each `tart run` we start is kept, so stop() can ask the guest OS to shut down
   * (SIGUSR2) before `tart stop` powers it off hard. Without it, stop() is `tart stop` alone.
   */
  runPidDir?: string;
  /**
   * How long a VM tart calls running may go without an address while the `tart run` we recorded for
   * it is dead before list() reports it as a stale run (ms, default 10 000; seed 003 BUG-009).
   */
  staleRunAfterMs?: number;
  /**
   * list() answers from a `tart list` that finished at most this long ago, plus what this adapter did
   * since (ms, default 1000; 0: every list() runs `tart list`).
   */
  listReuseMs?: number;
  /** The longest one background `tart ip --wait` waits for a started VM's address (s, default 60). */
  ipWaiterSeconds?: number;
  /**
   * create() skips its `tart get` existence check when this adapter's own `tart list`, begun at most
   * this long ago, did not show the name (ms, default 5000; 0 always checks). The reconciler always
   * observes with a list right before it creates.
   */
  createCheckMaxAgeMs?: number;
}

/** Sizes are read for at most this many VMs at once (one `tart get` each). */
const SIZE_READS_AT_ONCE = 4;
/** A power state learnt from a list or our own start/stop is trusted this long by ip(). */
const STATE_TRUST_MS = 15_000;
/**
 * How long after our own start known() answers for a VM whose run process lives, without a list:
 * the boot, when its reconciles follow each other closely. After it, the polls' lists (a `tart
 * set` or rename by hand shows there).
 */
const BOOT_TRUST_MS = 60_000;

/** Whether a process exists (EPERM: it exists but is not ours to signal). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  /** What is known per VM between polls (state, address of the current run, sizes). */
  private readonly views = new VmViews();
  /** VMs this adapter created or acted on: only these are ever opened (`tart get` bumps tart's access date). */
  private readonly owned = new Set<string>();
  /** Names and start time of this adapter's last `tart list`. */
  private lastList?: { startedAt: number; names: Set<string> };
  /** The last `tart list` itself, and the one in flight (callers share it). */
  private lastTart?: { startedAt: number; finishedAt: number; vms: ObservedVm[] };
  private listing?: Promise<{ startedAt: number; finishedAt: number; vms: ObservedVm[] }>;
  /** `tart run` pids by VM (undefined: none recorded), each checked once against `ps` (pids get reused). */
  private readonly runPids = new Map<string, number | undefined>();
  /** One background `tart ip --wait` per started VM, shared by every reconcile that asks. */
  private readonly ipWaiters = new Map<string, { run: number; pid?: number; abort: AbortController; done: Promise<void> }>();
  /** VMs between clone and the end of create(): their sizes are the ones we are setting. */
  private readonly creating = new Set<string>();
  /** Tells this adapter's run counters from those of an earlier hostplane process. */
  private readonly instance = `${process.pid}.${Date.now().toString(36)}`;
  /** `tart get`s for sizes in flight, by VM and power state. */
  private readonly sizeReads = new Map<string, Promise<void>>();
  /** A `tart run` that failed after start() had returned, kept for the next start() of that VM to report. */
  private readonly lateFailures = new Map<string, ProviderError>();

  constructor(private readonly opts: TartProviderOptions = {}) {
    this.bin = opts.tartPath ?? 'tart';
    this.env = { ...(opts.env ?? {}) };
    if (opts.tartHome) this.env.TART_HOME = opts.tartHome;
  }

  /** Runs tart once; resolves with the result whatever the exit code (callers classify). */
  private async exec(args: string[], timeoutMs?: number, signal?: AbortSignal): Promise<RunResult> {
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
        ...(signal ? { cancelSignal: signal } : {}),
      });
      if (r.isCanceled) throw new ProviderError('CommandFailed', `\`${commandLine({ binary: this.bin, args })}\` was cancelled`, { command: [this.bin, ...args] });
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
  private async run(args: string[], timeoutMs?: number, signal?: AbortSignal): Promise<RunResult> {
    await this.checkVersion();
    const r = await this.exec(args, timeoutMs, signal);
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
   * One `tart list` per resync, and at rest nothing else. It has no CPU or memory columns, so those
   * come from one `tart get` per VM of ours (never of a VM we do not own: that bumps its access date,
   * which `tart prune` uses), read again only when its power state changes: a `tart set` made by
   * hand takes effect at the next boot, and is read then.
   */
  async list(): Promise<ObservedVm[]> {
    // A tart list of a moment ago plus what this adapter itself did since is as fresh as a new one
    // for the VMs we changed: a burst of creates shares one list a second instead of two each.
    const reuse = this.opts.listReuseMs ?? 1000;
    const last = this.lastTart;
    if (last && reuse > 0 && Date.now() - last.finishedAt <= reuse) return this.present(last);
    this.listing ??= this.listFromTart().finally(() => (this.listing = undefined));
    return this.present(await this.listing);
  }

  private async listFromTart(): Promise<{ startedAt: number; finishedAt: number; vms: ObservedVm[] }> {
    const startedAt = Date.now();
    const r = await this.run(['list', '--format', 'json']);
    const vms = parseTartList(r.stdout);
    const names = new Set(vms.map((v) => v.name));
    this.lastList = { startedAt, names };
    this.views.keepOnly(names, startedAt);
    for (const n of [...this.ipWaiters.keys()]) if (!names.has(n)) this.stopIpWaiter(n);
    const toSize: ObservedVm[] = [];
    for (const vm of vms) {
      const v = this.views.setState(vm.name, vm.state, startedAt);
      // What we did since this list began (create, start, stop) is newer than what it says.
      if (v.stateAt > startedAt) continue;
      if (v.state !== 'running') this.stopIpWaiter(vm.name);
      if (this.owns(vm.name) && !this.creating.has(vm.name) && this.views.needsSizes(vm.name, vm.state)) toSize.push(vm);
    }
    for (let i = 0; i < toSize.length; i += SIZE_READS_AT_ONCE) await Promise.all(toSize.slice(i, i + SIZE_READS_AT_ONCE).map((vm) => this.readSizes(vm.name, vm.state)));
    this.lastTart = { startedAt, finishedAt: Date.now(), vms };
    return this.lastTart;
  }

  /** A tart list's VMs with what we know better since it began: our own creates, starts, stops and deletes, sizes, stale runs. */
  private present(list: { startedAt: number; vms: ObservedVm[] }): ObservedVm[] {
    const now = Date.now();
    const staleAfter = this.opts.staleRunAfterMs ?? 10_000;
    const out: ObservedVm[] = [];
    const seen = new Set<string>();
    const withViews = (vm: ObservedVm): ObservedVm => {
      const v = this.views.get(vm.name);
      if (v.state && v.stateAt > list.startedAt) vm.state = v.state;
      if (v.changed && v.changed.at > list.startedAt) {
        // Sized by us after this list began: its disk column is older than what we did.
        if (v.changed.diskGiB !== undefined) vm.diskGiB = v.changed.diskGiB;
        else delete vm.diskGiB;
      }
      if (v.sizes?.cpu !== undefined) vm.cpu = v.sizes.cpu;
      if (v.sizes?.memoryMiB !== undefined) vm.memoryMiB = v.sizes.memoryMiB;
      if (vm.state === 'running') vm.runId = this.runIdOf(vm.name, v.run);
      if (vm.state === 'running' && v.deadRunSince !== undefined && now - v.deadRunSince >= staleAfter) {
        const pid = Math.abs(this.runPids.get(vm.name) ?? 0);
        vm.staleRun = `tart says VM "${vm.name}" is running, but the \`tart run\` process hostplane started for it${pid ? ` (pid ${pid})` : ''} is gone and it has had no address for ${Math.round((now - v.deadRunSince) / 1000)} s (what a host crash leaves behind)`;
      }
      return vm;
    };
    for (const raw of list.vms) {
      if (!this.views.has(raw.name)) continue; // deleted by us since
      seen.add(raw.name);
      out.push(withViews({ ...raw, ...(raw.details ? { details: { ...raw.details } } : {}) }));
    }
    for (const name of this.views.names()) {
      const v = this.views.get(name);
      if (!seen.has(name) && v.state && v.stateAt > list.startedAt) out.push(withViews({ name, state: v.state, details: { source: 'local' } })); // created by us since
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * A VM we started less than BOOT_TRUST_MS ago whose `tart run` still lives: running, under that
   * run, is what a fresh `tart list` would say (nothing stops it without ending that process, and
   * tart refuses to delete a running VM). Costs no tart call.
   */
  known(name: string): ObservedVm | undefined {
    if (!this.views.has(name)) return undefined;
    const v = this.views.get(name);
    if (v.state !== 'running' || v.startedByUsAt === undefined || Date.now() - v.startedByUsAt > BOOT_TRUST_MS) return undefined;
    const pid = this.runPids.get(name);
    if (pid === undefined || pid <= 0 || !pidAlive(pid) || this.lateFailures.has(name)) return undefined;
    return this.present(this.lastTart ?? { startedAt: 0, vms: [] }).find((vm) => vm.name === name);
  }

  /**
   * This run of a running VM: the `tart run` we started for it (stable across hostplane restarts)
   * and whether it still lives; without one, this adapter's own run counter.
   */
  private runIdOf(name: string, run: number): string {
    const recorded = this.recordedRun(name);
    const pid = recorded !== undefined && recorded > 0 ? recorded : undefined;
    if (pid !== undefined) return `tart run ${pid}${pidAlive(pid) ? '' : ' gone'}`;
    return `${this.instance} run ${run}`;
  }

  /** One `tart get` for a VM's cpu/memory in a power state, shared by lists that overlap. */
  private readSizes(name: string, state: ObservedVm['state']): Promise<void> {
    const key = `${name}\0${state}`;
    let p = this.sizeReads.get(key);
    if (!p) {
      p = this.get(name)
        .then(
          (info) => {
            if (info && this.views.has(name)) this.views.get(name).sizes = { cpu: info.cpu, memoryMiB: info.memoryMiB, state };
          },
          () => undefined,
        )
        .finally(() => this.sizeReads.delete(key));
      this.sizeReads.set(key, p);
    }
    return p;
  }

  /**
   * When tart last wrote a VM's config (`TART_HOME/vms/NAME/config.json`, reference/tart.md §2), or
   * undefined. A stat, not a tart call: it neither costs a process nor touches tart's access date.
   */
  private configMtime(name: string): number | undefined {
    try {
      return fs.statSync(path.join(this.tartHome(), 'vms', name, 'config.json')).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** Ours: created or acted on by hostplane (a marker beside the run records survives restarts). */
  private owns(name: string): boolean {
    if (this.owned.has(name)) return true;
    const dir = this.opts.runPidDir;
    if (dir && (fs.existsSync(path.join(dir, `${name}.owned`)) || fs.existsSync(path.join(dir, `${name}.json`)))) {
      this.owned.add(name);
      return true;
    }
    return false;
  }

  private markOwned(name: string): void {
    if (this.owned.has(name)) return;
    this.owned.add(name);
    const dir = this.opts.runPidDir;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.owned`), '');
  }

  private forgetOwned(name: string): void {
    this.owned.delete(name);
    if (this.opts.runPidDir) fs.rmSync(path.join(this.opts.runPidDir, `${name}.owned`), { force: true });
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
    if (req.name.includes('/')) throw new ProviderError('InvalidArgument', `VM name "${req.name}" must not contain '/' (tart reads it as a registry name)`);
    // `tart clone` silently overwrites an existing VM (tart.md §1, #822): never clobber one. Our
    // own list of a moment ago that did not show the name answers that without a `tart get`.
    if (!this.knownAbsent(req.name) && !this.noVmDirectory(req.name) && (await this.get(req.name))) {
      throw new ProviderError('AlreadyExists', `a tart VM named "${req.name}" already exists; hostplane will not overwrite it (tart clone would replace it silently)`);
    }
    this.views.forget(req.name);
    this.markOwned(req.name);
    this.creating.add(req.name);
    let diskGiB: number | undefined;
    try {
      diskGiB = await this.cloneAndSize(req);
    } finally {
      this.creating.delete(req.name);
    }
    const made = this.views.setState(req.name, 'stopped', Date.now());
    made.sizes = { cpu: req.cpu, memoryMiB: req.memoryMiB, state: 'stopped', setByUs: { configMtimeMs: this.configMtime(req.name) } };
    made.changed = { at: made.stateAt, ...(diskGiB !== undefined ? { diskGiB } : {}) };
  }

  /**
   * Clone and size a VM; resolves with its disk in GiB as tart reports it: the size we set, or the
   * image's own when it is larger (kept; read once here, so a VM known without a list still reports
   * DiskShrinkRefused). undefined only when tart would not say.
   */
  private async cloneAndSize(req: VmCreateRequest): Promise<number | undefined> {
    await this.run(['clone', req.image, req.name], 30 * 60_000);
    // One `set`: a fresh MAC for every clone avoids stale DHCP leases and duplicate IPs (tart.md §3,
    // orchard), plus the size. Disks only grow: an image disk already larger than asked is kept
    // (the VM reports its real size; `set --disk-size` smaller fails).
    const base = ['set', req.name, '--random-mac', '--cpu', String(req.cpu), '--memory', String(req.memoryMiB)];
    try {
      try {
        await this.run([...base, '--disk-size', String(gibToGb(req.diskGiB))]);
        return gbToGiB(gibToGb(req.diskGiB));
      } catch (e) {
        if (!(e instanceof ProviderError && /should be larger than the current disk size/.test(e.message))) throw e;
        await this.run(base); // tart saved cpu/memory/MAC before it refused the disk; saying it again costs one call, only here
        return (await this.get(req.name))?.diskGiB; // the image's disk, which the VM keeps: one read, only here
      }
    } catch (e) {
      // The half-made VM is ours (we just cloned it): remove it so a retry starts clean.
      await this.exec(['delete', req.name]).catch(() => undefined);
      this.forgetOwned(req.name);
      throw e;
    }
  }

  /** Our own `tart list`, begun a moment ago, did not show this name (and we made nothing of it since). */
  private knownAbsent(name: string): boolean {
    const maxAge = this.opts.createCheckMaxAgeMs ?? 5000;
    const l = this.lastList;
    return !!l && maxAge > 0 && Date.now() - l.startedAt <= maxAge && !l.names.has(name) && !this.views.has(name);
  }

  /**
   * tart keeps each local VM in TART_HOME/vms/NAME (tart.md §2) and clone moves a finished copy
   * there: no such entry in an existing vms/ means no VM of that name, as surely as a `tart get`
   * a moment before the clone, and without a process. Anything there is asked of tart.
   */
  private noVmDirectory(name: string): boolean {
    const vms = path.join(this.tartHome(), 'vms');
    try {
      if (!fs.statSync(vms, { throwIfNoEntry: false })?.isDirectory()) return false;
      return fs.lstatSync(path.join(vms, name), { throwIfNoEntry: false }) === undefined;
    } catch {
      return false; // cannot tell: ask tart
    }
  }

  private tartHome(): string {
    return this.env.TART_HOME ?? process.env.TART_HOME ?? path.join(os.homedir(), '.tart');
  }

  async configure(name: string, res: VmResources): Promise<void> {
    const args = ['set', name];
    if (res.cpu !== undefined) args.push('--cpu', String(res.cpu));
    if (res.memoryMiB !== undefined) args.push('--memory', String(res.memoryMiB));
    if (res.diskGiB !== undefined) args.push('--disk-size', String(gibToGb(res.diskGiB)));
    if (args.length === 2) return;
    this.markOwned(name);
    const v = this.views.get(name);
    v.sizes = undefined;
    await this.run(args);
    if (v.state && v.state !== 'running') v.sizes = { cpu: res.cpu, memoryMiB: res.memoryMiB, state: v.state, setByUs: { configMtimeMs: this.configMtime(name) } };
    v.changed = { at: Date.now(), ...(res.diskGiB !== undefined ? { diskGiB: gbToGiB(gibToGb(res.diskGiB)) } : {}) };
  }

  async start(req: VmStartRequest): Promise<void> {
    await this.checkVersion();
    const late = this.lateFailures.get(req.name);
    if (late) {
      // Said once: the start after it is a new attempt.
      this.lateFailures.delete(req.name);
      throw late;
    }
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
    const grace = this.opts.startGraceMs ?? 500;
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
      this.watchLateFailure(req, args, before, child, Math.max(0, (this.opts.lateFailureMs ?? 3000) - grace));
      child.unref();
      this.markOwned(req.name);
      this.rememberRun(req.name, child.pid, req.network);
      this.networks.set(req.name, req.network);
      this.views.started(req.name, Date.now(), this.configMtime(req.name));
      this.opts.onCommand?.('run', performance.now() - t0, true);
      return;
    }
    this.opts.onCommand?.('run', performance.now() - t0, false);
    throw this.runFailure(req, args, before, outcome);
  }

  /** What a `tart run` that ended early says, as a classified error naming its log. */
  private runFailure(req: VmStartRequest, args: string[], logOffset: number, outcome: { exitCode?: number; cause?: NodeJS.ErrnoException }): ProviderError {
    if (outcome.cause?.code === 'ENOENT') {
      return new ProviderError('ProviderUnavailable', `tart is not installed or not on PATH: could not run ${JSON.stringify(this.bin)}`, { command: [this.bin, ...args] });
    }
    let output = '';
    try {
      output = fs.readFileSync(req.logFile).subarray(logOffset).toString('utf8');
    } catch {
      /* unreadable log */
    }
    if (outcome.exitCode === 0) {
      return new ProviderError('CommandFailed', `\`${commandLine({ binary: this.bin, args })}\` exited right after starting (exit 0): ${output.trim() || '(no output)'}; see ${req.logFile}`, {
        command: [this.bin, ...args],
        exitCode: 0,
        stderr: output,
      });
    }
    const e = classifyTartError({ args, exitCode: outcome.exitCode, stderr: output, binary: this.bin });
    return new ProviderError(e.code, `${e.message} (log: ${req.logFile})`, e.detail);
  }

  /** Keeps an eye on a just-started `tart run` (without holding anyone): a failure soon after is kept for the next start(). */
  private watchLateFailure(req: VmStartRequest, args: string[], logOffset: number, child: ChildProcess, ms: number): void {
    if (ms <= 0) return;
    this.lateFailures.delete(req.name);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      // Only tart's own failures: a VM that stopped on its own (0) or a killed runner (signal) is
      // seen stopped by the next list like any other stop.
      if (code === 0 || code === null) return;
      this.lateFailures.set(req.name, this.runFailure(req, args, logOffset, { exitCode: code }));
    };
    const timer = setTimeout(() => child.off('exit', onExit), ms);
    timer.unref();
    child.once('exit', onExit);
  }

  /**
   * Graceful first: SIGUSR2 to the `tart run` we started asks the guest OS to shut down (SIGINT,
   * which `tart stop` sends, is a hard power-off). The VM is stopped exactly when that process ends,
   * so we watch the process (backing off from 50 ms to 1 s), not tart. After timeoutSeconds, `tart
   * stop` ends it.
   */
  async stop(name: string, opts?: { timeoutSeconds?: number }): Promise<void> {
    const timeout = Math.max(0, Math.round(opts?.timeoutSeconds ?? this.opts.stopTimeoutSeconds ?? 30));
    this.markOwned(name);
    this.stopIpWaiter(name);
    this.lateFailures.delete(name);
    const pid = this.runPid(name);
    if (pid !== undefined && timeout > 0) {
      try {
        process.kill(pid, 'SIGUSR2');
        const until = Date.now() + timeout * 1000;
        for (let delay = 50; Date.now() < until; delay = Math.min(1000, delay * 2)) {
          if (!pidAlive(pid)) {
            this.forgetRun(name);
            this.views.setState(name, 'stopped', Date.now());
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, until - Date.now()))));
        }
      } catch {
        /* the runner is gone: fall through to tart stop */
      }
    }
    try {
      await this.run(['stop', name, '--timeout', String(pid !== undefined ? 5 : timeout)], (timeout + 30) * 1000);
      this.views.setState(name, 'stopped', Date.now());
    } catch (e) {
      // Already stopped is the goal state. Whether it really is, the next `tart list` says (a stale
      // "running" tart cannot stop must not read as stopped).
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
    this.runPids.set(name, pid); // our own child: no need to ask ps who it is
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
    this.runPids.set(name, undefined);
  }

  /**
   * The pid of the `tart run` we recorded for a VM (alive or not), checked once against `ps` when
   * first read from disk; a dead or reused one reads as undefined from then on. Cached: at rest it
   * costs no process start.
   */
  private recordedRun(name: string): number | undefined {
    if (this.runPids.has(name)) return this.runPids.get(name);
    const pid = this.recordedPid(name);
    const checked = pid !== undefined && this.runPid(name) === pid ? pid : pid !== undefined ? -pid : undefined;
    // A pid that is not (any more) our tart run is kept negated: "a run was recorded, and it is gone".
    this.runPids.set(name, checked);
    return checked;
  }

  private recordedPid(name: string): number | undefined {
    const file = this.runPidFile(name);
    if (!file) return undefined;
    try {
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid;
    } catch {
      return undefined;
    }
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
    this.stopIpWaiter(name);
    this.views.forget(name);
    try {
      await this.run(['delete', name]);
    } catch (e) {
      if (e instanceof ProviderError && e.code === 'NotFound') {
        this.forgetOwned(name);
        return; // already gone
      }
      throw e;
    }
    this.networks.delete(name);
    this.forgetOwned(name);
  }

  /**
   * The VM's address. Read once per run: while the VM runs under the same `tart run` process, the
   * address read before is the answer (no tart call). A started VM's first address comes from one
   * background `tart ip --wait` shared by every caller, so no caller holds a worker while the guest
   * boots; waitSeconds only says how long this caller waits for it.
   */
  async ip(name: string, opts?: { waitSeconds?: number }): Promise<string | undefined> {
    // tart's DHCP resolver reads the lease file, not the VM, so a stopped VM still "has" its old
    // IP (#172, #460): only ask for the IP of a VM that is running. The state of a recent list (or
    // of our own start) says so; otherwise ask tart.
    let v = this.views.has(name) ? this.views.get(name) : undefined;
    // A VM whose `tart run` we started still runs while that process lives: no `tart get` to say so,
    // however long ago the last list was (a loaded host lists seldom).
    const ours = v?.state === 'running' ? this.runPids.get(name) : undefined;
    const runsUnderUs = ours !== undefined && ours > 0 && pidAlive(ours);
    if (!v?.state || (!runsUnderUs && Date.now() - v.stateAt > STATE_TRUST_MS)) {
      const info = await this.get(name);
      if (!info) throw new ProviderError('NotFound', `VM "${name}" does not exist (tart get ${name})`);
      v = this.views.setState(name, info.state, Date.now());
    }
    if (v.state !== 'running') return undefined;
    const recorded = this.recordedRun(name);
    const pid = recorded !== undefined && recorded > 0 ? recorded : undefined;
    const alive = pid !== undefined && pidAlive(pid);
    if (recorded !== undefined && !alive) {
      // tart says running but the run we recorded is gone: one direct look, no waiting (BUG-009);
      // an address found so (someone else runs it now) holds for this run.
      const seen = this.views.knownAddress(name, undefined, false);
      if (seen) return seen;
      const ip = await this.readIp(name, 0);
      if (ip) v.address = { ip, run: v.run, pid: undefined };
      else v.deadRunSince ??= Date.now();
      if (recorded > 0) this.runPids.set(name, -recorded);
      return ip;
    }
    const known = this.views.knownAddress(name, pid, alive);
    if (known) return known;
    const waiter = this.ipWaiter(name, v.run, pid);
    const wait = Math.max(0, opts?.waitSeconds ?? 0) * 1000;
    if (wait > 0) await Promise.race([waiter, new Promise((r) => setTimeout(r, wait).unref())]);
    return this.views.knownAddress(name, pid, alive);
  }

  /** The shared background `tart ip --wait` of this run, started on first demand. */
  private ipWaiter(name: string, run: number, pid: number | undefined): Promise<void> {
    const current = this.ipWaiters.get(name);
    if (current && current.run === run && current.pid === pid) return current.done;
    if (current) this.stopIpWaiter(name);
    const abort = new AbortController();
    const seconds = this.opts.ipWaiterSeconds ?? 60;
    const done = this.readIp(name, seconds, abort.signal).then(
      (ip) => {
        const v = this.views.has(name) ? this.views.get(name) : undefined;
        if (ip && v && v.run === run) v.address = { ip, run, pid };
      },
      () => undefined, // a failed read is asked again by the next caller
    ).finally(() => {
      if (this.ipWaiters.get(name)?.done === done) this.ipWaiters.delete(name);
    });
    this.ipWaiters.set(name, { run, pid, abort, done });
    return done;
  }

  private stopIpWaiter(name: string): void {
    const w = this.ipWaiters.get(name);
    if (!w) return;
    this.ipWaiters.delete(name);
    w.abort.abort();
  }

  private async readIp(name: string, waitSeconds: number, signal?: AbortSignal): Promise<string | undefined> {
    const wait = Math.max(0, Math.min(65535, Math.round(waitSeconds)));
    const args = ['ip', name, '--wait', String(wait)];
    if (this.networkOf(name)?.mode === 'bridged') args.push('--resolver', 'arp');
    try {
      const r = await this.run(args, (wait + 30) * 1000, signal);
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
