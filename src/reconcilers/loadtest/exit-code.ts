// A load container's exit → the run's outcome and Succeeded reason (issue 12 item 2; reference
// §4.4 and §5). k6: 0 passed, 99 thresholds crossed, other codes are errors (a few named). stress-ng:
// 0 ok, 2 a stressor failed; for memory tests 3, 5 and 7 mean the memory limit did its job — a
// result, not a broken run; an OOM kill of the container (exit 137) left no metrics: an error.

export type RunOutcome = 'Succeeded' | 'Failed' | 'Error' | 'Cancelled';
/** Succeeded condition reasons (crds/loadtest.yaml). */
export type SucceededReason = 'RunSucceeded' | 'ThresholdsCrossed' | 'StressFailed' | 'RunError' | 'Timeout' | 'Cancelled' | 'LimitReached';

export interface ExitInfo {
  tool: 'k6' | 'stress-ng';
  testType: 'http' | 'scaling' | 'cpu' | 'memory';
  exitCode: number;
  /** containerStatuses[].state.terminated.reason, e.g. OOMKilled, Error, Completed. */
  terminationReason?: string;
}

export interface ExitClassification {
  outcome: RunOutcome;
  reason: SucceededReason;
  message: string;
}

const K6_CODES: Record<number, [RunOutcome, SucceededReason, string]> = {
  99: ['Failed', 'ThresholdsCrossed', 'k6 exit 99: thresholds crossed'],
  100: ['Error', 'Timeout', 'k6 exit 100: setup() timed out'],
  101: ['Error', 'Timeout', 'k6 exit 101: teardown() timed out'],
  102: ['Error', 'Timeout', 'k6 exit 102: generic timeout'],
  103: ['Cancelled', 'Cancelled', 'k6 exit 103: stopped through its REST API'],
  104: ['Error', 'RunError', 'k6 exit 104: invalid configuration'],
  105: ['Cancelled', 'Cancelled', 'k6 exit 105: aborted by a signal (SIGINT/SIGTERM)'],
  107: ['Error', 'RunError', 'k6 exit 107: the script threw an exception (does it compile?)'],
  108: ['Failed', 'RunError', 'k6 exit 108: the script called test.abort()'],
  109: ['Error', 'RunError', 'k6 exit 109: k6 crashed (Go panic)'],
  110: ['Failed', 'RunError', 'k6 exit 110: the script marked the test failed (exec.test.fail())'],
};

const STRESS_CODES: Record<number, string> = {
  1: 'stress-ng exit 1: bad options or a fatal harness error',
  2: 'stress-ng exit 2: one or more stressors failed',
  3: 'stress-ng exit 3: a stressor could not get resources (ENOMEM, ENOSPC, missing syscall)',
  4: 'stress-ng exit 4: a stressor is not implemented on this system',
  5: 'stress-ng exit 5: a stressor was killed by an unexpected signal',
  6: 'stress-ng exit 6: a stressor exited unexpectedly, no metrics',
  7: 'stress-ng exit 7: bogo-ops metrics untrustworthy (a stressor was killed mid-update)',
};

export function classifyExit(e: ExitInfo): ExitClassification {
  const oom = e.terminationReason === 'OOMKilled';
  if (e.tool === 'k6') {
    if (e.exitCode === 0) return { outcome: 'Succeeded', reason: 'RunSucceeded', message: 'k6 exit 0: the run passed' };
    if (oom) return { outcome: 'Error', reason: 'RunError', message: `k6 was OOM-killed (exit ${e.exitCode}); raise the k6 memory limit or lower the VUs` };
    const known = K6_CODES[e.exitCode];
    if (known) return { outcome: known[0], reason: known[1], message: known[2] };
    return { outcome: 'Error', reason: 'RunError', message: `k6 exit ${e.exitCode}${e.terminationReason ? ` (${e.terminationReason})` : ''}: the run could not complete` };
  }
  if (e.exitCode === 0 && !oom) return { outcome: 'Succeeded', reason: 'RunSucceeded', message: 'stress-ng exit 0: all stressors completed' };
  // The kernel killing the whole container (OOMKilled) leaves no metrics: the run measured nothing,
  // so it is an error naming the limit. stress-ng reporting 3/5/7 itself survived the limit: a result.
  if (oom) return { outcome: 'Error', reason: 'RunError', message: `stress-ng was OOMKilled (exit ${e.exitCode}): the stressors need more memory than the container's limit; lower spec.stressNg.vmBytes or raise resources.limits.memory` };
  if (e.testType === 'memory' && (e.exitCode === 3 || e.exitCode === 5 || e.exitCode === 7)) {
    return { outcome: 'Succeeded', reason: 'LimitReached', message: `${STRESS_CODES[e.exitCode]!}: the memory limit held, which is what a memory stress test probes` };
  }
  if (e.exitCode === 2) return { outcome: 'Failed', reason: 'StressFailed', message: STRESS_CODES[2]! };
  return { outcome: 'Error', reason: 'RunError', message: STRESS_CODES[e.exitCode] ?? `stress-ng exit ${e.exitCode}${e.terminationReason ? ` (${e.terminationReason})` : ''}` };
}
