import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { COMBINED_PREFIX, EventRecorder, MAX_DROP_OBJECTS, redact, type EventRecorderOptions, type HostEvent } from './events.js';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

function setup(options: EventRecorderOptions = {}) {
  const clock = new FakeClock(T0);
  const recorder = new EventRecorder({ clock, ...options });
  const warn = (message: string, object = 'VirtualMachine/a', reason = 'ProvisionFailed') =>
    recorder.record({ object, type: 'Warning', reason, message });
  return { clock, recorder, warn };
}

describe('EventRecorder: identical events', () => {
  it('bump count and lastTimestamp, keep firstTimestamp, and take a new id', () => {
    const { clock, recorder, warn } = setup();
    const first = warn('ssh: connection refused')!;
    clock.advance(30_000);
    const second = warn('ssh: connection refused')!;
    expect(first).toMatchObject({ id: 1, count: 1, firstTimestamp: iso(T0), lastTimestamp: iso(T0) });
    expect(second).toEqual({
      id: 2,
      object: 'VirtualMachine/a',
      type: 'Warning',
      reason: 'ProvisionFailed',
      message: 'ssh: connection refused',
      count: 2,
      firstTimestamp: iso(T0),
      lastTimestamp: iso(T0 + 30_000),
    });
    expect(recorder.list()).toEqual([second]);
  });

  it('an updated event moves to the end, so "since id" watchers see it', () => {
    const { recorder, warn } = setup();
    warn('one');
    warn('two', 'VirtualMachine/b');
    const updated = warn('one')!;
    expect(recorder.list().map((e) => [e.id, e.message])).toEqual([
      [2, 'two'],
      [3, 'one'],
    ]);
    expect(recorder.list({ sinceId: 2 })).toEqual([updated]);
  });

  const different: [string, Partial<{ object: string; type: 'Normal' | 'Warning'; reason: string; message: string }>][] = [
    ['another object', { object: 'VirtualMachine/b' }],
    ['another type', { type: 'Normal' }],
    ['another reason', { reason: 'Started' }],
    ['another message', { message: 'other' }],
  ];
  for (const [name, change] of different) {
    it(`${name} is a separate event`, () => {
      const { recorder } = setup();
      const base = { object: 'VirtualMachine/a', type: 'Warning' as const, reason: 'ProvisionFailed', message: 'm' };
      recorder.record(base);
      recorder.record({ ...base, ...change });
      expect(recorder.list()).toHaveLength(2);
      expect(recorder.list().every((e) => e.count === 1)).toBe(true);
    });
  }
});

describe('EventRecorder: similar events are combined', () => {
  it('the 10th distinct message within 600 s starts a combined event that follows the latest message', () => {
    const { clock, recorder, warn } = setup();
    for (let i = 1; i <= 9; i++) {
      warn(`step ${i} failed`);
      clock.advance(10_000);
    }
    expect(recorder.list()).toHaveLength(9);
    const combined = warn('step 10 failed')!;
    expect(combined).toMatchObject({ message: `${COMBINED_PREFIX}step 10 failed`, count: 1 });
    clock.advance(10_000);
    const again = warn('step 11 failed')!;
    expect(again).toMatchObject({ message: `${COMBINED_PREFIX}step 11 failed`, count: 2, firstTimestamp: combined.firstTimestamp });
    expect(recorder.list()).toHaveLength(10);
  });

  it('similar messages spread over more than 600 s apart are not combined', () => {
    const { clock, recorder, warn } = setup();
    for (let i = 1; i <= 15; i++) {
      warn(`step ${i} failed`);
      clock.advance(600_001);
    }
    expect(recorder.list()).toHaveLength(15);
    expect(recorder.list().some((e) => e.message.startsWith(COMBINED_PREFIX))).toBe(false);
  });

  it('the window is measured from the last similar event, so a steady trickle keeps combining', () => {
    const { clock, recorder, warn } = setup();
    for (let i = 1; i <= 12; i++) {
      warn(`attempt ${i}`);
      clock.advance(500_000); // 12 × 500 s is well past 600 s in total
    }
    const combined = recorder.list().filter((e) => e.message.startsWith(COMBINED_PREFIX));
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatchObject({ count: 3, message: `${COMBINED_PREFIX}attempt 12` });
  });

  it('other objects or reasons are not counted as similar', () => {
    const { recorder, warn } = setup();
    for (let i = 1; i <= 5; i++) warn(`m${i}`, 'VirtualMachine/a');
    for (let i = 6; i <= 10; i++) warn(`m${i}`, 'VirtualMachine/b');
    for (let i = 1; i <= 5; i++) warn(`m${i}`, 'VirtualMachine/a', 'OtherReason');
    expect(recorder.list().some((e) => e.message.startsWith(COMBINED_PREFIX))).toBe(false);
  });
});

