import { describe, expect, it } from 'vitest';
import type { HostObject } from '../../api/types.js';
import type { RunData } from './run-store.js';
import { loadTestStatus, type StatusInput } from './status.js';

const obj: HostObject = { apiVersion: 'hostplane.dev/v1alpha1', kind: 'LoadTest', metadata: { name: 'dev-light-load', generation: 1 }, spec: { type: 'http' } } as HostObject;
const run = (outcome: RunData['outcome']): RunData => ({ id: '20261206-080000-1', loadTest: 'dev-light-load', generation: 1, trigger: 'Manual', startTime: '2026-12-06T08:00:00Z', ...(outcome === 'Running' ? {} : { completionTime: '2026-12-06T08:00:20Z', reason: 'RunSucceeded', message: 'k6 exit 0: the run passed' }), outcome, type: 'http', namespace: 'loadtest', jobs: [], phase: outcome === 'Running' ? 'Load' : 'Done', plannedMs: 15_000, progress: outcome === 'Running' ? 0.5 : 1, samples: [] });
const ok = { ready: true, reason: 'Ready', message: 'Cluster and dependencies are Ready' } as const;
const waiting = { ready: false, reason: 'DependencyNotReady', message: 'Waiting for Addon dev-demo-apps to be Ready' } as const;

describe('LoadTest status: Ready and phase follow the run records', () => {
  it.each([
    ['a run in progress', [run('Running')], undefined, 'Running', 'True', /^Run 20261206-080000-1 is in progress/],
    ['the run ended: the observed preconditions, not "in progress"', [run('Succeeded')], ok, 'Succeeded', 'True', /^Cluster and dependencies are Ready$/],
    ['the run ended and a dependency went away', [run('Succeeded')], waiting, 'Waiting', 'False', /dev-demo-apps/],
    ['never ran', [], ok, 'Idle', 'True', /dependencies are Ready/],
  ] as const)('%s', (_n, runs, ready, phase, status, msg) => {
    const st = loadTestStatus({ obj, now: new Date('2026-12-06T08:01:00Z'), runs: [...runs], control: { runCount: runs.length }, ...(ready ? { ready } : {}) } as StatusInput);
    const r = (st.conditions as Array<{ type: string; status: string; message: string }>).find((c) => c.type === 'Ready')!;
    expect([st.phase, r.status]).toEqual([phase, status]);
    expect(r.message).toMatch(msg);
  });
});
