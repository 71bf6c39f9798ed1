// stress-ng argument arrays (issue 12 item 1; reference §5): cpu → --cpu N --cpu-load L, memory →
// --vm N --vm-bytes B, always --timeout and `--metrics-brief --yaml /dev/stdout`, so the metrics
// land in the pod log (the old template wrote them to a file nobody could read after the pod ended).
// Arrays, never a shell line: each value is its own argv element.
import { parseDuration } from './duration.js';
import type { LoadTestSpec } from './spec-types.js';

const VM_BYTES_RE = /^[0-9]+(\.[0-9]+)?([kKmMgGtT]|%)?$/;

export function stressNgArgs(spec: LoadTestSpec): string[] {
  const s = spec.stressNg;
  if (!s) throw new Error('spec.stressNg is required for cpu and memory tests');
  const ms = parseDuration(s.duration);
  if (ms === undefined) throw new Error(`spec.stressNg.duration: "${s.duration}" is not a duration`);
  // stress-ng takes whole seconds (or m/h/d/y suffixes); round sub-second parts up
  const timeout = `${Math.max(1, Math.ceil(ms / 1000))}s`;
  const workers = String(s.workers);
  let load: string[];
  if (spec.type === 'cpu') {
    load = ['--cpu', workers, '--cpu-load', String(s.cpuLoad)];
  } else if (spec.type === 'memory') {
    const bytes = String(s.vmBytes);
    if (!VM_BYTES_RE.test(bytes)) throw new Error(`spec.stressNg.vmBytes: "${bytes}" is not a size such as 64M, 1G or 75%`);
    load = ['--vm', workers, '--vm-bytes', bytes];
  } else {
    throw new Error(`stress-ng runs cpu and memory tests, not ${spec.type}`);
  }
  return [...load, '--timeout', timeout, '--metrics-brief', '--yaml', '/dev/stdout'];
}
