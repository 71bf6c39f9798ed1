// The simulated control plane: kube-controller-manager's controllers, kube-scheduler and one
// kubelet per node, all acting through the ObjectStore on one injected clock.
import type { Clock } from '../../../controllers/clock.js';
import type { MetricsSource, ObjectStore, PodLogSource } from '../object-store.js';
import { CronJobController } from './cronjob.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment.js';
import type { Env } from './env.js';
import { EventRecorder } from './events.js';
import { EndpointsController } from './endpoints.js';
import { HpaController } from './hpa.js';
import { JobController } from './job.js';
import { SimKubelet, type NodeSpec } from './kubelet.js';
import { LogBook } from './logs.js';
import { NodeLifecycleController } from './node-lifecycle.js';
import { SimMetrics } from './metrics.js';
import { PdbController } from './pdb.js';
import { PvController } from './pv-provisioner.js';
import { ReplicaSetController } from './replicaset.js';
import { InformerHub, SeededRandom, type QueueStats } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { StatefulSetController } from './statefulset.js';
import { R } from './util.js';
import { DefaultWorkload, type WorkloadModel } from './workload.js';

export type { NodeSpec } from './kubelet.js';
export type { WorkloadModel, ContainerContext, ContainerHandle, RunningContainer, UsageSample, WorkloadRoute, DefaultWorkloadOptions } from './workload.js';
export { DefaultWorkload, WorkloadRouter, RUN_SECONDS_ANNOTATION, EXIT_CODE_ANNOTATION, IMAGE_PULL_ERROR_ANNOTATION, imageNotFound } from './workload.js';
export { ScaledClock } from './scaled-clock.js';
export { kubeadmStaticPods } from './kubeadm-static-pods.js';

export interface ControlPlaneOptions {
  /**
   * The one clock, shared with the store (timestamps) and hostplane's controllers. For a time
   * scale, pass `new ScaledClock(scale)` to both the store and here (a separate timeScale option
   * would let the control plane's time drift from the store's timestamps).
   */
  clock: Clock;
  /** Seed for generated names, IPs, ids and tie-breaks. Default 1. */
  seed?: number;
  /** What containers do. Default: DefaultWorkload (idle until deleted; Job containers exit 0 after 5 s). */
  workload?: WorkloadModel;
}

export interface ControlPlane {
  logs: PodLogSource;
  metrics: MetricsSource;
  addNode(spec: NodeSpec): void;
  removeNode(name: string): void;
  /** The node's VM stopped: its kubelet stops heartbeats and status, its containers are gone. */
  stopNode(name: string): void;
  /** The node's VM is back: a fresh kubelet registers again. */
  startNode(name: string): void;
  /** `systemctl restart kubelet` after a package upgrade: a fresh kubelet reports the changed fields (kubeletVersion). */
  restartNode(name: string, changes: Partial<Pick<NodeSpec, 'kubeletVersion' | 'ip'>>): void;
  /** Per-queue counters and the last error, for diagnostics and tests. */
  stats(): Record<string, QueueStats>;
  stop(): void;
}

export function startControlPlane(store: ObjectStore, opts: ControlPlaneOptions): ControlPlane {
  const clock = opts.clock;
  const rand = new SeededRandom(opts.seed ?? 1);
  const hub = new InformerHub(store);
  const logs = new LogBook(store, clock);
  opts.workload?.bind?.(store);
  const env: Env = { store, clock, hub, rand, logs, events: new EventRecorder(store, clock, rand), workload: opts.workload ?? new DefaultWorkload(), queues: [] };
  const kubelets = new Map<string, { kubelet: SimKubelet; spec: NodeSpec; index: number }>();
  let nextIndex = 0;
  const metrics = new SimMetrics(clock, () => [...kubelets.values()].map((k) => k.kubelet));

  const components = [
    new Scheduler(env),
    new ReplicaSetController(env),
    new DeploymentController(env),
    new DaemonSetController(env),
    new StatefulSetController(env),
    new JobController(env),
    new CronJobController(env),
    new NodeLifecycleController(env),
    new EndpointsController(env),
    new PdbController(env),
    new PvController(env),
    new HpaController(env, metrics),
  ];
  for (const c of components) c.start();
  hub.start(Object.values(R).filter((r) => r !== R.apiservices));

  const startKubelet = (spec: NodeSpec, index: number) => {
    const kubelet = new SimKubelet(env, spec, index);
    kubelets.set(spec.name, { kubelet, spec, index });
    kubelet.start();
  };

  return {
    logs,
    metrics,
    addNode(spec) {
      if (kubelets.has(spec.name)) throw new Error(`node ${spec.name} already exists in this simulated cluster`);
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(spec.name ?? '')) throw new Error(`node name ${JSON.stringify(spec.name)} is not a valid DNS subdomain (lower-case letters, digits, '-' and '.')`);
      if (!(spec.cpu > 0) || !(spec.memoryMiB > 0)) throw new Error(`node ${spec.name}: cpu (${spec.cpu}) and memoryMiB (${spec.memoryMiB}) must be above 0`);
      startKubelet(spec, nextIndex++);
    },
    removeNode(name) {
      const k = kubelets.get(name);
      k?.kubelet.stop();
      kubelets.delete(name);
      for (const [res, ns] of [[R.leases, 'kube-node-lease'], [R.nodes, undefined]] as const) {
        try {
          store.delete(res, ns, name);
        } catch {
          /* already gone */
        }
      }
    },
    stopNode(name) {
      kubelets.get(name)?.kubelet.stop();
    },
    startNode(name) {
      const k = kubelets.get(name);
      if (!k || k.kubelet.running) return;
      startKubelet(k.spec, k.index);
    },
    restartNode(name, changes) {
      const k = kubelets.get(name);
      if (!k) return;
      const spec = { ...k.spec, ...changes };
      if (!k.kubelet.running) {
        kubelets.set(name, { ...k, spec }); // a stopped node's kubelet starts with the new spec later
        return;
      }
      k.kubelet.stop();
      startKubelet(spec, k.index);
    },
    stats() {
      return Object.fromEntries(env.queues.map((q) => [q.name, { ...q.stats }]));
    },
    stop() {
      for (const k of kubelets.values()) k.kubelet.stop();
      for (const q of env.queues) q.stop();
      hub.stop();
    },
  };
}
