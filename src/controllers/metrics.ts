// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format 0.0.4. Families and series are sorted so a scrape diffs cleanly.

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds, for host work: sub-second API calls up to ten-minute VM and cluster operations. */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export type Labels = Record<string, string>;

type MetricType = 'counter' | 'gauge' | 'histogram';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Metric<Series> {
  protected readonly series = new Map<string, { labels: string[]; value: Series }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: MetricType,
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(l)}`);
    }
  }

  protected abstract zero(): Series;

  protected child(labels: Labels): Series {
    const values = this.labelNames.map((n) => {
      const v = labels[n];
      if (v === undefined) throw new Error(`${this.name}: missing label ${n}`);
      return String(v);
    });
    if (Object.keys(labels).length !== this.labelNames.length) {
      throw new Error(`${this.name}: labels must be exactly ${this.labelNames.join(', ') || '(none)'}`);
    }
    const id = JSON.stringify(values);
    let s = this.series.get(id);
    if (!s) this.series.set(id, (s = { labels: values, value: this.zero() }));
    return s.value;
  }

  /** Sample lines for this family, series sorted by label values. */
  abstract samples(): string[];

  protected sortedSeries(): { labels: string[]; value: Series }[] {
    // A metric without labels has exactly one series, shown (at zero) before anything happens.
    if (this.labelNames.length === 0) this.child({});
    return [...this.series.values()].sort((a, b) => compareLists(a.labels, b.labels));
  }

  protected labelPairs(values: string[]): [string, string][] {
    return this.labelNames.map((n, i) => [n, values[i]]);
  }

  reset(): void {
    this.series.clear();
  }
}

export class Counter extends Metric<{ v: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'counter');
  }

  protected zero(): { v: number } {
    return { v: 0 };
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`${this.name}: a counter only goes up`);
    this.child(labels).v += by;
  }

  get(labels: Labels = {}): number {
    return this.child(labels).v;
  }

  samples(): string[] {
    return this.sortedSeries().map((s) => sample(this.name, this.labelPairs(s.labels), s.value.v));
  }
}

export class Gauge extends Metric<{ v: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge');
  }

  protected zero(): { v: number } {
    return { v: 0 };
  }

  set(labels: Labels, value: number): void {
    this.child(labels).v = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.child(labels).v += by;
  }

  dec(labels: Labels = {}, by = 1): void {
    this.child(labels).v -= by;
  }

  get(labels: Labels = {}): number {
    return this.child(labels).v;
  }

  samples(): string[] {
    return this.sortedSeries().map((s) => sample(this.name, this.labelPairs(s.labels), s.value.v));
  }
}

interface HistogramSeries {
  counts: number[]; // per bucket, not cumulative
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramSeries> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DURATION_BUCKETS) {
    if (labelNames.includes('le')) throw new Error(`${name}: "le" is reserved in histograms`);
    const sorted = [...buckets].filter((b) => b !== Infinity).sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => i > 0 && b === sorted[i - 1])) {
      throw new Error(`${name}: buckets must be distinct and non-empty`);
    }
    super(name, help, labelNames, 'histogram');
    this.buckets = sorted;
  }

  protected zero(): HistogramSeries {
    return { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels, value: number): void {
    const s = this.child(labels);
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of one series (for tests and status). */
  get(labels: Labels = {}): { count: number; sum: number } {
    const s = this.child(labels);
    return { count: s.count, sum: s.sum };
  }

  samples(): string[] {
    const lines: string[] = [];
    for (const s of this.sortedSeries()) {
      const pairs = this.labelPairs(s.labels);
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.value.counts[i];
        lines.push(sample(`${this.name}_bucket`, [...pairs, ['le', formatValue(b)]], cumulative));
      });
      lines.push(sample(`${this.name}_bucket`, [...pairs, ['le', '+Inf']], s.value.count));
      lines.push(sample(`${this.name}_sum`, pairs, s.value.sum));
      lines.push(sample(`${this.name}_count`, pairs, s.value.count));
    }
    return lines;
  }
}

type AnyMetric = Counter | Gauge | Histogram;

export class Registry {
  private readonly metrics = new Map<string, AnyMetric>();
  private readonly collectors: (() => void)[] = [];

  /** Get-or-create, so several controllers can share one family. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, 'counter', labelNames, () => new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, 'gauge', labelNames, () => new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.register(name, 'histogram', labelNames, () => new Histogram(name, help, labelNames, buckets));
  }

  /** Run `fn` before every render, to refresh gauges that are cheaper to read than to track. */
  onCollect(fn: () => void): () => void {
    this.collectors.push(fn);
    return () => {
      const i = this.collectors.indexOf(fn);
      if (i >= 0) this.collectors.splice(i, 1);
    };
  }

  get(name: string): AnyMetric | undefined {
    return this.metrics.get(name);
  }

  /** The text exposition format 0.0.4; families without samples are left out. */
  render(): string {
    for (const fn of this.collectors) fn();
    const out: string[] = [];
    for (const name of [...this.metrics.keys()].sort()) {
      const m = this.metrics.get(name)!;
      const lines = m.samples();
      if (lines.length === 0) continue;
      out.push(`# HELP ${name} ${escapeHelp(m.help)}`, `# TYPE ${name} ${m.type}`, ...lines);
    }
    return out.length === 0 ? '' : out.join('\n') + '\n';
  }

  private register<M extends AnyMetric>(name: string, type: MetricType, labelNames: readonly string[], make: () => M): M {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type || existing.labelNames.join(',') !== labelNames.join(',')) {
        throw new Error(`metric ${name} is already registered as a ${existing.type} with labels [${existing.labelNames.join(', ')}]`);
      }
      return existing as M;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }
}

/** How providers time their commands: one histogram and one failure counter for all of them. */
export interface ProviderCommandMetrics {
  observe(provider: string, command: string, seconds: number, failed: boolean): void;
  /** Run `fn`, recording its duration, and a failure when it throws. */
  time<T>(provider: string, command: string, fn: () => Promise<T>, now?: () => number): Promise<T>;
}

export function providerCommandMetrics(registry: Registry): ProviderCommandMetrics {
  const duration = registry.histogram(
    'hostplane_provider_command_duration_seconds',
    'Duration of provider commands (tart, qemu, ssh, helm, kube) in seconds.',
    ['provider', 'command'],
  );
  const failures = registry.counter(
    'hostplane_provider_command_failures_total',
    'Provider commands that failed.',
    ['provider', 'command'],
  );
  const observe = (provider: string, command: string, seconds: number, failed: boolean): void => {
    duration.observe({ provider, command }, seconds);
    if (failed) failures.inc({ provider, command });
  };
  return {
    observe,
    async time(provider, command, fn, now = () => performance.now()) {
      const start = now();
      try {
        const result = await fn();
        observe(provider, command, (now() - start) / 1000, false);
        return result;
      } catch (err) {
        observe(provider, command, (now() - start) / 1000, true);
        throw err;
      }
    },
  };
}

function sample(name: string, labels: [string, string][], value: number): string {
  const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return `${name}${body ? `{${body}}` : ''} ${formatValue(value)}`;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function compareLists(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}
