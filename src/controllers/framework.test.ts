import { describe, expect, it } from 'vitest';
import { concurrently, proceed, runChain, StepError, waitFor, type Step, type StepOutcome } from './framework.js';

/** A step that logs its start, waits for `release` (so a sequential chain would never start the next one), then ends with `end`. */
function gated(name: string, log: string[], release: Promise<void>, end: () => StepOutcome): Step<unknown> {
  return {
    name,
    async run() {
      log.push(`${name} started`);
      await release;
      log.push(`${name} ended`);
      return end();
    },
  };
}

describe('concurrently', () => {
  it.each([
    { case: 'both go on: the chain goes on with the lowest requeue', a: () => proceed(500), b: () => proceed(200), stoppedAt: undefined, requeueMs: 200 },
    { case: 'the second waits: the chain stops there, named after it', a: () => proceed(), b: () => waitFor(300, 'Joining', 'joining w1'), stoppedAt: { step: 'b', reason: 'Joining' }, requeueMs: 300 },
    {
      case: 'the first fails while the second waits: the failure, named after the first',
      a: () => {
        throw new StepError('InstallFailed', 'helm: boom');
      },
      b: () => waitFor(300, 'Joining', 'joining w1'),
      stoppedAt: { step: 'a', reason: 'InstallFailed' },
      requeueMs: undefined,
    },
  ])('$case', async ({ a, b, stoppedAt, requeueMs }) => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const both = concurrently('a-b', [gated('a', log, gate, a), gated('b', log, gate, b)]);
    const chain = runChain({}, [both]);
    await Promise.resolve();
    // both started before either may end: neither waits for the other
    expect(log).toEqual(['a started', 'b started']);
    release();
    const out = await chain;
    expect(out.completed).toBe(stoppedAt === undefined);
    if (stoppedAt) expect(out.stoppedAt).toMatchObject(stoppedAt);
    expect(out.requeueMs).toBe(requeueMs);
  });
});
