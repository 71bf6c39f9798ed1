// spec.healthChecks read from the cluster: each named object must exist and be ready (kstatus), or
// carry the named condition True — e.g. APIService v1beta1.metrics.k8s.io Available.
import type { KubePort } from '../../ports/kube.js';
import { conditionHealth, objectHealth, type ObjectHealth } from './health.js';
import type { HealthCheckRef } from './spec-types.js';

export async function healthChecksOf(kube: KubePort, checks: readonly HealthCheckRef[]): Promise<ObjectHealth[]> {
  const out: ObjectHealth[] = [];
  for (const h of checks) {
    const live = await kube.get({ apiVersion: h.apiVersion, kind: h.kind, name: h.name, ...(h.namespace ? { namespace: h.namespace } : {}) });
    const ref = `${h.kind}/${h.namespace ? `${h.namespace}/` : ''}${h.name}`;
    out.push(!live ? objectHealth(undefined, ref) : h.condition ? conditionHealth(live as never, h.condition) : objectHealth(live as never, ref));
  }
  return out;
}
