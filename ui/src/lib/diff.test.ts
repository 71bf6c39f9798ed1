import { describe, expect, it } from 'vitest';
import { collapse, desiredVsObserved, diffLines, diffSummary, normaliseField, projectSpec, type DiffLine, type DiffRow } from './diff';

const spec = { image: 'ghcr.io/cirruslabs/ubuntu:latest', cpu: 2, memory: '4Gi', diskSize: '30Gi', powerState: 'Running', restartPolicy: 'Always' };

/** Rows as text, the way the panel shows them. */
function render(rows: DiffRow[]): string[] {
  return rows.map((r) => (r.op === 'gap' ? `⋯ ${r.lines.length} unchanged lines` : `${r.op === 'del' ? '-' : r.op === 'add' ? '+' : ' '} ${r.text}`));
}

describe('desired vs observed', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ['a converged VM is in sync', spec, { powerState: 'Running', cpu: 2, memory: '4Gi', diskSize: '30Gi' }, []],
    ['quantities in other units are equal (4096Mi is 4Gi)', { ...spec, memory: '4096Mi' }, { powerState: 'Running', cpu: 2, memory: '4Gi', diskSize: '30Gi' }, []],
    ['memory that is not a whole GiB', { ...spec, memory: '1.5Gi' }, { memory: '1536Mi' }, []],
    ['disk rounds up to whole GiB, as the reconciler sizes it (30G is 28Gi)', { ...spec, diskSize: '30G' }, { diskSize: '28Gi' }, []],
    ['cpu differs', { ...spec, cpu: 4 }, { powerState: 'Running', cpu: 2, memory: '4Gi', diskSize: '30Gi' }, ['cpu']],
    ['power state and memory differ', spec, { powerState: 'Stopped', cpu: 2, memory: '2Gi' }, ['powerState', 'memory']],
    ['a field the spec lacks differs', { cpu: 2 }, { cpu: 2, powerState: 'Starting' }, ['powerState']],
  ])('%s', (_what, s, observed, differing) => {
    const d = desiredVsObserved(s, observed);
    expect(d.differing).toEqual(differing);
    expect(d.rows.some((r) => r.op === 'del' || r.op === 'add')).toBe(differing.length > 0);
  });

  it('projects the spec onto the observed fields only, in their order', () => {
    expect(projectSpec(spec, { memory: '4Gi', cpu: 2 })).toEqual({ memory: '4Gi', cpu: 2 });
    expect(Object.keys(projectSpec(spec, { memory: '4Gi', cpu: 2 }))).toEqual(['memory', 'cpu']);
  });

  it('shows a changed field as a - desired line and a + observed line', () => {
    const d = desiredVsObserved({ ...spec, cpu: 4 }, { powerState: 'Running', cpu: 2, memory: '4Gi', diskSize: '30Gi' });
    expect(render(d.rows)).toEqual(['  powerState: Running', '- cpu: 4', '+ cpu: 2', '  memory: 4Gi', '  diskSize: 30Gi']);
  });

  it.each([
    ['memory', '4096Mi', '4Gi'],
    ['memory', '512Mi', '512Mi'],
    ['diskSize', '30Gi', '30Gi'],
    ['diskSize', '20480Mi', '20Gi'],
    ['cpu', '2', 2],
    ['memory', 'lots', 'lots'],
    ['image', '4Gi', '4Gi'],
  ])('normalises %s %j to %j', (field, v, want) => expect(normaliseField(field, v)).toEqual(want));

  it.each([
    [[], 'in sync'],
    [['cpu'], '1 field differs'],
    [['cpu', 'memory'], '2 fields differ'],
  ])('summarises %j as "%s"', (differing, text) => expect(diffSummary(differing)).toBe(text));
});

describe('line diff', () => {
  it('keeps common lines and marks the rest', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd'])).toEqual<DiffLine[]>([
      { op: 'same', text: 'a' },
      { op: 'del', text: 'b' },
      { op: 'add', text: 'x' },
      { op: 'same', text: 'c' },
      { op: 'add', text: 'd' },
    ]);
  });

  it('handles empty sides', () => {
    expect(diffLines([], ['a'])).toEqual([{ op: 'add', text: 'a' }]);
    expect(diffLines(['a'], [])).toEqual([{ op: 'del', text: 'a' }]);
  });

  const lines = (spec: string): DiffLine[] => [...spec].map((c, i) => ({ op: c === '-' ? 'del' : c === '+' ? 'add' : 'same', text: `l${i}` }));

  it.each([
    ['folds a long unchanged run between changes, keeping context around each', '-..........+', 2, ['-', ' ', ' ', '⋯ 6', ' ', ' ', '+']],
    ['folds leading and trailing runs', '.......+.......', 2, ['⋯ 5', ' ', ' ', '+', ' ', ' ', '⋯ 5']],
    ['never folds a single line into a marker', '...+...', 2, [' ', ' ', ' ', '+', ' ', ' ', ' ']],
    ['folds nothing when nothing changed', '..........', 2, [' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ']],
    ['context 0 folds everything unchanged', '..+..', 0, ['⋯ 2', '+', '⋯ 2']],
  ])('%s', (_what, shape, context, want) => {
    const rows = collapse(lines(shape), context);
    expect(rows.map((r) => (r.op === 'gap' ? `⋯ ${r.lines.length}` : r.op === 'del' ? '-' : r.op === 'add' ? '+' : ' '))).toEqual(want);
    // Nothing is lost: the gaps hold exactly the lines they hide.
    expect(rows.flatMap((r) => (r.op === 'gap' ? r.lines : [r]))).toEqual(lines(shape));
  });
});
