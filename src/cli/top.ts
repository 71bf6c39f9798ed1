// `hostplane urls cluster/NAME` and `hostplane top vm|node`: figures the running `hostplane up`
// collects (guest metrics over SSH, cluster inventory through informers), read from its API, so
// the CLI and the dashboard show the same numbers. Without a running `up` there is nothing live
// to show: one line says so and the exit code is 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { DashboardSummary, GuestSample, Inventory, ServiceUrl } from '../api/dashboard.js';
import { StateDir } from '../controllers/state-dir.js';
import { readUpAddress } from '../controllers/up-address.js';
import { EXIT } from '../app/exit-codes.js';
import { table } from './format.js';

export interface TopIo {
  out(s: string): void;
  err(s: string): void;
  dirs(): { specs: string; state: string };
  setCode(code: number): void;
}

class CliFailure extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

function upPid(state: string): number | undefined {
  const pid = new StateDir(state).lockOwner();
  if (pid === undefined) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** The API of the running `up`: --api, then HOSTPLANE_API, then the address `up` recorded (up-address.ts). */
function apiBase(state: string, flag: string | undefined): string {
  const explicit = flag ?? process.env.HOSTPLANE_API;
  if (explicit) return explicit.replace(/\/$/, '');
  const recorded = readUpAddress(state);
  if (recorded) return recorded.url.replace(/\/$/, '');
  const pid = upPid(state);
  if (!pid) throw new CliFailure(`error: hostplane up is not running on ${state}: these figures are collected live by it (start hostplane up, or pass --api URL)`, EXIT.error);
  throw new CliFailure(`error: hostplane up (pid ${pid}) does not say where its API listens (started with --listen off?); pass --api URL`, EXIT.error);
}

async function getJson<T>(state: string, flag: string | undefined, path: string): Promise<T> {
  const base = apiBase(state, flag);
  let token: string | undefined;
  try {
    token = readFileSync(join(state, 'api-token'), 'utf8').trim();
  } catch {
    /* loopback: no token */
  }
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new CliFailure(`error: cannot reach hostplane up at ${base} (${cause}); is it running?`, EXIT.error);
  }
  const body = (await res.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (res.status === 404) throw new CliFailure(`error: ${body.error?.message ?? `not found: ${path}`}`, EXIT.notFound);
  if (!res.ok) throw new CliFailure(`error: ${body.error?.message ?? `HTTP ${res.status} from ${base}`}`, EXIT.error);
  return body;
}

function clusterName(arg: string): string {
  const m = /^(?:(?:cluster|clusters|cl)\/)?([a-z0-9][-a-z0-9.]*)$/.exec(arg);
  if (!m) throw new CliFailure(`error: expected cluster/NAME, got "${arg}"`, EXIT.usage);
  return m[1]!;
}

const pct = (n: number | null | undefined) => (n === null || n === undefined ? '<unknown>' : `${Math.round(n)}%`);
const mib = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(1)}Gi` : `${Math.round(n)}Mi`);
export function rate(n: number | undefined): string {
  if (n === undefined) return '<unknown>';
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)}MiB/s` : n >= 1024 ? `${(n / 1024).toFixed(1)}KiB/s` : `${Math.round(n)}B/s`;
}

function guestCells(s: GuestSample | null | undefined): string[] {
  if (!s) return ['<unknown>', '<unknown>', '<unknown>', '<unknown>', '<unknown>', '<unknown>'];
  return [pct(s.cpuPercent), `${mib(s.memUsedMiB)}/${mib(s.memTotalMiB)}`, pct(s.memPercent), `${s.diskUsedGiB.toFixed(1)}Gi/${s.diskTotalGiB.toFixed(0)}Gi`, rate(s.rxBytesPerSec), rate(s.txBytesPerSec)];
}

