// The LoadTest spec as crds/loadtest.yaml declares it (defaults applied by the schema). Kept in
// step with the CRD by spec-types.test.ts.

export type LoadTestType = 'http' | 'scaling' | 'cpu' | 'memory';

export interface K6Spec {
  vus: number;
  duration: string;
  stages?: Array<{ duration: string; target: number }>;
  script?: string;
  image?: string;
  summaryTrendStats: string[];
  env?: Record<string, string>;
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface StressNgSpec {
  workers: number;
  duration: string;
  cpuLoad: number;
  vmBytes: string | number;
  image?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

export interface ThresholdsSpec {
  p95?: string;
  p99?: string;
  errorRate?: string;
  minRps?: number;
  maxReplicas?: number;
}

export interface LoadTestSpec {
  cluster: string;
  type: LoadTestType;
  displayName?: string;
  target?: { url?: string; deployments?: string[]; nodeSelector?: Record<string, string> };
  k6?: K6Spec;
  stressNg?: StressNgSpec;
  cooldown: string;
  sampleInterval: string;
  thresholds?: ThresholdsSpec;
  dependsOn?: string[];
  runPolicy: 'OnGenerationChange' | 'Manual';
  namespace: string;
  parallelism: number;
  timeout: string;
  cleanup: 'Always' | 'OnSuccess' | 'Never';
  keepRuns: number;
  suspend?: boolean;
}

/** Every top-level spec field, checked against the CRD by spec-types.test.ts. */
export const LOADTEST_SPEC_FIELDS = [
  'cluster', 'type', 'displayName', 'target', 'k6', 'stressNg', 'cooldown', 'sampleInterval', 'thresholds', 'dependsOn',
  'runPolicy', 'namespace', 'parallelism', 'timeout', 'cleanup', 'keepRuns', 'suspend',
] as const satisfies readonly (keyof LoadTestSpec)[];

export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];

type Partialish = Omit<Partial<LoadTestSpec>, 'k6' | 'stressNg'> & { cluster: string; type: LoadTestType; k6?: Partial<K6Spec>; stressNg?: Partial<StressNgSpec> };

/** Fills what the CRD defaults (k6 for http/scaling, stressNg for cpu/memory). */
export function withLoadTestDefaults(raw: Partialish): LoadTestSpec {
  const isK6 = raw.type === 'http' || raw.type === 'scaling';
  return {
    ...(raw as Partial<LoadTestSpec>),
    cluster: raw.cluster,
    type: raw.type,
    k6: isK6 || raw.k6 ? { vus: 10, duration: '30s', summaryTrendStats: DEFAULT_TREND_STATS, ...(raw.k6 ?? {}) } : undefined,
    stressNg: !isK6 || raw.stressNg ? { workers: 1, duration: '30s', cpuLoad: 100, vmBytes: '256M', ...(raw.stressNg ?? {}) } : undefined,
    cooldown: raw.cooldown ?? '0s',
    sampleInterval: raw.sampleInterval ?? '5s',
    runPolicy: raw.runPolicy ?? 'OnGenerationChange',
    namespace: raw.namespace ?? 'loadtest',
    parallelism: raw.parallelism ?? 1,
    timeout: raw.timeout ?? '30m',
    cleanup: raw.cleanup ?? 'Always',
    keepRuns: raw.keepRuns ?? 10,
  };
}
