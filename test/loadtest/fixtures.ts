// End-to-end fixture of the LoadTest kind until the Cluster and Addon controllers land: a
// SimCluster (HTTPS on 127.0.0.1, nodes, CNI, the demo apps and their HPAs, metrics.k8s.io
// Available, the LoadWorkload model) on a ScaledClock shared with an in-process Manager that runs
// the real LoadTest module beside test-only Cluster and Addon modules, which mark their objects
// Ready (the Cluster with status.kubeconfigPath naming the SimCluster's kubeconfig).
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { objectKey } from '../../src/api/types.js';
import { createKubernetesPorts } from '../../src/app/kubernetes.js';
import type { Clock } from '../../src/controllers/clock.js';
import { done } from '../../src/controllers/controller.js';
import type { KindModule } from '../../src/controllers/kind-module.js';
import { Manager } from '../../src/controllers/manager.js';
import type { HostPorts } from '../../src/ports/index.js';
import { addonModule } from '../../src/reconcilers/addon/module.js';
import { clusterModule } from '../../src/reconcilers/cluster/module.js';
import { loadtestModule } from '../../src/reconcilers/loadtest/module.js';
import { virtualMachineModule } from '../../src/reconcilers/virtualmachine/module.js';
import { ScaledClock } from '../../src/sim/kube/control-plane/index.js';
import { cniDaemonSet, metricsApi } from '../../src/sim/kube/control-plane/testing/harness.js';
import type { KubeObject } from '../../src/sim/kube/object-store.js';
import { SimCluster } from '../../src/sim/kube/sim-cluster.js';
import { LoadWorkload } from '../../src/sim/kube/workload/load-model.js';
import { makeLab, type Lab } from '../fixtures/lab.js';
import { manifests } from './sim-lab.js';

const ROOT = join(import.meta.dirname, '../..');

