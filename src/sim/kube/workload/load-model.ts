// The sim host's workload model (README "The workload model"): web pods that serve with a
// capacity and a latency curve, k6 pods that run the Job's script against a Service and print
// k6's end-of-test summary, stress-ng pods that load their node and print stress-ng's YAML.
// Everything else falls through to the control plane's DefaultWorkload. All timing is on the
// control plane's clock; the only randomness is a seeded jitter, so a seed gives one result.
import type { Clock } from '../../../controllers/clock.js';
import type { ObjectStore } from '../object-store.js';
import { DefaultWorkload, type ContainerContext, type ContainerHandle, type RunningContainer, type UsageSample, type WorkloadModel } from '../control-plane/workload.js';
import { R, fnv32a, milliCpu, parseQuantity, podReady, type Json, type Obj } from '../control-plane/util.js';
import { K6ScriptError, loadK6Script } from './k6-script-runtime.js';
import { buildSummaryData, type RunTotals } from './k6-summary-data.js';
import { LatencyHistogram, solveClosedLoop, type PodServer } from './queueing.js';
import { scheduleOf, type Schedule } from './schedule.js';
import { parseStressArgs, stressNgFinalOutput, stressNgStartLines, type StressPlan } from './stress-ng-output.js';

/** How a kind of web server serves (README table). */
export interface WebProfile {
  /** CPU one request costs (ms of one core) */
  cpuMsPerRequest: number;
  baseMs: number;
  maxConcurrent: number;
  idleMilli: number;
  memoryBytes: number;
  responseBytes: number;
}

export const WEB_PROFILES: Record<string, WebProfile> = {
  nginx: { cpuMsPerRequest: 4, baseMs: 1, maxConcurrent: 1024, idleMilli: 1, memoryBytes: 6 * 1024 * 1024, responseBytes: 853 },
  httpbin: { cpuMsPerRequest: 10, baseMs: 2, maxConcurrent: 64, idleMilli: 3, memoryBytes: 42 * 1024 * 1024, responseBytes: 310 },
};

export interface LoadWorkloadOptions {
  seed?: number;
  /** Step of the k6 model (ms of clock). Default 1000. */
  tickMs?: number;
  base?: WorkloadModel;
}

function profileOf(pod: Obj, container: Json): WebProfile | undefined {
  const image = String(container.image ?? '');
  const app = pod.metadata.labels?.app ?? '';
  if (/(^|\/)nginx(:|$|@)/.test(image) || /nginx/.test(app)) return WEB_PROFILES.nginx;
  if (/httpbin/.test(image) || /httpbin/.test(app)) return WEB_PROFILES.httpbin;
  return undefined;
}

