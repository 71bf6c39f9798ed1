// A simulated cluster on a FakeClock with the demo apps (manifests/demo), their HPAs
// (manifests/hpa) and metrics.k8s.io available, driven by the LoadWorkload model; plus a helper
// that runs one LoadTest spec's Jobs there the way the reconciler creates them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildRunObjects } from '../../src/reconcilers/loadtest/job-manifest.js';
import { generateK6Script, wrapUserK6Script } from '../../src/reconcilers/loadtest/k6-script.js';
import type { LoadTestSpec } from '../../src/reconcilers/loadtest/spec-types.js';
import { makeSim, metricsApi, type Sim } from '../../src/sim/kube/control-plane/testing/harness.js';
import type { KubeObject } from '../../src/sim/kube/object-store.js';
import { LoadWorkload } from '../../src/sim/kube/workload/load-model.js';

const ROOT = join(import.meta.dirname, '../..');

const RES: Record<string, { group: string; version: string; resource: string }> = {
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  Service: { group: '', version: 'v1', resource: 'services' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  HorizontalPodAutoscaler: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  PodDisruptionBudget: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
};

export function manifests(dir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of readdirSync(join(ROOT, dir)).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(ROOT, dir, f), 'utf8'))) {
      const o = d.toJS() as KubeObject | null;
      if (o && o.kind) out.push(o);
    }
  }
  return out;
}

export function applyAll(sim: Sim, objs: KubeObject[]): void {
  for (const o of objs) {
    const r = RES[o.kind!];
    if (!r) continue;
    if (!o.metadata.namespace && o.kind !== 'Namespace') o.metadata.namespace = 'default';
    sim.store.create(r, o);
  }
}

/** Two workers of 4 CPUs; the demo apps ready; HPAs and metrics API in place; the loadtest namespace. */
export function demoLab(opts: { seed?: number; hpa?: boolean } = {}): Sim {
  const sim = makeSim({ workload: new LoadWorkload({ seed: opts.seed ?? 1 }), nodes: 3, nodeCpu: 4 });
  applyAll(sim, manifests('manifests/demo').filter((o) => o.kind !== 'StatefulSet'));
  applyAll(sim, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'loadtest' } }]);
  sim.until(() => ['nginx-web', 'httpbin'].every((n) => (sim.get('deployments', 'demo', n)?.status?.readyReplicas ?? 0) >= (sim.get('deployments', 'demo', n)?.spec.replicas ?? 1)), 120_000, 500);
  if (opts.hpa !== false) {
    sim.apply('apiservices', metricsApi());
    applyAll(sim, manifests('manifests/hpa').filter((o) => o.kind === 'HorizontalPodAutoscaler'));
  }
  return sim;
}

/** Creates the run's ConfigMap and Jobs in the sim (what the reconciler does through the kube port). */
export function startRun(sim: Sim, name: string, runId: string, spec: LoadTestSpec, userScript?: string): string[] {
  const script = spec.type === 'http' || spec.type === 'scaling' ? (userScript !== undefined ? wrapUserK6Script(spec, userScript) : generateK6Script(spec)) : undefined;
  const objs = buildRunObjects({ loadTest: name, runId, spec, script });
  if (objs.configMap) applyAll(sim, [objs.configMap as KubeObject]);
  applyAll(sim, objs.jobs as KubeObject[]);
  return objs.jobs.map((j) => (j as { metadata: { name: string } }).metadata.name);
}

/** The log of the Job's pod (after it ended) and its exit code. */
export function jobResult(sim: Sim, ns: string, job: string): { log: string; exitCode?: number; phase?: string } {
  const pod = sim.list('pods', ns).find((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === job || p.metadata.labels?.['job-name'] === job);
  if (!pod) return { log: '' };
  let log = '';
  try {
    log = sim.cp.logs.read(ns, pod.metadata.name!, {}).text;
  } catch {
    /* the container has not started yet */
  }
  return { log, exitCode: pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, phase: pod.status?.phase };
}
