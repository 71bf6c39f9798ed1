// End-to-end fixture of the LoadTest kind with the real controllers, in-process: the example lab's
// dev cluster on the sim host (SimVmProvider + SimClusters: kubeadm in the sim guests), reconciled
// by the real kinds of src/reconcilers/index.ts — VirtualMachine, Cluster (Cilium, kubeconfig),
// Addon (the real helm binary installing metrics-server's stand-in chart, the demo apps, the HPAs,
// Istio) and LoadTest. The simulated clusters and the LoadTest kind run on one ScaledClock (as
// `up --sim-time-scale` does); the other kinds on real time. Same surface as fixtures.ts.
import { join } from 'node:path';
import type { Clock } from '../../src/controllers/clock.js';
import { createHostManager, type HostManager } from '../../src/app/host-manager.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { ScaledClock } from '../../src/sim/kube/control-plane/index.js';
import { SimClusters } from '../../src/sim/host/sim-clusters.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import type { SimCluster } from '../../src/sim/kube/sim-cluster.js';
import { exampleLab } from './example-lab-up.js';
import type { Lab } from '../fixtures/lab.js';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface RealLoadTestLab {
  lab: Lab;
  /** The dev cluster's simulated API server (its store is what kubectl would see). */
  cluster: SimCluster;
  clock: Clock;
  manager: HostManager;
  /** Real ms from the manager's start until the cluster and the add-ons the tests need were Ready. */
  readyMs: number;
  waitStatus(name: string, pred: (status: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

export interface RealLabOptions {
  /** Simulated seconds per real second of the clusters and the LoadTest kind (default 20). */
  scale?: number;
  /** Extra spec files (path under specs/ → YAML). */
  files?: Record<string, string>;
  /** The presets (specs/loadtests) are in the lab; false leaves them out. */
  presets?: boolean;
  /** Add-ons to wait for before the tests start. */
  addons?: string[];
  readyTimeoutMs?: number;
}

// Two 4-CPU workers (the example lab has one of 2 CPUs): room for nginx-web's HPA maximum of 10.
const WORKER2 = `---
apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: dev-worker2
  labels:
    hostplane.dev/cluster: dev
    hostplane.dev/role: worker
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: 4
  memory: 8Gi
  ssh:
    user: admin
    passwordSecret: tart-default
`;

const ready = (m: HostManager, kind: string, name: string) => {
  const o = m.store.get(kind, name);
  return !!o && (o.status?.conditions as { type: string; status: string; observedGeneration?: number }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === o.metadata.generation);
};

export async function startRealLoadTestLab(opts: RealLabOptions = {}): Promise<RealLoadTestLab> {
  const scale = opts.scale ?? 20;
  const ex = exampleLab(opts.files ?? {}, { presets: opts.presets !== false });
  // the lab's dev cluster with a second, bigger worker
  const vms = join(ex.specs, 'vms/dev.yaml');
  writeFileSync(vms, readFileSync(vms, 'utf8').replace(/(name: dev-worker1[\s\S]*?cpu: )2/, '$14') + WORKER2);
  const clusterFile = join(ex.specs, 'clusters/dev.yaml');
  writeFileSync(clusterFile, readFileSync(clusterFile, 'utf8').replace('    - vm: dev-worker1\n', '    - vm: dev-worker1\n    - vm: dev-worker2\n'));
  const stateDir = new StateDir(ex.state);
  const lab: Lab = {
    root: ex.root,
    specsDir: ex.specs,
    stateDir,
    write(rel, text) {
      mkdirSync(join(ex.specs, rel, '..'), { recursive: true });
      writeFileSync(join(ex.specs, rel), text);
    },
    remove(rel) {
      rmSync(join(ex.specs, rel), { force: true });
    },
    cleanup: ex.cleanup,
  };
  const clock = new ScaledClock(scale);
  const clusters = new SimClusters(stateDir.ensure('sim/clusters'), { clock, persistDebounceMs: 200 });
  const provider = new SimVmProvider(stateDir, { scale: 0.02, clusters });
  const home = join(ex.root, 'home');
  mkdirSync(home, { recursive: true });
  const manager = createHostManager({
    specsDir: ex.specs,
    stateDir,
    provider,
    guest: new SimGuestExec(provider),
    log: { info() {}, warn() {} },
    graceMs: 300,
    pollIntervalMs: 200,
    observeMaxAgeMs: 50,
    capacity: { cpu: 64, memoryMiB: 256 * 1024 },
    clusterOptions: { pollIntervalMs: 500, waitMs: 200, drainTimeoutMs: 5_000, home },
    loadtestOptions: { clock, pollMs: 1000, labRoot: ex.root, unschedulableGraceMs: 20_000 },
  });
  const t0 = performance.now();
  await manager.start();
  const stop = async () => {
    await manager.stop(10_000);
    ex.cleanup();
  };
  const addons = opts.addons ?? ['dev-demo-apps', 'dev-metrics-server', 'dev-autoscaling'];
  const until = Date.now() + (opts.readyTimeoutMs ?? 420_000);
  while (!(ready(manager, 'Cluster', 'dev') && addons.every((a) => ready(manager, 'Addon', a)))) {
    if (Date.now() > until) {
      const why = ['Cluster/dev', ...addons.map((a) => `Addon/${a}`)].map((k) => {
        const [kind, name] = k.split('/') as [string, string];
        return `${k}: ${JSON.stringify((manager.store.get(kind, name)?.status?.conditions as { type: string }[] | undefined)?.find((c) => c.type === 'Ready'))}`;
      });
      await stop();
      throw new Error(`the example lab's dev cluster and add-ons were not Ready in time: ${why.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const readyMs = performance.now() - t0;
  const address = (manager.store.get('VirtualMachine', 'dev-master')?.status as { ip?: string } | undefined)?.ip;
  const cluster = address ? clusters.api(address) : undefined;
  if (!cluster) {
    await stop();
    throw new Error(`no simulated API server for the dev cluster (control plane at ${address})`);
  }
  const waitStatus = async (name: string, pred: (s: Record<string, any>) => boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const st = (manager.store.get('LoadTest', name)?.status ?? {}) as Record<string, any>;
      if (pred(st)) return st;
      if (Date.now() > deadline) throw new Error(`LoadTest/${name}: condition not met within ${ms} ms; status: ${JSON.stringify(st).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { lab, cluster, clock, manager, readyMs, waitStatus, stop };
}
