// What a container "does" in the simulation. The kubelet asks the model when a container starts;
// the model answers through a handle (print, exit, readiness) on the shared clock, and reports
// CPU/memory usage that metrics.k8s.io and the HPA read. The default model is deliberately dull:
// long-running containers idle until deleted, a Job's container exits 0 after a short time.
// The LoadTest work plugs in richer models (web servers with capacity and latency, k6 and
// stress-ng pods printing their real output) by implementing or wrapping this interface.
import type { Clock } from '../../../controllers/clock.js';
import type { ObjectStore } from '../object-store.js';
import type { Obj, Json } from './util.js';

export interface ContainerContext {
  pod: Obj;
  /** The container's spec (containers[] or initContainers[] entry). */
  container: Json;
  init: boolean;
  nodeName: string;
  /** 0 for the first start, then 1, 2, … as the kubelet restarts it. */
  restartCount: number;
  clock: Clock;
  /** Read-only use intended: lets a model look at Services, Endpoints or other pods (a load generator finding its target). */
  store: ObjectStore;
}

export interface ContainerHandle {
  /** Append to the container's log (a trailing newline is added per line if missing). */
  log(text: string, stream?: 'stdout' | 'stderr'): void;
  /** The main process ended with this exit code (the kubelet then applies restartPolicy). */
  exit(code: number, reason?: string): void;
  /** Readiness as a readiness probe would report it. */
  setReady(ready: boolean): void;
  /** True once the container was stopped or exited; timers the model set should stop then. */
  readonly stopped: boolean;
}

export interface RunningContainer {
  /** The kubelet is killing the container (pod deleted, node removed). */
  stop?(): void;
}

export interface UsageSample {
  /** millicores */
  cpuMilli: number;
  memoryBytes: number;
}

export interface WorkloadModel {
  /** Called once by startControlPlane: models that read Services, Endpoints or ConfigMaps keep the store. */
  bind?(store: ObjectStore): void;
  /** Time from the kubelet accepting the pod to the container running (image present, create, start). */
  startDelayMs?(ctx: ContainerContext): number;
  /**
   * The container started. Drive it through `handle`; return an object whose stop() is called
   * when the kubelet kills it. Readiness starts as the kubelet derives it from the readinessProbe
   * (ready at once without one, after initialDelaySeconds with one) unless the model calls setReady.
   */
  start(ctx: ContainerContext, handle: ContainerHandle): RunningContainer | void;
  /** Usage of one running container now. */
  usage(ctx: ContainerContext): UsageSample;
  /** Why pulling the container's image fails (the container runtime's error text), or undefined when it works. */
  imagePullError?(ctx: ContainerContext): string | undefined;
}

export const IMAGE_PULL_ERROR_ANNOTATION = 'sim.hostplane.dev/image-pull-error';

/** The full reference containerd resolves ("nginx" → "docker.io/library/nginx:latest"). */
export function fullImageRef(image: string): string {
  const first = image.split('/')[0];
  const withRegistry = image.includes('/') ? (first.includes('.') || first.includes(':') || first === 'localhost' ? image : `docker.io/${image}`) : `docker.io/library/${image}`;
  return /:[^/]+$/.test(withRegistry) || withRegistry.includes('@') ? withRegistry : `${withRegistry}:latest`;
}

/** containerd's message for a tag that does not exist. */
export function imageNotFound(image: string): string {
  const ref = fullImageRef(image);
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

export const RUN_SECONDS_ANNOTATION = 'sim.hostplane.dev/run-seconds';
export const EXIT_CODE_ANNOTATION = 'sim.hostplane.dev/exit-code';

export interface DefaultWorkloadOptions {
  /** How long a Job's container runs before exiting 0 (ms of clock). Default 5000. */
  jobRunMs?: number;
  /** How long an init container runs (ms). Default 500. */
  initRunMs?: number;
  /** Pod accepted → container running (ms). Default 1000. */
  startDelayMs?: number;
  /** Idle usage per container. Default 1m CPU, 8 MiB. */
  idle?: UsageSample;
  /** Images whose pull fails with "not found" (besides pods annotated sim.hostplane.dev/image-pull-error). */
  unpullableImages?: RegExp;
}

function ownedByJob(pod: Obj): boolean {
  return !!pod.metadata.ownerReferences?.some((r: { kind: string }) => r.kind === 'Job') || !!pod.metadata.labels?.['batch.kubernetes.io/job-name'];
}

/**
 * The default model. Annotations on the pod override it: `sim.hostplane.dev/run-seconds` makes any
 * container exit after that many seconds, `sim.hostplane.dev/exit-code` sets the exit code.
 */
export class DefaultWorkload implements WorkloadModel {
  constructor(private readonly opts: DefaultWorkloadOptions = {}) {}

  startDelayMs(): number {
    return this.opts.startDelayMs ?? 1000;
  }

  start(ctx: ContainerContext, handle: ContainerHandle): RunningContainer {
    const ann = ctx.pod.metadata.annotations ?? {};
    const override = ann[RUN_SECONDS_ANNOTATION] !== undefined ? Number(ann[RUN_SECONDS_ANNOTATION]) * 1000 : undefined;
    const code = Number(ann[EXIT_CODE_ANNOTATION] ?? 0) || 0;
    let runMs: number | undefined;
    if (ctx.init) runMs = this.opts.initRunMs ?? 500;
    else if (override !== undefined && Number.isFinite(override)) runMs = override;
    else if (ownedByJob(ctx.pod)) runMs = this.opts.jobRunMs ?? 5000;
    if (runMs === undefined) return {};
    const t = ctx.clock.setTimeout(() => {
      if (!handle.stopped) handle.exit(ctx.init ? 0 : code);
    }, runMs);
    return { stop: () => ctx.clock.clearTimeout(t) };
  }

  usage(): UsageSample {
    return this.opts.idle ?? { cpuMilli: 1, memoryBytes: 8 * 1024 * 1024 };
  }

  imagePullError(ctx: ContainerContext): string | undefined {
    const image: string = ctx.container.image ?? '';
    const ann = ctx.pod.metadata.annotations?.[IMAGE_PULL_ERROR_ANNOTATION];
    if (ann !== undefined) return ann && ann !== 'true' ? ann : imageNotFound(image);
    if (this.opts.unpullableImages?.test(image)) return imageNotFound(image);
    return undefined;
  }
}

export interface WorkloadRoute {
  /** Which containers this model runs (e.g. by image: `(ctx) => /grafana\/k6/.test(ctx.container.image)`). */
  match(ctx: ContainerContext): boolean;
  model: WorkloadModel;
}

/**
 * Several models in one cluster: the first route that matches a container runs it, the fallback
 * runs the rest. How the LoadTest work adds k6, stress-ng and web-server models side by side.
 */
export class WorkloadRouter implements WorkloadModel {
  constructor(private readonly routes: WorkloadRoute[], private readonly fallback: WorkloadModel = new DefaultWorkload()) {}

  private pick(ctx: ContainerContext): WorkloadModel {
    return this.routes.find((r) => r.match(ctx))?.model ?? this.fallback;
  }

  startDelayMs(ctx: ContainerContext): number {
    const m = this.pick(ctx);
    return m.startDelayMs?.(ctx) ?? 1000;
  }

  start(ctx: ContainerContext, handle: ContainerHandle): RunningContainer | void {
    return this.pick(ctx).start(ctx, handle);
  }

  usage(ctx: ContainerContext): UsageSample {
    return this.pick(ctx).usage(ctx);
  }

  imagePullError(ctx: ContainerContext): string | undefined {
    return this.pick(ctx).imagePullError?.(ctx);
  }
}
