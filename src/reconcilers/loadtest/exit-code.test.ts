import { describe, expect, it } from 'vitest';
import { classifyExit, type ExitInfo } from './exit-code.js';

describe('exit code classification', () => {
  it.each([
    ['k6 0 passes', { tool: 'k6', testType: 'http', exitCode: 0 }, 'Succeeded', 'RunSucceeded', /passed/],
    ['k6 99 is thresholds crossed, a failed run (not an error)', { tool: 'k6', testType: 'http', exitCode: 99 }, 'Failed', 'ThresholdsCrossed', /thresholds crossed/],
    ['k6 107 is a script exception', { tool: 'k6', testType: 'http', exitCode: 107 }, 'Error', 'RunError', /does it compile/],
    ['k6 105 is a cancellation', { tool: 'k6', testType: 'scaling', exitCode: 105 }, 'Cancelled', 'Cancelled', /signal/],
    ['k6 100 is a timeout', { tool: 'k6', testType: 'http', exitCode: 100 }, 'Error', 'Timeout', /setup/],
    ['k6 with an unknown code is an error', { tool: 'k6', testType: 'http', exitCode: 1 }, 'Error', 'RunError', /exit 1/],
    ['k6 OOM-killed is an error with advice', { tool: 'k6', testType: 'http', exitCode: 137, terminationReason: 'OOMKilled' }, 'Error', 'RunError', /lower the VUs/],
    ['stress-ng 0', { tool: 'stress-ng', testType: 'cpu', exitCode: 0 }, 'Succeeded', 'RunSucceeded', /completed/],
    ['stress-ng 2 is a failed stressor', { tool: 'stress-ng', testType: 'cpu', exitCode: 2 }, 'Failed', 'StressFailed', /stressors failed/],
    ['stress-ng 3 on a memory test: the limit held', { tool: 'stress-ng', testType: 'memory', exitCode: 3 }, 'Succeeded', 'LimitReached', /memory limit held/],
    ['stress-ng 7 on a memory test: the limit held', { tool: 'stress-ng', testType: 'memory', exitCode: 7 }, 'Succeeded', 'LimitReached', /untrustworthy/],
    ['OOM kill of the container on a memory test: no metrics, an error naming OOMKilled', { tool: 'stress-ng', testType: 'memory', exitCode: 137, terminationReason: 'OOMKilled' }, 'Error', 'RunError', /OOMKilled \(exit 137\).*limits\.memory/],
    ['stress-ng 3 on a cpu test is an error', { tool: 'stress-ng', testType: 'cpu', exitCode: 3 }, 'Error', 'RunError', /could not get resources/],
    ['stress-ng 1 is bad options', { tool: 'stress-ng', testType: 'memory', exitCode: 1 }, 'Error', 'RunError', /bad options/],
  ] as const)('%s', (_n, info, outcome, reason, msg) => {
    const c = classifyExit(info as ExitInfo);
    expect([c.outcome, c.reason]).toEqual([outcome, reason]);
    expect(c.message).toMatch(msg);
  });
});
