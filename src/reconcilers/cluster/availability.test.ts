import { describe, expect, it } from 'vitest';
import { assessAvailability, type AvailabilityFacts } from './availability.js';

const all = new Map([['cp', true], ['w1', true], ['w2', true]]);
const base: AvailabilityFacts = { apiReady: true, desiredNodes: ['cp', 'w1', 'w2'], nodeReady: all, cni: 'cilium', cniReady: true };

describe('cluster availability', () => {
  it.each([
    ['all good', {}, true, 'Available', '3/3', /3\/3 nodes Ready/],
    ['API down', { apiReady: false }, false, 'APIServerUnreachable', '3/3', /readyz/],
    ['API not asked this pass: says so, never "does not answer"', { apiReady: undefined, notCheckedBecause: 'the spec was refused' }, false, 'NotChecked', '3/3', /^Not checked: .*\(the spec was refused\)$/],
    ['Cilium not ready', { cniReady: false }, false, 'CNINotReady', '3/3', /Cilium/],
    ['no CNI managed: not required', { cni: 'none', cniReady: false }, true, 'Available', '3/3', /ready/],
    ['a worker not registered and one NotReady', { nodeReady: new Map([['cp', true], ['w2', false]]) }, false, 'NodesNotReady', '1/3', /not registered: w1; NotReady: w2/],
    ['an extra node does not count', { nodeReady: new Map([...all, ['old', false]]) }, true, 'Available', '3/3', /3\/3/],
  ])('%s', (_n, over, available, reason, readyNodes, msg) => {
    const a = assessAvailability({ ...base, ...(over as Partial<AvailabilityFacts>) });
    expect([a.available, a.reason, a.readyNodes]).toEqual([available, reason, readyNodes]);
    expect(a.message).toMatch(msg);
    expect(a.status).toBe(reason === 'NotChecked' ? 'Unknown' : available ? 'True' : 'False');
    if (reason === 'NotChecked') expect(a.message).not.toMatch(/does not answer/);
    expect(a.readyNodes).toMatch(/^[0-9]+\/[0-9]+$/); // the CRD's readyNodes pattern
  });
});
