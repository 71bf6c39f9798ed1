import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry, formatValue, providerCommandMetrics } from './metrics.js';

describe('Registry text exposition format 0.0.4', () => {
  it('renders the golden text', () => {
    const r = new Registry();
    const c = r.counter('hostplane_test_total', 'A counter.\nSecond line with \\ backslash.', ['kind', 'result']);
    c.inc({ kind: 'VirtualMachine', result: 'success' });
    c.inc({ kind: 'VirtualMachine', result: 'success' }, 2);
    c.inc({ kind: 'Addon', result: 'error' });
    r.gauge('hostplane_depth', 'Depth.');
    const h = r.histogram('hostplane_latency_seconds', 'Latency.', ['kind'], [1, 0.1, 10]);
    h.observe({ kind: 'Cluster' }, 0.05);
    h.observe({ kind: 'Cluster' }, 0.5);
    h.observe({ kind: 'Cluster' }, 100);
    h.observe({ kind: 'Addon' }, 1);
    r.gauge('hostplane_label_escaping', 'Escaping.', ['path']).set({ path: 'a"b\\c\nd' }, 1.5);
    r.counter('hostplane_unused_total', 'Has no series yet.', ['kind']);

    expect(r.render()).toBe(
      [
        '# HELP hostplane_depth Depth.',
        '# TYPE hostplane_depth gauge',
        'hostplane_depth 0',
        '# HELP hostplane_label_escaping Escaping.',
        '# TYPE hostplane_label_escaping gauge',
        'hostplane_label_escaping{path="a\\"b\\\\c\\nd"} 1.5',
        '# HELP hostplane_latency_seconds Latency.',
        '# TYPE hostplane_latency_seconds histogram',
        'hostplane_latency_seconds_bucket{kind="Addon",le="0.1"} 0',
        'hostplane_latency_seconds_bucket{kind="Addon",le="1"} 1',
        'hostplane_latency_seconds_bucket{kind="Addon",le="10"} 1',
        'hostplane_latency_seconds_bucket{kind="Addon",le="+Inf"} 1',
        'hostplane_latency_seconds_sum{kind="Addon"} 1',
        'hostplane_latency_seconds_count{kind="Addon"} 1',
        'hostplane_latency_seconds_bucket{kind="Cluster",le="0.1"} 1',
        'hostplane_latency_seconds_bucket{kind="Cluster",le="1"} 2',
        'hostplane_latency_seconds_bucket{kind="Cluster",le="10"} 2',
        'hostplane_latency_seconds_bucket{kind="Cluster",le="+Inf"} 3',
        'hostplane_latency_seconds_sum{kind="Cluster"} 100.55',
        'hostplane_latency_seconds_count{kind="Cluster"} 3',
        '# HELP hostplane_test_total A counter.\\nSecond line with \\\\ backslash.',
        '# TYPE hostplane_test_total counter',
        'hostplane_test_total{kind="Addon",result="error"} 1',
        'hostplane_test_total{kind="VirtualMachine",result="success"} 3',
        '',
      ].join('\n'),
    );
  });

  it('an empty registry renders nothing', () => {
    expect(new Registry().render()).toBe('');
  });

  const values: [number, string][] = [
    [0, '0'],
    [42, '42'],
    [0.25, '0.25'],
    [-3, '-3'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
    [1e21, '1e+21'],
  ];
  for (const [v, want] of values) {
    it(`formats ${v} as ${want}`, () => expect(formatValue(v)).toBe(want));
  }

  it('gauges go up, down and to a value', () => {
    const r = new Registry();
    const g = r.gauge('g', 'G.', ['k']);
    g.set({ k: 'a' }, 5);
    g.inc({ k: 'a' });
    g.dec({ k: 'a' }, 3);
    expect(g.get({ k: 'a' })).toBe(3);
  });

  it('onCollect runs before each render and can be removed', () => {
    const r = new Registry();
    const g = r.gauge('g', 'G.');
    let n = 0;
    const off = r.onCollect(() => g.set({}, ++n));
    expect(r.render()).toContain('g 1\n');
    expect(r.render()).toContain('g 2\n');
    off();
    expect(r.render()).toContain('g 2\n');
  });
});

describe('Registry: misuse is refused', () => {
  const cases: [string, () => unknown][] = [
    ['a metric name with a dash', () => new Registry().counter('bad-name', 'x')],
    ['a label name with a dash', () => new Registry().counter('ok', 'x', ['bad-label'])],
    ['a reserved __ label', () => new Registry().counter('ok', 'x', ['__name'])],
    ['le as a histogram label', () => new Registry().histogram('h', 'x', ['le'])],
    ['duplicate buckets', () => new Registry().histogram('h', 'x', [], [1, 1])],
    ['a counter going down', () => new Registry().counter('c', 'x').inc({}, -1)],
    ['a missing label', () => new Registry().counter('c', 'x', ['a', 'b']).inc({ a: '1' })],
    ['an unknown label', () => new Registry().counter('c', 'x', ['a']).inc({ a: '1', b: '2' })],
    [
      'the same name as another type',
      () => {
        const r = new Registry();
        r.counter('m', 'x');
        r.gauge('m', 'x');
      },
    ],
    [
      'the same name with other labels',
      () => {
        const r = new Registry();
        r.counter('m', 'x', ['a']);
        r.counter('m', 'x', ['b']);
      },
    ],
  ];
  for (const [name, fn] of cases) it(name, () => expect(fn).toThrow());

  it('registering the same family twice returns the same metric', () => {
    const r = new Registry();
    expect(r.counter('m', 'x', ['a'])).toBe(r.counter('m', 'x', ['a']));
  });
});

describe('providerCommandMetrics', () => {
  it('times commands and counts failures by provider and command', async () => {
    const r = new Registry();
    const p = providerCommandMetrics(r);
    let t = 0;
    const now = () => t;
    await p.time('tart', 'clone', async () => {
      t += 2500;
      return 'ok';
    }, now);
    await expect(
      p.time('tart', 'clone', async () => {
        t += 500;
        throw new Error('exit 1');
      }, now),
    ).rejects.toThrow('exit 1');
    p.observe('helm', 'upgrade', 12, true);
    const duration = r.get('hostplane_provider_command_duration_seconds') as Histogram;
    const failures = r.get('hostplane_provider_command_failures_total') as Counter;
    expect(duration.get({ provider: 'tart', command: 'clone' })).toEqual({ count: 2, sum: 3 });
    expect(failures.get({ provider: 'tart', command: 'clone' })).toBe(1);
    expect(failures.get({ provider: 'helm', command: 'upgrade' })).toBe(1);
    expect(r.render()).toContain('hostplane_provider_command_failures_total{provider="tart",command="clone"} 1');
  });
});
