import { describe, expect, it } from 'vitest';
import { decideRelease, recordAttempt, splitChart, type DesiredRelease, type HelmHistoryEntry, type ReleaseFacts, type ReleaseRecord } from './release-state.js';
import { withAddonDefaults, type AddonSpec } from './spec-types.js';

const ID = 'platform-kube-prometheus-stack';
const D1 = 'sha256:d1';
const D2 = 'sha256:d2';
const h = (revision: number, status: string, chart = 'kube-prometheus-stack-66.3.1'): HelmHistoryEntry => ({ revision, updated: '2026-12-06T04:00:00Z', status, chart, app_version: 'v0.78.2', description: '' });
const desired = (spec: Partial<AddonSpec> = {}, over: Partial<DesiredRelease> = {}): DesiredRelease => ({
  identity: ID,
  chartName: 'kube-prometheus-stack',
  chartVersion: '66.3.1',
  configDigest: D1,
  target: 'platform/monitoring/platform-kube-prometheus-stack',
  spec: withAddonDefaults({ cluster: 'platform', helm: { chart: 'kube-prometheus-stack' }, ...(spec as object) } as never),
  ...over,
});
const deployed = (over: Partial<ReleaseFacts> = {}): ReleaseFacts => ({ history: [h(1, 'superseded'), h(2, 'deployed')], ownerLabel: ID, deployedConfigDigest: D1, ...over });
const attempted = (action: 'install' | 'upgrade', failures: number, over: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  lastAttemptedReleaseAction: action,
  lastAttemptedRevision: '66.3.1',
  lastAttemptedConfigDigest: D1,
  lastAttemptedTarget: 'platform/monitoring/platform-kube-prometheus-stack',
  [action === 'install' ? 'installFailures' : 'upgradeFailures']: failures,
  ...over,
});
const upgradeRetries = (retries: number, extra: object = {}) => ({ upgrade: { remediation: { retries, ...extra } } }) as Partial<AddonSpec>;
const installRetries = (retries: number, extra: object = {}) => ({ install: { remediation: { retries, ...extra } } }) as Partial<AddonSpec>;