describe('EventRecorder: spam filter', () => {
  it('allows a burst of 25 per object, drops and counts the rest, refills one per 5 min', () => {
    const { clock, recorder, warn } = setup();
    const results = Array.from({ length: 30 }, () => warn('same'));
    expect(results.filter(Boolean)).toHaveLength(25);
    expect(recorder.list()[0].count).toBe(25);
    expect(recorder.dropped('VirtualMachine/a')).toBe(5);
    // Another object has its own bucket.
    expect(warn('same', 'VirtualMachine/b')).toBeDefined();
    clock.advance(299_999);
    expect(warn('same')).toBeUndefined();
    clock.advance(1);
    expect(warn('same')?.count).toBe(26);
    expect(warn('same')).toBeUndefined();
    expect(recorder.dropped('VirtualMachine/a')).toBe(7);
    expect(recorder.dropped()).toBe(7);
  });

  it('counts drops per object only up to a bound, the rest in the total', () => {
    const { recorder, warn } = setup({ spamBurst: 0 });
    for (let i = 0; i < MAX_DROP_OBJECTS + 50; i++) warn('x', `VirtualMachine/vm-${i}`);
    expect(recorder.dropped('VirtualMachine/vm-0')).toBe(1);
    expect(recorder.dropped(`VirtualMachine/vm-${MAX_DROP_OBJECTS + 10}`)).toBe(0);
    expect(recorder.dropped()).toBe(MAX_DROP_OBJECTS + 50);
    expect((recorder as unknown as { drops: Map<string, number> }).drops.size).toBe(MAX_DROP_OBJECTS);
  });

  it('takes configured numbers', () => {
    const { clock, warn } = setup({ spamBurst: 2, spamRefillMs: 1000 });
    expect([warn('a'), warn('b'), warn('c')].map(Boolean)).toEqual([true, true, false]);
    clock.advance(1000);
    expect(Boolean(warn('d'))).toBe(true);
  });
});

describe('EventRecorder: ring', () => {
  it('keeps at most maxEvents, evicting the oldest', () => {
    const { recorder } = setup({ maxEvents: 3 });
    for (let i = 1; i <= 5; i++) recorder.record({ object: `VirtualMachine/vm${i}`, type: 'Normal', reason: 'Created', message: 'created' });
    expect(recorder.list().map((e) => [e.id, e.object])).toEqual([
      [3, 'VirtualMachine/vm3'],
      [4, 'VirtualMachine/vm4'],
      [5, 'VirtualMachine/vm5'],
    ]);
    // An evicted event that happens again starts over at count 1.
    expect(recorder.record({ object: 'VirtualMachine/vm1', type: 'Normal', reason: 'Created', message: 'created' })?.count).toBe(1);
  });

  it('defaults to 1000 events', () => {
    const { recorder } = setup({ spamBurst: Infinity });
    for (let i = 0; i < 1200; i++) recorder.record({ object: `VirtualMachine/vm${i}`, type: 'Normal', reason: 'Created', message: 'x' });
    const list = recorder.list();
    expect(list).toHaveLength(1000);
    expect(list[0].id).toBe(201);
    expect(list[999].id).toBe(1200);
  });

  it('filters by object', () => {
    const { recorder, warn } = setup();
    warn('x', 'Cluster/dev');
    warn('y', 'VirtualMachine/a');
    warn('z', 'Cluster/dev');
    expect(recorder.list({ object: 'Cluster/dev' }).map((e) => e.message)).toEqual(['x', 'z']);
  });

  it('list returns copies, so callers cannot change the log', () => {
    const { recorder, warn } = setup();
    warn('x');
    recorder.list()[0].message = 'changed';
    expect(recorder.list()[0].message).toBe('x');
  });
});

