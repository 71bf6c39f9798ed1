// Guest metrics of every running VM: one script through the guest-exec port (its SSH pool keeps
// one connection per VM) reads /proc/stat, /proc/meminfo, df, /proc/net/dev and the listening
// ports; CPU% and RX/TX rates come from the deltas between two samples.
import type { HostObject } from '../../api/types.js';
import type { GuestExec, GuestTarget } from '../../ports/guest-exec.js';
import { Ring } from './ring.js';
import type { GuestMetrics as VmMetrics, GuestSample } from '../../api/dashboard.js';
import { Periodic } from './periodic.js';

export type { GuestSample, VmMetrics };

/** Marks the script so the sim host's guest can answer it from its model. */
export const GUEST_METRICS_MARKER = '# hostplane:guest-metrics v1';

export const GUEST_METRICS_SCRIPT = [
  GUEST_METRICS_MARKER,
  'echo "@@stat"; head -n1 /proc/stat',
  'echo "@@meminfo"; grep -E "^(MemTotal|MemAvailable):" /proc/meminfo',
  'echo "@@df"; df -kP / | tail -n1',
  'echo "@@netdev"; tail -n +3 /proc/net/dev',
  'echo "@@ports"; (ss -Htln 2>/dev/null || true) | awk \'{print $4}\'',
].join('\n');

export interface GuestRaw {
  cpuTotal: number;
  cpuIdle: number;
  memTotalKiB: number;
  memAvailableKiB: number;
  diskTotalKiB: number;
  diskUsedKiB: number;
  rxBytes: number;
  txBytes: number;
  ports: number[];
}

/** Parses the script's output; throws with the section that is missing. */
export function parseGuestOutput(out: string): GuestRaw {
  const sections = new Map<string, string[]>();
  let cur = '';
  for (const line of out.split('\n')) {
    const m = /^@@(\w+)$/.exec(line.trim());
    if (m) sections.set((cur = m[1]), []);
    else if (cur && line.trim()) sections.get(cur)!.push(line.trim());
  }
  const need = (name: string): string[] => {
    const s = sections.get(name);
    if (!s || s.length === 0) throw new Error(`guest metrics: no ${name} section in the output`);
    return s;
  };
  const cpu = need('stat')[0].split(/\s+/).slice(1).map(Number);
  const cpuTotal = cpu.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const cpuIdle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const mem = Object.fromEntries(need('meminfo').map((l) => { const [k, v] = l.split(':'); return [k.trim(), Number.parseInt(v, 10)]; }));
  const df = need('df')[0].split(/\s+/);
  let rx = 0;
  let tx = 0;
  for (const l of sections.get('netdev') ?? []) {
    const [iface, rest] = l.split(':');
    if (!rest || iface.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  const ports = new Set<number>();
  for (const l of sections.get('ports') ?? []) {
    const p = Number(l.slice(l.lastIndexOf(':') + 1));
    if (Number.isInteger(p) && p > 0 && p < 65536) ports.add(p);
  }
  return {
    cpuTotal, cpuIdle,
    memTotalKiB: mem.MemTotal ?? 0, memAvailableKiB: mem.MemAvailable ?? 0,
    diskTotalKiB: Number(df[1]) || 0, diskUsedKiB: Number(df[2]) || 0,
    rxBytes: rx, txBytes: tx,
    ports: [...ports].sort((a, b) => a - b).slice(0, 200),
  };
}

/** One sample from two raw readings (the first reading of a VM has no CPU% or rates yet: 0). */
export function toSample(t: number, cur: GuestRaw, prev: { t: number; raw: GuestRaw } | undefined): GuestSample {
  const dTotal = prev ? cur.cpuTotal - prev.raw.cpuTotal : 0;
  const dIdle = prev ? cur.cpuIdle - prev.raw.cpuIdle : 0;
  const dt = prev ? (t - prev.t) / 1000 : 0;
  const rate = (a: number, b: number) => (dt > 0 && a >= b ? (a - b) / dt : 0);
  const memUsed = cur.memTotalKiB - cur.memAvailableKiB;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    t,
    cpuPercent: dTotal > 0 ? round(Math.min(100, Math.max(0, (100 * (dTotal - dIdle)) / dTotal))) : 0,
    memPercent: cur.memTotalKiB > 0 ? round((100 * memUsed) / cur.memTotalKiB) : 0,
    memUsedMiB: Math.round(memUsed / 1024),
    memTotalMiB: Math.round(cur.memTotalKiB / 1024),
    diskPercent: cur.diskTotalKiB > 0 ? round((100 * cur.diskUsedKiB) / cur.diskTotalKiB) : 0,
    diskUsedGiB: round(cur.diskUsedKiB / 1048576),
    diskTotalGiB: round(cur.diskTotalKiB / 1048576),
    rxBytesPerSec: Math.round(rate(cur.rxBytes, prev?.raw.rxBytes ?? 0)),
    txBytesPerSec: Math.round(rate(cur.txBytes, prev?.raw.txBytes ?? 0)),
  };
}

interface VmSeries {
  prev?: { t: number; raw: GuestRaw };
  ring: Ring<GuestSample>;
  ports: number[];
  error: string | null;
  updatedAt: number | null;
}

export interface GuestMetricsOptions {
  guest: GuestExec;
  /** The VMs to read (running ones) with how to reach each; read every tick. */
  targets(): Array<{ vm: HostObject; target: GuestTarget }>;
  intervalMs?: number;
  now?: () => number;
}

export class GuestMetricsCollector {
  private series = new Map<string, VmSeries>();
  private readonly clock: Periodic;
  constructor(private readonly opts: GuestMetricsOptions) {
    this.clock = new Periodic(() => this.collect(), opts.intervalMs);
  }

  start(): void {
    this.clock.start();
  }

  stop(): Promise<void> {
    return this.clock.stop();
  }

  /** Reads every target once (joins the previous tick if it still runs). */
  tick(): Promise<void> {
    return this.clock.tick();
  }

  private async collect(): Promise<void> {
    const now = this.opts.now ?? Date.now;
    const targets = this.opts.targets();
    const live = new Set(targets.map((t) => t.vm.metadata.name));
    for (const name of this.series.keys()) if (!live.has(name)) this.series.delete(name);
    await Promise.all(
      targets.map(async ({ vm, target }) => {
        const name = vm.metadata.name;
        const s = this.series.get(name) ?? { ring: new Ring<GuestSample>(), ports: [], error: null, updatedAt: null };
        this.series.set(name, s);
        try {
          const r = await this.opts.guest.run(target, GUEST_METRICS_SCRIPT, { timeoutMs: 10_000 });
          if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 200)}`);
          const raw = parseGuestOutput(r.stdout);
          const t = now();
          s.ring.push(toSample(t, raw, s.prev));
          s.prev = { t, raw };
          s.ports = raw.ports;
          s.error = null;
          s.updatedAt = t;
        } catch (e) {
          s.error = e instanceof Error ? e.message.slice(0, 300) : String(e);
        }
      }),
    );
  }

  get(vm: string, limit?: number): VmMetrics | undefined {
    const s = this.series.get(vm);
    if (!s) return undefined;
    return { vm, updatedAt: s.updatedAt, error: s.error, ports: s.ports, samples: s.ring.list(limit) };
  }

  names(): string[] {
    return [...this.series.keys()].sort();
  }
}
