// The Addon reconciler: scope (references, suspend, Cluster, dependsOn, values, chart) → observe
// the release (helm history/status, its storage record's owner label, drift) → classify with
// release-state.ts → ONE action (install, upgrade, unlock, rollback, uninstall, test, drift
// correction) → one status. Plain manifests take their own path (manifests.ts). Deletion runs in
// reverse dependency order: an Addon others depend on waits until they are gone.
import { dirname } from 'node:path';
import type { HostObject } from '../../api/types.js';
import { objectKey, parseObjectKey } from '../../api/types.js';
import type { ReconcileResult } from '../../controllers/controller.js';
import type { KindRuntime } from '../../controllers/kind-module.js';
import { referenceProblem } from '../../controllers/reference-check.js';
import { isSuspended, reconcileRequestedAt, setSuspended } from '../../controllers/object-requests.js';
import type { ChartSourcePort, ResolvedChart } from '../../ports/chart-source.js';
import { ChartSourceError } from '../../ports/chart-source.js';
import { HelmError, type ReleaseTarget, type WriteOptions } from '../../ports/helm.js';
import type { KubernetesPorts } from '../../ports/index.js';
import type { KubeObject, KubePort } from '../../ports/kube.js';
import type { Secrets } from '../../ports/secrets.js';
import { detectDrift, parseManifests, type Manifest } from './drift.js';
import { aggregateHealth, objectHealth, type ObjectHealth } from './health.js';
import { healthChecksOf } from './health-checks.js';
import { clusterKubeconfig, dependenciesNotReady, isBlocked, resolveValues, type Blocked } from './inputs.js';
import { reconcileManifests, deleteManifests } from './manifests.js';
import { buildHistory } from './release-history.js';
import { releaseLabels, setRevisionStatus } from './release-secret.js';
import { decideRelease, durationMs, OWNER_LABEL, recordAttempt, targetOf, type DesiredRelease, type HelmHistoryEntry, type ReleaseFacts, type ReleaseRecord } from './release-state.js';
import { releaseNameOf, withAddonDefaults, type AddonSpec } from './spec-types.js';
import { computeAddonStatus, type AddonOutcome } from './status.js';

export interface AddonPorts {
  secrets: Secrets;
  kubernetes: KubernetesPorts;
}

export interface AddonOptions {
  /** Wait before looking again after a failed action or a blocked input (default 10 s). */
  retryMs?: number;
  /** Poll while waiting for a Cluster, a dependency or dependants (default 5 s). */
  waitMs?: number;
}


