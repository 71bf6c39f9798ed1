// The Kubernetes objects of one run (issue 12 item 1): a ConfigMap holding the k6 script, and one
// batch/v1 Job per load pod. k6 runners split the load with execution segments (as k6-operator
// does), so parallelism N runs the spec's load once in total, not N times; stress-ng runs the full
// stressors in each pod. Jobs never retry (backoffLimit 0: a failed run is a result), carry the
// run id in their labels, and are bounded by spec.timeout (activeDeadlineSeconds).
import { parseDuration } from './duration.js';
import type { K6Script } from './k6-script.js';
import type { LoadTestSpec } from './spec-types.js';
import { stressNgArgs } from './stress-ng-args.js';

export const K6_IMAGE = 'grafana/k6:1.0.0';
export const STRESS_NG_IMAGE = 'ghcr.io/colinianking/stress-ng:latest';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_LOADTEST = 'hostplane.dev/loadtest';
export const LABEL_RUN = 'hostplane.dev/run';
export const LABEL_RUNNER = 'hostplane.dev/runner';

type Obj = Record<string, unknown>;

export interface RunObjects {
  configMap?: Obj;
  jobs: Obj[];
}

/** A DNS-1123 name of at most 63 characters; long names keep a hash-free, deterministic cut. */
export function runObjectName(loadTest: string, runId: string, suffix = ''): string {
  const tail = `-${runId}${suffix}`;
  const head = `lt-${loadTest}`.slice(0, 63 - tail.length).replace(/-+$/, '');
  return `${head}${tail}`;
}

export function runLabels(loadTest: string, runId: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: 'hostplane', [LABEL_LOADTEST]: loadTest.slice(0, 63), [LABEL_RUN]: runId };
}

/** k6 execution segment of runner i of n, and the shared sequence ("0,1/3,2/3,1"). */
export function executionSegment(i: number, n: number): { segment: string; sequence: string } {
  const frac = (k: number) => (k === 0 ? '0' : k === n ? '1' : `${k}/${n}`);
  return { segment: `${frac(i)}:${frac(i + 1)}`, sequence: Array.from({ length: n + 1 }, (_, k) => frac(k)).join(',') };
}

export interface RunInput {
  loadTest: string;
  runId: string;
  spec: LoadTestSpec;
  /** For http and scaling: the script files from k6-script.ts. */
  script?: K6Script;
}

export function buildRunObjects(inp: RunInput): RunObjects {
  const { spec, loadTest, runId } = inp;
  const labels = runLabels(loadTest, runId);
  const deadline = Math.ceil((parseDuration(spec.timeout) ?? 30 * 60_000) / 1000);
  const n = spec.parallelism;
  const podSpecBase = {
    restartPolicy: 'Never',
    ...(spec.target?.nodeSelector ? { nodeSelector: spec.target.nodeSelector } : {}),
  };
  const job = (i: number, container: Obj, volumes: Obj[] = []): Obj => {
    const podLabels = { ...labels, [LABEL_RUNNER]: String(i) };
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: runObjectName(loadTest, runId, n > 1 ? `-${i}` : ''), namespace: spec.namespace, labels: podLabels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: deadline,
        template: {
          // an Istio sidecar would keep the Job from completing (k6-operator #42)
          metadata: { labels: podLabels, annotations: { 'sidecar.istio.io/inject': 'false' } },
          spec: { ...podSpecBase, containers: [container], ...(volumes.length > 0 ? { volumes } : {}) },
        },
      },
    };
  };

  if (spec.type === 'http' || spec.type === 'scaling') {
    if (!inp.script || !spec.k6) throw new Error('http and scaling runs need a k6 script (k6-script.ts)');
    const cmName = runObjectName(loadTest, runId, '-script');
    const configMap: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cmName, namespace: spec.namespace, labels }, data: inp.script.files };
    const env = Object.entries(spec.k6.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const jobs = Array.from({ length: n }, (_, i) => {
      const seg = n > 1 ? executionSegment(i, n) : undefined;
      const args = ['run', '--quiet', ...env, ...(seg ? ['--execution-segment', seg.segment, '--execution-segment-sequence', seg.sequence] : []), `/scripts/${inp.script!.entry}`];
      return job(
        i,
        {
          name: 'k6',
          image: spec.k6!.image ?? K6_IMAGE,
          args,
          volumeMounts: [{ name: 'script', mountPath: '/scripts', readOnly: true }],
          resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '1Gi' } },
        },
        [{ name: 'script', configMap: { name: cmName } }],
      );
    });
    return { configMap, jobs };
  }

  const s = spec.stressNg!;
  const resources = s.resources ?? { requests: { cpu: '100m', memory: '64Mi' } };
  const jobs = Array.from({ length: n }, (_, i) => job(i, { name: 'stress-ng', image: s.image ?? STRESS_NG_IMAGE, args: stressNgArgs(spec), resources }));
  return { jobs };
}
