import { describe, expect, it } from 'vitest';
import { decideRun, newRunId, pruneRuns, recoverRun, runProgress, type RunRecord } from './run-history.js';

const run = (id: string, over: Partial<RunRecord> = {}): RunRecord => ({ id, generation: 1, trigger: 'GenerationChange', startTime: `2026-12-06T04:${id.padStart(2, '0')}:00Z`, outcome: 'Succeeded', ...over });

describe('when a run starts', () => {
  it.each([
    ['OnGenerationChange, first sight: run', { runPolicy: 'OnGenerationChange', generation: 1, runs: [] }, 'start:GenerationChange'],
    ['OnGenerationChange, generation already ran: no', { runPolicy: 'OnGenerationChange', generation: 1, runs: [run('1')] }, 'AlreadyRan'],
    ['OnGenerationChange, spec changed: run', { runPolicy: 'OnGenerationChange', generation: 2, runs: [run('1')] }, 'start:GenerationChange'],
    ['OnGenerationChange, only a manual run of this generation: still runs for the generation', { runPolicy: 'OnGenerationChange', generation: 2, runs: [run('1', { generation: 2, trigger: 'Manual' })] }, 'start:GenerationChange'],
    ['Manual without a request: no', { runPolicy: 'Manual', generation: 1, runs: [] }, 'NotRequested'],
    ['Manual with a new request: run', { runPolicy: 'Manual', generation: 1, runs: [], runRequest: 't1' }, 'start:Manual'],
    ['Manual with an already handled request: no', { runPolicy: 'Manual', generation: 1, runs: [run('1')], runRequest: 't1', lastHandledRunRequest: 't1' }, 'NotRequested'],
    ['a request while a run is in progress waits: one at a time', { runPolicy: 'Manual', generation: 1, runs: [run('1', { outcome: 'Running' })], runRequest: 't2' }, 'Running'],
    ['suspended never runs', { runPolicy: 'OnGenerationChange', generation: 1, runs: [], suspended: true }, 'Suspended'],
    ['due but preconditions missing: not yet', { runPolicy: 'Manual', generation: 1, runs: [], runRequest: 't1', ready: false }, 'NotReady'],
  ] as const)('%s', (_n, inp, want) => {
    const d = decideRun({ ready: true, ...(inp as object) } as never);
    expect(d.start ? `start:${d.trigger}` : d.reason).toBe(want);
  });

  it('a manual start records the request it handled', () => {
    expect(decideRun({ runPolicy: 'Manual', generation: 1, runs: [], runRequest: '2026-12-06T04:00:00Z', ready: true })).toMatchObject({ start: true, handledRequest: '2026-12-06T04:00:00Z' });
  });
});

describe('run ids and pruning', () => {
  it('ids sort by time and are DNS-safe', () => {
    const a = newRunId(new Date('2026-12-06T04:14:12Z'), 7);
    expect(a).toBe('20261206-041412-7');
    expect(a).toMatch(/^[a-z0-9-]+$/);
    expect(newRunId(new Date('2026-12-06T04:14:12Z'), 36)).toBe('20261206-041412-10');
  });

  it('keeps the newest keepRuns, prunes the oldest first, never the running run', () => {
    const runs = [run('1'), run('2'), run('3'), run('4'), run('5', { outcome: 'Running' })];
    const { keep, prune } = pruneRuns(runs, 2);
    expect(keep.map((r) => r.id)).toEqual(['5', '4']);
    expect(prune.map((r) => r.id)).toEqual(['1', '2', '3']);
    const old = pruneRuns([run('1', { outcome: 'Running' }), run('2'), run('3')], 1);
    expect(old.keep.map((r) => r.id)).toEqual(['3', '1']);
    expect(old.prune.map((r) => r.id)).toEqual(['2']);
  });
});

describe('a run found again after a restart', () => {
  const now = new Date('2026-12-06T05:00:00Z');
  const r = run('30', { outcome: 'Running', startTime: '2026-12-06T04:30:00Z' });
  it.each([
    ['finished Job: collect its results', { jobFound: true, jobFinished: true }, 3_600_000, 'collect'],
    ['Job gone: Error, never left Running', { jobFound: false, jobFinished: false }, 3_600_000, 'markError'],
    ['still running within the timeout: wait', { jobFound: true, jobFinished: false }, 3_600_000, 'keepWaiting'],
    ['still running past the timeout: Error', { jobFound: true, jobFinished: false }, 600_000, 'markError'],
  ])('%s', (_n, facts, timeout, want) => {
    expect(recoverRun(r, facts, now, timeout)).toBe(want);
  });

  it('progress is elapsed over planned, capped at 1', () => {
    expect(runProgress(r, now, 3_600_000)).toBeCloseTo(0.5, 6);
    expect(runProgress(r, now, 60_000)).toBe(1);
    expect(runProgress({ ...r, outcome: 'Failed' }, now, 3_600_000)).toBe(1);
  });
});
