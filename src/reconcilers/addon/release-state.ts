// The release state machine of helm-controller (reference addons-loadtests.md §1.3,
// DetermineReleaseState + actionForState), over what `helm history -o json` and `helm status -o
// json` report. One state and one next action per reconcile. Remediation is ours, as in Flux:
// never --atomic / --rollback-on-failure; a failed upgrade is rolled back (or uninstalled) by a
// separate helm call after the configured retries.
import type { AddonSpec } from './spec-types.js';

/** Release statuses of pkg/release/common/status.go. */
export type HelmStatus = 'unknown' | 'deployed' | 'uninstalled' | 'superseded' | 'failed' | 'uninstalling' | 'pending-install' | 'pending-upgrade' | 'pending-rollback';

/** One entry of `helm history NAME -o json`. */
export interface HelmHistoryEntry {
  revision: number;
  updated: string;
  status: HelmStatus | string;
  /** "<name>-<version>", e.g. "metrics-server-3.12.2". */
  chart: string;
  app_version?: string;
  description?: string;
}

/** The label hostplane puts on its releases (helm --labels); its value is the Addon name (a valid label value, no "/"). */
export const OWNER_LABEL = 'hostplane.dev/addon';

export interface ReleaseFacts {
  /** `helm history` entries, any order; empty when the release does not exist. */
  history: readonly HelmHistoryEntry[];
  /** OWNER_LABEL of the latest release (from its storage Secret or `helm get metadata`), undefined if absent. */
  ownerLabel?: string;
  /** configDigest (values.ts) of the latest release's stored user values: `helm status -o json` .config, null/absent taken as {}. */
  deployedConfigDigest?: string;
  /** Test result of the latest revision, if tests ran. */
  testResult?: 'passed' | 'failed';
  /** Drift check result (drift.ts), when driftDetection is not disabled. */
  driftDetected?: boolean;
  /** ms since the latest revision was last updated (for a pending-* that may still be running). */
  latestUpdatedAgoMs?: number;
}

export interface DesiredRelease {
  /** The Addon name, as OWNER_LABEL carries it. */
  identity: string;
  chartName: string;
  chartVersion: string;
  configDigest: string;
  /** Where the release goes, "<cluster>/<namespace>/<release name>" (targetOf): an input like the chart and values. */
  target: string;
  spec: AddonSpec;
}

/** The target of a release as DesiredRelease.target and ReleaseRecord.lastAttemptedTarget carry it. */
export function targetOf(cluster: string, namespace: string, releaseName: string): string {
  return `${cluster}/${namespace}/${releaseName}`;
}

/**
 * Whether the record's attempts were made with the desired inputs: chart version, values digest and
 * target (cluster, namespace, release name). Any change is a new attempt with fresh retries (Flux
 * resets its counters when the revision or digest change). A record written before targets were
 * recorded counts as the same target.
 */
export function sameInputs(rec: ReleaseRecord, d: DesiredRelease): boolean {
  return rec.lastAttemptedRevision === d.chartVersion && rec.lastAttemptedConfigDigest === d.configDigest && (rec.lastAttemptedTarget ?? d.target) === d.target;
}

/** What status remembers between reconciles (Flux's status fields). */
export interface ReleaseRecord {
  lastAttemptedReleaseAction?: 'install' | 'upgrade';
  lastAttemptedRevision?: string;
  lastAttemptedConfigDigest?: string;
  /** targetOf() of the last attempt. */
  lastAttemptedTarget?: string;
  installFailures?: number;
  upgradeFailures?: number;
  /** ms since the last failed action, for RetryOnFailure's retryInterval. */
  sinceLastFailureMs?: number;
  /** A one-off force (reconcile --force): install/upgrade even when in sync or out of retries. */
  forceRequested?: boolean;
}

export type OutOfSyncCause = 'chart' | 'version' | 'digest';

export type ReleaseState =
  | { kind: 'Absent' }
  | { kind: 'InSync' }
  | { kind: 'OutOfSync'; cause: OutOfSyncCause }
  | { kind: 'Locked'; status: 'pending-install' | 'pending-upgrade' | 'pending-rollback'; revision: number }
  | { kind: 'Failed'; revision: number; cause: 'release' | 'test' }
  | { kind: 'Untested'; revision: number }
  | { kind: 'Drifted' }
  | { kind: 'NotOwned'; owner?: string };

export type ReleaseAction =
  | { type: 'install' }
  | { type: 'upgrade'; takeOwnership?: boolean }
  | { type: 'unlock'; revision: number; status: string }
  | { type: 'rollback'; toRevision: number }
  | { type: 'uninstall'; remediation: boolean }
  | { type: 'test' }
  | { type: 'correctDrift' }
  | { type: 'wait'; ms: number; why: string }
  | { type: 'none' }
  | { type: 'stall'; reason: 'RetriesExceeded' | 'NameConflict' | 'ReleaseLocked'; message: string };

