// Per-major helm flags (reference addons-loadtests §2.1, §2.5): what differs between helm 3 and 4
// for the calls we make. Everything else is spelled the same on both.
import type { WriteOptions } from '../../ports/helm.js';

export type HelmMajor = 3 | 4;

export interface FlagTable {
  /** `list` including pending/uninstalled/superseded: helm 3 needs -a, helm 4 has no -a (it fails). */
  listAll: string[];
  /** Replace resources that cannot be patched. */
  force: string;
  /** Wait for readiness: helm 4 takes a strategy (watcher = kstatus), helm 3 a boolean. */
  wait: string;
  /** helm 4 only. */
  serverSide?: (v: boolean | 'auto') => string;
}

export const FLAGS: Record<HelmMajor, FlagTable> = {
  3: { listAll: ['-a'], force: '--force', wait: '--wait' },
  4: { listAll: [], force: '--force-replace', wait: '--wait=watcher', serverSide: (v) => `--server-side=${String(v)}` },
};

/** Durations as helm parses them (Go time.Duration). */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`timeout must be positive, got ${ms}`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.ceil(ms)}ms`;
}

/** Flags shared by install and upgrade, chosen by major. Values are added by the caller as -f <file>. */
export function writeFlags(major: HelmMajor, o: WriteOptions, action: 'install' | 'upgrade' | 'rollback'): string[] {
  const f = FLAGS[major];
  const args: string[] = [];
  if (o.timeoutMs !== undefined) args.push('--timeout', goDuration(o.timeoutMs));
  if (o.wait) {
    args.push(major === 4 && o.waitStrategy === 'legacy' ? '--wait=legacy' : f.wait);
    if (o.waitForJobs) args.push('--wait-for-jobs');
  }
  if (o.forceReplace) args.push(f.force);
  if (o.serverSide !== undefined && f.serverSide) args.push(f.serverSide(o.serverSide));
  if (o.cleanupOnFail) args.push('--cleanup-on-fail');
  if (o.historyMax !== undefined) args.push('--history-max', String(o.historyMax));
  if (o.disableHooks) args.push('--no-hooks');
  if (action !== 'rollback') {
    if (o.createNamespace) args.push('--create-namespace');
    if (o.skipCrds) args.push('--skip-crds');
    if (o.takeOwnership) args.push('--take-ownership');
    if (o.labels && Object.keys(o.labels).length > 0) args.push('--labels', Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(','));
    if (o.disableOpenAPIValidation) args.push('--disable-openapi-validation');
    if (o.description !== undefined) args.push('--description', o.description);
  }
  return args;
}
