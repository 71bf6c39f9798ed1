// What a simulated guest prints for the guest-metrics script (src/app/collectors/guest-metrics.ts):
// /proc/stat, /proc/meminfo, df, /proc/net/dev and listening ports from a small model whose
// counters only grow, so CPU% and RX/TX rates computed from deltas look like a lightly loaded VM.

/** The script's first line; the collector's GUEST_METRICS_MARKER (a test keeps them equal). */
export const SIM_GUEST_METRICS_MARKER = '# hostplane:guest-metrics v1';

interface Counters {
  t: number;
  busy: number;
  idle: number;
  rx: number;
  tx: number;
}

const state = new Map<string, Counters>();

function hash(s: string): number {
  let h = 7;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

export function simGuestMetricsOutput(vm: { name: string; cpu: number; memoryMiB: number; diskGiB: number }, nowMs: number): string {
  const h = hash(vm.name);
  const prev = state.get(vm.name) ?? { t: nowMs - 5000, busy: 100_000 + (h % 5000), idle: 900_000, rx: 1e6 + (h % 1e5), tx: 5e5 };
  const dt = Math.max(0.001, (nowMs - prev.t) / 1000);
  const ticks = dt * 100 * vm.cpu;
  const load = 0.15 + 0.1 * Math.sin(nowMs / 20_000 + (h % 7)) + (vm.name.includes('master') ? 0.1 : 0);
  const cur: Counters = {
    t: nowMs,
    busy: prev.busy + Math.max(1, Math.round(ticks * load)),
    idle: prev.idle + Math.max(1, Math.round(ticks * (1 - load))),
    rx: prev.rx + Math.round(dt * (20_000 + (h % 30_000)) * (1 + load)),
    tx: prev.tx + Math.round(dt * (8_000 + (h % 12_000)) * (1 + load)),
  };
  state.set(vm.name, cur);
  const memTotal = vm.memoryMiB * 1024;
  const memAvail = Math.round(memTotal * (0.55 - 0.1 * Math.sin(nowMs / 30_000 + (h % 5))));
  const diskTotal = vm.diskGiB * 1048576;
  const diskUsed = Math.round(diskTotal * (0.2 + (h % 30) / 100));
  const ports = [22, 10250, ...(vm.name.includes('master') ? [6443, 2379, 2380, 10257, 10259] : [30080])];
  return [
    '@@stat',
    `cpu  ${cur.busy} 0 0 ${cur.idle} 0 0 0 0 0 0`,
    '@@meminfo',
    `MemTotal:       ${memTotal} kB`,
    `MemAvailable:   ${memAvail} kB`,
    '@@df',
    `/dev/vda1 ${diskTotal} ${diskUsed} ${diskTotal - diskUsed} 30% /`,
    '@@netdev',
    `    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0`,
    `  eth0: ${cur.rx} 100 0 0 0 0 0 0 ${cur.tx} 80 0 0 0 0 0 0`,
    '@@ports',
    ...ports.map((p) => `0.0.0.0:${p}`),
    '',
  ].join('\n');
}
