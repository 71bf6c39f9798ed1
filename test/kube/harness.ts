// Contract-test harness: a SimCluster in this process (HTTPS on 127.0.0.x, any free port) and the
// real kubectl/helm binaries run as separate processes against it, with their own HOME (kubectl's
// discovery cache) and kubeconfig in a temp dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledClock, DefaultWorkload, type ContainerContext, type ContainerHandle, type RunningContainer, type WorkloadModel } from '../../src/sim/kube/control-plane/index.js';
import { cniDaemonSet } from '../../src/sim/kube/control-plane/testing/harness.js';
import { SimCluster } from '../../src/sim/kube/sim-cluster.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  /** Resolves when the output matches (or rejects after ms). */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  stop(): Promise<RunResult>;
}

/** Containers whose image contains "talker" print a numbered line per simulated second; "never-ready" ones never pass readiness. */
export class TestWorkload implements WorkloadModel {
  private base = new DefaultWorkload({ jobRunMs: 2000, startDelayMs: 500 });
  startDelayMs(): number {
    return 500;
  }
  start(ctx: ContainerContext, handle: ContainerHandle): RunningContainer | void {
    const image = String((ctx.container as { image?: string }).image ?? '');
    if (image.includes('never-ready')) handle.setReady(false);
    if (image.includes('talker')) {
      let n = 0;
      let t: unknown;
      const tick = () => {
        if (handle.stopped) return;
        handle.log(`hello ${++n}`);
        t = ctx.clock.setTimeout(tick, 1000);
      };
      tick();
      return { stop: () => ctx.clock.clearTimeout(t) };
    }
    return this.base.start(ctx, handle);
  }
  usage(ctx: ContainerContext) {
    return this.base.usage();
  }
}

export interface SimEnv {
  cluster: SimCluster;
  dir: string;
  kubeconfig: string;
  /** Request log lines: `METHOD URL STATUS ms [content-type] user-agent`. */
  requests: string[];
  run(bin: string, args: string[], opts?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<RunResult>;
  start(bin: string, args: string[]): Running;
  /** Resolves once a request line matching `re` was served (bounded by ms). */
  waitForRequest(re: RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimEnv(opts: { host?: string; controlPlane?: boolean; timeScale?: number; stateDir?: string; /** install a CNI DaemonSet so nodes get Ready (default true) */ cni?: boolean } = {}): Promise<SimEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'hostplane-kube-'));
  const requests: string[] = [];
  const withCp = opts.controlPlane !== false;
  const cluster = await SimCluster.start({
    host: opts.host ?? '127.0.0.7',
    port: 0,
    clock: new ScaledClock(opts.timeScale ?? 10),
    controlPlane: withCp,
    workload: new TestWorkload(),
    stateDir: opts.stateDir,
    nodes: withCp
      ? [
          { name: 'sim-worker1', ip: '10.200.0.11', cpu: 8, memoryMiB: 16384 },
          { name: 'sim-worker2', ip: '10.200.0.12', cpu: 8, memoryMiB: 16384 },
        ]
      : [],
    log: (l) => {
      if (requests.length < 20_000) requests.push(l);
    },
  });
  if (withCp && opts.cni !== false) cluster.store.create({ group: 'apps', version: 'v1', resource: 'daemonsets' }, cniDaemonSet());
  const kubeconfig = join(dir, 'kubeconfig');
  cluster.writeKubeconfig(kubeconfig);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig, HELM_CACHE_HOME: join(dir, 'helm-cache'), HELM_CONFIG_HOME: join(dir, 'helm-config'), HELM_DATA_HOME: join(dir, 'helm-data') };

  const launch = (bin: string, args: string[], extraEnv: Record<string, string> = {}) => {
    const child = spawn(bin, args, { env: { ...env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const done = new Promise<RunResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return { child, done, out: () => stdout + stderr };
  };

  return {
    cluster,
    dir,
    kubeconfig,
    requests,
    async run(bin, args, o = {}) {
      const p = launch(bin, args, o.env);
      p.child.stdin.end(o.input ?? '');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), o.timeoutMs ?? 25_000);
      const r = await p.done;
      clearTimeout(timer);
      return r;
    },
    start(bin, args) {
      const p = launch(bin, args);
      p.child.stdin.end();
      return {
        waitFor(re, ms = 15_000) {
          return new Promise((resolve, reject) => {
            const check = () => {
              if (re.test(p.out())) {
                clearInterval(iv);
                clearTimeout(to);
                resolve(p.out());
              }
            };
            const iv = setInterval(check, 50);
            const to = setTimeout(() => {
              clearInterval(iv);
              reject(new Error(`output did not match ${re} within ${ms} ms:\n${p.out()}`));
            }, ms);
            check();
          });
        },
        async stop() {
          p.child.kill('SIGTERM');
          return p.done;
        },
      };
    },
    waitForRequest(re, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const iv = setInterval(() => {
          if (requests.some((l) => re.test(l))) {
            clearInterval(iv);
            clearTimeout(to);
            resolve();
          }
        }, 20);
        const to = setTimeout(() => {
          clearInterval(iv);
          reject(new Error(`no request matching ${re} within ${ms} ms`));
        }, ms);
      });
    },
    async stop() {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
