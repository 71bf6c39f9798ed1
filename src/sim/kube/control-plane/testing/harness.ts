// Test helpers: a MemoryStore and a control plane on a FakeClock, plus the manifests most tests need.
import { FakeClock } from '../../../../controllers/clock.js';
import { MemoryStore } from '../../store/index.js';
import type { KubeObject } from '../../object-store.js';
import { startControlPlane, type ControlPlane, type WorkloadModel } from '../index.js';
import { R, getCondition, type Obj } from '../util.js';

export const START = Date.parse('2026-01-01T00:00:00Z');

export interface Sim {
  clock: FakeClock;
  store: MemoryStore;
  cp: ControlPlane;
  get(res: keyof typeof R, ns: string | undefined, name: string): Obj | undefined;
  list(res: keyof typeof R, ns?: string): Obj[];
  apply(res: keyof typeof R, obj: KubeObject): Obj;
  /** Advance the clock in steps until `pred` holds (bounded by `maxMs` of simulated time). */
  until(pred: () => boolean, maxMs?: number, stepMs?: number): number;
  events(reason?: string): Obj[];
}

export function makeSim(opts: { workload?: WorkloadModel; seed?: number; nodes?: number; cni?: boolean; nodeCpu?: number } = {}): Sim {
  const clock = new FakeClock(START);
  const store = new MemoryStore({ clock, seed: 7 });
  const cp = startControlPlane(store, { clock, seed: opts.seed ?? 42, workload: opts.workload });
  const sim: Sim = {
    clock,
    store,
    cp,
    get: (res, ns, name) => store.get(R[res], ns, name) as Obj | undefined,
    list: (res, ns) => store.list(R[res], ns ? { namespace: ns } : {}).items as Obj[],
    apply: (res, obj) => store.create(R[res], obj) as Obj,
    until(pred, maxMs = 120_000, stepMs = 500) {
      const start = clock.now();
      clock.advance(0);
      while (!pred()) {
        if (clock.now() - start >= maxMs) throw new Error(`condition not met within ${maxMs} ms of simulated time; queues: ${JSON.stringify(cp.stats())}`);
        clock.advance(stepMs);
      }
      return clock.now() - start;
    },
    events: (reason) => (store.list(R.events).items as Obj[]).filter((e) => !reason || e.reason === reason),
  };
  for (let i = 0; i < (opts.nodes ?? 2); i++) {
    const cpName = i === 0 ? 'cp1' : `worker${i}`;
    cp.addNode({
      name: cpName,
      ip: `192.0.2.${10 + i}`,
      cpu: opts.nodeCpu ?? 2,
      memoryMiB: 4096,
      labels: i === 0 ? { 'node-role.kubernetes.io/control-plane': '' } : {},
      taints: i === 0 ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : [],
    });
  }
  if (opts.cni !== false) sim.apply('daemonsets', cniDaemonSet());
  return sim;
}

/** A local APIService for metrics.k8s.io (always Available), standing in for metrics-server. */
export function metricsApi(): KubeObject {
  return { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 } };
}

export function cniDaemonSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'cilium', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'cilium' } },
      template: {
        metadata: { labels: { 'k8s-app': 'cilium' } },
        spec: { hostNetwork: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.5', resources: { requests: { cpu: '100m', memory: '10Mi' } } }] },
      },
    },
  };
}

export function deployment(name: string, replicas: number, extra: { cpu?: string; image?: string; labels?: Record<string, string> } = {}): KubeObject {
  const labels = extra.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'web', image: extra.image ?? 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }], resources: { requests: { cpu: extra.cpu ?? '100m', memory: '64Mi' } } }] },
      },
    },
  };
}

export function nodeReady(n: Obj | undefined): string | undefined {
  return getCondition(n?.status?.conditions, 'Ready')?.status;
}

export function cond(o: Obj | undefined, type: string): string | undefined {
  return getCondition(o?.status?.conditions, type)?.status;
}
