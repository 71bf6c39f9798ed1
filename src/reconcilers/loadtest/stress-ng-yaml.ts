// stress-ng's `--metrics-brief --yaml /dev/stdout` output from a pod log (reference §5).
// The YAML file is opened at start (its "---" comes first) and its sections are written at the
// end, closed by "..."; with /dev/stdout stress-ng's own log lines ("stress-ng: info: […]") land in
// between, so the document is taken from the last "---" to the "..." after it with those lines
// dropped. The metrics section is a list of `- stressor: NAME` entries with bogo-ops,
// bogo-ops-per-second-usr-sys-time, bogo-ops-per-second-real-time, wall-clock-time, user-time,
// system-time, cpu-usage-per-instance and max-rss (numbers may be in %e notation with --sn).
import { parse } from 'yaml';

export interface StressorMetrics {
  stressor: string;
  bogoOps: number;
  bogoOpsPerSecReal: number;
  bogoOpsPerSecUsrSys: number;
  wallClockTime?: number;
  userTime?: number;
  systemTime?: number;
  cpuPerInstance?: number;
  maxRssKB?: number;
}

export interface StressNgResult {
  version?: string;
  stressors: StressorMetrics[];
  /** Summed over stressors (as status.stress reports it); cpu % averaged, RSS maximised. */
  total: { bogoOps: number; bogoOpsPerSecReal: number; bogoOpsPerSecUsrSys: number; cpuPerInstance?: number; maxRssKB?: number };
}

export class StressNgYamlError extends Error {}

type Json = Record<string, unknown>;
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : undefined);

function extractDocument(log: string): string {
  const lines = log.split(/\r?\n/);
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.trimEnd() === '---') {
      // the last "---" that is followed by a metrics section
      if (lines.slice(i + 1).some((l) => /^metrics:\s*$/.test(l))) {
        start = i;
        break;
      }
    }
  }
  if (start < 0) throw new StressNgYamlError('no stress-ng YAML metrics found in the log (was it run with --metrics-brief --yaml /dev/stdout, and did it finish?)');
  const endRel = lines.slice(start + 1).findIndex((l) => l.trimEnd() === '...');
  const body = lines.slice(start + 1, endRel < 0 ? undefined : start + 1 + endRel);
  return body.filter((l) => !/^stress-ng: /.test(l)).join('\n');
}

export function parseStressNgYaml(log: string): StressNgResult {
  let doc: Json;
  try {
    doc = parse(extractDocument(log)) as Json;
  } catch (e) {
    if (e instanceof StressNgYamlError) throw e;
    throw new StressNgYamlError(`the stress-ng YAML in the log does not parse: ${(e as Error).message.split('\n')[0]}`);
  }
  const metrics = Array.isArray(doc?.metrics) ? (doc.metrics as Json[]) : [];
  if (metrics.length === 0) throw new StressNgYamlError('the stress-ng YAML has no metrics entries (no stressor completed)');
  const stressors: StressorMetrics[] = metrics.map((m) => {
    const out: StressorMetrics = {
      stressor: String(m.stressor ?? '?'),
      bogoOps: num(m['bogo-ops']) ?? 0,
      bogoOpsPerSecReal: num(m['bogo-ops-per-second-real-time']) ?? 0,
      bogoOpsPerSecUsrSys: num(m['bogo-ops-per-second-usr-sys-time']) ?? 0,
      wallClockTime: num(m['wall-clock-time']),
      userTime: num(m['user-time']),
      systemTime: num(m['system-time']),
      cpuPerInstance: num(m['cpu-usage-per-instance']),
      maxRssKB: num(m['max-rss']),
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as StressorMetrics;
  });
  const cpus = stressors.map((s) => s.cpuPerInstance).filter((x): x is number => x !== undefined);
  const rss = stressors.map((s) => s.maxRssKB).filter((x): x is number => x !== undefined);
  const sysInfo = (doc['system-info'] ?? {}) as Json;
  return {
    ...(sysInfo['stress-ng-version'] !== undefined ? { version: String(sysInfo['stress-ng-version']) } : {}),
    stressors,
    total: {
      bogoOps: sum(stressors.map((s) => s.bogoOps)),
      bogoOpsPerSecReal: sum(stressors.map((s) => s.bogoOpsPerSecReal)),
      bogoOpsPerSecUsrSys: sum(stressors.map((s) => s.bogoOpsPerSecUsrSys)),
      ...(cpus.length > 0 ? { cpuPerInstance: sum(cpus) / cpus.length } : {}),
      ...(rss.length > 0 ? { maxRssKB: Math.max(...rss) } : {}),
    },
  };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
