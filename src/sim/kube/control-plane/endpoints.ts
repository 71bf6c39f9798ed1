// Endpoints and EndpointSlice controllers for Services with a selector: ready pods in
// `addresses`, not-ready ones in `notReadyAddresses` (or all ready with publishNotReadyAddresses),
// target ports resolved by number or by the container port's name.
import type { Env } from './env.js';
import { WorkQueue } from './runtime.js';
import { R, controllerRef, isStatusError, matchesMap, podDeleting, podReady, podTerminal, splitKey, stableJson, type Json, type Obj } from './util.js';

function resolvePort(pod: Obj, sp: Json): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(String(tp))) return Number(tp);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  return undefined;
}

export class EndpointsController {
  private queue: WorkQueue;

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'endpoints', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.services, (ev) => this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`));
    this.env.hub.on(R.pods, (ev) => {
      const ns = ev.object.metadata.namespace ?? '';
      for (const s of this.env.store.list(R.services, { namespace: ns }).items as Obj[]) {
        if (matchesMap(ev.object.metadata.labels, s.spec?.selector)) this.queue.add(`${ns}/${s.metadata.name}`);
      }
    });
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const svc = this.env.store.get(R.services, ns, name) as Obj | undefined;
    if (!svc || !svc.spec?.selector || !Object.keys(svc.spec.selector).length || svc.spec?.type === 'ExternalName') {
      // No selector: endpoints are the user's business; a deleted service's go with GC or here.
      if (!svc) this.deleteQuiet(R.endpoints, ns, name);
      return;
    }
    const publishNotReady = !!svc.spec.publishNotReadyAddresses;
    const pods = (this.env.store.list(R.pods, { namespace: ns }).items as Obj[]).filter(
      (p) => matchesMap(p.metadata.labels, svc.spec.selector) && p.status?.podIP && !podTerminal(p) && !podDeleting(p),
    );
    pods.sort((a, b) => String(a.status.podIP).localeCompare(String(b.status.podIP)));
    const ports: Json[] = svc.spec.ports ?? [];
    // Group pods by their resolved port set (normally one subset).
    const subsets = new Map<string, { ports: Json[]; addresses: Json[]; notReadyAddresses: Json[] }>();
    const slicesEps: Json[] = [];
    let slicePorts: Json[] | undefined;
    for (const p of pods) {
      const resolved = ports.map((sp) => ({ ...(sp.name ? { name: sp.name } : {}), port: resolvePort(p, sp), protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) })).filter((x) => x.port !== undefined);
      if (ports.length && !resolved.length) continue;
      const k = stableJson(resolved);
      let s = subsets.get(k);
      if (!s) subsets.set(k, (s = { ports: resolved, addresses: [], notReadyAddresses: [] }));
      const addr = { ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid } };
      const ready = podReady(p) || publishNotReady;
      (ready ? s.addresses : s.notReadyAddresses).push(addr);
      slicePorts ??= resolved;
      slicesEps.push({ addresses: [p.status.podIP], conditions: { ready, serving: podReady(p), terminating: false }, nodeName: p.spec.nodeName, targetRef: addr.targetRef });
    }
    const subsetList = [...subsets.values()].map((s) => ({
      ...(s.addresses.length ? { addresses: s.addresses } : {}),
      ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses } : {}),
      ...(s.ports.length ? { ports: s.ports } : {}),
    }));
    const labels = { ...(svc.metadata.labels ?? {}), ...(svc.spec.clusterIP === 'None' ? { 'service.kubernetes.io/headless': '' } : {}) };
    const desired: Obj = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels }, ...(subsetList.length ? { subsets: subsetList } : {}) };
    const cur = this.env.store.get(R.endpoints, ns, name) as Obj | undefined;
    if (!cur) this.env.store.create(R.endpoints, desired);
    else if (stableJson(cur.subsets ?? []) !== stableJson(desired.subsets ?? []) || stableJson(cur.metadata.labels ?? {}) !== stableJson(labels)) {
      this.env.store.update(R.endpoints, { ...cur, metadata: { ...cur.metadata, labels }, subsets: desired.subsets });
    }
    this.syncSlice(svc, slicesEps, slicePorts ?? ports.map((sp) => ({ name: sp.name ?? '', port: typeof sp.targetPort === 'number' ? sp.targetPort : sp.port, protocol: sp.protocol ?? 'TCP' })));
  }

  private syncSlice(svc: Obj, endpoints: Json[], ports: Json[]): void {
    const ns = svc.metadata.namespace;
    const name = svc.metadata.name ?? '';
    const existing = (this.env.store.list(R.endpointslices, { namespace: ns }).items as Obj[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
    const labels = { ...(svc.metadata.labels ?? {}), 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': name };
    const body = { addressType: 'IPv4', endpoints, ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })) };
    const cur = existing[0];
    for (const extra of existing.slice(1)) this.deleteQuiet(R.endpointslices, ns, extra.metadata.name ?? '');
    if (!cur) {
      this.env.store.create(R.endpointslices, {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: `${name}-${this.env.rand.suffix()}`, namespace: ns, labels, ownerReferences: [controllerRef(svc)] },
        ...body,
      });
    } else if (stableJson({ a: cur.addressType, e: cur.endpoints ?? [], p: cur.ports ?? [] }) !== stableJson({ a: body.addressType, e: body.endpoints, p: body.ports })) {
      this.env.store.update(R.endpointslices, { ...cur, ...body });
    }
  }

  private deleteQuiet(res: typeof R.endpoints, ns: string | undefined, name: string): void {
    try {
      this.env.store.delete(res, ns, name);
    } catch (e) {
      if (!isStatusError(e, 404)) throw e;
    }
  }
}
