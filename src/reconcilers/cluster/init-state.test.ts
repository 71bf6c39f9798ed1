import { describe, expect, it } from 'vitest';
import { decideInit, type InitFacts } from './init-state.js';

const me = 'cluster/dev uid=1';
const none: InitFacts = { adminConf: false, manifests: false, otherKubeadmFiles: false, kubeadmRunning: false, kubeletRunning: false, apiReady: false };
const healthy: InitFacts = { ...none, adminConf: true, manifests: true, otherKubeadmFiles: true, kubeletRunning: true, apiReady: true };

describe('control-plane init decision', () => {
  it.each([
    // name, facts, latched, allowReinit, state, action, reason
    ['a fresh node is initialised', none, false, false, 'NotInitialised', 'init', 'Initializing'],
    ['a done sentinel means initialised, nothing to do', { ...healthy, startedSentinel: me, doneSentinel: me }, true, false, 'Initialised', 'none', 'Initialized'],
    ['done but the API is down is still initialised (never re-init after success)', { ...none, adminConf: true, manifests: true, startedSentinel: me, doneSentinel: me }, true, true, 'Initialised', 'none', 'Initialized'],
    ['kill -9 of up while kubeadm still runs: wait', { ...none, startedSentinel: me, kubeadmRunning: true }, false, false, 'InitInProgress', 'wait', 'Initializing'],
    ['init finished while up was dead: record, do not re-run', { ...healthy, startedSentinel: me }, false, false, 'Initialised', 'recordSentinel', 'Initialized'],
    ['files written, API starting within the grace period: wait', { ...healthy, apiReady: false, startedSentinel: me, sinceStartedMs: 60_000 }, false, false, 'InitInProgressInterrupted', 'wait', 'Initializing'],
    ['partial init past the grace period without opt-in: report', { ...healthy, apiReady: false, startedSentinel: me, sinceStartedMs: 600_000 }, false, false, 'NeedsReinitButNotAllowed', 'report', 'PartialInit'],
    ['partial init with kubelet down: report', { ...healthy, apiReady: false, kubeletRunning: false, startedSentinel: me, sinceStartedMs: 1000 }, false, false, 'NeedsReinitButNotAllowed', 'report', 'PartialInit'],
    ['partial init with allowReinit: reset and init', { ...healthy, apiReady: false, startedSentinel: me, sinceStartedMs: 600_000 }, false, true, 'NeedsReinit', 'resetAndInit', 'Reinitializing'],
    ['interrupted before any file, no opt-in: still never twice', { ...none, startedSentinel: me }, false, false, 'NeedsReinitButNotAllowed', 'report', 'PartialInit'],
    ['interrupted before any file with allowReinit: init without reset', { ...none, startedSentinel: me }, false, true, 'NeedsReinit', 'init', 'Reinitializing'],
    ['foreign /etc/kubernetes without our sentinel: report, even with allowReinit', { ...healthy }, false, true, 'ForeignControlPlane', 'report', 'ForeignControlPlane'],
    ['only kubelet.conf (a joined worker) is foreign too', { ...none, otherKubeadmFiles: true }, false, false, 'ForeignControlPlane', 'report', 'ForeignControlPlane'],
    ['a sentinel of another cluster is foreign', { ...healthy, startedSentinel: 'cluster/prod uid=9', doneSentinel: 'cluster/prod uid=9' }, false, true, 'ForeignControlPlane', 'report', 'ForeignControlPlane'],
    ['latched, files intact, sentinels gone: restore the sentinel', { ...healthy }, true, false, 'Initialised', 'recordSentinel', 'Initialized'],
    ['latched but the node is empty: lost, report', none, true, false, 'NeedsReinitButNotAllowed', 'report', 'ControlPlaneLost'],
    ['latched but the node is empty with allowReinit: init again', none, true, true, 'NeedsReinit', 'init', 'Reinitializing'],
  ] as const)('%s', (_name, facts, latched, allowReinit, state, action, reason) => {
    const d = decideInit(facts, { identity: me, latched, allowReinit });
    expect({ state: d.state, action: d.action, reason: d.reason }).toEqual({ state, action, reason });
    expect(d.initialized).toBe(state === 'Initialised');
  });

  it('a reinit is always announced with a warning event', () => {
    const d = decideInit({ ...healthy, apiReady: false, startedSentinel: me }, { identity: me, latched: false, allowReinit: true });
    expect(d.warning).toMatch(/allowReinit is set.*resets the node/);
  });

  it('without opt-in the message says how to proceed, stalls with ReinitRequired and is a warning event', () => {
    const d = decideInit({ ...none, startedSentinel: me }, { identity: me, latched: false, allowReinit: false });
    expect(d.stalled).toBe('ReinitRequired');
    expect(d.message).toMatch(/spec\.remediation\.allowReinit: true/);
    expect(d.warning).toBe(d.message);
  });

  it('names the foreign owner', () => {
    const d = decideInit({ ...healthy, doneSentinel: 'cluster/prod uid=9\n' }, { identity: me, latched: false, allowReinit: false });
    expect(d.message).toContain('cluster/prod uid=9');
    expect(d.stalled).toBe('ForeignControlPlane');
  });
});