export function createAddonReconciler(rt: KindRuntime, ports: AddonPorts, options: AddonOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const waitMs = options.waitMs ?? 5_000;
  const labRoot = dirname(rt.specsDir);
  const now = () => new Date(rt.clock.now());

  const write = (obj: HostObject, out: AddonOutcome) => {
    const latest = rt.store.get('Addon', obj.metadata.name) ?? obj;
    rt.store.updateStatus('Addon', obj.metadata.name, computeAddonStatus({ ...latest, metadata: { ...latest.metadata, generation: obj.metadata.generation } }, out, now()));
  };
  const event = (obj: HostObject, type: 'Normal' | 'Warning', reason: string, message: string) =>
    rt.events.record({ object: objectKey('Addon', obj.metadata.name), type, reason, message: rt.redact(message) });

  return async function reconcileAddon(key: string): Promise<ReconcileResult> {
    const { name } = parseObjectKey(key);
    const obj = rt.store.get('Addon', name);
    if (!obj) return { kind: 'done' };
    const spec = withAddonDefaults(obj.spec as unknown as AddonSpec);
    if (obj.metadata.deletionTimestamp) return deleteAddon(obj, spec);

    const blocked = (b: Blocked, ms: number, extra: Partial<AddonOutcome> = {}): ReconcileResult => {
      write(obj, { ready: { status: 'False', ...b }, phase: extra.phase ?? 'Pending', fields: {}, observed: false, ...extra });
      return { kind: 'requeueAfter', ms };
    };

    const problem = referenceProblem(obj, (k) => rt.store.getByKey(k), rt.referenceRules);
    if (problem) {
      write(obj, { ready: { status: 'False', ...problem }, stalled: problem, phase: 'Failed', fields: {}, observed: true });
      return { kind: 'done' };
    }
    if (spec.suspend || isSuspended(rt.stateDir, key)) {
      const prev = obj.status?.conditions?.find((c) => c.type === 'Ready');
      write(obj, { ready: { status: prev?.status === 'True' ? 'True' : 'Unknown', reason: 'Suspended', message: 'Suspended: hostplane leaves the release as it is until it is resumed' }, phase: 'Suspended', fields: {}, observed: false });
      return { kind: 'done' };
    }
    const cluster = clusterKubeconfig(rt.store.get('Cluster', spec.cluster), spec.cluster);
    if (isBlocked(cluster)) return blocked(cluster, waitMs);
    const deps = dependenciesNotReady(spec, (d) => rt.store.get('Addon', d));
    if (deps) return blocked(deps, waitMs);
    const kube = ports.kubernetes.kube(cluster.kubeconfig);

    if (spec.manifests && spec.manifests.length > 0 && !spec.helm) {
      const r = await reconcileManifests({ obj, spec, kube, charts: ports.kubernetes.charts, labRoot, rt });
      write(obj, r.outcome);
      if (r.outcome.ready.status === 'True') event(obj, 'Normal', 'Applied', r.outcome.ready.message);
      return { kind: 'requeueAfter', ms: r.outcome.ready.status === 'True' ? durationMs(spec.interval) : retryMs };
    }
    if (!spec.helm) return blocked({ reason: 'InvalidSpec', message: 'spec.helm or spec.manifests must be set' }, retryMs);

    const values = resolveValues(spec, labRoot, ports.secrets);
    rt.watchFiles(key, 'files' in values ? values.files : (spec.valuesFiles ?? []).map((f) => `${labRoot}/${f}`));
    if (isBlocked(values)) return blocked(values, retryMs);

    let chart: ResolvedChart;
    try {
      chart = await resolveChart(ports.kubernetes.charts, spec);
    } catch (err) {
      if (err instanceof ChartSourceError) return blocked({ reason: 'ArtifactFailed', message: `${err.message} (${err.ref})` }, retryMs);
      throw err;
    }

    const helm = await ports.kubernetes.helm();
    const target: ReleaseTarget = { kubeconfig: cluster.kubeconfig, namespace: spec.namespace, release: releaseNameOf(name, spec) };
    const st = (obj.status ?? {}) as Record<string, unknown>;
    // A new `hostplane reconcile addon/NAME` (or the API's reconcile) resets the retry budget, as
    // Flux's resetRequestedAt does: a release out of retries is tried again with the same inputs.
    const requestedAt = reconcileRequestedAt(rt.stateDir, key);
    const reset = requestedAt !== undefined && requestedAt !== st.lastHandledReconcileAt;
    const record: ReleaseRecord = {
      lastAttemptedReleaseAction: st.lastAttemptedReleaseAction as 'install' | 'upgrade' | undefined,
      lastAttemptedRevision: st.lastAttemptedRevision as string | undefined,
      lastAttemptedConfigDigest: st.lastAttemptedConfigDigest as string | undefined,
      lastAttemptedTarget: st.lastAttemptedTarget as string | undefined,
      installFailures: reset ? 0 : (st.installFailures as number | undefined),
      upgradeFailures: reset ? 0 : (st.upgradeFailures as number | undefined),
      sinceLastFailureMs: typeof st.lastFailureAt === 'string' ? rt.clock.now() - Date.parse(st.lastFailureAt) : undefined,
    };
    const desired: DesiredRelease = { identity: name, chartName: chart.name, chartVersion: chart.version, configDigest: values.digest, target: targetOf(spec.cluster, target.namespace, target.release), spec };

    // Observe.
    const history = (await helm.history(target)).map((h) => ({ ...h, app_version: h.appVersion })) as HelmHistoryEntry[];
    const facts: ReleaseFacts = { history };
    const latest = [...history].sort((a, b) => b.revision - a.revision)[0];
    let manifest: Manifest[] = [];
    if (latest) {
      facts.ownerLabel = (await releaseLabels(kube, target.release, target.namespace, latest.revision))?.[OWNER_LABEL];
      const updated = Date.parse(latest.updated);
      if (Number.isFinite(updated)) facts.latestUpdatedAgoMs = rt.clock.now() - updated;
      if (latest.status === 'deployed') {
        const rel = await helm.status(target);
        facts.deployedConfigDigest = digestOf(rel?.config);
        const tested = st.testedRevision as { revision?: number; ok?: boolean } | undefined;
        if (tested?.revision === latest.revision) facts.testResult = tested.ok ? 'passed' : 'failed';
        manifest = parseManifests(await helm.getManifest(target));
        if ((spec.driftDetection?.mode ?? 'disabled') !== 'disabled') facts.driftDetected = (await driftOf(kube, manifest, spec)).drifted;
      }
    }
    const decision = decideRelease(facts, desired, record);
    const base = {
      releaseName: target.release,
      namespace: target.namespace,
      chartName: chart.name,
      chartVersion: chart.version,
      ...(chart.appVersion ? { appVersion: chart.appVersion } : {}),
      chartDigest: chart.digest,
      helmVersion: String(helm.major),
      ...(latest ? { releaseRevision: latest.revision, releaseStatus: latest.status } : {}),
      history: buildHistory(history, digestsOf(st), spec.maxHistory + 1),
      ...(reset ? { lastHandledReconcileAt: requestedAt, installFailures: 0, upgradeFailures: 0 } : {}),
    };
    const chartRef = `${chart.name}@${chart.version}`;
    const writeOpts = (action: 'install' | 'upgrade', takeOwnership?: boolean): WriteOptions => ({
      values: values.values,
      timeoutMs: durationMs(spec.timeout),
      wait: spec.wait !== 'none',
      ...(spec.wait === 'legacy' ? { waitStrategy: 'legacy' as const } : {}),
      createNamespace: spec.createNamespace,
      skipCrds: (action === 'install' ? spec.install.crds : spec.upgrade.crds) === 'Skip',
      ...(action === 'upgrade' && spec.upgrade.force ? { forceReplace: true } : {}),
      ...(action === 'upgrade' && spec.upgrade.cleanupOnFail ? { cleanupOnFail: true } : {}),
      historyMax: spec.maxHistory,
      labels: { [OWNER_LABEL]: name },
      ...(takeOwnership ? { takeOwnership: true } : {}),
    });

    const a = decision.action;
    const progressing = (message: string) => write(obj, { ready: { status: 'Unknown', reason: 'Progressing', message }, reconciling: { reason: 'Progressing', message }, phase: latest ? 'Upgrading' : 'Installing', fields: base, observed: false });

    switch (a.type) {
      case 'install':
      case 'upgrade': {
        const action = a.type === 'install' || !latest || history.every((h) => h.status === 'uninstalled') ? 'install' : 'upgrade';
        progressing(decision.message);
        const Verb = action === 'install' ? 'Install' : 'Upgrade';
        try {
          const rel = action === 'install' ? await helm.upgradeInstall(target, chart, writeOpts('install')) : await helm.upgrade(target, chart, writeOpts('upgrade', a.type === 'upgrade' && a.takeOwnership));
          const rec = recordAttempt(record, action, desired, true);
          const msg = `Helm ${action} succeeded for release ${target.namespace}/${target.release}.v${rel.version} with chart ${chartRef}`;
          event(obj, 'Normal', `${Verb}Succeeded`, msg);
          write(obj, {
            ready: { status: 'Unknown', reason: 'Progressing', message: `${msg}; checking health` },
            released: { status: 'True', reason: `${Verb}Succeeded`, message: msg },
            reconciling: { reason: 'Progressing', message: msg },
            phase: action === 'install' ? 'Installing' : 'Upgrading',
            fields: { ...base, ...recordFields(rec), releaseRevision: rel.version, releaseStatus: rel.info.status, lastAppliedConfigDigest: values.digest, failures: 0, digests: recentDigests({ ...digestsOf(st), [rel.version]: values.digest }, rel.version, spec.maxHistory + 1) },
            observed: false,
          });
          return { kind: 'requeueAfter', ms: 1 };
        } catch (err) {
          if (!(err instanceof HelmError)) throw err;
          const rec = recordAttempt(record, action, desired, false);
          const msg = `Helm ${action} of ${chartRef} failed: ${helmErrorText(err)}`;
          event(obj, 'Warning', `${Verb}Failed`, msg);
          write(obj, {
            ready: { status: 'False', reason: `${Verb}Failed`, message: msg },
            released: { status: 'False', reason: `${Verb}Failed`, message: msg },
            reconciling: { reason: 'ProgressingWithRetry', message: msg },
            phase: 'Failed',
            fields: { ...base, ...recordFields(rec), failures: ((st.failures as number) ?? 0) + 1, lastFailureAt: now().toISOString() },
            observed: false,
          });
          return { kind: 'requeueAfter', ms: err.kind === 'Locked' ? 1 : retryMs };
        }
      }
      case 'unlock': {
        const msg = `Release unlocked from stale '${a.status}' state (revision ${a.revision})`;
        await setRevisionStatus(kube, target.release, target.namespace, a.revision, 'failed', msg);
        event(obj, 'Warning', 'ReleaseUnlocked', msg);
        write(obj, { ready: { status: 'Unknown', reason: 'Progressing', message: msg }, reconciling: { reason: 'ProgressingWithRetry', message: msg }, phase: 'Upgrading', fields: base, observed: false });
        return { kind: 'requeueAfter', ms: 1 };
      }
      case 'rollback': {
        progressing(decision.message);
        try {
          await helm.rollback(target, a.toRevision, { timeoutMs: durationMs(spec.timeout), wait: spec.wait !== 'none' });
          const msg = `Helm rollback to revision ${a.toRevision} succeeded (${decision.message})`;
          event(obj, 'Normal', 'RollbackSucceeded', msg);
          write(obj, { ready: { status: 'False', reason: 'RollbackSucceeded', message: msg }, remediated: { status: 'True', reason: 'RollbackSucceeded', message: msg }, phase: 'Failed', fields: base, observed: false });
          return { kind: 'requeueAfter', ms: retryMs };
        } catch (err) {
          if (!(err instanceof HelmError)) throw err;
          const msg = `Helm rollback to revision ${a.toRevision} failed: ${helmErrorText(err)}`;
          write(obj, { ready: { status: 'False', reason: 'RollbackFailed', message: msg }, remediated: { status: 'False', reason: 'RollbackFailed', message: msg }, phase: 'Failed', fields: base, observed: false });
          return { kind: 'requeueAfter', ms: retryMs };
        }
      }
      case 'uninstall': {
        progressing(decision.message);
        try {
          await helm.uninstall(target, { timeoutMs: durationMs(spec.timeout), wait: true });
          const msg = `Helm uninstall succeeded as remediation (${decision.message})`;
          write(obj, { ready: { status: 'False', reason: 'UninstallSucceeded', message: msg }, remediated: { status: 'True', reason: 'UninstallSucceeded', message: msg }, phase: 'Failed', fields: base, observed: false });
        } catch (err) {
          if (!(err instanceof HelmError)) throw err;
          const msg = `Helm uninstall failed: ${helmErrorText(err)}`;
          write(obj, { ready: { status: 'False', reason: 'UninstallFailed', message: msg }, remediated: { status: 'False', reason: 'UninstallFailed', message: msg }, phase: 'Failed', fields: base, observed: false });
        }
        return { kind: 'requeueAfter', ms: retryMs };
      }
      case 'test': {
        progressing(decision.message);
        const t = await helm.test(target, { timeoutMs: durationMs(spec.test?.timeout ?? spec.timeout) });
        const msg = t.ok ? `Helm test succeeded: ${Object.keys(t.hooks).length} test hooks completed successfully` : `Helm test failed: ${Object.entries(t.hooks).filter(([, p]) => p !== 'Succeeded').map(([h, p]) => `${h} ${p}`).join(', ')}`;
        write(obj, { ready: { status: 'Unknown', reason: 'Progressing', message: msg }, test: { status: t.ok ? 'True' : 'False', reason: t.ok ? 'TestSucceeded' : 'TestFailed', message: msg }, phase: 'Installed', fields: { ...base, testedRevision: { revision: latest!.revision, ok: t.ok } }, observed: false });
        return { kind: 'requeueAfter', ms: 1 };
      }
      case 'correctDrift': {
        const report = await driftOf(kube, manifest, spec);
        for (const m of manifest) {
          if (report.objects.some((o) => o.ref === refOf(m, spec.namespace))) await kube.apply(withNamespace(m, spec.namespace) as KubeObject, { fieldManager: 'hostplane', force: true });
        }
        const msg = `Drift corrected: ${report.summary}`;
        event(obj, 'Warning', 'DriftCorrected', msg);
        write(obj, { ready: { status: 'Unknown', reason: 'Progressing', message: msg }, drifted: { status: 'True', reason: 'DriftDetected', message: msg }, phase: 'Installed', fields: base, observed: false });
        return { kind: 'requeueAfter', ms: 1 };
      }
      case 'wait':
        write(obj, { ready: { status: 'Unknown', reason: 'Progressing', message: decision.message }, reconciling: { reason: 'ProgressingWithRetry', message: decision.message }, phase: 'Upgrading', fields: base, observed: false });
        return { kind: 'requeueAfter', ms: Math.max(1, a.ms) };
      case 'stall': {
        const last = obj.status?.conditions?.find((c) => c.type === 'Released');
        const msg = last && last.status === 'False' ? `${a.message}. Last failure: ${last.message}` : a.message;
        const reason = a.reason;
        write(obj, { ready: { status: 'False', reason, message: msg }, stalled: { reason, message: msg }, phase: 'Failed', fields: base, observed: true });
        // A conflict or exhausted retries may be resolved outside the spec (the other release goes): look again later.
        return { kind: 'requeueAfter', ms: durationMs(spec.interval) };
      }
      case 'none': {
        // In sync (or drift in warn mode): Ready follows health.
        const driftMode = spec.driftDetection?.mode ?? 'disabled';
        const drift = driftMode === 'disabled' ? null : facts.driftDetected ? await driftOf(kube, manifest, spec) : undefined;
        const drifted = drift === null ? null : drift ? { status: 'True' as const, reason: 'DriftDetected', message: drift.summary } : { status: 'False' as const, reason: 'NoDriftDetected', message: 'No drift detected' };
        if (drift) event(obj, 'Warning', 'DriftDetected', `Drift detected (warn mode, not corrected): ${drift.summary}`);
        const health = await healthOf(kube, manifest, spec);
        const lastAction = (st.lastAttemptedReleaseAction as string) === 'install' ? 'InstallSucceeded' : 'UpgradeSucceeded';
        const ready = health.status === 'Current'
          ? drift ? { status: 'False' as const, reason: 'DriftDetected', message: `Release ${chartRef} deployed, but the cluster drifted: ${drift.summary}` }
            : { status: 'True' as const, reason: spec.test?.enable ? 'TestSucceeded' : lastAction, message: `Release ${target.namespace}/${target.release}.v${latest?.revision} with chart ${chartRef} is deployed and healthy (${health.message})` }
          : { status: 'False' as const, reason: 'HealthCheckFailed', message: `Release deployed, not healthy yet: ${health.message}` };
        write(obj, { ready, drifted, phase: ready.status === 'True' || drift ? 'Installed' : 'Installing', fields: { ...base, installFailures: 0, upgradeFailures: 0, failures: 0 }, observed: true });
        return { kind: 'requeueAfter', ms: ready.status === 'True' || drift ? durationMs(spec.interval) : Math.min(waitMs, durationMs(spec.interval)) };
      }
    }
  };

  async function deleteAddon(obj: HostObject, spec: AddonSpec): Promise<ReconcileResult> {
    const name = obj.metadata.name;
    // An Addon in a dependsOn cycle never installed anything: waiting on its cycle would never end.
    const inCycle = referenceProblem(obj, (k) => rt.store.getByKey(k), rt.referenceRules)?.reason === 'DependencyCycle';
    const dependants = inCycle ? [] : rt.store.list('Addon').filter((o) => o.metadata.name !== name && ((o.spec as { dependsOn?: string[] }).dependsOn ?? []).includes(name));
    if (dependants.length > 0) {
      const msg = `Deleting after its dependants are gone: ${dependants.map((d) => d.metadata.name).join(', ')}`;
      write(obj, { ready: { status: 'False', reason: 'Progressing', message: msg }, phase: 'Deleting', fields: {}, observed: false });
      return { kind: 'requeueAfter', ms: Math.min(waitMs, 1_000) };
    }
    const clusterObj = rt.store.get('Cluster', spec.cluster);
    const cluster = clusterKubeconfig(clusterObj, spec.cluster);
    if (spec.deletionPolicy === 'Delete' && clusterObj && !clusterObj.metadata.deletionTimestamp) {
      if (isBlocked(cluster)) {
        write(obj, { ready: { status: 'False', ...cluster }, phase: 'Deleting', fields: {}, observed: false });
        return { kind: 'requeueAfter', ms: waitMs };
      }
      const kube = ports.kubernetes.kube(cluster.kubeconfig);
      if (spec.helm) {
        const helm = await ports.kubernetes.helm();
        const target = { kubeconfig: cluster.kubeconfig, namespace: spec.namespace, release: releaseNameOf(name, spec) };
        const history = await helm.history(target);
        const latest = [...history].sort((a, b) => b.revision - a.revision)[0];
        const owner = latest ? (await releaseLabels(kube, target.release, target.namespace, latest.revision))?.[OWNER_LABEL] : undefined;
        if (latest && owner === name) {
          await helm.uninstall(target, { timeoutMs: durationMs(spec.uninstall?.timeout ?? spec.timeout), wait: !spec.uninstall?.disableWait, keepHistory: spec.uninstall?.keepHistory });
          event(obj, 'Normal', 'UninstallSucceeded', `Helm uninstall succeeded for release ${target.namespace}/${target.release}`);
        } else if (latest) {
          event(obj, 'Warning', 'NameConflict', `Release ${target.namespace}/${target.release} was not installed by this Addon; left in place`);
        }
      } else {
        await deleteManifests(kube, (obj.status as { inventory?: [] } | undefined)?.inventory ?? []);
      }
    }
    setSuspended(rt.stateDir, objectKey('Addon', name), false);
    rt.store.remove('Addon', name);
    return { kind: 'done' };
  }
}

