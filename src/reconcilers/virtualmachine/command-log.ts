// The provider command log of each VM (`hostplane logs vm/NAME` shows it beside the console and
// provisioning logs): one line per change hostplane asked the provider for — create, configure,
// start, stop, delete — with its outcome, so "what did hostplane do to my VM?" has an answer.
// Polls (list, ip, endpoint) are left out: they would bury the changes.
import { appendRotating } from '../../controllers/log-file.js';
import type { StateDir } from '../../controllers/state-dir.js';
import { vmLogPath } from './log-files.js';
import type { VmCreateRequest, VmResources, VmStartRequest } from '../../ports/vm-provider.js';

/** Past this size the log is moved to `.1` (one generation kept), so it never grows without bound. */
const MAX_BYTES = 512 * 1024;

export function vmCommandLogFile(dir: StateDir, name: string): string {
  return vmLogPath(dir.root, name, 'commands');
}

const mi = (n: number) => (n % 1024 === 0 ? `${n / 1024}Gi` : `${n}Mi`);

function resources(r: VmResources): string {
  return [r.cpu !== undefined && `cpu=${r.cpu}`, r.memoryMiB !== undefined && `memory=${mi(r.memoryMiB)}`, r.diskGiB !== undefined && `disk=${r.diskGiB}Gi`].filter(Boolean).join(' ');
}

function network(n: VmStartRequest['network']): string {
  return [`network=${n.mode}`, n.allow?.length && `allow=${n.allow.join(',')}`, n.bridgeInterface && `bridge=${n.bridgeInterface}`, n.segment && `segment=${n.segment}`, n.address && `address=${n.address}`].filter(Boolean).join(' ');
}

/** What a command asked for, in words a person reads (never secrets: requests hold none). */
export function describeCommand(cmd: string, args: unknown[]): { vm: string; what: string } | undefined {
  switch (cmd) {
    case 'create': {
      const r = args[0] as VmCreateRequest;
      return { vm: r.name, what: `image=${r.image} ${resources(r)} ${network(r.network)}` };
    }
    case 'start': {
      const r = args[0] as VmStartRequest;
      return { vm: r.name, what: `${network(r.network)}${r.dirs?.length ? ` dirs=${r.dirs.map((d) => d.name).join(',')}` : ''}` };
    }
    case 'configure':
      return { vm: args[0] as string, what: resources(args[1] as VmResources) };
    case 'stop': {
      const t = (args[1] as { timeoutSeconds?: number } | undefined)?.timeoutSeconds;
      return { vm: args[0] as string, what: t !== undefined ? `timeout=${t}s` : '' };
    }
    case 'delete':
      return { vm: args[0] as string, what: '' };
    default:
      return undefined;
  }
}

export class VmCommandLog {
  constructor(
    private readonly dir: StateDir,
    private readonly redact: (text: string) => string = (t) => t,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(cmd: string, args: unknown[], ms: number, error?: unknown): void {
    const d = describeCommand(cmd, args);
    if (!d) return;
    const outcome = error === undefined ? 'ok' : `failed: ${firstLine(error)}`;
    const line = `${this.now().toISOString()} ${cmd} ${outcome} (${Math.round(ms)} ms)${d.what.trim() ? ` ${d.what.trim()}` : ''}\n`;
    try {
      this.dir.ensure('logs', 'VirtualMachine');
      appendRotating(vmCommandLogFile(this.dir, d.vm), this.redact(line), MAX_BYTES);
    } catch {
      /* a log that cannot be written must not fail the command it describes */
    }
  }
}

function firstLine(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const msg = String(e?.message ?? err).split('\n')[0]!.slice(0, 300);
  return typeof e?.code === 'string' ? `${e.code}: ${msg}` : msg;
}
