import { afterEach, describe, expect, it, vi } from 'vitest';
import { Periodic } from './periodic.js';

describe('Periodic', () => {
  afterEach(() => vi.useRealTimers());

  it('joins a tick that comes while a round runs instead of starting a second round', async () => {
    let rounds = 0;
    let release!: () => void;
    const p = new Periodic(() => {
      rounds++;
      return new Promise<void>((r) => (release = r));
    });
    const a = p.tick();
    const b = p.tick();
    expect(b).toBe(a);
    expect(rounds).toBe(1);
    release();
    await a;
    void p.tick();
    expect(rounds).toBe(2);
    release();
  });

  it('ticks at once on start, then every interval; start twice keeps one timer; stop ends it', async () => {
    vi.useFakeTimers();
    let rounds = 0;
    const p = new Periodic(async () => void rounds++, 1000);
    p.start();
    p.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(rounds).toBe(4); // t=0, 1000, 2000, 3000
    await p.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(rounds).toBe(4);
  });

  it('stop waits for the round in flight', async () => {
    let done = false;
    let release!: () => void;
    const p = new Periodic(() => new Promise<void>((r) => (release = r)).then(() => void (done = true)));
    p.start();
    const stopped = p.stop().then(() => done);
    release();
    expect(await stopped).toBe(true);
  });
});
