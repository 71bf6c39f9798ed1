// stress-ng as the model runs it: its argv (--cpu N --cpu-load L, --vm N --vm-bytes B, --timeout,
// --metrics-brief --yaml FILE) and what it prints: the info lines, the metrics-brief table and the
// YAML document (reference addons-loadtests.md §5; layout as stress-ng 0.18 writes it).

export interface StressPlan {
  cpuWorkers: number;
  cpuLoad: number;
  vmWorkers: number;
  vmBytes: number;
  vmBytesPercent?: number;
  timeoutMs: number;
  yaml?: string;
  metricsBrief: boolean;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export function parseStressArgs(args: string[]): StressPlan {
  const plan: StressPlan = { cpuWorkers: 0, cpuLoad: 100, vmWorkers: 0, vmBytes: 256 * 1024 ** 2, timeoutMs: 24 * 3600_000, metricsBrief: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    const need = () => {
      if (v === undefined) throw new Error(`option '${a}' requires an argument`);
      i++;
      return v;
    };
    if (a === '--cpu' || a === '-c') plan.cpuWorkers = Number(need());
    else if (a === '--cpu-load' || a === '-l') plan.cpuLoad = Number(need());
    else if (a === '--vm' || a === '-m') plan.vmWorkers = Number(need());
    else if (a === '--vm-bytes') {
      const s = need();
      const m = /^(\d+(?:\.\d+)?)([kKmMgGtT%]?)$/.exec(s);
      if (!m) throw new Error(`Invalid value '${s}' for option --vm-bytes`);
      if (m[2] === '%') plan.vmBytesPercent = Number(m[1]);
      else plan.vmBytes = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
    } else if (a === '--timeout' || a === '-t') {
      const s = need();
      const m = /^(\d+(?:\.\d+)?)([smhdy]?)$/.exec(s);
      if (!m) throw new Error(`Invalid value '${s}' for option --timeout`);
      plan.timeoutMs = Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400, y: 31536000 }[m[2]!]!) * 1000;
    } else if (a === '--yaml' || a === '-Y') plan.yaml = need();
    else if (a === '--metrics-brief' || a === '--metrics' || a === '-M') plan.metricsBrief = true;
    else throw new Error(`unrecognized option '${a}'`);
    if (Number.isNaN(plan.cpuWorkers) || Number.isNaN(plan.vmWorkers) || Number.isNaN(plan.cpuLoad)) throw new Error(`invalid number in '${a}'`);
  }
  if (plan.cpuWorkers + plan.vmWorkers === 0) throw new Error('No stress workers invoked');
  return plan;
}

const f6 = (n: number) => n.toFixed(6);

export function stressNgStartLines(plan: StressPlan): string {
  const hogs = [plan.cpuWorkers ? `${plan.cpuWorkers} cpu` : '', plan.vmWorkers ? `${plan.vmWorkers} vm` : ''].filter(Boolean).join(', ');
  return [
    ...(plan.yaml === '/dev/stdout' ? ['---'] : []),
    `stress-ng: info:  [1] setting to a ${Math.round(plan.timeoutMs / 1000)} secs run per stressor`,
    `stress-ng: info:  [1] dispatching hogs: ${hogs}`,
  ].join('\n');
}

/** Bogo-ops rates per instance at one full CPU (stated in the README as the model's figures). */
export const BOGO_OPS_PER_CPU_SECOND = { cpu: 805, vm: 26_500 };

export interface StressRun {
  runSeconds: number;
  cpuMilli: number;
  maxRssKb: number;
  hostname: string;
  now: number;
  nodeCpus: number;
  jitter: number;
}