export interface ReleaseDecision {
  state: ReleaseState;
  action: ReleaseAction;
  message: string;
}

const PENDING = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);
const DURATION_RE = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(DURATION_RE)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** Splits helm's "<name>-<version>" chart string at the first "-<digits>.<digits>" (names may contain dashes). */
export function splitChart(chart: string): { name: string; version: string } {
  const i = chart.search(/-v?\d+\.\d+/);
  return i > 0 ? { name: chart.slice(0, i), version: chart.slice(i + 1) } : { name: chart, version: '' };
}

export function latestRevision(history: readonly HelmHistoryEntry[]): HelmHistoryEntry | undefined {
  return [...history].sort((a, b) => b.revision - a.revision)[0];
}

export function determineReleaseState(f: ReleaseFacts, d: DesiredRelease): ReleaseState {
  const latest = latestRevision(f.history);
  if (!latest || f.history.every((h) => h.status === 'uninstalled')) return { kind: 'Absent' };
  if (f.ownerLabel !== d.identity) return { kind: 'NotOwned', owner: f.ownerLabel };
  if (PENDING.has(latest.status)) return { kind: 'Locked', status: latest.status as 'pending-upgrade', revision: latest.revision };
  if (latest.status === 'failed' || latest.status === 'unknown' || latest.status === 'uninstalling') return { kind: 'Failed', revision: latest.revision, cause: 'release' };
  const chart = splitChart(latest.chart);
  if (chart.name !== d.chartName) return { kind: 'OutOfSync', cause: 'chart' };
  if (chart.version !== d.chartVersion) return { kind: 'OutOfSync', cause: 'version' };
  if (f.deployedConfigDigest !== d.configDigest) return { kind: 'OutOfSync', cause: 'digest' };
  const test = d.spec.test;
  if (test?.enable) {
    if (f.testResult === undefined) return { kind: 'Untested', revision: latest.revision };
    if (f.testResult === 'failed' && !test.ignoreFailures) return { kind: 'Failed', revision: latest.revision, cause: 'test' };
  }
  if ((d.spec.driftDetection?.mode ?? 'disabled') !== 'disabled' && f.driftDetected) return { kind: 'Drifted' };
  return { kind: 'InSync' };
}