export function topCommands(io: TopIo): Command[] {
  const act =
    <A extends unknown[]>(fn: (...a: A) => Promise<number>) =>
    async (...a: A): Promise<void> => {
      try {
        io.setCode(await fn(...a));
      } catch (e) {
        if (e instanceof CliFailure) {
          io.err(e.message);
          io.setCode(e.code);
        } else {
          io.err(`error: ${(e as Error).message}`);
          io.setCode(EXIT.error);
        }
      }
    };
  const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;

  const urls = new Command('urls')
    .summary('the service URLs of a cluster a person opens (NodePorts, like minikube service --url)')
    .usage('cluster/NAME [--url] [--api URL]')
    .argument('<cluster>', 'cluster/NAME (or NAME)')
    .option('--url', 'print the URLs only, one a line')
    .option('--api <url>', 'the API of the running hostplane up (default: the one on this state dir)')
    .addHelpText('after', examples(['hostplane urls cluster/platform          # Grafana, ArgoCD, … on their NodePorts', 'hostplane urls cluster/dev --url | head -1']))
    .action(
      act(async (arg: string, f: { url?: boolean; api?: string }) => {
        const name = clusterName(arg);
        const list = await getJson<{ items: ServiceUrl[] }>(io.dirs().state, f.api, `clusters/${name}/urls`);
        if (f.url) {
          for (const u of list.items) io.out(u.url);
          return EXIT.ok;
        }
        if (!list.items.length) {
          io.err(`no NodePort services in cluster ${name}`);
          return EXIT.ok;
        }
        io.out(table(['NAMESPACE', 'SERVICE', 'PORT', 'NODEPORT', 'URL'], list.items.map((u) => [u.namespace, u.service, String(u.port), String(u.nodePort), u.url])));
        return EXIT.ok;
      }),
    );

  const top = new Command('top')
    .summary('CPU, memory, disk and network of running VMs (top vm) or of a cluster’s nodes (top node CLUSTER)')
    .usage('vm [NAME] | node CLUSTER [--api URL]')
    .argument('<what>', 'vm (vms) or node (nodes)')
    .argument('[name]', 'top vm: one VM; top node: the cluster')
    .option('--api <url>', 'the API of the running hostplane up (default: the one on this state dir)')
    .addHelpText('after', examples(['hostplane top vm', 'hostplane top vm dev-master', 'hostplane top node dev        # also cluster/dev']))
    .action(
      act(async (what: string, name: string | undefined, f: { api?: string }) => {
        const state = io.dirs().state;
        if (['vm', 'vms', 'virtualmachine', 'virtualmachines'].includes(what)) {
          const sum = await getJson<DashboardSummary>(state, f.api, 'dashboard/summary');
          const vms = sum.vms.filter((v) => !name || v.name === name).sort((a, b) => a.name.localeCompare(b.name));
          if (name && !vms.length) throw new CliFailure(`error: no metrics for VirtualMachine/${name} (not running, or no such VM)`, EXIT.notFound);
          if (!vms.length) {
            io.err('no running VMs');
            return EXIT.ok;
          }
          io.out(table(['NAME', 'CPU%', 'MEMORY', 'MEMORY%', 'DISK', 'RX', 'TX'], vms.map((v) => [v.name, ...guestCells(v.sample)])));
          return EXIT.ok;
        }
        if (['node', 'nodes', 'no'].includes(what)) {
          if (!name) throw new CliFailure('error: top node needs the cluster: hostplane top node CLUSTER', EXIT.usage);
          const cluster = clusterName(name);
          const inv = await getJson<Inventory>(state, f.api, `clusters/${cluster}/inventory`);
          // A node is a VM: disk and network come from its guest, matched by name or by address.
          const sum = await getJson<DashboardSummary>(state, f.api, 'dashboard/summary');
          const guest = new Map(sum.vms.map((v) => [v.name, v.sample] as const));
          const rows = inv.nodes.map((n) => {
            const g = guest.get(n.name) ?? null;
            const cpu = n.cpuPercent ?? g?.cpuPercent ?? null;
            const mem = n.memPercent ?? g?.memPercent ?? null;
            return [n.name, n.ready ? 'Ready' : 'NotReady', `${n.cpuCores}`, pct(cpu), mib(n.memoryMiB), pct(mem), g ? `${g.diskPercent}%` : '<unknown>', rate(g?.rxBytesPerSec), rate(g?.txBytesPerSec)];
          });
          io.out(table(['NAME', 'STATUS', 'CPUS', 'CPU%', 'MEMORY', 'MEMORY%', 'DISK%', 'RX', 'TX'], rows));
          if (!inv.metricsServed) io.err(`note: metrics.k8s.io is not served in cluster ${cluster}; CPU% and MEMORY% come from the guests`);
          return EXIT.ok;
        }
        throw new CliFailure(`error: top takes vm or node, got "${what}"`, EXIT.usage);
      }),
    );
  return [urls, top];
}
