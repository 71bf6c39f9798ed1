// The helm port on the real helm CLI (3 or 4): argument arrays through execa (no shell), the
// cluster's kubeconfig via --kubeconfig, -o json wherever helm has it, flags chosen by the detected
// major, values through a 0600 temp file deleted afterwards, stderr classified into HelmErrors.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import {
  type ChartRef,
  type HelmPort,
  type HistoryEntry,
  type ListEntry,
  type Release,
  type ReleaseTarget,
  type TestResult,
  type Values,
  type WriteOptions,
  HelmError,
} from '../../ports/helm.js';
import { detectVersion } from '../tools/version.js';
import { HelmCommandLog } from './command-log.js';
import { classify } from './errors.js';
import { FLAGS, type HelmMajor, goDuration, writeFlags } from './flags.js';
import { parseHistory, parseJson, parseList, parseRelease } from './parse.js';

export interface HelmCliOptions {
  /** Path of the helm binary (see adapters/tools resolveTool). */
  binary: string;
  /** Skip detection when known. */
  version?: string;
  /**
   * Private helm home (HELM_CONFIG_HOME, HELM_CACHE_HOME, HELM_DATA_HOME under it) so runs never
   * race on ~/.config/helm. Default: helm's own defaults.
   */
  helmHome?: string;
  /** Where values files are written (0600, removed after each call). Default os.tmpdir(). */
  tmpDir?: string;
  log?: HelmCommandLog;
  /** Kill helm if it runs this much longer than its own --timeout (ms). Default 60 s. */
  graceMs?: number;
  /** Extra environment (e.g. HELM_DRIVER). */
  env?: Record<string, string>;
  /**
   * Signal sent when a call's AbortSignal fires. SIGTERM (default) lets helm mark the release
   * failed; SIGKILL leaves it pending-* as a crashed helm does (tests of the unlock path).
   */
  abortKillSignal?: 'SIGTERM' | 'SIGKILL';
}

interface RunResult {
  stdout: string;
}

const VALUES_PLACEHOLDER = '<values>';

export async function createHelmCli(opts: HelmCliOptions): Promise<HelmCli> {
  const version = opts.version ?? (await detectVersion('helm', opts.binary)).version;
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (major !== 3 && major !== 4) throw new Error(`${opts.binary} is helm ${version}; hostplane drives helm 3 or 4`);
  return new HelmCli(opts, major, version.replace(/^v/, ''));
}

export class HelmCli implements HelmPort {
  readonly log: HelmCommandLog;

  constructor(
    private readonly opts: HelmCliOptions,
    readonly major: HelmMajor,
    readonly version: string,
  ) {
    this.log = opts.log ?? new HelmCommandLog();
  }

  private env(): Record<string, string> {
    const env: Record<string, string> = { ...(this.opts.env ?? {}) };
    if (this.opts.helmHome) {
      env.HELM_CONFIG_HOME = path.join(this.opts.helmHome, 'config');
      env.HELM_CACHE_HOME = path.join(this.opts.helmHome, 'cache');
      env.HELM_DATA_HOME = path.join(this.opts.helmHome, 'data');
    }
    return env;
  }

  /** Runs helm; on failure throws a classified HelmError. `valuesFile` is redacted in the log. */
  async run(
    args: string[],
    ctx: { command: string; release?: string; namespace?: string; timeoutMs?: number; signal?: AbortSignal; valuesFile?: string },
  ): Promise<RunResult> {
    const started = Date.now();
    const killAfter = (ctx.timeoutMs ?? 5 * 60_000) + (this.opts.graceMs ?? 60_000);
    const res = await execa(this.opts.binary, args, {
      reject: false,
      env: this.env(),
      timeout: killAfter,
      cancelSignal: ctx.signal,
      killSignal: this.opts.abortKillSignal ?? 'SIGTERM',
      stdin: 'ignore',
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
    });
    const logged = args.map((a) => (ctx.valuesFile && a === ctx.valuesFile ? VALUES_PLACEHOLDER : a));
    let error: HelmError | undefined;
    if (res.exitCode !== 0) {
      if (res.isCanceled || res.isTerminated || res.timedOut) {
        const why = res.timedOut ? `did not end ${killAfter} ms after start and was killed` : `was stopped (${res.signal ?? 'canceled'})`;
        const kind = res.timedOut ? 'Timeout' : 'Aborted';
        error = new HelmError(kind, `helm ${ctx.command}${ctx.release ? ` ${ctx.namespace}/${ctx.release}` : ''} ${why}`, String(res.stderr ?? ''), ctx.command);
      } else {
        error = classify(String(res.stderr ?? ''), ctx);
      }
    }
    this.log.record({
      command: ctx.command,
      args: logged,
      release: ctx.release,
      namespace: ctx.namespace,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      exitCode: res.exitCode,
      error: error?.kind,
    });
    if (error) throw error;
    return { stdout: String(res.stdout ?? '') };
  }