const isK6 = (c: Json) => /(^|\/)k6(:|$|@)/.test(String(c.image ?? ''));
const isStress = (c: Json) => /stress-ng/.test(String(c.image ?? ''));
const key = (pod: Obj) => `${pod.metadata.namespace}/${pod.metadata.name}`;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const logTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class LoadWorkload implements WorkloadModel {
  private store?: ObjectStore;
  private readonly base: WorkloadModel;
  private readonly seed: number;
  /** load of each k6 run on each web pod (requests/s) */
  private readonly podLoad = new Map<string, Map<string, number>>();
  /** CPU of stress-ng containers per node (millicores) */
  private readonly stressByNode = new Map<string, Map<string, number>>();
  private readonly k6Vus = new Map<string, number>();
  private readonly stressUsage = new Map<string, UsageSample>();

  constructor(private readonly opts: LoadWorkloadOptions = {}) {
    this.base = opts.base ?? new DefaultWorkload();
    this.seed = opts.seed ?? 1;
  }

  bind(store: ObjectStore): void {
    this.store = store;
  }

  startDelayMs(ctx: ContainerContext): number {
    return this.base.startDelayMs?.(ctx) ?? 1000;
  }

  start(ctx: ContainerContext, handle: ContainerHandle): RunningContainer | void {
    if (!ctx.init && this.store) {
      if (isK6(ctx.container)) return this.startK6(ctx, handle);
      if (isStress(ctx.container)) return this.startStress(ctx, handle);
    }
    return this.base.start(ctx, handle);
  }

  usage(ctx: ContainerContext): UsageSample {
    const k = `${key(ctx.pod)}/${ctx.container.name}`;
    const prof = profileOf(ctx.pod, ctx.container);
    if (prof && !ctx.init) {
      let rps = 0;
      for (const m of this.podLoad.values()) rps += m.get(key(ctx.pod)) ?? 0;
      return { cpuMilli: Math.round(prof.idleMilli + rps * prof.cpuMsPerRequest), memoryBytes: prof.memoryBytes + Math.round(rps * 2048) };
    }
    const stress = this.stressUsage.get(k);
    if (stress) return stress;
    const vus = this.k6Vus.get(k);
    if (vus !== undefined) return { cpuMilli: 20 + vus * 2, memoryBytes: (60 + vus * 2) * 1024 * 1024 };
    return this.base.usage(ctx);
  }

  /** Pod IP → the web pods behind a URL's Service, as kube-proxy would pick them. */
  private resolve(url: string, podNs: string): { service?: Obj; error?: string; host: string } {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return { error: `invalid URL "${url}"`, host: url };
    }
    const parts = host.split('.');
    const ns = parts.length >= 2 && !/^\d+$/.test(parts[1]!) ? parts[1]! : podNs;
    const svc = this.store!.list(R.services, {}).items.find((s) =>
      (s.metadata.name === parts[0] && s.metadata.namespace === ns && (parts.length === 1 || parts[2] === 'svc' || parts.length === 2)) || (s as Obj).spec?.clusterIP === host,
    ) as Obj | undefined;
    if (!svc) return { error: `lookup ${host} on 10.96.0.10:53: no such host`, host };
    return { service: svc, host };
  }

  private readyServers(svc: Obj): PodServer[] {
    const ep = this.store!.get(R.endpoints, svc.metadata.namespace, svc.metadata.name!) as Obj | undefined;
    const out: PodServer[] = [];
    for (const s of ep?.subsets ?? []) {
      for (const a of s.addresses ?? []) {
        const pod = this.store!.get(R.pods, a.targetRef?.namespace ?? svc.metadata.namespace, a.targetRef?.name) as Obj | undefined;
        if (!pod || !podReady(pod)) continue;
        const c = pod.spec.containers[0];
        const prof = profileOf(pod, c) ?? WEB_PROFILES.nginx!;
        const node = pod.spec.nodeName ? (this.store!.get(R.nodes, undefined, pod.spec.nodeName) as Obj | undefined) : undefined;
        const nodeCpu = node ? milliCpu(node.status?.allocatable?.cpu ?? '2') : 2000;
        const stress = [...(this.stressByNode.get(pod.spec.nodeName) ?? new Map<string, number>()).values()].reduce((n, v) => n + v, 0);
        const limit = c.resources?.limits?.cpu ? milliCpu(c.resources.limits.cpu) : nodeCpu;
        // stress-ng on the same node takes the CPU first; a pod keeps at least a tenth of its limit
        const cpu = Math.max(limit * 0.1, Math.min(limit, nodeCpu - stress));
        out.push({ name: key(pod), capacity: cpu / prof.cpuMsPerRequest, baseMs: prof.baseMs, maxConcurrent: prof.maxConcurrent });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private startK6(ctx: ContainerContext, handle: ContainerHandle): RunningContainer {
    const clock: Clock = ctx.clock;
    const pod = ctx.pod;
    const ckey = `${key(pod)}/${ctx.container.name}`;
    const args: string[] = (ctx.container.args ?? ctx.container.command ?? []).map(String);
    const log = (level: string, msg: string) => handle.log(`time="${logTime(clock.now())}" level=${level} msg="${msg.replace(/"/g, '\\"')}"`, 'stderr');
    const timers: unknown[] = [];
    let finished = false;
    const done = (code: number) => {
      if (finished) return;
      finished = true;
      this.podLoad.delete(ckey);
      this.k6Vus.delete(ckey);
      if (!handle.stopped) handle.exit(code);
    };
    const later = (fn: () => void, ms: number) => timers.push(clock.setTimeout(fn, ms));
    const stop = () => {
      finished = true;
      for (const t of timers) clock.clearTimeout(t as never);
      this.podLoad.delete(ckey);
      this.k6Vus.delete(ckey);
    };

    // the script file and the ConfigMap volume it is mounted from
    const scriptPath = [...args].reverse().find((a) => a.endsWith('.js') || a.endsWith('.ts')) ?? '';
    const mount = (ctx.container.volumeMounts ?? []).find((m: Json) => scriptPath.startsWith(`${m.mountPath}/`));
    const vol = mount ? (pod.spec.volumes ?? []).find((v: Json) => v.name === mount.name) : undefined;
    const cm = vol?.configMap ? (this.store!.get({ group: '', version: 'v1', resource: 'configmaps' }, pod.metadata.namespace, vol.configMap.name) as Obj | undefined) : undefined;
    const env: Record<string, string> = {};
    for (const e of ctx.container.env ?? []) if (e.value !== undefined) env[e.name] = String(e.value);
    let segment: [number, number] = [0, 1];
    for (let i = 0; i < args.length; i++) {
      if ((args[i] === '-e' || args[i] === '--env') && args[i + 1]) {
        const [k, ...v] = args[i + 1]!.split('=');
        env[k!] = v.join('=');
      }
      if (args[i] === '--execution-segment' && args[i + 1]) {
        const frac = (s: string) => (s.includes('/') ? Number(s.split('/')[0]) / Number(s.split('/')[1]) : Number(s));
        const [a, b] = args[i + 1]!.split(':');
        segment = [frac(a!), frac(b!)];
      }
    }
    if (!cm) {
      later(() => {
        log('error', `The moduleSpecifier "${scriptPath}" couldn't be found on local disk. Make sure that you've specified the right path to the file.`);
        done(107);
      }, 200);
      return { stop };
    }
    const files: Record<string, string> = cm.data ?? {};
    const entry = scriptPath.slice(String(mount.mountPath).length + 1);
    let script;
    let schedule: Schedule;
    try {
      script = loadK6Script(files, entry, env);
      schedule = scheduleOf(script.options, segment);
      // thresholds are parsed before the test starts: a bad expression is an invalid config
      buildSummaryData(script.options, { requests: 0, failed: 0, iterations: 0, checksPassed: 0, checksFailed: 0, vusMax: 0, vusLast: 0, durationMs: 1, bytesReceived: 0, bytesSent: 0 }, new LatencyHistogram(), new LatencyHistogram(), []);
    } catch (e) {
      const code = e instanceof K6ScriptError ? e.exitCode : 104;
      later(() => {
        for (const line of String((e as Error).message).split('\n')) log('error', line);
        done(code);
      }, 300);
      return { stop };
    }

    handle.log(`\n     execution: local\n        script: ${scriptPath}\n        output: -\n`);
    handle.log(`     scenarios: (100.00%) ${Object.keys(script.options?.scenarios ?? { default: 1 }).length} scenario, ${schedule.maxVus} max VUs, ${Math.round(schedule.durationMs / 1000 + 30)}s max duration (incl. graceful stop):\n              * ${schedule.describe}\n`);
    const url = script.probe.urls[0];
    const reqPerIter = Math.max(script.probe.urls.length, 0);
    const thinkMs = script.probe.sleepMs;
    const latency = new LatencyHistogram();
    const iterationMs = new LatencyHistogram();
    const totals: RunTotals = { requests: 0, failed: 0, iterations: 0, checksPassed: 0, checksFailed: 0, vusMax: schedule.maxVus, vusLast: 0, durationMs: 0, bytesReceived: 0, bytesSent: 0 };
    const checksPerIter = script.probe.checks.length;
    const rand = mulberry32(this.seed ^ fnv32a(ckey));
    const tickMs = this.opts.tickMs ?? 1000;
    const started = clock.now();
    let last = started;
    let warned = 0;
    const resolved = url ? this.resolve(url, pod.metadata.namespace!) : undefined;
    const warn = (msg: string) => {
      if (warned++ < 5) handle.log(`time="${logTime(clock.now())}" level=warning msg="Request Failed" error="${msg}"`, 'stderr');
    };

    const step = () => {
      if (finished || handle.stopped) return;
      const now = clock.now();
      const dt = Math.min(now - last, tickMs * 5) / 1000;
      const t = last - started;
      last = now;
      const vus = schedule.vusAt(t);
      this.k6Vus.set(ckey, vus);
      totals.vusLast = vus;
      const load = new Map<string, number>();
      if (vus > 0 && dt > 0) {
        if (!url || reqPerIter === 0) {
          const it = (vus * dt * 1000) / Math.max(1, thinkMs);
          totals.iterations += it;
          iterationMs.add(Math.max(1, thinkMs), it);
        } else if (resolved?.error || !resolved?.service) {
          failFast(vus, dt, resolved?.error ?? 'no service');
        } else {
          const servers = this.readyServers(resolved.service).map((s) => {
            let other = 0;
            for (const [run, m] of this.podLoad) if (run !== ckey) other += m.get(s.name) ?? 0;
            return { ...s, capacity: Math.max(1, s.capacity - other) };
          });
          if (servers.length === 0) {
            failFast(vus, dt, `dial tcp ${resolved.service.spec?.clusterIP ?? '10.96.0.1'}:${resolved.service.spec?.ports?.[0]?.port ?? 80}: connect: connection refused`);
          } else {
            const eq = solveClosedLoop(servers, vus, thinkMs, reqPerIter);
            for (const p of eq.perPod) {
              const jitter = 1 + (rand() - 0.5) * 0.08;
              const n = p.rps * dt;
              const failed = n * p.errorFraction;
              const base = servers.find((x) => x.name === p.name)!.baseMs;
              latency.addExponential(base, Math.max(0, p.meanMs - base) * jitter, n - failed);
              latency.add(servers.find((s) => s.name === p.name)!.baseMs, failed);
              totals.requests += n;
              totals.failed += failed;
              load.set(p.name, p.rps * (1 - p.errorFraction));
              if (failed > 0 && warned < 5) warn(`unexpected status 503 from ${url}`);
            }
            const its = (eq.rps * dt) / reqPerIter;
            totals.iterations += its;
            iterationMs.addExponential(thinkMs + reqPerIter, Math.max(0, reqPerIter * eq.meanMs - reqPerIter), its);
            const prof = WEB_PROFILES.nginx!;
            totals.bytesReceived += eq.rps * dt * prof.responseBytes;
            totals.bytesSent += eq.rps * dt * 90;
          }
        }
      }
      this.podLoad.set(ckey, load);
      const end = t + dt * 1000 >= schedule.durationMs || (schedule.iterations !== undefined && totals.iterations >= schedule.iterations);
      if (end) finish();
      else later(step, tickMs);
    };
    const failFast = (vus: number, dt: number, msg: string) => {
      const perIter = reqPerIter * 1 + thinkMs;
      const its = (vus * dt * 1000) / Math.max(1, perIter);
      totals.iterations += its;
      totals.requests += its * reqPerIter;
      totals.failed += its * reqPerIter;
      latency.add(0.5, its * reqPerIter);
      iterationMs.add(perIter, its);
      warn(`Get "${url}": ${msg}`);
    };
    const finish = () => {
      totals.durationMs = clock.now() - started;
      for (const k of ['requests', 'failed', 'iterations', 'bytesReceived', 'bytesSent'] as const) totals[k] = Math.round(totals[k]);
      if (checksPerIter > 0) {
        totals.checksFailed = Math.round((totals.failed / Math.max(1, reqPerIter)) * checksPerIter);
        totals.checksPassed = Math.round(totals.iterations * checksPerIter) - totals.checksFailed;
      }
      this.podLoad.delete(ckey);
      const { data, crossed } = buildSummaryData(script!.options, totals, latency, iterationMs, [...new Set(script!.probe.checks)]);
      if (crossed.length > 0) log('error', `thresholds on metrics '${crossed.join(', ')}' have been crossed`);
      if (script!.handleSummary) {
        try {
          const out = script!.handleSummary(data) ?? {};
          if (out.stdout) handle.log(out.stdout);
          if (out.stderr) handle.log(out.stderr, 'stderr');
        } catch (e) {
          log('error', `failed to handle the end-of-test summary: ${(e as Error).message}`);
        }
      } else {
        const d = data.metrics.http_req_duration.values;
        handle.log(`     http_req_duration..............: avg=${d.avg}ms p(95)=${d['p(95)']}ms\n     http_reqs......................: ${totals.requests}`);
      }
      done(crossed.length > 0 ? 99 : 0);
    };
    later(step, Math.min(tickMs, 100));
    return { stop };
  }

  private startStress(ctx: ContainerContext, handle: ContainerHandle): RunningContainer {
    const clock = ctx.clock;
    const ckey = `${key(ctx.pod)}/${ctx.container.name}`;
    let plan: StressPlan;
    try {
      plan = parseStressArgs((ctx.container.args ?? []).map(String));
    } catch (e) {
      const t = clock.setTimeout(() => {
        handle.log(`stress-ng: error: [1] ${(e as Error).message}`, 'stderr');
        if (!handle.stopped) handle.exit(1);
      }, 100);
      return { stop: () => clock.clearTimeout(t) };
    }
    const node = this.store!.get(R.nodes, undefined, ctx.nodeName) as Obj | undefined;
    const nodeCpu = node ? milliCpu(node.status?.allocatable?.cpu ?? '2') : 2000;
    const nodeMem = node ? parseQuantity(node.status?.allocatable?.memory ?? '4Gi') : 4 * 1024 ** 3;
    const limit = ctx.container.resources?.limits?.cpu ? milliCpu(ctx.container.resources.limits.cpu) : nodeCpu;
    const want = plan.cpuWorkers * plan.cpuLoad * 10 + plan.vmWorkers * 1000;
    const cpuMilli = Math.min(want, limit, nodeCpu);
    const vmBytes = plan.vmWorkers * (plan.vmBytesPercent !== undefined ? (nodeMem * plan.vmBytesPercent) / 100 / Math.max(1, plan.vmWorkers) : plan.vmBytes);
    const usage = { cpuMilli: Math.max(1, Math.round(cpuMilli)), memoryBytes: Math.round(4 * 1024 * 1024 + vmBytes) };
    this.stressUsage.set(ckey, usage);
    const byNode = this.stressByNode.get(ctx.nodeName) ?? new Map<string, number>();
    byNode.set(ckey, usage.cpuMilli);
    this.stressByNode.set(ctx.nodeName, byNode);
    const started = clock.now();
    handle.log(stressNgStartLines(plan));
    const clear = () => {
      this.stressUsage.delete(ckey);
      this.stressByNode.get(ctx.nodeName)?.delete(ckey);
    };
    // The vm stressors touch all their --vm-bytes: above the container's memory limit the kernel
    // OOM-kills it once the pages are in (the model: after a tenth of the run, at most 2 s), exit
    // 137 with reason OOMKilled and no metrics, as the kubelet reports a cgroup OOM kill.
    const memLimit = ctx.container.resources?.limits?.memory ? parseQuantity(ctx.container.resources.limits.memory) : undefined;
    if (memLimit !== undefined && usage.memoryBytes > memLimit) {
      const oom = clock.setTimeout(() => {
        clear();
        if (!handle.stopped) handle.exit(137, 'OOMKilled');
      }, Math.min(2_000, plan.timeoutMs / 10));
      return { stop: () => { clock.clearTimeout(oom); clear(); } };
    }
    const t = clock.setTimeout(() => {
      clear();
      if (handle.stopped) return;
      const rand = mulberry32(this.seed ^ fnv32a(ckey));
      handle.log(stressNgFinalOutput(plan, { runSeconds: (clock.now() - started) / 1000, cpuMilli: usage.cpuMilli, maxRssKb: Math.round(usage.memoryBytes / 1024 / Math.max(1, plan.vmWorkers + plan.cpuWorkers)), hostname: ctx.pod.metadata.name!, now: clock.now(), nodeCpus: Math.round(nodeCpu / 1000), jitter: 1 + (rand() - 0.5) * 0.04 }));
      handle.exit(0);
    }, plan.timeoutMs);
    return { stop: () => { clock.clearTimeout(t); clear(); } };
  }
}
