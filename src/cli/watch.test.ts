import { describe, expect, it } from 'vitest';
import type { HostObject } from '../api/types.js';
import { loadSchemaRegistry } from '../api/schema.js';
import { painter } from './format.js';
import { inside, printedColumns, renderObject, RowTracker, type Rendered } from './watch.js';

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

describe('inside', () => {
  it('gives the path under a root with forward slashes, and undefined outside it', () => {
    expect(inside('/s', '/s')).toBe('');
    expect(inside('/s', '/s/objects/VirtualMachine/a.json')).toBe('objects/VirtualMachine/a.json');
    expect(inside('/s', '/specs/a.yaml')).toBeUndefined();
    expect(inside('/s/x', '/s')).toBeUndefined();
    expect(inside('/s', '/s/..foo')).toBe('..foo');
  });
});