describe('release state and next action', () => {
  it.each([
    // name, facts, spec, record, state, action
    ['no release: install', { history: [] }, {}, {}, 'Absent', 'install'],
    ['only uninstalled revisions (keepHistory): install', { history: [h(1, 'uninstalled')], ownerLabel: ID }, {}, {}, 'Absent', 'install'],
    ['install failed past its retries, remediated away: stall', { history: [] }, installRetries(1), attempted('install', 2), 'Absent', 'stall:RetriesExceeded'],
    ['install retries left: install again', { history: [] }, installRetries(2), attempted('install', 2), 'Absent', 'install'],
    ['install retries -1 retries forever', { history: [] }, installRetries(-1), attempted('install', 50), 'Absent', 'install'],
    ['deployed with the desired chart and values: nothing', deployed(), {}, {}, 'InSync', 'none'],
    ['values digest differs: upgrade', deployed({ deployedConfigDigest: D2 }), {}, {}, 'OutOfSync:digest', 'upgrade'],
    ['chart version differs: upgrade', deployed({ history: [h(1, 'deployed', 'kube-prometheus-stack-65.0.0')] }), {}, {}, 'OutOfSync:version', 'upgrade'],
    ['chart name differs: upgrade', deployed({ history: [h(1, 'deployed', 'prometheus-25.0.0')] }), {}, {}, 'OutOfSync:chart', 'upgrade'],
    ['out of sync after exhausted upgrades with the same inputs: stall, old revision stays', deployed({ deployedConfigDigest: D2 }), upgradeRetries(2), attempted('upgrade', 3), 'OutOfSync:digest', 'stall:RetriesExceeded'],
    ['out of sync with new inputs after exhausted upgrades: counters reset, upgrade', deployed({ deployedConfigDigest: D2 }), upgradeRetries(0), attempted('upgrade', 3, { lastAttemptedConfigDigest: 'sha256:old' }), 'OutOfSync:digest', 'upgrade'],
    ['forced reconcile overrides exhausted retries', deployed({ deployedConfigDigest: D2 }), upgradeRetries(0), attempted('upgrade', 3, { forceRequested: true }), 'OutOfSync:digest', 'upgrade'],
    ['pending-upgrade left by a killed helm long ago: unlock (Flux #149)', deployed({ history: [h(1, 'deployed'), h(2, 'pending-upgrade')], latestUpdatedAgoMs: 3_600_000 }), {}, {}, 'Locked', 'unlock'],
    ['pending-install younger than the timeout: wait, helm may still run', { history: [h(1, 'pending-install')], ownerLabel: ID, latestUpdatedAgoMs: 10_000 }, {}, {}, 'Locked', 'wait'],
    ['pending-rollback with unknown age: unlock', deployed({ history: [h(1, 'superseded'), h(2, 'failed'), h(3, 'pending-rollback')] }), {}, {}, 'Locked', 'unlock'],
    ['failed upgrade with retries left: roll back to the last good revision', deployed({ history: [h(1, 'superseded'), h(2, 'deployed'), h(3, 'failed')] }), upgradeRetries(2), attempted('upgrade', 1), 'Failed', 'rollback:2'],
    ['failed upgrade, retries exhausted, remediateLastFailure default (retries>0): roll back', deployed({ history: [h(2, 'superseded'), h(3, 'failed')] }), upgradeRetries(2), attempted('upgrade', 3), 'Failed', 'rollback:2'],
    ['failed upgrade, no retries configured: stall with the failed revision in place', deployed({ history: [h(2, 'superseded'), h(3, 'failed')] }), upgradeRetries(0), attempted('upgrade', 1), 'Failed', 'stall:RetriesExceeded'],
    ['failed upgrade, uninstall strategy', deployed({ history: [h(2, 'superseded'), h(3, 'failed')] }), upgradeRetries(1, { strategy: 'uninstall' }), attempted('upgrade', 1), 'Failed', 'uninstall'],
    ['failed upgrade with no earlier good revision: upgrade again', deployed({ history: [h(1, 'failed')] }), upgradeRetries(1), attempted('upgrade', 1), 'Failed', 'upgrade'],
    ['failed install with retries: uninstall, then install again', { history: [h(1, 'failed')], ownerLabel: ID }, installRetries(1), attempted('install', 1), 'Failed', 'uninstall'],
    ['failed install, no retries, no remediateLastFailure: stall', { history: [h(1, 'failed')], ownerLabel: ID }, installRetries(0), attempted('install', 1), 'Failed', 'stall:RetriesExceeded'],
    ['failed install, remediateLastFailure: uninstall', { history: [h(1, 'failed')], ownerLabel: ID }, installRetries(0, { remediateLastFailure: true }), attempted('install', 1), 'Failed', 'uninstall'],
    ['failed revision with no failed attempt recorded (an unlocked pending-* of a killed helm): upgrade', deployed({ history: [h(2, 'superseded'), h(3, 'failed')] }), upgradeRetries(1), attempted('upgrade', 0), 'Failed', 'upgrade'],
    ['failed with changed inputs: upgrade at once', deployed({ history: [h(2, 'superseded'), h(3, 'failed')] }), upgradeRetries(0), attempted('upgrade', 5, { lastAttemptedRevision: '66.0.0' }), 'Failed', 'upgrade'],
    ['RetryOnFailure inside retryInterval: wait', deployed({ history: [h(3, 'failed')] }), { upgrade: { strategy: { name: 'RetryOnFailure', retryInterval: '5m' } } } as never, attempted('upgrade', 4, { sinceLastFailureMs: 60_000 }), 'Failed', 'wait'],
    ['RetryOnFailure after retryInterval: upgrade in place, no remediation', deployed({ history: [h(3, 'failed')] }), { upgrade: { strategy: { name: 'RetryOnFailure', retryInterval: '5m' } } } as never, attempted('upgrade', 4, { sinceLastFailureMs: 600_000 }), 'Failed', 'upgrade'],
    ['a release hostplane did not install: NameConflict, never touched', deployed({ ownerLabel: undefined }), {}, {}, 'NotOwned', 'stall:NameConflict'],
    ['a release of another Addon: NameConflict', deployed({ ownerLabel: 'other-addon' }), {}, {}, 'NotOwned', 'stall:NameConflict'],
    ['a foreign release with adopt: upgrade with --take-ownership', deployed({ ownerLabel: undefined }), { adopt: true }, {}, 'NotOwned', 'upgrade:take-ownership'],
    ['tests enabled and not run: test', deployed(), { test: { enable: true, ignoreFailures: false } }, {}, 'Untested', 'test'],
    ['tests failed: remediate like a failed upgrade', deployed({ testResult: 'failed' }), { test: { enable: true, ignoreFailures: false }, ...upgradeRetries(1) }, attempted('upgrade', 0), 'Failed', 'rollback:1'],
    ['tests failed but ignored: in sync', deployed({ testResult: 'failed' }), { test: { enable: true, ignoreFailures: true } }, {}, 'InSync', 'none'],
    ['drift with mode enabled: correct it', deployed({ driftDetected: true }), { driftDetection: { mode: 'enabled' } }, {}, 'Drifted', 'correctDrift'],
    ['drift with mode warn: report only', deployed({ driftDetected: true }), { driftDetection: { mode: 'warn' } }, {}, 'Drifted', 'none'],
    ['drift ignored when detection is disabled', deployed({ driftDetected: true }), {}, {}, 'InSync', 'none'],
  ] as const)('%s', (_n, facts, spec, rec, state, action) => {
    const d = decideRelease(facts as ReleaseFacts, desired(spec as Partial<AddonSpec>), rec as ReleaseRecord);
    const s = d.state;
    const stateText = s.kind === 'OutOfSync' ? `${s.kind}:${s.cause}` : s.kind;
    const a = d.action;
    const actionText = a.type === 'stall' ? `stall:${a.reason}` : a.type === 'rollback' ? `rollback:${a.toRevision}` : a.type === 'upgrade' && a.takeOwnership ? 'upgrade:take-ownership' : a.type;
    expect({ state: stateText, action: actionText }).toEqual({ state, action });
    expect(d.message.length).toBeGreaterThan(0);
  });

  it('a NameConflict message says how to proceed', () => {
    const d = decideRelease(deployed({ ownerLabel: undefined }), desired(), {});
    expect(d.message).toMatch(/Set spec\.adopt: true.*helm\.releaseName/);
  });

  it('an exhausted upgrade names the retries setting', () => {
    const d = decideRelease(deployed({ history: [h(2, 'superseded'), h(3, 'failed')] }), desired(upgradeRetries(0)), attempted('upgrade', 1));
    expect(d.message).toMatch(/upgrade failed 1 time\(s\), more than upgrade\.remediation\.retries \(0\)/);
  });

  it('counters: a failure bumps the action counter, success resets, new inputs reset', () => {
    const d = desired();
    let r = recordAttempt({}, 'upgrade', d, false);
    r = recordAttempt(r, 'upgrade', d, false);
    expect(r).toMatchObject({ upgradeFailures: 2, lastAttemptedReleaseAction: 'upgrade', lastAttemptedConfigDigest: D1 });
    expect(recordAttempt(r, 'upgrade', { ...d, configDigest: D2 }, false).upgradeFailures).toBe(1);
    expect(recordAttempt(r, 'upgrade', d, true).upgradeFailures).toBe(0);
  });
});