  private kube(t: { kubeconfig: string; context?: string }): string[] {
    return ['--kubeconfig', t.kubeconfig, ...(t.context ? ['--kube-context', t.context] : [])];
  }

  private target(t: ReleaseTarget): string[] {
    return [...this.kube(t), '-n', t.namespace];
  }

  /** Writes values to a private 0600 file; returns its path and a cleanup. */
  private async valuesFile(values: Values | undefined): Promise<{ file?: string; cleanup: () => Promise<void> }> {
    if (!values || Object.keys(values).length === 0) return { cleanup: async () => undefined };
    const dir = await fs.mkdtemp(path.join(this.opts.tmpDir ?? os.tmpdir(), 'hostplane-values-'));
    await fs.chmod(dir, 0o700);
    const file = path.join(dir, 'values.json');
    // JSON is YAML: helm reads it with -f. The file is created 0600 before any byte is written.
    const fh = await fs.open(file, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(values));
    } finally {
      await fh.close();
    }
    return { file, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  }

  private async write(
    mode: 'upgradeInstall' | 'install' | 'upgrade',
    t: ReleaseTarget,
    chart: ChartRef,
    o: WriteOptions = {},
  ): Promise<Release> {
    const { file, cleanup } = await this.valuesFile(o.values);
    try {
      const head =
        mode === 'install'
          ? ['install', t.release, chart.path]
          : mode === 'upgrade'
            ? ['upgrade', t.release, chart.path]
            : ['upgrade', '--install', t.release, chart.path];
      const args = [...head, ...this.target(t), ...writeFlags(this.major, o, mode === 'install' ? 'install' : 'upgrade'), ...(file ? ['-f', file] : []), '-o', 'json'];
      const command = mode === 'install' ? 'install' : 'upgrade';
      const { stdout } = await this.run(args, { command, release: t.release, namespace: t.namespace, timeoutMs: o.timeoutMs, signal: o.signal, valuesFile: file });
      return parseRelease(parseJson(stdout, command));
    } finally {
      await cleanup();
    }
  }

  upgradeInstall(t: ReleaseTarget, chart: ChartRef, o?: WriteOptions): Promise<Release> {
    return this.write('upgradeInstall', t, chart, o);
  }
  install(t: ReleaseTarget, chart: ChartRef, o?: WriteOptions): Promise<Release> {
    return this.write('install', t, chart, o);
  }
  upgrade(t: ReleaseTarget, chart: ChartRef, o?: WriteOptions): Promise<Release> {
    return this.write('upgrade', t, chart, o);
  }

  async status(t: ReleaseTarget, revision?: number): Promise<Release | undefined> {
    const args = ['status', t.release, ...this.target(t), ...(revision ? ['--revision', String(revision)] : []), '-o', 'json'];
    try {
      const { stdout } = await this.run(args, { command: 'status', release: t.release, namespace: t.namespace });
      return parseRelease(parseJson(stdout, 'status'));
    } catch (err) {
      if (err instanceof HelmError && err.kind === 'ReleaseNotFound') return undefined;
      throw err;
    }
  }

