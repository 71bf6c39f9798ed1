// The Addon spec as crds/addon.yaml declares it (defaults applied by the schema). Kept in step
// with the CRD by spec-types.test.ts.

export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';
export type FailureStrategy = 'RemediateOnFailure' | 'RetryOnFailure';

export interface ValuesFromSource {
  secret: string;
  targetPath?: string;
  optional?: boolean;
}

export interface DriftIgnoreRule {
  paths: string[];
  target?: { kind?: string; name?: string; namespace?: string };
}

export interface HealthCheckRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  condition?: string;
}

export interface AddonSpec {
  cluster: string;
  helm?: { repo?: string; chart: string; version?: string; releaseName?: string };
  manifests?: string[];
  namespace: string;
  createNamespace: boolean;
  values?: Record<string, unknown>;
  valuesFiles?: string[];
  valuesFrom?: ValuesFromSource[];
  adopt: boolean;
  dependsOn?: string[];
  timeout: string;
  wait: 'watcher' | 'legacy' | 'none';
  interval: string;
  maxHistory: number;
  install: {
    crds: CrdPolicy;
    strategy: { name: FailureStrategy; retryInterval: string };
    remediation: { retries: number; remediateLastFailure: boolean };
  };
  upgrade: {
    crds: CrdPolicy;
    force: boolean;
    cleanupOnFail: boolean;
    strategy: { name: FailureStrategy; retryInterval: string };
    remediation: { retries: number; strategy: 'rollback' | 'uninstall'; remediateLastFailure?: boolean };
  };
  test?: { enable: boolean; ignoreFailures: boolean; timeout?: string };
  uninstall?: { keepHistory?: boolean; disableWait?: boolean; timeout?: string };
  driftDetection?: { mode: 'enabled' | 'warn' | 'disabled'; ignore?: DriftIgnoreRule[] };
  healthChecks?: HealthCheckRef[];
  deletionPolicy: 'Delete' | 'Retain';
  suspend?: boolean;
}

/** Every top-level spec field, checked against the CRD by spec-types.test.ts. */
export const ADDON_SPEC_FIELDS = [
  'cluster', 'helm', 'manifests', 'namespace', 'createNamespace', 'values', 'valuesFiles', 'valuesFrom', 'adopt', 'dependsOn',
  'timeout', 'wait', 'interval', 'maxHistory', 'install', 'upgrade', 'test', 'uninstall', 'driftDetection', 'healthChecks',
  'deletionPolicy', 'suspend',
] as const satisfies readonly (keyof AddonSpec)[];

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Fills what the CRD defaults, so pure logic can be called with a hand-written partial spec. */
export function withAddonDefaults(raw: DeepPartial<AddonSpec> & { cluster: string }): AddonSpec {
  const i = raw.install ?? {};
  const u = raw.upgrade ?? {};
  return {
    ...(raw as Partial<AddonSpec>),
    cluster: raw.cluster,
    namespace: raw.namespace ?? 'default',
    createNamespace: raw.createNamespace ?? true,
    adopt: raw.adopt ?? false,
    timeout: raw.timeout ?? '5m',
    wait: raw.wait ?? 'watcher',
    interval: raw.interval ?? '10m',
    maxHistory: raw.maxHistory ?? 5,
    install: {
      crds: i.crds ?? 'Create',
      strategy: { name: i.strategy?.name ?? 'RemediateOnFailure', retryInterval: i.strategy?.retryInterval ?? '5m' },
      remediation: { retries: i.remediation?.retries ?? 0, remediateLastFailure: i.remediation?.remediateLastFailure ?? false },
    },
    upgrade: {
      crds: u.crds ?? 'Skip',
      force: u.force ?? false,
      cleanupOnFail: u.cleanupOnFail ?? false,
      strategy: { name: u.strategy?.name ?? 'RemediateOnFailure', retryInterval: u.strategy?.retryInterval ?? '5m' },
      remediation: { retries: u.remediation?.retries ?? 0, strategy: u.remediation?.strategy ?? 'rollback', remediateLastFailure: u.remediation?.remediateLastFailure },
    },
    deletionPolicy: raw.deletionPolicy ?? 'Delete',
  } as AddonSpec;
}

/** Helm release name: spec.helm.releaseName, else the Addon name. */
export function releaseNameOf(name: string, spec: AddonSpec): string {
  return spec.helm?.releaseName ?? name;
}
