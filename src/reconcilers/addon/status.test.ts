import { describe, expect, it } from 'vitest';
import type { HostObject } from '../../api/types.js';
import { computeAddonStatus, type AddonOutcome } from './status.js';

const obj = (status?: Record<string, unknown>): HostObject => ({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'Addon', metadata: { name: 'a', generation: 3 }, spec: {}, ...(status ? { status } : {}) }) as HostObject;
const now = new Date('2026-12-06T05:00:00Z');
const types = (s: { conditions?: Array<{ type: string }> }) => (s.conditions ?? []).map((c) => c.type);

describe('computeAddonStatus', () => {
  it('sets Reconciling while working and removes it after; moves observedGeneration only when told', () => {
    const working: AddonOutcome = { ready: { status: 'Unknown', reason: 'Progressing', message: 'Installing' }, reconciling: { reason: 'Progressing', message: 'Installing' }, phase: 'Installing', fields: { releaseName: 'a' }, observed: false };
    const s1 = computeAddonStatus(obj(), working, now);
    expect(types(s1)).toEqual(['Ready', 'Reconciling']);
    expect(s1.observedGeneration).toBeUndefined();
    const done: AddonOutcome = { ready: { status: 'True', reason: 'InstallSucceeded', message: 'ok' }, released: { status: 'True', reason: 'InstallSucceeded', message: 'ok' }, drifted: null, phase: 'Installed', fields: {}, observed: true };
    const s2 = computeAddonStatus(obj(s1), done, now);
    expect(types(s2)).toEqual(['Ready', 'Released']);
    expect([s2.observedGeneration, s2.phase, (s2 as { releaseName?: string }).releaseName]).toEqual([3, 'Installed', 'a']);
  });

  it('keeps conditions this reconcile did not touch, and Stalled only while stalled', () => {
    const stalled: AddonOutcome = { ready: { status: 'False', reason: 'RetriesExceeded', message: 'x' }, remediated: { status: 'True', reason: 'RollbackSucceeded', message: 'r' }, stalled: { reason: 'RetriesExceeded', message: 'x' }, phase: 'Failed', fields: {}, observed: true };
    const s1 = computeAddonStatus(obj(), stalled, now);
    expect(types(s1)).toEqual(['Ready', 'Remediated', 'Stalled']);
    const s2 = computeAddonStatus(obj(s1), { ready: { status: 'True', reason: 'UpgradeSucceeded', message: 'ok' }, phase: 'Installed', fields: {}, observed: true }, now);
    expect(types(s2)).toEqual(['Ready', 'Remediated']);
  });
});
