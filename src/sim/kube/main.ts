// `hostplane-sim-apiserver`: one simulated Kubernetes cluster as its own process, so a guest
// sandbox shim can run it "inside" a guest on IP:6443.
//   hostplane-sim-apiserver --listen 127.0.0.5:6443 --state DIR --kubeconfig-out FILE [--node cp1=127.0.0.5]
import { Command, InvalidArgumentError } from 'commander';
import { ScaledClock } from './control-plane/index.js';
import { realClock } from '../../controllers/clock.js';
import type { NodeSpec } from './control-plane/index.js';
import { SimCluster } from './sim-cluster.js';

function listenAddr(v: string): { host: string; port: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError(`"${v}" is not HOST:PORT (e.g. 127.0.0.5:6443)`);
  if (!m[1].startsWith('127.')) throw new InvalidArgumentError(`${m[1]} is not a loopback address: the simulated API server listens on 127.0.0.0/8 only`);
  return { host: m[1], port: Number(m[2]) };
}

/** `name=ip[,cpu=4][,memory=8192][,role=control-plane]` */
function nodeSpec(v: string, prev: NodeSpec[]): NodeSpec[] {
  const [head, ...opts] = v.split(',');
  const [name, ip] = head.split('=');
  if (!name || !ip) throw new InvalidArgumentError(`"${v}" is not NAME=IP[,cpu=N][,memory=MiB][,role=control-plane]`);
  const spec: NodeSpec = { name, ip, cpu: 2, memoryMiB: 4096 };
  for (const o of opts) {
    const [k, val] = o.split('=');
    if (k === 'cpu') spec.cpu = Number(val);
    else if (k === 'memory') spec.memoryMiB = Number(val);
    else if (k === 'role' && val === 'control-plane') {
      spec.labels = { 'node-role.kubernetes.io/control-plane': '' };
      spec.taints = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
    } else throw new InvalidArgumentError(`unknown node option "${o}" in "${v}"`);
  }
  return [...prev, spec];
}

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${v}" is not a positive number`);
  return n;
};

export async function main(argv: string[]): Promise<number> {
  const program = new Command('hostplane-sim-apiserver')
    .description('A simulated Kubernetes API server (plus control plane) that the real kubectl, helm and client-node work against')
    .option('--listen <host:port>', 'loopback address and port to serve HTTPS on', listenAddr, { host: '127.0.0.1', port: 6443 })
    .option('--name <name>', 'cluster name in the kubeconfig', 'sim')
    .option('--state <dir>', 'keep objects, helm releases and the CA here across restarts')
    .option('--kubeconfig-out <file>', 'write a kubeconfig for this cluster here')
    .option('--auth <kind>', 'kubeconfig credentials: token or cert', 'token')
    .option('--node <spec>', 'a node the simulated kubelets register (repeatable): NAME=IP[,cpu=N][,memory=MiB][,role=control-plane]', nodeSpec, [] as NodeSpec[])
    .option('--no-control-plane', 'serve the API only (no controllers, scheduler or kubelets)')
    .option('--time-scale <n>', 'simulated seconds per real second', positive, 1)
    .option('--max-objects <n>', 'object quota (all kinds)', positive)
    .option('--max-body-bytes <n>', 'request body cap', positive)
    .option('-v, --verbose', 'log every request to stderr')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const o = program.opts<{ listen: { host: string; port: number }; name: string; state?: string; kubeconfigOut?: string; auth: string; node: NodeSpec[]; controlPlane: boolean; timeScale: number; maxObjects?: number; maxBodyBytes?: number; verbose?: boolean }>();
  if (o.auth !== 'token' && o.auth !== 'cert') {
    process.stderr.write(`--auth must be token or cert, not "${o.auth}"\n`);
    return 2;
  }
  let cluster: SimCluster;
  try {
    cluster = await SimCluster.start({
      name: o.name,
      host: o.listen.host,
      port: o.listen.port,
      stateDir: o.state,
      clock: o.timeScale === 1 ? realClock : new ScaledClock(o.timeScale),
      controlPlane: o.controlPlane,
      nodes: o.node,
      maxObjects: o.maxObjects,
      maxBodyBytes: o.maxBodyBytes,
      log: o.verbose ? (l) => process.stderr.write(l + '\n') : undefined,
    });
  } catch (e) {
    process.stderr.write(`hostplane-sim-apiserver: cannot start on ${o.listen.host}:${o.listen.port}: ${e instanceof Error ? e.message : e}\n`);
    return 1;
  }
  if (o.kubeconfigOut) cluster.writeKubeconfig(o.kubeconfigOut, { auth: o.auth as 'token' | 'cert' });
  process.stdout.write(`serving ${cluster.url}${o.kubeconfigOut ? ` (kubeconfig: ${o.kubeconfigOut})` : ''}\n`);
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void cluster.stop().then(() => resolve(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
