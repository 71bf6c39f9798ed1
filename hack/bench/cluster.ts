// The seed topology's converge time on the sim host: the example lab's VMs and Clusters (specs/vms,
// specs/clusters: 10 VMs, 4 kubeadm clusters with Cilium) from spec files to every Cluster
// Ready=True, against (a) the critical path of its dependency graph and (b) the seed's sequential
// phase order. Prints one JSON line (run by hack/bench/run.ts in its own process).
//   tsx hack/bench/cluster.ts clusterConverge SCALE
//
// Latency model (stated in the JSON too): the sim host's VM latencies (DEFAULT_SIM_LATENCY × SCALE:
// create 400 ms, start 150 ms, boot to SSH 800 ms, every guest command 40 ms, list 5 ms), and what the
// sim host really runs for the cluster steps: kubeadm init starts an in-process simulated API server
// on the control-plane VM's address, kubeadm join registers a sim kubelet, Cilium is installed by the
// real helm binary (stand-in chart) against that API server. Each step's duration is measured in this
// run: a VM from spec load to Ready=True; a cluster's node preparation (Preparing → NodesPrepared),
// kubeadm init (Initializing → ControlPlaneInitialized), CNI (Installing → CNIReady) and joins
// (Joining → WorkersJoined).
//   criticalPath = max over clusters of max(its VMs) + prepare + init + max(cni, join) + settle: the
//     longest chain VM → cluster → CNI → healthy of the dependency graph, with the measured step
//     durations (settle: until the cluster's API server shows every node and Cilium agent ready);
//   sequential = every step summed one after another, as the seed's 12 phases run them (all VMs,
//     then each cluster's preparation, init, CNI, joins and settling in turn).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenarioFromArgv } from './scenario-main.js';
import { createHostManager } from '../../src/app/host-manager.js';
import { createKubernetesPorts } from '../../src/app/kubernetes.js';
import type { KubernetesPorts } from '../../src/ports/index.js';
import type { GuestExec } from '../../src/ports/guest-exec.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { getCondition } from '../../src/api/conditions.js';
import { SimClusters } from '../../src/sim/host/sim-clusters.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { DEFAULT_SIM_LATENCY, SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const quiet = { info() {}, warn() {} };
const repoSpecs = fileURLToPath(new URL('../../specs/', import.meta.url));

