import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION } from '../api/types.js';
import { MemoryPersistence, ObjectStore, ResourceVersionGoneError, StateDirPersistence, type SpecInput, type WatchEvent } from './store.js';
import { StateDir } from './state-dir.js';

const vm = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>): SpecInput => ({ apiVersion: API_VERSION, kind: 'VirtualMachine', metadata: { name, ...(labels ? { labels } : {}) }, spec });

describe('ObjectStore generations', () => {
  it.each([
    ['the same spec again', { cpu: 2, image: 'x' }, 1, 'unchanged'],
    ['the same spec with keys in another order', { image: 'x', cpu: 2 }, 1, 'unchanged'],
    ['a changed spec field', { cpu: 4, image: 'x' }, 2, 'updated'],
    ['a new spec field', { cpu: 2, image: 'x', memory: '2Gi' }, 2, 'updated'],
  ])('after %s the generation is %i', (_what, spec, generation, outcome) => {
    const store = new ObjectStore(new MemoryPersistence());
    store.applySpec(vm('a', { cpu: 2, image: 'x' }));
    expect(store.applySpec(vm('a', spec))).toBe(outcome);
    expect(store.get('VirtualMachine', 'a')!.metadata.generation).toBe(generation);
  });

  it('does not bump the generation when status or labels change', () => {
    const store = new ObjectStore(new MemoryPersistence());
    store.applySpec(vm('a', { cpu: 2 }));
    store.updateStatus('VirtualMachine', 'a', { phase: 'Running' });
    store.applySpec(vm('a', { cpu: 2 }, { team: 'x' }));
    const obj = store.get('VirtualMachine', 'a')!;
    expect(obj.metadata.generation).toBe(1);
    expect(obj.metadata.labels).toEqual({ team: 'x' });
    expect(obj.status?.phase).toBe('Running');
  });

  it('writes nothing and emits nothing for a status that did not change', () => {
    const p = new MemoryPersistence();
    const store = new ObjectStore(p);
    store.applySpec(vm('a', { cpu: 2 }));
    expect(store.updateStatus('VirtualMachine', 'a', { phase: 'Running', conditions: [] })).toBe(true);
    const saves = p.saves;
    const rv = store.resourceVersion;
    expect(store.updateStatus('VirtualMachine', 'a', { conditions: [], phase: 'Running' })).toBe(false);
    expect(p.saves).toBe(saves);
    expect(store.resourceVersion).toBe(rv);
  });
});

