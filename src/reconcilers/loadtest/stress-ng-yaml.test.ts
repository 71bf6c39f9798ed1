// Fixtures are written from stress-ng's documented YAML output, not captured from a run: the
// stress-ng(1) man page (-Y/--yaml, --metrics-brief, --sn) and the pr_yaml() lines of
// stress_metrics_dump()/stress_times_dump() in stress-ng.c (ColinIanKing/stress-ng), as summarised
// in shared/reference/addons-loadtests.md §5: a document opened with "---", sections system-info,
// metrics (a list of `- stressor:` entries with bogo-ops, bogo-ops-per-second-usr-sys-time,
// bogo-ops-per-second-real-time, wall-clock-time, user-time, system-time, cpu-usage-per-instance,
// max-rss) and times, closed with "...". With --yaml /dev/stdout the "stress-ng: info:" and
// "metrc:" log lines interleave with the document, as in both fixtures; --sn prints %e numbers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StressNgYamlError, parseStressNgYaml } from './stress-ng-yaml.js';

const fixture = (f: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url)), 'utf8');

describe('stress-ng YAML parsing', () => {
  it('reads a cpu run with log lines interleaved', () => {
    const r = parseStressNgYaml(fixture('stress-ng-cpu.txt'));
    expect(r.version).toBe('0.18.06');
    expect(r.stressors).toEqual([{ stressor: 'cpu', bogoOps: 48210, bogoOpsPerSecReal: 1606.96, bogoOpsPerSecUsrSys: 804.84, wallClockTime: 30, userTime: 59.81, systemTime: 0.09, cpuPerInstance: 99.83, maxRssKB: 4352 }]);
    expect(r.total).toEqual({ bogoOps: 48210, bogoOpsPerSecReal: 1606.96, bogoOpsPerSecUsrSys: 804.84, cpuPerInstance: 99.83, maxRssKB: 4352 });
  });

  it('reads scientific notation (--sn) of a vm run', () => {
    const r = parseStressNgYaml(fixture('stress-ng-vm-sn.txt'));
    expect(r.total.bogoOps).toBe(1254400);
    expect(r.total.bogoOpsPerSecReal).toBeCloseTo(20904.6, 3);
    expect(r.total.bogoOpsPerSecUsrSys).toBeCloseTo(10523.47, 3);
  });

  it('sums several stressors, averages CPU %, takes the largest RSS', () => {
    const log = `---\nmetrics:\n    - stressor: cpu\n      bogo-ops: 100\n      bogo-ops-per-second-usr-sys-time: 10\n      bogo-ops-per-second-real-time: 20\n      cpu-usage-per-instance: 90\n      max-rss: 10\n    - stressor: vm\n      bogo-ops: 50\n      bogo-ops-per-second-usr-sys-time: 5\n      bogo-ops-per-second-real-time: 7\n      cpu-usage-per-instance: 70\n      max-rss: 300\n...\n`;
    expect(parseStressNgYaml(log).total).toEqual({ bogoOps: 150, bogoOpsPerSecReal: 27, bogoOpsPerSecUsrSys: 15, cpuPerInstance: 80, maxRssKB: 300 });
  });

  it.each([
    ['a run killed before the metrics (OOM)', 'stress-ng: info:  [1] dispatching hogs: 1 vm\n---\nstress-ng: info: [1] killed\n', /no stress-ng YAML metrics found/],
    ['an empty metrics list', '---\nmetrics:\n...\n', /no metrics entries/],
    ['plain text', 'hello\n', /no stress-ng YAML metrics found/],
  ])('fails clearly on %s', (_n, log, msg) => {
    expect(() => parseStressNgYaml(log)).toThrow(StressNgYamlError);
    expect(() => parseStressNgYaml(log)).toThrow(msg);
  });
});