async function resolveChart(charts: ChartSourcePort, spec: AddonSpec): Promise<ResolvedChart> {
  const h = spec.helm!;
  return charts.resolve({ repo: h.repo ?? '', chart: h.chart, version: h.version ?? '' });
}

import { configDigest } from './values.js';

function digestOf(config: Record<string, unknown> | undefined | null): string {
  return configDigest(config ?? {});
}

function digestsOf(st: Record<string, unknown>): Record<number, string> {
  return (st.digests as Record<number, string> | undefined) ?? {};
}

/** Digests of the newest `keep` revisions only, so status stays bounded. */
function recentDigests(all: Record<number, string>, newest: number, keep: number): Record<number, string> {
  return Object.fromEntries(Object.entries(all).filter(([rev]) => Number(rev) > newest - keep));
}

function recordFields(rec: ReleaseRecord): Record<string, unknown> {
  return {
    lastAttemptedReleaseAction: rec.lastAttemptedReleaseAction,
    lastAttemptedRevision: rec.lastAttemptedRevision,
    lastAttemptedConfigDigest: rec.lastAttemptedConfigDigest,
    lastAttemptedTarget: rec.lastAttemptedTarget,
    installFailures: rec.installFailures ?? 0,
    upgradeFailures: rec.upgradeFailures ?? 0,
  };
}

