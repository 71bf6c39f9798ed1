import { mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostObject } from '../api/types.js';
import { loadSchemaRegistry } from '../api/schema.js';
import { painter } from './format.js';
import { inside, printedColumns, renderObject, RowTracker, watchGet, withHeldObjects, type Rendered, type ShownObject } from './watch.js';
import { makeLab, vmDoc, type Lab } from '../../test/fixtures/lab.js';
import { waitFor } from '../../test/fixtures/wait-for.js';

const vmInfo = loadSchemaRegistry().resolveKind('vm')!;
const plain = painter(false);

function vm(name: string, phase: string, extra: Partial<HostObject['metadata']> = {}): HostObject {
  return {
    apiVersion: 'hostplane.dev/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { name, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z', generation: 1, resourceVersion: '1', ...extra },
    spec: { cpu: 2, memory: '2Gi' },
    status: { phase, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False', reason: 'R', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  } as HostObject;
}

const row = (name: string, key: string): Rendered => ({ name, key });

describe('RowTracker', () => {
  it('returns every object the first time, then only those whose rendering changed', () => {
    const t = new RowTracker();
    expect(t.update([row('a', '1'), row('b', '1')]).map((c) => c.item.name)).toEqual(['a', 'b']);
    expect(t.update([row('a', '1'), row('b', '1')])).toEqual([]);
    expect(t.update([row('a', '1'), row('b', '2')])).toEqual([{ item: row('b', '2'), deleted: false }]);
    expect(t.update([row('a', '1'), row('b', '2')])).toEqual([]);
  });

  it('reports an object that is gone once, with its last printed rendering, and a returning one as new', () => {
    const t = new RowTracker();
    t.update([row('a', '1'), row('b', '1')]);
    expect(t.update([row('a', '1')])).toEqual([{ item: row('b', '1'), deleted: true }]);
    expect(t.update([row('a', '1')])).toEqual([]);
    expect(t.update([row('a', '1'), row('b', '1')])).toEqual([{ item: row('b', '1'), deleted: false }]);
  });

  it('keeps the rendering it printed, not a later one with the same key', () => {
    const t = new RowTracker();
    t.update([{ name: 'a', key: 'k', doc: 'first' }]);
    t.update([{ name: 'a', key: 'k', doc: 'second' }]);
    expect(t.update([])).toEqual([{ item: { name: 'a', key: 'k', doc: 'first' }, deleted: true }]);
  });
});

describe('renderObject', () => {
  const cols = printedColumns(vmInfo, 'table');

  it('renders the get columns, and a row whose age alone moved has the same key', () => {
    const o = vm('a', 'Running');
    const early = renderObject(o, 'table', cols, plain, Date.parse('2026-01-01T00:00:10Z'));
    const late = renderObject(o, 'table', cols, plain, Date.parse('2026-01-01T05:00:00Z'));
    expect(early.cells).toEqual(['a', 'True', 'Running', '<none>', '2', '2Gi', '10s']);
    expect(late.cells!.at(-1)).toBe('5h');
    expect(late.key).toBe(early.key);
    expect(renderObject(vm('a', 'Stopped'), 'table', cols, plain).key).not.toBe(early.key);
  });

  it('shows more columns with -o wide', () => {
    expect(printedColumns(vmInfo, 'wide').length).toBeGreaterThan(cols.length);
  });

  it('json and yaml: the document, keyed without the fields every read makes afresh', () => {
    const a = renderObject(vm('a', 'Running'), 'json', [], plain);
    const b = renderObject(vm('a', 'Running', { resourceVersion: '99', uid: 'other', creationTimestamp: '2026-02-02T00:00:00Z' }), 'json', [], plain);
    expect(JSON.parse(a.doc!).metadata.name).toBe('a');
    expect(b.key).toBe(a.key);
    expect(renderObject(vm('a', 'Stopped'), 'json', [], plain).key).not.toBe(a.key);
    expect(renderObject(vm('a', 'Running'), 'yaml', [], plain).doc).toMatch(/^apiVersion: hostplane.dev\/v1alpha1\n/);
  });
});

describe('withHeldObjects', () => {
  const shown = (...xs: [HostObject, string?][]) => new Map<string, ShownObject>(xs.map(([obj, file]) => [obj.metadata.name, { obj, ...(file ? { file } : {}) }]));
  const syntax = { file: 'dev.yaml', line: 3, col: 1, field: '', message: 'YAML syntax error' };

  it('keeps the objects of a file that stopped parsing as last shown, and drops those whose file is gone', () => {
    const last = shown([vm('a', 'Running'), 'dev.yaml'], [vm('b', 'Running'), 'other.yaml']);
    expect(withHeldObjects(new Map(), last, [syntax], 'VirtualMachine')).toEqual(shown([vm('a', 'Running'), 'dev.yaml']));
  });

  it('while the file has errors, an object the state dir has shows its status there with the last spec read', () => {
    const lastA = vm('a', 'Provisioning');
    const last = shown([{ ...lastA, spec: { cpu: 4, memory: '2Gi' }, metadata: { ...lastA.metadata, generation: 2 } }, 'dev.yaml']);
    const got = withHeldObjects(shown([vm('a', 'Running')]), last, [syntax], 'VirtualMachine').get('a')!;
    expect(got.file).toBe('dev.yaml');
    expect(got.obj.status?.phase).toBe('Running');
    expect(got.obj.spec).toEqual({ cpu: 4, memory: '2Gi' });
    expect(got.obj.metadata.generation).toBe(2);
  });

  it('an error in one document holds only that object; a file that parses again shows what it defines', () => {
    const invalid = { file: 'dev.yaml', line: 9, col: 8, field: 'spec.cpu', message: 'must be integer', object: 'VirtualMachine/b' };
    const last = shown([vm('a', 'Running'), 'dev.yaml'], [vm('b', 'Running'), 'dev.yaml']);
    expect([...withHeldObjects(new Map(), last, [invalid], 'VirtualMachine').keys()]).toEqual(['b']);
    const fresh = shown([vm('a', 'Stopped'), 'dev.yaml']);
    expect(withHeldObjects(fresh, last, [], 'VirtualMachine')).toEqual(fresh);
  });
});

describe('inside', () => {
  it('gives the path under a root with forward slashes, and undefined outside it', () => {
    expect(inside('/s', '/s')).toBe('');
    expect(inside('/s', '/s/objects/VirtualMachine/a.json')).toBe('objects/VirtualMachine/a.json');
    expect(inside('/s', '/specs/a.yaml')).toBeUndefined();
    expect(inside('/s/x', '/s')).toBeUndefined();
    expect(inside('/s', '/s/..foo')).toBe('..foo');
  });
});

describe('watchGet', () => {
  let lab: Lab | undefined;
  let abort: AbortController | undefined;
  let done: Promise<number> | undefined;
  afterEach(async () => {
    abort?.abort();
    await done;
    lab?.cleanup();
    lab = abort = done = undefined;
  });

  it('without up: a spec file with a syntax error deletes nothing; its errors are told on stderr as they come and go; a removed file still prints deleted rows', async () => {
    const dev = [vmDoc('dev-master'), vmDoc('dev-worker')].join('---\n');
    lab = makeLab({ 'dev.yaml': dev, 'solo.yaml': vmDoc('solo') });
    mkdirSync(lab.stateDir.root); // as any hostplane command leaves it; no object records: `up` never ran
    const out: string[] = [];
    const err: string[] = [];
    abort = new AbortController();
    done = watchGet({ specs: lab.specsDir, state: lab.stateDir.root, registry: loadSchemaRegistry(), info: vmInfo, output: 'table', watchOnly: false, paint: plain, out: (x) => out.push(x), err: (x) => err.push(x), abort: abort.signal, debounceMs: 20 });
    await waitFor(() => out.some((l) => l.startsWith('solo ')), 10_000, 'the initial table');
    expect(out.map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'dev-master', 'dev-worker', 'solo']);
    expect(err).toEqual([]);

    lab.write('dev.yaml', dev.replace('  name: dev-worker', '  name: [dev-worker')); // a typo: an unclosed flow sequence
    await waitFor(() => err.length > 0 || out.some((l) => l.includes('(deleted)')), 10_000, 'the typo noticed');
    expect(out.filter((l) => l.includes('(deleted)'))).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^spec error: dev\.yaml:\d+:\d+ \S/);

    lab.write('dev.yaml', dev); // undone
    await waitFor(() => err.length > 1, 10_000, 'the error gone');
    expect(err[1]).toBe(err[0].replace(/^spec error: /, 'spec error fixed: '));
    lab.remove('solo.yaml'); // really removed
    await waitFor(() => out.some((l) => l.startsWith('solo (deleted) ')), 10_000, 'a deleted row for solo');
    expect(out.map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'dev-master', 'dev-worker', 'solo', 'solo']); // no row for the objects of dev.yaml: nothing visible changed
    expect(err).toHaveLength(2);
    abort.abort();
    expect(await done).toBe(0);
  });

  it('shows a spec edit made just as the table is printed, while the state dir does not exist yet', async () => {
    const l = (lab = makeLab({ 'a.yaml': vmDoc('a') }));
    const out: string[] = [];
    abort = new AbortController();
    done = watchGet({
      specs: l.specsDir,
      state: l.stateDir.root,
      registry: loadSchemaRegistry(),
      info: vmInfo,
      output: 'table',
      watchOnly: false,
      paint: plain,
      out: (x) => {
        out.push(x);
        if (out.length === 2) l.write('a.yaml', vmDoc('a', { cpu: 4 }));
      },
      err: () => {},
      abort: abort.signal,
    });
    await waitFor(() => out.some((r) => /^a\s+Unknown\s+<none>\s+<none>\s+4\s/.test(r)), 10_000, 'the edit shown');
  });
});
