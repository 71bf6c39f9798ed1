import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { nextRun, parseCron } from './cronjob.js';
import { makeSim, type Sim } from './testing/harness.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

const T = (s: string) => Date.parse(s);

describe('cron schedules', () => {
  it.each([
    ['*/5 * * * *', '2026-01-01T00:02:00Z', '2026-01-01T00:05:00Z'],
    ['0 * * * *', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'],
    ['@daily', '2026-01-01T12:00:00Z', '2026-01-02T00:00:00Z'],
    ['30 2 * * 1-5', '2026-01-02T03:00:00Z', '2026-01-05T02:30:00Z'], // Fri 3:00 → Mon 2:30
    ['0 0 13 * 5', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'], // day-of-month OR day-of-week (Fri 2 Jan)
    ['15,45 9 * * *', '2026-01-01T09:20:00Z', '2026-01-01T09:45:00Z'],
  ])('%s after %s → %s', (expr, after, want) => {
    expect(new Date(nextRun(parseCron(expr), T(after))!).toISOString().replace('.000', '')).toBe(want);
  });

  it.each([['* * * *'], ['61 * * * *'], ['a * * * *']])('rejects %s', (expr) => {
    expect(() => parseCron(expr)).toThrow();
  });
});

describe('CronJob controller', () => {
  const cj = (policy: string, runSeconds: string): KubeObject => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default' },
    spec: {
      schedule: '* * * * *', concurrencyPolicy: policy,
      jobTemplate: { spec: { template: { metadata: { annotations: { 'sim.hostplane.dev/run-seconds': runSeconds } }, spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'busybox' }] } } } },
    },
  });

  it('creates a Job each minute named after the scheduled minute, keeps 3 successful jobs', () => {
    sim = makeSim();
    sim.apply('cronjobs', cj('Allow', '5'));
    sim.clock.advance(5 * 60_000 + 30_000);
    const jobs = sim.list('jobs', 'default');
    expect(jobs).toHaveLength(3);
    for (const j of jobs) expect(j.metadata.name).toMatch(/^tick-\d+$/);
    const c = sim.get('cronjobs', 'default', 'tick')!;
    expect(c.status.lastScheduleTime).toMatch(/:00Z$/);
    expect(c.status.lastSuccessfulTime).toBeDefined();
    expect(sim.events('SuccessfulCreate').filter((e) => e.involvedObject.kind === 'CronJob')).toHaveLength(5);
  });

  it('with Forbid, skips a run while the previous job still runs', () => {
    sim = makeSim();
    sim.apply('cronjobs', cj('Forbid', '90'));
    sim.clock.advance(3 * 60_000 + 30_000);
    // runs at minutes 1 and 3 (the one at 2 was skipped while the first ran 90 s)
    expect(sim.events('SuccessfulCreate').filter((e) => e.involvedObject.kind === 'CronJob')).toHaveLength(2);
    expect(sim.events('JobAlreadyActive').length).toBeGreaterThanOrEqual(1);
  });
});