export function decideRelease(f: ReleaseFacts, d: DesiredRelease, rec: ReleaseRecord): ReleaseDecision {
  const state = determineReleaseState(f, d);
  const { spec } = d;
  // Counters count only for the inputs they failed with (chart version, values, target).
  const same = sameInputs(rec, d);
  const installFailures = same ? (rec.installFailures ?? 0) : 0;
  const upgradeFailures = same ? (rec.upgradeFailures ?? 0) : 0;
  const retry = `change the spec or run \`hostplane reconcile addon/${d.identity}\` to retry with fresh retries`;
  const exhausted = (failures: number, retries: number) => retries >= 0 && failures > retries;
  const chartRef = `${d.chartName}@${d.chartVersion}`;

  switch (state.kind) {
    case 'Absent':
      if (!rec.forceRequested && spec.install.strategy.name === 'RemediateOnFailure' && exhausted(installFailures, spec.install.remediation.retries)) {
        return stall(state, 'RetriesExceeded', `Install of ${chartRef} failed ${installFailures} time(s), more than install.remediation.retries (${spec.install.remediation.retries}); ${retry}`);
      }
      return { state, action: { type: 'install' }, message: `Installing ${chartRef}` };

    case 'NotOwned':
      if (spec.adopt) return { state, action: { type: 'upgrade', takeOwnership: true }, message: `Adopting the existing release (spec.adopt) with helm --take-ownership` };
      return stall(
        state,
        'NameConflict',
        `A release of this name exists that hostplane did not install${state.owner ? ` (it belongs to ${state.owner})` : ''}; it is left alone. Set spec.adopt: true to take it over, or choose another helm.releaseName`,
      );

    case 'Locked': {
      const timeoutMs = durationMs(spec.timeout);
      const ago = f.latestUpdatedAgoMs;
      if (ago !== undefined && ago < timeoutMs) {
        return { state, action: { type: 'wait', ms: timeoutMs - ago, why: `revision ${state.revision} is ${state.status} and may still be running` }, message: `Release revision ${state.revision} is ${state.status}; waiting up to spec.timeout before unlocking` };
      }
      return { state, action: { type: 'unlock', revision: state.revision, status: state.status }, message: `Release revision ${state.revision} was left ${state.status} (a helm process died); marking it failed to unlock it` };
    }

    case 'Failed': {
      const active = rec.lastAttemptedReleaseAction ?? 'upgrade';
      const strategy = active === 'install' ? spec.install.strategy : spec.upgrade.strategy;
      const what = state.cause === 'test' ? `Tests of revision ${state.revision} failed` : `Revision ${state.revision} failed`;
      if (strategy.name === 'RetryOnFailure') {
        const left = durationMs(strategy.retryInterval) - (rec.sinceLastFailureMs ?? Infinity);
        if (left > 0 && !rec.forceRequested) return { state, action: { type: 'wait', ms: left, why: 'RetryOnFailure retryInterval' }, message: `${what}; retrying in place after ${strategy.retryInterval}` };
        return { state, action: { type: 'upgrade' }, message: `${what}; retrying (RetryOnFailure)` };
      }
      if (!same || rec.forceRequested) return { state, action: { type: 'upgrade' }, message: `${what}; the inputs changed, upgrading to ${chartRef}` };
      const failures = active === 'install' ? installFailures : upgradeFailures;
      // No failure of ours on these inputs (an unlocked pending-* left by a killed helm): upgrade, as Flux does.
      if (failures <= 0 && state.cause === 'release') return { state, action: { type: 'upgrade' }, message: `${what}; no failed attempt of these inputs is recorded, upgrading to ${chartRef}` };
      const retries = active === 'install' ? spec.install.remediation.retries : spec.upgrade.remediation.retries;
      const remediateLast = active === 'install' ? spec.install.remediation.remediateLastFailure : (spec.upgrade.remediation.remediateLastFailure ?? retries > 0);
      if (exhausted(failures, retries) && !remediateLast) {
        return stall(state, 'RetriesExceeded', `${what}; ${active} failed ${failures} time(s), more than ${active}.remediation.retries (${retries}); the failed revision is left in place; ${retry}`);
      }
      if (active === 'install' || spec.upgrade.remediation.strategy === 'uninstall') {
        return { state, action: { type: 'uninstall', remediation: true }, message: `${what}; remediating by uninstalling (${active} failure ${failures} of ${retries < 0 ? '∞' : retries + 1})` };
      }
      const target = previousSuccessful(f.history, state.revision);
      if (!target) return { state, action: { type: 'upgrade' }, message: `${what}; no earlier successful revision to roll back to, upgrading again` };
      return { state, action: { type: 'rollback', toRevision: target.revision }, message: `${what}; remediating by rolling back to revision ${target.revision}` };
    }

    case 'OutOfSync': {
      if (!rec.forceRequested && same && spec.upgrade.strategy.name === 'RemediateOnFailure' && exhausted(upgradeFailures, spec.upgrade.remediation.retries)) {
        return stall(state, 'RetriesExceeded', `Upgrade to ${chartRef} failed ${upgradeFailures} time(s), more than upgrade.remediation.retries (${spec.upgrade.remediation.retries}); the previous revision stays; ${retry}`);
      }
      const why = { chart: 'the chart changed', version: `the chart version changed to ${d.chartVersion}`, digest: 'the values changed' }[state.cause];
      return { state, action: { type: 'upgrade' }, message: `Upgrading: ${why}` };
    }

    case 'Untested':
      return { state, action: { type: 'test' }, message: `Running the chart tests of revision ${state.revision}` };

    case 'Drifted':
      if (spec.driftDetection?.mode === 'enabled') return { state, action: { type: 'correctDrift' }, message: 'Cluster state drifted from the release manifest; correcting it' };
      return { state, action: { type: 'none' }, message: 'Cluster state drifted from the release manifest (driftDetection.mode warn: reported only)' };

    case 'InSync':
      if (rec.forceRequested) return { state, action: { type: 'upgrade' }, message: 'Forced upgrade requested' };
      return { state, action: { type: 'none' }, message: `Release is in sync with ${chartRef}` };
  }
}

function stall(state: ReleaseState, reason: 'RetriesExceeded' | 'NameConflict' | 'ReleaseLocked', message: string): ReleaseDecision {
  return { state, action: { type: 'stall', reason, message }, message };
}

/** The newest revision before `failed` that was deployed successfully (superseded or deployed). */
function previousSuccessful(history: readonly HelmHistoryEntry[], failed: number): HelmHistoryEntry | undefined {
  return [...history]
    .filter((h) => h.revision < failed && (h.status === 'superseded' || h.status === 'deployed'))
    .sort((a, b) => b.revision - a.revision)[0];
}

/** Failure counters after an action finished (Flux: reset on change of inputs, bumped per failure). */
export function recordAttempt(rec: ReleaseRecord, action: 'install' | 'upgrade', d: DesiredRelease, succeeded: boolean): ReleaseRecord {
  const base = sameInputs(rec, d) ? rec : { ...rec, installFailures: 0, upgradeFailures: 0 };
  const next: ReleaseRecord = { ...base, lastAttemptedReleaseAction: action, lastAttemptedRevision: d.chartVersion, lastAttemptedConfigDigest: d.configDigest, lastAttemptedTarget: d.target, forceRequested: false };
  if (succeeded) return { ...next, installFailures: 0, upgradeFailures: 0 };
  return action === 'install' ? { ...next, installFailures: (base.installFailures ?? 0) + 1 } : { ...next, upgradeFailures: (base.upgradeFailures ?? 0) + 1 };
}