  async history(t: ReleaseTarget, max?: number): Promise<HistoryEntry[]> {
    const args = ['history', t.release, ...this.target(t), ...(max ? ['--max', String(max)] : []), '-o', 'json'];
    try {
      const { stdout } = await this.run(args, { command: 'history', release: t.release, namespace: t.namespace });
      return parseHistory(parseJson(stdout, 'history'));
    } catch (err) {
      if (err instanceof HelmError && err.kind === 'ReleaseNotFound') return [];
      throw err;
    }
  }

  async rollback(t: ReleaseTarget, revision: number, o: Omit<WriteOptions, 'values' | 'createNamespace' | 'skipCrds' | 'takeOwnership'> = {}): Promise<void> {
    const args = ['rollback', t.release, String(revision), ...this.target(t), ...writeFlags(this.major, o, 'rollback')];
    await this.run(args, { command: 'rollback', release: t.release, namespace: t.namespace, timeoutMs: o.timeoutMs, signal: o.signal });
  }

  async uninstall(
    t: ReleaseTarget,
    o: { timeoutMs?: number; wait?: boolean; keepHistory?: boolean; disableHooks?: boolean } = {},
  ): Promise<{ existed: boolean }> {
    const args = ['uninstall', t.release, ...this.target(t)];
    if (o.timeoutMs !== undefined) args.push('--timeout', goDuration(o.timeoutMs));
    if (o.wait) args.push(FLAGS[this.major].wait);
    if (o.keepHistory) args.push('--keep-history');
    if (o.disableHooks) args.push('--no-hooks');
    try {
      await this.run(args, { command: 'uninstall', release: t.release, namespace: t.namespace, timeoutMs: o.timeoutMs });
      return { existed: true };
    } catch (err) {
      if (err instanceof HelmError && err.kind === 'ReleaseNotFound') return { existed: false };
      throw err;
    }
  }

  async list(w: { kubeconfig: string; context?: string; namespace?: string }): Promise<ListEntry[]> {
    const args = ['list', ...this.kube(w), ...(w.namespace ? ['-n', w.namespace] : ['-A']), ...FLAGS[this.major].listAll, '-o', 'json'];
    const { stdout } = await this.run(args, { command: 'list', namespace: w.namespace });
    return parseList(parseJson(stdout, 'list'));
  }

  async getValues(t: ReleaseTarget, o: { all?: boolean; revision?: number } = {}): Promise<Values> {
    const args = ['get', 'values', t.release, ...this.target(t), ...(o.all ? ['--all'] : []), ...(o.revision ? ['--revision', String(o.revision)] : []), '-o', 'json'];
    const { stdout } = await this.run(args, { command: 'get values', release: t.release, namespace: t.namespace });
    const v = parseJson(stdout, 'get values');
    return v && typeof v === 'object' ? (v as Values) : {};
  }

  async getManifest(t: ReleaseTarget, revision?: number): Promise<string> {
    const args = ['get', 'manifest', t.release, ...this.target(t), ...(revision ? ['--revision', String(revision)] : [])];
    return (await this.run(args, { command: 'get manifest', release: t.release, namespace: t.namespace })).stdout;
  }

  async test(t: ReleaseTarget, o: { timeoutMs?: number } = {}): Promise<TestResult> {
    const args = ['test', t.release, ...this.target(t), ...(o.timeoutMs ? ['--timeout', goDuration(o.timeoutMs)] : [])];
    let failed: HelmError | undefined;
    try {
      await this.run(args, { command: 'test', release: t.release, namespace: t.namespace, timeoutMs: o.timeoutMs });
    } catch (err) {
      if (!(err instanceof HelmError) || err.kind === 'KubeUnreachable' || err.kind === 'ReleaseNotFound') throw err;
      failed = err;
    }
    // The phases are in the release's hooks (helm test has no -o json).
    const rel = await this.status(t);
    const hooks: Record<string, string> = {};
    for (const h of rel?.hooks ?? []) if (h.events?.includes('test')) hooks[h.name] = h.lastRun?.phase ?? 'Unknown';
    return { hooks, ok: !failed && Object.values(hooks).every((p) => p === 'Succeeded') };
  }
}
