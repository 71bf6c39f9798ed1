import { describe, expect, it } from 'vitest';
import type { ObservedVm, VmProvider } from '../../ports/vm-provider.js';
import { VmObserver } from './observer.js';

/** A provider that counts list() calls; `known` answers for the names given. */
function fakeProvider(vms: ObservedVm[], known: Record<string, ObservedVm> = {}): VmProvider & { lists: number } {
  const p = {
    name: 'tart' as const,
    lists: 0,
    async list() {
      p.lists++;
      return vms;
    },
    known: (n: string) => known[n],
  };
  return p as unknown as VmProvider & { lists: number };
}

describe('VmObserver', () => {
  it('a VM the provider knows as well as a fresh list would (just started by it) is answered without a list, even right after a change', async () => {
    const running: ObservedVm = { name: 'booting', state: 'running', runId: 'tart run 42' };
    const p = fakeProvider([{ name: 'booting', state: 'stopped' }], { booting: running });
    const o = new VmObserver(p, 0);
    o.changed('booting');
    expect(await o.get('booting')).toEqual(running);
    expect(p.lists).toBe(0);
  });

  it('any other VM is answered by a list newer than its last change', async () => {
    const p = fakeProvider([{ name: 'other', state: 'stopped' }]);
    const o = new VmObserver(p, 60_000);
    expect((await o.get('other'))?.state).toBe('stopped');
    expect(await o.get('other')).toBeDefined();
    expect(p.lists).toBe(1);
    o.changed('other');
    await o.get('other');
    expect(p.lists).toBe(2);
  });
});