/** helm's own error text (helm prints value paths, never the values we passed). */
function helmErrorText(err: HelmError): string {
  const text = (err.stderr || err.message).replace(/^Error: /gm, '').trim().split('\n').slice(0, 6).join(' ');
  return `${text}${err.valuePath ? ` (value ${err.valuePath})` : ''}`;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'APIService', 'PriorityClass', 'PersistentVolume', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'IngressClass']);

function withNamespace(m: Manifest, ns: string): Manifest {
  if (CLUSTER_SCOPED.has(m.kind ?? '') || m.metadata?.namespace) return m;
  return { ...m, metadata: { ...(m.metadata ?? {}), namespace: ns } };
}

function refOf(m: Manifest, ns: string): string {
  const n = withNamespace(m, ns).metadata?.namespace;
  return `${m.kind}/${n ? `${n}/` : ''}${m.metadata?.name ?? '?'}`;
}

async function liveOf(kube: KubePort, manifest: readonly Manifest[], ns: string): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const m of manifest) {
    const w = withNamespace(m, ns);
    const live = await kube.get({ apiVersion: String(m.apiVersion), kind: String(m.kind), name: String(m.metadata?.name), ...(w.metadata?.namespace ? { namespace: String(w.metadata.namespace) } : {}) });
    if (live) out.push(live as Manifest);
  }
  return out;
}

async function driftOf(kube: KubePort, manifest: readonly Manifest[], spec: AddonSpec) {
  return detectDrift({ desired: manifest, live: await liveOf(kube, manifest, spec.namespace), defaultNamespace: spec.namespace, ignore: spec.driftDetection?.ignore });
}

/** Default kstatus readiness of the release's objects plus spec.healthChecks. */
async function healthOf(kube: KubePort, manifest: readonly Manifest[], spec: AddonSpec) {
  const items: ObjectHealth[] = [];
  for (const m of manifest) {
    const w = withNamespace(m, spec.namespace);
    const live = await kube.get({ apiVersion: String(m.apiVersion), kind: String(m.kind), name: String(m.metadata?.name), ...(w.metadata?.namespace ? { namespace: String(w.metadata.namespace) } : {}) });
    items.push(objectHealth(live as never, refOf(m, spec.namespace)));
  }
  items.push(...(await healthChecksOf(kube, spec.healthChecks ?? [])));
  return aggregateHealth(items);
}
