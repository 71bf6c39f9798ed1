// helm's stderr → something a person can act on (issue 11 item 8; reference §2.3). helm exits 1
// for every error, so the text is classified: a locked release, a name in use, the values the
// chart's schema rejected (named), a chart or version that does not exist, an unreachable
// repository, a timeout (with the resources that were not ready). Each class carries the Ready
// reason for the action and whether retrying can help.

export type HelmErrorKind = 'Locked' | 'NameInUse' | 'NoDeployedReleases' | 'ReleaseNotFound' | 'SchemaRejected' | 'ChartNotFound' | 'RepoUnreachable' | 'Timeout' | 'Other';

export interface HelmErrorInfo {
  kind: HelmErrorKind;
  /** Ready reason for the failed action (crds/addon.yaml). */
  reason: 'InstallFailed' | 'UpgradeFailed' | 'RollbackFailed' | 'UninstallFailed' | 'ArtifactFailed' | 'TestFailed';
  retryable: boolean;
  message: string;
  /** SchemaRejected: the rejected value paths and what the schema said, one per entry. */
  rejected?: string[];
  /** Timeout: the resources that were not ready (helm 4 watcher lines). */
  notReady?: string[];
}

export type HelmVerb = 'install' | 'upgrade' | 'rollback' | 'uninstall' | 'test' | 'pull';

const FAILED_REASON: Record<HelmVerb, HelmErrorInfo['reason']> = {
  install: 'InstallFailed',
  upgrade: 'UpgradeFailed',
  rollback: 'RollbackFailed',
  uninstall: 'UninstallFailed',
  test: 'TestFailed',
  pull: 'ArtifactFailed',
};

/** The first "Error: …" line without helm's prefixes, or the last non-empty line. */
function headline(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => l.startsWith('Error:')) ?? lines.at(-1) ?? 'helm failed without a message';
  return err.replace(/^Error:\s*/, '').replace(/^(INSTALLATION|UPGRADE) FAILED:\s*/, '');
}

export function classifyHelmError(verb: HelmVerb, stderr: string, chartRef?: string): HelmErrorInfo {
  const reason = FAILED_REASON[verb];
  const head = headline(stderr);
  const r = (kind: HelmErrorKind, retryable: boolean, message: string, extra: Partial<HelmErrorInfo> = {}): HelmErrorInfo => ({ kind, reason, retryable, message, ...extra });

  if (/another operation \(install\/upgrade\/rollback\) is in progress/.test(stderr)) {
    return r('Locked', true, 'The release is locked by another helm operation (a pending-* revision, often left by a killed helm); hostplane unlocks it when it is stale');
  }
  if (/values don't meet the specifications of the schema/.test(stderr)) {
    const rejected = stderr
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.startsWith('- '))
      .map((l) => l.slice(2));
    return r('SchemaRejected', false, `The chart${chartRef ? ` ${chartRef}` : ''} rejected the values: ${rejected.join('; ') || head}. Fix the values file or inline values (a renamed chart value?)`, { rejected });
  }
  if (/cannot re-?use a name that is still in use/.test(stderr)) return r('NameInUse', true, 'A release of this name already exists; hostplane upgrades it instead of installing');
  if (/has no deployed releases/.test(stderr)) return r('NoDeployedReleases', true, 'The release has no deployed revision; hostplane installs it');
  if (/release: not found/.test(stderr)) return r('ReleaseNotFound', true, 'The release does not exist');
  const notReady = [...stderr.matchAll(/resource ([A-Za-z]+\/[^\s]+) not ready\. status: ([A-Za-z]+)(?:, message: ([^\n]*))?/g)].map((m) => `${m[1]} ${m[2]}${m[3] ? `: ${m[3].trim()}` : ''}`);
  if (notReady.length > 0 || /context deadline exceeded|timed out waiting for the condition/.test(stderr)) {
    return r('Timeout', true, `helm ${verb} timed out${notReady.length > 0 ? ` waiting for ${notReady.join('; ')}` : ' waiting for resources to become ready'}; raise spec.timeout or look at those resources`, notReady.length > 0 ? { notReady } : {});
  }
  if (/is not a valid chart repository or cannot be reached|no such host|connection refused|i\/o timeout|TLS handshake timeout/.test(stderr)) {
    return { kind: 'RepoUnreachable', reason: 'ArtifactFailed', retryable: true, message: `The chart repository cannot be reached: ${head}` };
  }
  if (/chart "[^"]+"( version "[^"]+")? not found|failed to (fetch|download)|no chart version found|no chart name found|: not found$/m.test(stderr)) {
    return { kind: 'ChartNotFound', reason: 'ArtifactFailed', retryable: false, message: `The chart${chartRef ? ` ${chartRef}` : ''} or its version does not exist: ${head}. Check spec.helm.chart, version and repo` };
  }
  return r('Other', true, `helm ${verb} failed: ${head}`);
}