describe('ObjectStore persistence', () => {
  it('keeps uid, creationTimestamp, generation and status across a restart', () => {
    const root = mkdtempSync(join(tmpdir(), 'store-'));
    try {
      const dir = new StateDir(root);
      const a = new ObjectStore(new StateDirPersistence(dir));
      a.applySpec(vm('a', { cpu: 2 }));
      a.applySpec(vm('a', { cpu: 3 }));
      a.updateStatus('VirtualMachine', 'a', { phase: 'Running', observedGeneration: 2 });
      const before = a.get('VirtualMachine', 'a')!;
      const b = new ObjectStore(new StateDirPersistence(dir));
      expect(b.restore()).toBe(1);
      expect(b.applySpec(vm('a', { cpu: 3 }))).toBe('unchanged');
      const after = b.get('VirtualMachine', 'a')!;
      expect(after.metadata.uid).toBe(before.metadata.uid);
      expect(after.metadata.creationTimestamp).toBe(before.metadata.creationTimestamp);
      expect(after.metadata.generation).toBe(2);
      expect(after.status).toEqual({ phase: 'Running', observedGeneration: 2 });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a read-only view never writes to the state dir', () => {
    const root = mkdtempSync(join(tmpdir(), 'store-'));
    try {
      const dir = new StateDir(root);
      const ro = new ObjectStore(new StateDirPersistence(dir, true));
      ro.applySpec(vm('a', { cpu: 2 }));
      expect(dir.list('objects')).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('ObjectStore deletion', () => {
  it('keeps a deleting object until remove(), then recreates it if its spec came back meanwhile', () => {
    const store = new ObjectStore(new MemoryPersistence());
    store.applySpec(vm('a', { cpu: 2 }));
    const uid = store.get('VirtualMachine', 'a')!.metadata.uid;
    expect(store.markDeleting('VirtualMachine', 'a')).toBe(true);
    expect(store.get('VirtualMachine', 'a')!.metadata.deletionTimestamp).toBeDefined();
    store.applySpec(vm('a', { cpu: 4 }));
    expect(store.get('VirtualMachine', 'a')!.spec).toEqual({ cpu: 2 });
    store.remove('VirtualMachine', 'a');
    const again = store.get('VirtualMachine', 'a')!;
    expect(again.metadata.uid).not.toBe(uid);
    expect(again.spec).toEqual({ cpu: 4 });
    expect(again.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe('ObjectStore watch', () => {
  it('replays every change after a resourceVersion exactly once, then streams live', () => {
    const store = new ObjectStore(new MemoryPersistence(), { initialResourceVersion: 100 });
    store.applySpec(vm('a', { cpu: 1 }));
    const rv = store.resourceVersion;
    store.applySpec(vm('b', { cpu: 1 }));
    store.updateStatus('VirtualMachine', 'a', { phase: 'x' });
    const seen: WatchEvent[] = [];
    store.watch((e) => seen.push(e), { sinceResourceVersion: rv });
    store.markDeleting('VirtualMachine', 'b');
    store.remove('VirtualMachine', 'b');
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b', 'MODIFIED a', 'MODIFIED b', 'DELETED b']);
    expect(seen.map((e) => e.resourceVersion)).toEqual([rv + 1, rv + 2, rv + 3, rv + 4]);
  });

  it.each([
    ['older than the history kept', (rv: number) => rv - 5000],
    ['from the future (another process)', (rv: number) => rv + 10],
  ])('answers Gone for a resourceVersion %s', (_what, pick) => {
    const store = new ObjectStore(new MemoryPersistence(), { historySize: 2, initialResourceVersion: 10_000 });
    for (let i = 0; i < 2000; i++) store.applySpec(vm(`v${i}`, { cpu: 1 }));
    expect(() => store.watch(() => {}, { sinceResourceVersion: pick(store.resourceVersion) })).toThrow(ResourceVersionGoneError);
  });

  it('a throwing watcher does not stop the others', () => {
    const store = new ObjectStore(new MemoryPersistence());
    const seen: string[] = [];
    store.watch(() => {
      throw new Error('boom');
    });
    store.watch((e) => seen.push(e.object.metadata.name));
    store.applySpec(vm('a', {}));
    expect(seen).toEqual(['a']);
  });

  it('reports a throwing watcher instead of dropping its error', () => {
    const reported: string[] = [];
    const store = new ObjectStore(new MemoryPersistence(), { onWatcherError: (err, e) => reported.push(`${e.type} ${e.object.metadata.name}: ${(err as Error).message}`) });
    store.watch(() => {
      throw new Error('boom');
    });
    store.applySpec(vm('a', {}));
    expect(reported).toEqual(['ADDED a: boom']);
  });
});

describe('ObjectStore git revision', () => {
  const rev = (sha: string, dirty = false) => ({ lastAppliedRevision: `main@sha1:${sha.repeat(40)}`, dirty });

  it('keeps the revision through every status write a reconciler makes, a spec change and a restart; undefined removes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hp-store-rev-'));
    try {
      const state = new StateDir(dir);
      const store = new ObjectStore(new StateDirPersistence(state));
      store.applySpec(vm('a', { cpu: 2 }));
      expect(store.setRevision('VirtualMachine', 'a', rev('a'))).toBe(true);
      expect(store.setRevision('VirtualMachine', 'a', rev('a'))).toBe(false); // unchanged: no write, no event
      // A status computed by a kind knows nothing of the revision: it stays.
      store.updateStatus('VirtualMachine', 'a', { phase: 'Running', conditions: [] });
      expect(store.get('VirtualMachine', 'a')!.status).toEqual({ phase: 'Running', conditions: [], lastAppliedRevision: rev('a').lastAppliedRevision, dirty: false });
      // …nor can a status write set one of its own.
      store.updateStatus('VirtualMachine', 'a', { phase: 'Running', lastAppliedRevision: 'forged', dirty: true });
      expect(store.get('VirtualMachine', 'a')!.status).toMatchObject(rev('a'));
      store.setRevision('VirtualMachine', 'a', rev('b', true));
      store.applySpec(vm('a', { cpu: 4 }));
      expect(store.get('VirtualMachine', 'a')!.status).toMatchObject({ phase: 'Running', ...rev('b', true) });

      const again = new ObjectStore(new StateDirPersistence(state));
      again.restore();
      again.updateStatus('VirtualMachine', 'a', { phase: 'Stopped' });
      expect(again.get('VirtualMachine', 'a')!.status).toEqual({ phase: 'Stopped', ...rev('b', true) });
      expect(again.setRevision('VirtualMachine', 'a', undefined)).toBe(true);
      expect(again.get('VirtualMachine', 'a')!.status).toEqual({ phase: 'Stopped' });
      again.updateStatus('VirtualMachine', 'a', { phase: 'Running' });
      expect(again.get('VirtualMachine', 'a')!.status).toEqual({ phase: 'Running' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