export async function clusterConverge(scale = 1): Promise<object> {
  const root = mkdtempSync(join(tmpdir(), 'hostplane-bench-cluster-'));
  const specs = join(root, 'specs');
  for (const dir of ['vms', 'clusters']) {
    mkdirSync(join(specs, dir), { recursive: true });
    for (const f of readdirSync(join(repoSpecs, dir))) writeFileSync(join(specs, dir, f), readFileSync(join(repoSpecs, dir, f)));
  }
  const home = join(root, 'home');
  mkdirSync(home);
  const stateDir = new StateDir(join(root, 'state'));
  const clusters = new SimClusters(stateDir.ensure('sim/clusters'));
  const provider = new SimVmProvider(stateDir, { scale, clusters });
  // Step ends the events do not mark: the last `kubeadm join` on a worker, the helm install of Cilium.
  const ends = new Map<string, number>();
  const simGuest = new SimGuestExec(provider);
  const guest: GuestExec = {
    async run(target, script, opts) {
      const r = await simGuest.run(target, script, opts);
      if (/kubeadm join --config/.test(script)) ends.set(`join ${target.vmKey.replace(/^VirtualMachine\//, '')}`, performance.now() - t0);
      return r;
    },
    upload: (t, p, c, o) => simGuest.upload(t, p, c, o),
    forget: simGuest.forget.bind(simGuest),
    close: () => simGuest.close(),
  };
  const ports = createKubernetesPorts({ stateRoot: stateDir.root, sim: true });
  const kubernetes: KubernetesPorts = {
    ...ports,
    kube: (k) => ports.kube(k),
    async helm() {
      const h = await ports.helm();
      return new Proxy(h, {
        get(target, prop, recv) {
          const v = Reflect.get(target, prop, recv) as unknown;
          if (prop !== 'upgradeInstall' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
          return async (t: { kubeconfig: string; release: string }, ...rest: unknown[]) => {
            const r = await (v as (...a: unknown[]) => Promise<unknown>).call(target, t, ...rest);
            if (t.release === 'cilium') ends.set(`cni ${t.kubeconfig}`, performance.now() - t0);
            return r;
          };
        },
      });
    },
  };
  const manager = createHostManager({
    specsDir: specs,
    stateDir,
    provider,
    guest,
    kubernetes,
    log: quiet,
    capacity: { cpu: 1_000, memoryMiB: 10_000_000 },
    clusterOptions: { home }, // the reconcilers' own defaults otherwise
  });
  // When each condition of each object first became True (polled every 20 ms).
  const firstTrue = new Map<string, number>();
  const t0 = performance.now();
  const epoch0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  // When each sim cluster's API server first showed it healthy (every node Ready, the Cilium agents
  // ready on every node), by control-plane VM: the end of the pod and node start-up that the sim
  // kubelet models after CNI and joins, read from the in-process store (no request).
  const healthyAt = new Map<string, number>();
  const NODES = { group: '', version: 'v1', resource: 'nodes' };
  const DAEMONSETS = { group: 'apps', version: 'v1', resource: 'daemonsets' };
  const sampleApis = (t: number) => {
    for (const rec of clusters.records()) {
      if (healthyAt.has(rec.cpVm)) continue;
      const cluster = manager.store.list('Cluster').find((c) => (c.spec as { controlPlane: { vm: string } }).controlPlane.vm === rec.cpVm);
      const api = clusters.api(rec.address);
      if (!cluster || !api) continue;
      const want = 1 + ((cluster.spec as { workers?: unknown[] }).workers?.length ?? 0);
      const nodes = api.store.list(NODES).items as { status?: { conditions?: { type: string; status: string }[] } }[];
      const ds = api.store.get(DAEMONSETS, 'kube-system', 'cilium') as { status?: { desiredNumberScheduled?: number; numberReady?: number } } | undefined;
      const nodesReady = nodes.length === want && nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const agentsReady = !!ds && ds.status?.desiredNumberScheduled === want && ds.status?.numberReady === want;
      if (nodesReady && agentsReady) healthyAt.set(rec.cpVm, t);
    }
  };
  const sample = () => {
    const t = performance.now() - t0;
    sampleApis(t);
    for (const o of manager.store.list()) {
      if (o.kind !== 'VirtualMachine' && o.kind !== 'Cluster') continue;
      for (const c of (o.status?.conditions as { type: string; status: string }[] | undefined) ?? []) {
        const k = `${o.kind}/${o.metadata.name} ${c.type}`;
        if (c.status === 'True' && !firstTrue.has(k)) firstTrue.set(k, t);
      }
    }
  };
  try {
    await manager.start();
    timer = setInterval(sample, 20);
    const names = manager.store.list('Cluster').map((c) => c.metadata.name);
    const end = Date.now() + 600_000;
    while (!names.every((n) => getCondition(manager.store.get('Cluster', n)?.status?.conditions, 'Ready')?.status === 'True')) {
      if (Date.now() > end) throw new Error(`bench: clusters not Ready after 600 s: ${names.map((n) => `${n}: ${JSON.stringify(getCondition(manager.store.get('Cluster', n)?.status?.conditions, 'Ready'))}`).join('; ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    sample();
    const convergeMs = performance.now() - t0;
    const events = manager.events.list();
    const firstEvent = (object: string, reason: string) => {
      const e = events.find((x) => x.object === object && x.reason === reason);
      return e ? Date.parse(e.firstTimestamp) - epoch0 : NaN;
    };
    const vms = manager.store.list('VirtualMachine').map((v) => v.metadata.name);
    const vmMs = Object.fromEntries(vms.map((v) => [v, firstTrue.get(`VirtualMachine/${v} Ready`) ?? NaN]));
    const timelines: Record<string, Record<string, number>> = {};
    const steps = manager.store.list('Cluster').map((c) => {
      const key = `Cluster/${c.metadata.name}`;
      const spec = c.spec as { controlPlane: { vm: string }; workers?: { vm: string }[] };
      const nodes = [spec.controlPlane.vm, ...(spec.workers ?? []).map((w) => w.vm)];
      const kubeconfig = (c.status?.kubeconfigPath as string | undefined) ?? `(${c.metadata.name})`;
      const cniEnd = [...ends].find(([k]) => k.startsWith('cni ') && k.slice(4) === kubeconfig)?.[1] ?? NaN;
      const joinEnd = Math.max(...(spec.workers ?? []).map((w) => ends.get(`join ${w.vm}`) ?? NaN));
      const s = {
        cluster: c.metadata.name,
        vms: Math.max(...nodes.map((n) => vmMs[n] ?? NaN)),
        prepare: firstEvent(key, 'Prepared') - firstEvent(key, 'Preparing'),
        init: firstEvent(key, 'Initialized') - firstEvent(key, 'Initializing'),
        cni: cniEnd - firstEvent(key, 'Installing'),
        join: spec.workers?.length ? joinEnd - firstEvent(key, 'Joining') : 0,
        // After CNI and joins: the sim kubelets start the Cilium agents and nodes turn Ready.
        settle: (healthyAt.get(spec.controlPlane.vm) ?? NaN) - Math.max(cniEnd, spec.workers?.length ? joinEnd : 0),
        readyAt: firstTrue.get(`${key} Ready`) ?? NaN,
      };
      // Absolute times (ms from the start): where the gaps between steps are.
      const at = {
        vmsReady: s.vms,
        preparing: firstEvent(key, 'Preparing'),
        prepared: firstEvent(key, 'Prepared'),
        initializing: firstEvent(key, 'Initializing'),
        initialized: firstEvent(key, 'Initialized'),
        installing: firstEvent(key, 'Installing'),
        cniInstalled: cniEnd,
        joining: firstEvent(key, 'Joining'),
        joined: joinEnd,
        healthyInApi: healthyAt.get(spec.controlPlane.vm) ?? NaN,
        ready: s.readyAt,
      };
      timelines[c.metadata.name] = Object.fromEntries(Object.entries(at).map(([k, v]) => [k, Math.round(v)]));
      return { ...s, chain: s.vms + s.prepare + s.init + Math.max(s.cni, s.join) + Math.max(0, s.settle) };
    });
    const criticalPathMs = Math.max(...steps.map((s) => s.chain));
    const sequentialMs = Object.values(vmMs).reduce((a, b) => a + b, 0) + steps.reduce((a, s) => a + s.prepare + s.init + s.cni + s.join + Math.max(0, s.settle), 0);
    return {
      topology: `specs/vms + specs/clusters: ${vms.length} VMs, ${steps.length} clusters (kubeadm + Cilium)`,
      latencyModel: {
        simScale: scale,
        vmMs: Object.fromEntries(Object.entries(DEFAULT_SIM_LATENCY).map(([k, v]) => [k, v * scale])),
        clusterSteps: 'as the sim host runs them, measured here: kubeadm init = in-process sim API server on the control-plane address, join = sim kubelet registration, CNI = real helm (stand-in Cilium chart), settle = from the last of CNI and joins until the cluster API server shows every node Ready and the Cilium agents ready (the pod start-up of the sim kubelets)',
        reconcilerOptions: 'defaults (Cluster waitMs 2 s, VM and Cluster poll intervals 30 s)',
      },
      convergeMs: Math.round(convergeMs),
      criticalPathMs: Math.round(criticalPathMs),
      sequentialMs: Math.round(sequentialMs),
      vsCriticalPath: round(convergeMs / criticalPathMs),
      fasterThanSequential: round(sequentialMs / convergeMs),
      goals: { vsCriticalPath: '<= 1.1', fasterThanSequential: '>= 3' },
      stepsMs: steps.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v) : v]))),
      timelineMs: timelines,
      vmReadyMs: Object.fromEntries(Object.entries(vmMs).map(([k, v]) => [k, Math.round(v)])),
    };
  } finally {
    if (timer) clearInterval(timer);
    await manager.stop(10_000);
    rmSync(root, { recursive: true, force: true });
  }
}

runScenarioFromArgv({ clusterConverge });
