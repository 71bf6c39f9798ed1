import { describe, expect, it } from 'vitest';
import { VmViews } from './vm-views.js';

describe('VmViews', () => {
  it('keeps an address for the run it was read in, by the same live tart run', () => {
    const v = new VmViews();
    const view = v.started('a', 100);
    view.address = { ip: '127.1.1.1', run: view.run, pid: 42 };
    expect(v.knownAddress('a', 42, true)).toBe('127.1.1.1');
    expect(v.knownAddress('a', 42, false)).toBeUndefined(); // its tart run is gone
    expect(v.knownAddress('a', 43, true)).toBeUndefined(); // another tart run holds it now
    v.setState('a', 'running', 200);
    expect(v.knownAddress('a', 42, true)).toBe('127.1.1.1'); // same state: same run
    v.setState('a', 'stopped', 300);
    v.setState('a', 'running', 400);
    expect(v.knownAddress('a', 42, true)).toBeUndefined(); // restarted: read again
  });

  it('a list begun before our own start or stop does not undo it', () => {
    const v = new VmViews();
    v.started('a', 100);
    v.setState('a', 'stopped', 50);
    expect(v.get('a').state).toBe('running');
    v.keepOnly(new Set(), 50); // that list did not show it yet: still known
    expect(v.has('a')).toBe(true);
    v.keepOnly(new Set(), 150);
    expect(v.has('a')).toBe(false);
  });

  it.each([
    ['never read', undefined, 'running', true],
    ['read while stopped, now running', 'stopped', 'running', true],
    ['read in the same state', 'running', 'running', false],
  ] as const)('sizes are read when %s', (_what, readIn, now, needed) => {
    const v = new VmViews();
    if (readIn) v.get('a').sizes = { cpu: 2, state: readIn };
    expect(v.needsSizes('a', now)).toBe(needed);
  });

  it.each([
    ['set by us, config untouched since', { configMtimeMs: 5 }, 5, false],
    ['set by us, config written since (a tart set by hand)', { configMtimeMs: 5 }, 6, true],
    ['set by us, config time unknown', { configMtimeMs: undefined }, undefined, true],
    ['read by tart get', undefined, 5, true],
  ] as const)('after our own start, sizes are read again when %s (issue 14 item 17)', (_what, setByUs, mtimeAtStart, needed) => {
    const v = new VmViews();
    v.setState('a', 'stopped', 100).sizes = { cpu: 2, memoryMiB: 2048, state: 'stopped', ...(setByUs ? { setByUs } : {}) };
    v.started('a', 200, mtimeAtStart);
    expect(v.needsSizes('a', 'running')).toBe(needed);
  });
});
