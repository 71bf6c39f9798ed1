import { describe, expect, it } from 'vitest';
import { isReadyAtCurrentGeneration, setCondition } from './conditions.js';
import { ConditionSet, proceed, runChain, StepError, TerminalError, waitFor, type Step } from '../controllers/framework.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('setCondition', () => {
  it.each([
    ['status unchanged, reason changed', 'True', 'Other', t0.toISOString()],
    ['status flipped', 'False', 'Failed', t1.toISOString()],
  ] as const)('%s → lastTransitionTime %s', (_what, status, reason, expected) => {
    const first = setCondition([], { type: 'Ready', status: 'True', reason: 'Ready', message: '' }, 1, t0);
    const next = setCondition(first, { type: 'Ready', status, reason, message: 'm' }, 2, t1);
    expect(next).toHaveLength(1);
    expect(next[0].lastTransitionTime).toBe(expected);
    expect(next[0].observedGeneration).toBe(2);
    expect(next[0].reason).toBe(reason);
  });

  it('keeps one condition per type', () => {
    let list = setCondition([], { type: 'A', status: 'True', reason: 'R', message: '' }, 1, t0);
    list = setCondition(list, { type: 'B', status: 'True', reason: 'R', message: '' }, 1, t0);
    list = setCondition(list, { type: 'A', status: 'False', reason: 'R', message: '' }, 1, t0);
    expect(list.map((c) => `${c.type}=${c.status}`).sort()).toEqual(['A=False', 'B=True']);
  });
});

describe('isReadyAtCurrentGeneration', () => {
  it.each([
    ['Ready for the current generation', 3, 'True', 3, true],
    ['Ready for an older generation (stale)', 3, 'True', 2, false],
    ['not Ready', 3, 'False', 3, false],
  ] as const)('%s → %s', (_w, gen, status, condGen, want) => {
    const obj = { metadata: { generation: gen }, status: { conditions: setCondition([], { type: 'Ready', status, reason: 'R', message: '' }, condGen, t0) } };
    expect(isReadyAtCurrentGeneration(obj)).toBe(want);
  });
});

describe('ConditionSet', () => {
  it('sets abnormal-true conditions only while true', () => {
    const c = new ConditionSet([], 1, t0).setOrRemove(true, { type: 'Stalled', reason: 'X', message: '' });
    expect(c.get('Stalled')?.status).toBe('True');
    c.setOrRemove(false, { type: 'Stalled', reason: 'X', message: '' });
    expect(c.get('Stalled')).toBeUndefined();
  });
});

describe('runChain', () => {
  const step = (name: string, fn: () => Promise<ReturnType<typeof proceed>> | ReturnType<typeof proceed>, log: string[]): Step<unknown> => ({
    name,
    async run() {
      log.push(name);
      return fn();
    },
  });

  it.each([
    ['all continue', [proceed(), proceed(5000), proceed(1000)], { completed: true, requeueMs: 1000, ran: 'a,b,c' }],
    ['a wait stops the chain', [proceed(), waitFor(2000, 'WaitingForIP', 'no ip'), proceed()], { completed: false, requeueMs: 2000, ran: 'a,b', reason: 'WaitingForIP' }],
  ])('%s', async (_what, outcomes, want) => {
    const log: string[] = [];
    const steps = ['a', 'b', 'c'].map((n, i) => step(n, () => outcomes[i], log));
    const out = await runChain(null, steps);
    expect(out.completed).toBe(want.completed);
    expect(out.requeueMs).toBe(want.requeueMs);
    expect(log.join(',')).toBe(want.ran);
    if ('reason' in want) expect(out.stoppedAt?.reason).toBe(want.reason);
  });

  it.each([
    ['a step error', new StepError('StartFailed', 'boom'), 'StartFailed', false],
    ['a terminal error', new TerminalError('NameConflict', 'taken'), 'NameConflict', true],
    ['an unexpected error', new Error('oops'), 'ReconcileError', false],
  ])('stops at %s and names its reason', async (_what, err, reason, terminal) => {
    const log: string[] = [];
    const out = await runChain(null, [step('a', () => proceed(), log), step('b', () => Promise.reject(err), log), step('c', () => proceed(), log)]);
    expect(log).toEqual(['a', 'b']);
    expect(out.completed).toBe(false);
    expect(out.error).toBe(err);
    expect(out.stoppedAt).toMatchObject({ step: 'b', reason, terminal });
  });
});
