// argv for the helm CLI from a release action and the Addon spec (issue 11 items 3 and 8;
// reference §2.1 and §2.5). Argument arrays only, never a shell line. Flags follow the detected
// helm major: --wait=watcher|legacy on 4 and a plain --wait on 3, --force-replace on 4 and --force
// on 3. Never --atomic / --rollback-on-failure: remediation is hostplane's (release-state.ts).
// The values travel in a 0600 file the runtime writes (-f), never on the command line.
import { OWNER_LABEL } from './release-state.js';
import type { AddonSpec } from './spec-types.js';

export type HelmMajor = 3 | 4;

export interface ReleaseTarget {
  addonName: string;
  releaseName: string;
  /** Chart reference as helm takes it: repo/chart after `repo add`, oci://…, or a local path/.tgz. */
  chartRef: string;
  /** --version, unless the chartRef is a local archive. */
  version?: string;
  /** Path of the values file the runtime wrote (mode 0600). */
  valuesFile: string;
}

function waitFlags(spec: AddonSpec, major: HelmMajor): string[] {
  if (spec.wait === 'none') return [];
  return major === 4 ? [`--wait=${spec.wait}`] : ['--wait'];
}

/** `helm upgrade --install` (install and upgrade both go through it, as Flux's CLI-less twin). */
export function upgradeInstallArgs(t: ReleaseTarget, spec: AddonSpec, major: HelmMajor, opts: { action: 'install' | 'upgrade'; takeOwnership?: boolean }): string[] {
  const crds = opts.action === 'install' ? spec.install.crds : spec.upgrade.crds;
  const args = [
    'upgrade', '--install', t.releaseName, t.chartRef,
    '--namespace', spec.namespace,
    ...(spec.createNamespace ? ['--create-namespace'] : []),
    ...(t.version ? ['--version', t.version] : []),
    '--values', t.valuesFile,
    ...waitFlags(spec, major),
    '--timeout', spec.timeout,
    '--history-max', String(spec.maxHistory),
    '--labels', `${OWNER_LABEL}=${t.addonName}`,
    '--output', 'json',
  ];
  // helm installs CRDs from crds/ on install only; Skip turns that off (CreateReplace is applied by hostplane)
  if (crds === 'Skip') args.push('--skip-crds');
  if (opts.action === 'upgrade' && spec.upgrade.force) args.push(major === 4 ? '--force-replace' : '--force');
  if (opts.action === 'upgrade' && spec.upgrade.cleanupOnFail) args.push('--cleanup-on-fail');
  if (opts.takeOwnership) args.push('--take-ownership');
  return args;
}

export function rollbackArgs(releaseName: string, revision: number, spec: AddonSpec, major: HelmMajor): string[] {
  return ['rollback', releaseName, String(revision), '--namespace', spec.namespace, ...waitFlags(spec, major), '--timeout', spec.timeout, ...(spec.upgrade.cleanupOnFail ? ['--cleanup-on-fail'] : [])];
}

export function uninstallArgs(releaseName: string, spec: AddonSpec): string[] {
  const u = spec.uninstall ?? {};
  return ['uninstall', releaseName, '--namespace', spec.namespace, ...(u.disableWait ? [] : ['--wait']), '--timeout', u.timeout ?? spec.timeout, ...(u.keepHistory ? ['--keep-history'] : [])];
}

export function testArgs(releaseName: string, spec: AddonSpec): string[] {
  return ['test', releaseName, '--namespace', spec.namespace, '--timeout', spec.test?.timeout ?? spec.timeout];
}

/** Reading state back: status and history as JSON; list -a only on helm 3 (helm 4 lists all and has no -a). */
export function statusArgs(releaseName: string, namespace: string): string[] {
  return ['status', releaseName, '--namespace', namespace, '--output', 'json'];
}

export function historyArgs(releaseName: string, namespace: string, max: number): string[] {
  return ['history', releaseName, '--namespace', namespace, '--max', String(max), '--output', 'json'];
}

export function listArgs(namespace: string, major: HelmMajor): string[] {
  return ['list', '--namespace', namespace, ...(major === 3 ? ['--all'] : []), '--output', 'json'];
}
