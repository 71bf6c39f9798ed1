// Pods made from a controller's template, owned by it, as the built-in controllers make them.
import type { Env } from './env.js';
import { R, clone, controllerRef, isOwnedBy, type Json, type Obj } from './util.js';

export const CM = { component: 'kube-controller-manager' };

export function podFromTemplate(owner: Obj, template: Json, name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Json } = {}): Obj {
  const t = clone(template ?? {});
  const spec = { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', ...(t.spec ?? {}), ...(extra.spec ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
      ...(t.metadata?.annotations || extra.annotations ? { annotations: { ...(t.metadata?.annotations ?? {}), ...(extra.annotations ?? {}) } } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec,
  };
}

/** Pods whose controller is `owner`. */
export function ownedPods(env: Env, owner: Obj): Obj[] {
  return (env.store.list(R.pods, { namespace: owner.metadata.namespace }).items as Obj[]).filter((p) => isOwnedBy(p, owner));
}

/** Create with a seeded generated name, retrying on a name clash. */
export function createPod(env: Env, owner: Obj, make: (name: string) => Obj, base: string): Obj {
  for (let i = 0; i < 5; i++) {
    const name = `${base}-${env.rand.suffix()}`;
    try {
      return env.store.create(R.pods, make(name)) as Obj;
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || i === 4) throw e;
    }
  }
  throw new Error('unreachable');
}

export function deletePod(env: Env, pod: Obj): void {
  try {
    env.store.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? '');
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
}
