// End-to-end fixture of the Addon tests: a SimCluster (nodes, a Ready CNI) served over HTTPS on
// 127.x, a temp lab (specs/ + files beside it), and a Manager running the real Addon kind with a
// test-only Cluster kind that marks its Cluster Ready with that cluster's kubeconfig path (the
// convention the Cluster controller keeps). helm is the real binary of the major asked for.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getCondition } from '../../src/api/conditions.js';
import { API_VERSION, parseObjectKey, type HostObject } from '../../src/api/types.js';
import { createHelmCli, type HelmCli } from '../../src/adapters/helm/helm-cli.js';
import { ClientNodeKube } from '../../src/adapters/kube/client-node.js';
import { helmBinaries } from '../../src/adapters/tools/test-binaries.js';
import { ConditionSet } from '../../src/controllers/framework.js';
import type { KindModule } from '../../src/controllers/kind-module.js';
import { Manager } from '../../src/controllers/manager.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import type { HostPorts } from '../../src/ports/index.js';
import type { Secrets } from '../../src/ports/secrets.js';
import { SecretNotFoundError } from '../../src/ports/secrets.js';
import { KIND_MODULES } from '../../src/reconcilers/index.js';
import { SimChartSource } from '../../src/sim/charts/sim-chart-source.js';
import { ScaledClock } from '../../src/sim/kube/control-plane/index.js';
import { cniDaemonSet } from '../../src/sim/kube/control-plane/testing/harness.js';
import { SimCluster } from '../../src/sim/kube/sim-cluster.js';
import { SimGuestExec } from '../../src/sim/host/sim-guest-exec.js';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import { waitFor } from '../fixtures/wait-for.js';

/** Test-only Cluster kind: Ready at its generation, status.kubeconfigPath = the sim cluster's. */
function readyClusterModule(kubeconfigPath: string): KindModule<HostPorts> {
  const real = KIND_MODULES.find((m) => m.kind === 'Cluster')!;
  return {
    ...real,
    createReconciler: (rt) => async (key) => {
      const { name } = parseObjectKey(key);
      const obj = rt.store.get('Cluster', name);
      if (!obj) return { kind: 'done' };
      if (obj.metadata.deletionTimestamp) {
        rt.store.remove('Cluster', name);
        return { kind: 'done' };
      }
      const c = new ConditionSet(obj.status?.conditions, obj.metadata.generation ?? 1, new Date());
      c.set({ type: 'Ready', status: 'True', reason: 'ClusterReady', message: 'test fixture' });
      rt.store.updateStatus('Cluster', name, { ...(obj.status ?? {}), kubeconfigPath, conditions: c.toArray(['Ready']) });
      return { kind: 'done' };
    },
  };
}

export class MapSecrets implements Secrets {
  constructor(readonly map: Record<string, string> = {}) {}
  get(name: string): string {
    const v = this.map[name];
    if (v === undefined) throw new SecretNotFoundError(name, `secret ${name} does not exist`);
    return v;
  }
  values(): string[] {
    return Object.values(this.map);
  }
}

export interface AddonLab {
  root: string;
  specsDir: string;
  manager: Manager<HostPorts>;
  helm: HelmCli;
  kube: ClientNodeKube;
  cluster: SimCluster;
  kubeconfig: string;
  secrets: MapSecrets;
  /** Writes a file relative to the lab root (specs/… for specs). */
  write(rel: string, text: string): void;
  remove(rel: string): void;
  addon(name: string): HostObject | undefined;
  ready(name: string): { status?: string; reason?: string; message?: string };
  waitReady(name: string, status: string, reason?: string | RegExp, ms?: number): Promise<void>;
  /** helm calls that changed something, as "upgrade ns/rel" lines. */
  writes(): string[];
  stop(): Promise<void>;
}

const WRITES = new Set(['install', 'upgrade', 'rollback', 'uninstall', 'test']);

export const CLUSTER_SPEC = `apiVersion: ${API_VERSION}
kind: Cluster
metadata:
  name: sim
spec:
  kubernetesVersion: "1.31"
  controlPlane:
    vm: sim-cp
`;

export function addonDoc(name: string, spec: Record<string, unknown>): string {
  return `---\n${JSON.stringify({ apiVersion: API_VERSION, kind: 'Addon', metadata: { name }, spec: { cluster: 'sim', ...spec } })}\n`;
}