describe('redaction', () => {
  const cases: [string, string, string[], string][] = [
    ['one secret', 'login with hunter2 failed', ['hunter2'], 'login with [REDACTED] failed'],
    ['every occurrence', 'a=tok tok', ['tok'], 'a=[REDACTED] [REDACTED]'],
    ['several secrets', 'user:pw token:abc123', ['pw', 'abc123'], 'user:[REDACTED] token:[REDACTED]'],
    ['a secret inside another: the longer goes first', 'key=secret-long', ['secret', 'secret-long'], 'key=[REDACTED]'],
    ['an empty secret is ignored', 'nothing here', [''], 'nothing here'],
    ['regex characters are literal', 'p@ss.*(1)', ['.*(1)'], 'p@ss[REDACTED]'],
  ];
  for (const [name, text, secrets, want] of cases) {
    it(`redact: ${name}`, () => expect(redact(text, secrets)).toBe(want));
  }

  it('the recorder never stores a known secret', () => {
    const { recorder, warn } = setup({ secrets: ['s3cr3t'] });
    recorder.addSecret('k8s-token-xyz');
    warn('sshpass -p s3cr3t failed');
    warn('kubectl --token k8s-token-xyz: forbidden');
    const text = JSON.stringify(recorder.list());
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('k8s-token-xyz');
    expect(recorder.list().map((e) => e.message)).toEqual(['sshpass -p [REDACTED] failed', 'kubectl --token [REDACTED]: forbidden']);
  });
});

describe('EventRecorder: subscribe', () => {
  it('sees new and updated events until unsubscribed; a throwing watcher does not break others', () => {
    const { recorder, warn } = setup();
    const seen: HostEvent[] = [];
    recorder.subscribe(() => {
      throw new Error('broken watcher');
    });
    const off = recorder.subscribe((e) => seen.push(e));
    warn('x');
    warn('x');
    off();
    warn('y');
    expect(seen.map((e) => [e.id, e.count])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});

describe('EventRecorder: persistence', () => {
  function memoryStore(initial: HostEvent[] = []) {
    const saves: HostEvent[][] = [];
    return { saves, store: { load: () => initial, save: (events: HostEvent[]) => void saves.push(events) } };
  }

  it('saves at most once per second, with everything recorded meanwhile', () => {
    const { saves, store } = memoryStore();
    const { clock, warn } = setup({ persistence: store });
    warn('a');
    clock.advance(400);
    warn('b');
    warn('b');
    clock.advance(599);
    expect(saves).toHaveLength(0);
    clock.advance(1);
    expect(saves).toHaveLength(1);
    expect(saves[0].map((e) => [e.message, e.count])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    clock.advance(10_000);
    expect(saves).toHaveLength(1); // nothing new, no save
  });

  it('flush saves at once and cancels the pending save', () => {
    const { saves, store } = memoryStore();
    const { clock, recorder, warn } = setup({ persistence: store });
    warn('a');
    recorder.flush();
    expect(saves).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    recorder.flush();
    expect(saves).toHaveLength(1);
  });

  it('restores saved events and continues their ids', () => {
    const saved: HostEvent[] = [
      { id: 8, object: 'Cluster/dev', type: 'Warning', reason: 'JoinFailed', message: 'join failed', count: 3, firstTimestamp: iso(T0 - 10_000), lastTimestamp: iso(T0 - 5000) },
      { id: 5, object: 'Cluster/dev', type: 'Normal', reason: 'Initialized', message: 'kubeadm init done', count: 1, firstTimestamp: iso(T0 - 20_000), lastTimestamp: iso(T0 - 20_000) },
    ];
    const { store } = memoryStore(saved);
    const { recorder } = setup({ persistence: store });
    expect(recorder.list().map((e) => e.id)).toEqual([5, 8]);
    const again = recorder.record({ object: 'Cluster/dev', type: 'Warning', reason: 'JoinFailed', message: 'join failed' })!;
    expect(again).toMatchObject({ id: 9, count: 4, firstTimestamp: iso(T0 - 10_000), lastTimestamp: iso(T0) });
    expect(recorder.list().map((e) => e.id)).toEqual([5, 9]);
  });

  it('a failing debounced save is reported and retried by flush', () => {
    let fail = true;
    const saved: HostEvent[][] = [];
    const errors: unknown[] = [];
    const { clock, recorder, warn } = setup({
      persistence: {
        load: () => [],
        save: (events) => {
          if (fail) throw new Error('disk full');
          saved.push(events);
        },
      },
      onSaveError: (err) => errors.push(err),
    });
    warn('a');
    clock.advance(1000);
    expect(errors).toHaveLength(1);
    fail = false;
    recorder.flush();
    expect(saved).toHaveLength(1);
  });
});
