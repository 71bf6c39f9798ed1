import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { formatIndexes, parseIndexes } from './job.js';
import { cond, makeSim, type Sim } from './testing/harness.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

function job(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
    spec: { template: { metadata: annotations ? { annotations } : {}, spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } }, ...spec },
  };
}

describe('Job controller', () => {
  it('completes after its container exits 0 (default 5 s) with Complete and succeeded=1', () => {
    sim = makeSim();
    sim.apply('jobs', job('once', {}));
    const took = sim.until(() => cond(sim!.get('jobs', 'default', 'once'), 'Complete') === 'True', 60_000, 250);
    expect(took).toBeGreaterThanOrEqual(5000);
    expect(took).toBeLessThan(10_000);
    const j = sim.get('jobs', 'default', 'once')!;
    expect(j.status).toMatchObject({ succeeded: 1, ready: 0 });
    expect(j.status.active).toBeUndefined();
    expect(j.status.completionTime).toBeDefined();
    expect(j.status.conditions.find((c: { type: string }) => c.type === 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    const [p] = sim.list('pods', 'default');
    expect(p.metadata.labels).toMatchObject({ 'job-name': 'once', 'batch.kubernetes.io/job-name': 'once' });
    expect(p.status.phase).toBe('Succeeded');
    expect(sim.events('Completed')[0].message).toBe('Job completed');
  });

  it('runs completions with bounded parallelism', () => {
    sim = makeSim({ nodeCpu: 8 });
    sim.apply('jobs', job('many', { completions: 5, parallelism: 2 }));
    let maxActive = 0;
    sim.until(() => {
      const j = sim!.get('jobs', 'default', 'many')!;
      const running = sim!.list('pods', 'default').filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
      maxActive = Math.max(maxActive, running);
      return cond(j, 'Complete') === 'True';
    }, 120_000, 250);
    expect(maxActive).toBe(2);
    expect(sim.get('jobs', 'default', 'many')!.status.succeeded).toBe(5);
    expect(sim.list('pods', 'default')).toHaveLength(5);
  });

  it('fails with BackoffLimitExceeded after backoffLimit+1 failed pods', () => {
    sim = makeSim();
    sim.apply('jobs', job('bad', { backoffLimit: 2 }, { 'sim.hostplane.dev/exit-code': '1', 'sim.hostplane.dev/run-seconds': '1' }));
    sim.until(() => cond(sim!.get('jobs', 'default', 'bad'), 'Failed') === 'True', 300_000, 1000);
    const j = sim.get('jobs', 'default', 'bad')!;
    expect(j.status.failed).toBe(3);
    expect(j.status.conditions.find((c: { type: string }) => c.type === 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(sim.events('BackoffLimitExceeded')).toHaveLength(1);
  });

  it('fails with DeadlineExceeded past activeDeadlineSeconds', () => {
    sim = makeSim();
    sim.apply('jobs', job('slow', { activeDeadlineSeconds: 3 }, { 'sim.hostplane.dev/run-seconds': '60' }));
    sim.until(() => cond(sim!.get('jobs', 'default', 'slow'), 'Failed') === 'True', 30_000, 250);
    expect(sim.get('jobs', 'default', 'slow')!.status.conditions.find((c: { type: string }) => c.type === 'Failed').reason).toBe('DeadlineExceeded');
  });

  it('runs an Indexed job: one pod per index with JOB_COMPLETION_INDEX, completedIndexes', () => {
    sim = makeSim({ nodeCpu: 8 });
    sim.apply('jobs', job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    sim.until(() => cond(sim!.get('jobs', 'default', 'idx'), 'Complete') === 'True', 60_000, 250);
    const pods = sim.list('pods', 'default');
    expect(pods.map((p) => p.metadata.annotations!['batch.kubernetes.io/job-completion-index']).sort()).toEqual(['0', '1', '2']);
    for (const p of pods) {
      const i = p.metadata.annotations!['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata.name).toMatch(new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      expect(p.spec.hostname).toBe(`idx-${i}`);
      expect(p.spec.containers[0].env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    }
    expect(sim.get('jobs', 'default', 'idx')!.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
  });

  it.each([[[0, 1, 2, 4, 6, 7], '0-2,4,6-7'], [[], ''], [[3], '3']])('formats completed indexes %j as %s', (list, text) => {
    expect(formatIndexes(list)).toBe(text);
    expect(parseIndexes(text)).toEqual(list);
  });

  it('deletes a finished job after ttlSecondsAfterFinished', () => {
    sim = makeSim();
    sim.apply('jobs', job('ttl', { ttlSecondsAfterFinished: 10 }));
    sim.until(() => cond(sim!.get('jobs', 'default', 'ttl'), 'Complete') === 'True', 60_000, 250);
    sim.until(() => !sim!.get('jobs', 'default', 'ttl'), 15_000, 250);
  });
});