export async function startAddonLab(major: 3 | 4, opts: { addonOptions?: Record<string, unknown>; /** Node names (default w1, w2). */ nodes?: string[] } = {}): Promise<AddonLab> {
  const root = mkdtempSync(join(tmpdir(), `hostplane-addon${major}-`));
  const specsDir = join(root, 'specs');
  mkdirSync(specsDir);
  const cluster = await SimCluster.start({
    name: `addon${major}`,
    host: '127.0.0.1',
    port: 0,
    clock: new ScaledClock(10),
    nodes: (opts.nodes ?? ['w1', 'w2']).map((n) => ({ name: n, ip: '127.0.0.1', cpu: 8, memoryMiB: 16384, labels: { 'kubernetes.io/hostname': n } })),
  });
  cluster.store.create({ group: 'apps', version: 'v1', resource: 'daemonsets' }, cniDaemonSet());
  const kubeconfig = join(root, 'kubeconfig');
  cluster.writeKubeconfig(kubeconfig);
  const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
  const helm = await createHelmCli({ binary: bin, helmHome: join(root, 'helm') });
  const kube = new ClientNodeKube({ kubeconfig });
  const secrets = new MapSecrets();
  const stateDir = new StateDir(join(root, '.hostplane'));
  const provider = new SimVmProvider(stateDir, { scale: 0.02 });
  const ports: HostPorts = {
    provider,
    guest: new SimGuestExec(provider),
    secrets,
    kubernetes: { kube: (k) => new ClientNodeKube({ kubeconfig: k }), helm: async () => helm, charts: new SimChartSource({ cacheDir: join(root, 'charts') }) },
  };
  const kinds = KIND_MODULES.map((m) => (m.kind === 'Cluster' ? readyClusterModule(kubeconfig) : m));
  writeFileSync(join(specsDir, 'cluster.yaml'), CLUSTER_SPEC);
  const manager = new Manager<HostPorts>({
    specsDir,
    stateDir,
    kinds,
    ports,
    log: { info() {}, warn() {}, error() {} } as never,
    graceMs: 200,
    kindOptions: { Addon: { retryMs: 300, waitMs: 200, ...opts.addonOptions } },
  });
  await manager.start();
  // The spec watcher may not report a file written right after it started: wait until it sees one.
  let probes = 0;
  await waitFor(() => {
    if (manager.source.status().files >= 2) return true;
    writeFileSync(join(specsDir, 'probe.yaml'), `# fixture probe ${probes++}\n`);
    return false;
  }, 10_000, 'the spec watcher to report a new file', 50);
  const lab: AddonLab = {
    root,
    specsDir,
    manager,
    helm,
    kube,
    cluster,
    kubeconfig,
    secrets,
    write(rel, text) {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    },
    remove(rel) {
      rmSync(join(root, rel), { force: true });
    },
    addon: (name) => manager.store.get('Addon', name),
    ready(name) {
      const c = getCondition(manager.store.get('Addon', name)?.status?.conditions, 'Ready');
      return { status: c?.status, reason: c?.reason, message: c?.message };
    },
    async waitReady(name, status, reason, ms = 20_000) {
      const matches = () => {
        const r = lab.ready(name);
        if (r.status !== status) return false;
        if (reason === undefined) return true;
        return typeof reason === 'string' ? r.reason === reason : reason.test(`${r.reason}: ${r.message}`);
      };
      try {
        await waitFor(matches, ms, `Addon ${name} Ready=${status}${reason ? ` (${reason})` : ''}`, 20);
      } catch (err) {
        const events = manager.events.list().filter((e) => e.object === `Addon/${name}`).slice(-4).map((e) => `${e.reason}: ${e.message}`);
        throw new Error(`${(err as Error).message}; last Ready: ${JSON.stringify(lab.ready(name))}; events: ${events.join(' | ')}`);
      }
    },
    writes: () => helm.log.calls.filter((c) => WRITES.has(c.command)).map((c) => `${c.command} ${c.namespace}/${c.release}${c.exitCode === 0 ? '' : ' FAILED'}`),
    async stop() {
      await manager.stop(5_000);
      await cluster.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return lab;
}
