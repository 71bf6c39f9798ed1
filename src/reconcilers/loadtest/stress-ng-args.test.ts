import { describe, expect, it } from 'vitest';
import { withLoadTestDefaults } from './spec-types.js';
import { stressNgArgs } from './stress-ng-args.js';

describe('stress-ng arguments', () => {
  it.each([
    ['CPU Stress Light', { type: 'cpu', stressNg: { workers: 1, duration: '30s' } }, ['--cpu', '1', '--cpu-load', '100', '--timeout', '30s', '--metrics-brief', '--yaml', '/dev/stdout']],
    ['CPU at 80% for 1m30s', { type: 'cpu', stressNg: { workers: 2, duration: '1m30s', cpuLoad: 80 } }, ['--cpu', '2', '--cpu-load', '80', '--timeout', '90s', '--metrics-brief', '--yaml', '/dev/stdout']],
    ['Memory Stress 128M', { type: 'memory', stressNg: { workers: 2, duration: '60s', vmBytes: '128M' } }, ['--vm', '2', '--vm-bytes', '128M', '--timeout', '60s', '--metrics-brief', '--yaml', '/dev/stdout']],
    ['memory as a percentage', { type: 'memory', stressNg: { vmBytes: '75%' } }, ['--vm', '1', '--vm-bytes', '75%', '--timeout', '30s', '--metrics-brief', '--yaml', '/dev/stdout']],
    ['memory as plain bytes', { type: 'memory', stressNg: { vmBytes: 67108864 } }, ['--vm', '1', '--vm-bytes', '67108864', '--timeout', '30s', '--metrics-brief', '--yaml', '/dev/stdout']],
    ['a sub-second duration rounds up', { type: 'cpu', stressNg: { duration: '1500ms' } }, ['--cpu', '1', '--cpu-load', '100', '--timeout', '2s', '--metrics-brief', '--yaml', '/dev/stdout']],
  ] as const)('%s', (_n, over, want) => {
    expect(stressNgArgs(withLoadTestDefaults({ cluster: 'dev', ...(over as object) } as never))).toEqual(want);
  });

  it.each([
    [{ type: 'memory', stressNg: { vmBytes: '64M; rm -rf /' } }, /vmBytes/],
    [{ type: 'cpu', stressNg: { duration: 'forever' } }, /not a duration/],
    [{ type: 'http' }, /required/],
  ])('refuses %o', (over, msg) => {
    expect(() => stressNgArgs(withLoadTestDefaults({ cluster: 'dev', ...(over as object) } as never))).toThrow(msg);
  });
});