export function stressNgFinalOutput(plan: StressPlan, run: StressRun): string {
  const instances = plan.cpuWorkers + plan.vmWorkers;
  const perInstanceCpu = run.cpuMilli / 1000 / instances; // cores each instance got
  const rows = (
    [
      ['cpu', plan.cpuWorkers],
      ['vm', plan.vmWorkers],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([name, n]) => {
      const usr = perInstanceCpu * n * run.runSeconds * (name === 'vm' ? 0.62 : 0.998);
      const sys = perInstanceCpu * n * run.runSeconds * (name === 'vm' ? 0.37 : 0.0015);
      const ops = Math.round(BOGO_OPS_PER_CPU_SECOND[name] * (usr + sys) * run.jitter);
      return { name, n, ops, real: run.runSeconds, usr, sys, perReal: ops / run.runSeconds, perUsrSys: ops / Math.max(1e-9, usr + sys), cpuPct: perInstanceCpu * 100 };
    });
  const pad = (s: string, n: number) => s.padStart(n);
  const lines: string[] = [];
  if (plan.metricsBrief) {
    lines.push('stress-ng: metrc: [1] stressor       bogo ops real time  usr time  sys time   bogo ops/s     bogo ops/s');
    lines.push('stress-ng: metrc: [1]                           (secs)    (secs)    (secs)   (real time) (usr+sys time)');
    for (const r of rows) lines.push(`stress-ng: metrc: [1] ${r.name.padEnd(13)}${pad(String(r.ops), 10)}${pad(r.real.toFixed(2), 10)}${pad(r.usr.toFixed(2), 10)}${pad(r.sys.toFixed(2), 10)}${pad(r.perReal.toFixed(2), 13)}${pad(r.perUsrSys.toFixed(2), 15)}`);
  }
  lines.push('stress-ng: info:  [1] skipped: 0');
  lines.push(`stress-ng: info:  [1] passed: ${instances}: ${rows.map((r) => `${r.name} (${r.n})`).join(' ')}`);
  lines.push('stress-ng: info:  [1] failed: 0', 'stress-ng: info:  [1] metrics untrustworthy: 0', `stress-ng: info:  [1] successful run completed in ${run.runSeconds.toFixed(2)} secs`);
  if (plan.yaml === '/dev/stdout' || plan.yaml === '-') {
    const d = new Date(run.now);
    const two = (n: number) => String(n).padStart(2, '0');
    const usr = rows.reduce((n, r) => n + r.usr, 0);
    const sys = rows.reduce((n, r) => n + r.sys, 0);
    const avail = run.runSeconds * run.nodeCpus;
    lines.push(
      'system-info:',
      '      stress-ng-version: 0.18.06',
      '      run-by: root',
      `      date-yyyy-mm-dd: ${d.getUTCFullYear()}:${two(d.getUTCMonth() + 1)}:${two(d.getUTCDate())}`,
      `      time-hh-mm-ss: ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`,
      `      epoch-secs: ${Math.floor(run.now / 1000)}`,
      `      hostname: ${run.hostname}`,
      '      sysname: Linux',
      `      cpus: ${run.nodeCpus}`,
      `      cpus-online: ${run.nodeCpus}`,
      '      ticks-per-second: 100',
      '',
      'metrics:',
    );
    for (const r of rows) {
      lines.push(
        `    - stressor: ${r.name}`,
        `      bogo-ops: ${r.ops}`,
        `      bogo-ops-per-second-usr-sys-time: ${f6(r.perUsrSys)}`,
        `      bogo-ops-per-second-real-time: ${f6(r.perReal)}`,
        `      wall-clock-time: ${f6(r.real)}`,
        `      user-time: ${f6(r.usr)}`,
        `      system-time: ${f6(r.sys)}`,
        `      cpu-usage-per-instance: ${f6(r.cpuPct)}`,
        `      max-rss: ${run.maxRssKb}`,
      );
    }
    lines.push(
      '',
      'times:',
      `      run-time: ${f6(run.runSeconds)}`,
      `      available-cpu-time: ${f6(avail)}`,
      `      user-time: ${f6(usr)}`,
      `      system-time: ${f6(sys)}`,
      `      total-time: ${f6(usr + sys)}`,
      `      user-time-percent: ${f6((usr / avail) * 100)}`,
      `      system-time-percent: ${f6((sys / avail) * 100)}`,
      `      total-time-percent: ${f6(((usr + sys) / avail) * 100)}`,
      '...',
    );
  }
  return lines.join('\n');
}