describe('the target cluster, namespace and release name are inputs: a change is a new attempt with fresh retries', () => {
  it.each([
    ['cluster', 'prod/monitoring/platform-kube-prometheus-stack'],
    ['namespace', 'platform/observability/platform-kube-prometheus-stack'],
    ['release name', 'platform/monitoring/kps'],
  ])('a new %s after an install ran out of retries: install on the new target', (_what, target) => {
    const d = decideRelease({ history: [] }, desired(installRetries(1), { target }), attempted('install', 2));
    expect(d.action.type).toBe('install');
  });

  it.each([
    ['cluster', 'prod/monitoring/platform-kube-prometheus-stack'],
    ['namespace', 'platform/observability/platform-kube-prometheus-stack'],
    ['release name', 'platform/monitoring/kps'],
  ])('a new %s resets the failure counters when the attempt is recorded', (_what, target) => {
    const rec = recordAttempt(attempted('install', 2), 'install', desired({}, { target }), false);
    expect(rec).toMatchObject({ installFailures: 1, lastAttemptedTarget: target });
  });

  it('the same target after exhausted retries still stalls, and the message names the command that retries', () => {
    const d = decideRelease({ history: [] }, desired(installRetries(1)), attempted('install', 2));
    expect(d.action.type).toBe('stall');
    expect(d.message).toContain(`hostplane reconcile addon/${ID}`);
    expect(d.message).not.toMatch(/forced reconcile/);
  });
});

describe('helm chart strings', () => {
  it.each([
    ['kube-prometheus-stack-66.3.1', 'kube-prometheus-stack', '66.3.1'],
    ['base-1.24.2', 'base', '1.24.2'],
    ['cert-manager-v1.14.0', 'cert-manager', 'v1.14.0'],
    ['app-1.0.0-rc.1', 'app', '1.0.0-rc.1'],
  ])('%s → %s @ %s', (chart, name, version) => {
    expect(splitChart(chart)).toEqual({ name, version });
  });
});
