// kstatus-style readiness of Kubernetes objects from their JSON (issue 11 item 5), the way Flux's
// poller and helm 4's watcher judge them: Current (ready), InProgress, Failed, or NotFound.
// Each result carries a message naming the object and what it waits for, so a timeout can say
// which resource was not ready (helm-controller #716).

export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'NotFound';

export interface ObjectHealth {
  ref: string;
  status: HealthStatus;
  message: string;
}

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};
type Cond = { type: string; status: string; reason?: string; message?: string };

export function objectRef(o: Obj): string {
  const ns = o.metadata?.namespace;
  return `${o.kind ?? '?'}/${ns ? `${ns}/` : ''}${o.metadata?.name ?? '?'}`;
}

const num = (x: unknown, dflt = 0) => (typeof x === 'number' ? x : dflt);
const conds = (o: Obj): Cond[] => (Array.isArray(o.status?.conditions) ? (o.status!.conditions as Cond[]) : []);
const cond = (o: Obj, type: string) => conds(o).find((c) => c.type === type);

export function objectHealth(o: Obj | undefined, refIfMissing = 'object'): ObjectHealth {
  if (!o) return { ref: refIfMissing, status: 'NotFound', message: `${refIfMissing} not found` };
  const ref = objectRef(o);
  const r = (status: HealthStatus, what: string): ObjectHealth => ({ ref, status, message: `${ref}: ${what}` });
  if (o.metadata?.deletionTimestamp) return r('InProgress', 'being deleted');
  const gen = o.metadata?.generation;
  const observed = o.status?.observedGeneration;
  if (typeof gen === 'number' && typeof observed === 'number' && observed < gen) return r('InProgress', `generation ${gen} not observed yet (at ${observed})`);
  const s = o.status ?? {};
  const spec = o.spec ?? {};

  switch (o.kind) {
    case 'Deployment': {
      const want = num(spec.replicas, 1);
      const progressing = cond(o, 'Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') return r('Failed', `progress deadline exceeded${progressing.message ? ` (${progressing.message})` : ''}`);
      if (spec.paused === true) return r('InProgress', 'rollout paused');
      const updated = num(s.updatedReplicas);
      const total = num(s.replicas);
      const available = num(s.availableReplicas);
      if (updated < want) return r('InProgress', `${updated}/${want} replicas updated`);
      if (total > updated) return r('InProgress', `${total - updated} old replicas pending termination`);
      if (available < want) return r('InProgress', `${available}/${want} replicas available`);
      return r('Current', `${available}/${want} replicas available`);
    }
    case 'DaemonSet': {
      const want = num(s.desiredNumberScheduled);
      const updated = num(s.updatedNumberScheduled);
      const available = num(s.numberAvailable);
      if (s.desiredNumberScheduled === undefined) return r('InProgress', 'not scheduled yet');
      if (updated < want) return r('InProgress', `${updated}/${want} pods updated`);
      if (available < want) return r('InProgress', `${available}/${want} pods available`);
      return r('Current', `${available}/${want} pods available`);
    }
    case 'StatefulSet': {
      const want = num(spec.replicas, 1);
      const ready = num(s.readyReplicas);
      const strategy = (spec.updateStrategy as { type?: string } | undefined)?.type ?? 'RollingUpdate';
      if (strategy === 'RollingUpdate' && s.updateRevision !== undefined && s.currentRevision !== s.updateRevision) {
        return r('InProgress', `rolling out revision ${String(s.updateRevision)} (${num(s.updatedReplicas)}/${want} updated)`);
      }
      if (ready < want) return r('InProgress', `${ready}/${want} replicas ready`);
      return r('Current', `${ready}/${want} replicas ready`);
    }
    case 'Job': {
      if (cond(o, 'Failed')?.status === 'True') return r('Failed', `failed: ${cond(o, 'Failed')!.reason ?? ''} ${cond(o, 'Failed')!.message ?? ''}`.trim());
      if (cond(o, 'Complete')?.status === 'True') return r('Current', 'complete');
      return r('InProgress', `${num(s.succeeded)} succeeded, ${num(s.active)} active`);
    }
    case 'PersistentVolumeClaim': {
      const phase = s.phase as string | undefined;
      if (phase === 'Bound') return r('Current', 'bound');
      if (phase === 'Lost') return r('Failed', 'volume lost');
      return r('InProgress', `${phase ?? 'Pending'}: no volume bound (is there a default StorageClass?)`);
    }
    case 'Pod': {
      const phase = s.phase as string | undefined;
      if (phase === 'Succeeded') return r('Current', 'succeeded');
      if (phase === 'Failed') return r('Failed', `failed${s.reason ? `: ${String(s.reason)}` : ''}`);
      if (cond(o, 'Ready')?.status === 'True') return r('Current', 'ready');
      return r('InProgress', `${phase ?? 'Pending'}, not ready`);
    }
    case 'Service': {
      if (spec.type === 'LoadBalancer') {
        const ingress = (s.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
        return ingress && ingress.length > 0 ? r('Current', 'load balancer ready') : r('InProgress', 'waiting for a load balancer address');
      }
      return r('Current', 'service');
    }
    case 'CustomResourceDefinition':
      return cond(o, 'Established')?.status === 'True' ? r('Current', 'established') : r('InProgress', 'not established yet');
    case 'Namespace':
      return s.phase === 'Terminating' ? r('InProgress', 'terminating') : r('Current', 'active');
    case 'APIService':
      return conditionHealth(o, 'Available');
    default: {
      if (cond(o, 'Stalled')?.status === 'True') return r('Failed', `stalled: ${cond(o, 'Stalled')!.message ?? ''}`.trim());
      if (cond(o, 'Reconciling')?.status === 'True') return r('InProgress', 'reconciling');
      const ready = cond(o, 'Ready');
      if (ready) return ready.status === 'True' ? r('Current', 'ready') : r('InProgress', `Ready=${ready.status}${ready.message ? `: ${ready.message}` : ''}`);
      return r('Current', 'exists');
    }
  }
}

/** spec.healthChecks with a condition: that condition must be True. */
export function conditionHealth(o: Obj, type: string): ObjectHealth {
  const ref = objectRef(o);
  const c = cond(o, type);
  if (c?.status === 'True') return { ref, status: 'Current', message: `${ref}: ${type}=True` };
  return { ref, status: 'InProgress', message: `${ref}: ${type}=${c?.status ?? 'missing'}${c?.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}` };
}

const RANK: Record<HealthStatus, number> = { Current: 0, InProgress: 1, NotFound: 2, Failed: 3 };

/** Worst of all; the message names every object that is not Current. */
export function aggregateHealth(items: readonly ObjectHealth[]): { status: HealthStatus; message: string; notReady: ObjectHealth[] } {
  const notReady = items.filter((i) => i.status !== 'Current');
  const status = items.reduce<HealthStatus>((w, i) => (RANK[i.status] > RANK[w] ? i.status : w), 'Current');
  return { status, notReady, message: notReady.length === 0 ? `${items.length} objects ready` : notReady.map((i) => i.message).join('; ') };
}