const RES: Record<string, { group: string; version: string; resource: string }> = {
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  Service: { group: '', version: 'v1', resource: 'services' },
  HorizontalPodAutoscaler: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  APIService: { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' },
};

/** A Ready-marking stand-in for a kind whose controller another helper builds. */
function readyModule(base: KindModule<HostPorts>, extraStatus: (name: string) => Record<string, unknown>): KindModule<HostPorts> {
  return {
    ...base,
    references: [],
    routes: [],
    commands: undefined,
    createReconciler: (rt) => async (key) => {
      const name = key.slice(key.indexOf('/') + 1);
      const obj = rt.store.get(base.kind, name);
      if (!obj) return done();
      if (obj.metadata.deletionTimestamp) {
        rt.store.remove(base.kind, name);
        return done();
      }
      const gen = obj.metadata.generation ?? 1;
      // spec.powerState: Stopped as the Cluster kind shows it: Ready=True StoppedAsDesired, phase Stopped
      const stopped = (obj.spec as { powerState?: string }).powerState === 'Stopped';
      rt.store.updateStatus(base.kind, name, {
        observedGeneration: gen,
        phase: stopped ? 'Stopped' : 'Ready',
        ...extraStatus(name),
        conditions: [{ type: 'Ready', status: 'True', reason: stopped ? 'StoppedAsDesired' : 'Ready', message: stopped ? 'Every node VM is stopped, as spec.powerState asks' : 'test fixture', lastTransitionTime: new Date(rt.clock.now()).toISOString(), observedGeneration: gen }],
      });
      return done();
    },
  };
}

export interface LoadTestLab {
  lab: Lab;
  cluster: SimCluster;
  clock: Clock;
  manager: Manager<HostPorts>;
  /** Waits (real time, bounded) until `pred` holds on the LoadTest's status. */
  waitStatus(name: string, pred: (status: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

export const CLUSTER_YAML = `apiVersion: hostplane.dev/v1alpha1
kind: Cluster
metadata:
  name: dev
spec:
  kubernetesVersion: "1.31"
  controlPlane:
    vm: dev-master
`;

const addonYaml = (name: string) => `apiVersion: hostplane.dev/v1alpha1
kind: Addon
metadata:
  name: ${name}
spec:
  cluster: dev
  namespace: demo
  manifests: [manifests/demo/]
`;

export interface StartOptions {
  /** Simulated seconds per real second (default 40). */
  scale?: number;
  /** Extra spec files (name → YAML) beside the presets. */
  files?: Record<string, string>;
  /** Copy specs/loadtests/*.yaml (default true). */
  presets?: boolean;
  /** Reuse a lab dir (restart tests). */
  lab?: Lab;
  cluster?: SimCluster;
  clock?: Clock;
}

export async function startCluster(clock: Clock): Promise<SimCluster> {
  const cluster = await SimCluster.start({
    port: 0,
    clock,
    seed: 3,
    workload: new LoadWorkload({ seed: 3 }),
    nodes: [
      { name: 'dev-master', ip: '192.0.2.10', cpu: 2, memoryMiB: 4096, labels: { 'node-role.kubernetes.io/control-plane': '' }, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
      { name: 'dev-worker1', ip: '192.0.2.11', cpu: 4, memoryMiB: 8192 },
      { name: 'dev-worker2', ip: '192.0.2.12', cpu: 4, memoryMiB: 8192 },
    ],
  });
  const s = cluster.store;
  const put = (o: KubeObject) => {
    if (!o.metadata.namespace && !['Namespace', 'APIService'].includes(o.kind!)) o.metadata.namespace = 'default';
    s.create(RES[o.kind!]!, o);
  };
  put(cniDaemonSet());
  for (const o of manifests('manifests/demo')) if (RES[o.kind!]) put(o);
  for (const o of manifests('manifests/hpa')) if (o.kind === 'HorizontalPodAutoscaler') put(o);
  put(metricsApi());
  // the demo apps ready and their HPAs active before any test asks for a run
  const until = Date.now() + 15_000;
  const ok = () => ['nginx-web', 'httpbin'].every((n) => {
    const d = s.get(RES.Deployment!, 'demo', n) as any;
    const h = s.get(RES.HorizontalPodAutoscaler!, 'demo', n) as any;
    return d && (d.status?.readyReplicas ?? 0) >= d.spec.replicas && (h?.status?.conditions ?? []).some((c: any) => c.type === 'ScalingActive' && c.status === 'True');
  });
  while (!ok()) {
    if (Date.now() > until) throw new Error('the demo apps did not become ready in the simulated cluster within 15 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return cluster;
}

export async function startLoadTestLab(opts: StartOptions = {}): Promise<LoadTestLab> {
  const scale = opts.scale ?? 40;
  const clock = opts.clock ?? new ScaledClock(scale);
  const lab = opts.lab ?? makeLab();
  if (!opts.lab) {
    lab.write('clusters/dev.yaml', CLUSTER_YAML);
    lab.write('addons/dev.yaml', ['dev-demo-apps', 'dev-autoscaling', 'dev-metrics-server', 'dev-istio-traffic'].map(addonYaml).join('---\n'));
    if (opts.presets !== false) for (const f of readdirSync(join(ROOT, 'specs/loadtests'))) copyFileSync(join(ROOT, 'specs/loadtests', f), join(lab.specsDir, `lt-${f}`));
    for (const [f, text] of Object.entries(opts.files ?? {})) lab.write(f, text);
  }
  const cluster = opts.cluster ?? (await startCluster(clock));
  const kubeconfigPath = join(lab.root, 'dev.kubeconfig');
  cluster.writeKubeconfig(kubeconfigPath);
  const kubernetes = createKubernetesPorts({ stateRoot: lab.stateDir.root, sim: true });
  const manager = new Manager<HostPorts>({
    specsDir: lab.specsDir,
    stateDir: lab.stateDir,
    kinds: [{ ...readyModule(virtualMachineModule as KindModule<HostPorts>, () => ({})), restore: undefined }, readyModule(clusterModule as KindModule<HostPorts>, () => ({ kubeconfigPath })), readyModule(addonModule as KindModule<HostPorts>, () => ({})), loadtestModule],
    ports: { kubernetes } as HostPorts,
    kindOptions: { LoadTest: { pollMs: 1000, labRoot: lab.root, unschedulableGraceMs: 20_000 } },
    log: { info() {}, warn() {} } as never,
    clock,
    queueClock: clock,
    graceMs: 300,
  });
  await manager.start();
  const waitStatus = async (name: string, pred: (s: Record<string, any>) => boolean, ms = 20_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const st = (manager.store.get('LoadTest', name)?.status ?? {}) as Record<string, any>;
      if (pred(st)) return st;
      if (Date.now() > until) throw new Error(`LoadTest/${name}: condition not met within ${ms} ms; status: ${JSON.stringify(st).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    lab, cluster, clock, manager, waitStatus,
    async stop() {
      await manager.stop(5_000);
      if (!opts.cluster) await cluster.stop();
      if (!opts.lab) lab.cleanup();
    },
  };
}

/** Asks for a run the way the API route does (writes the request and wakes the reconciler). */
export async function requestRun(l: Pick<LoadTestLab, 'manager' | 'lab'> | { manager: Pick<LoadTestLab['manager'], 'store' | 'reconcileNow'>; lab: Pick<Lab, 'stateDir'> }, name: string): Promise<void> {
  const route = loadtestModule.routes!.find((r) => r.path === 'run')!;
  await route.handle(l.manager.store.get('LoadTest', name)!, { stateRoot: l.lab.stateDir.root, reconcileNow: (k) => l.manager.reconcileNow(k) });
}

export const loadTestKey = (name: string) => objectKey('LoadTest', name);
