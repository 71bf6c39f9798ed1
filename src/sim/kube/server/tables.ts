// `kubectl get` human output: the server turns objects into meta.k8s.io/v1 Tables (kube-api.md §3)
// with the columns the real printers use for common kinds, CRD additionalPrinterColumns, or NAME/AGE.
import type { KubeObject } from '../object-store.js';
import type { ResourceDef } from '../store/registry.js';

type Obj = Record<string, any>;
interface Col {
  name: string;
  type?: string;
  format?: string;
  priority?: number;
  description?: string;
  cell: (o: Obj, now: number) => unknown;
}

/** kubectl's HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const age: Col = { name: 'Age', type: 'string', cell: (o, now) => (o.metadata?.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>') };
const name: Col = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata?.name };
const wide = (c: Col): Col => ({ ...c, priority: 1 });
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : v);

function podStatus(p: Obj): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  const cs: Obj[] = p.status?.containerStatuses ?? [];
  for (const c of cs) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') return c.state.terminated.reason;
  }
  if (p.status?.phase === 'Succeeded') return 'Completed';
  if (p.status?.phase === 'Failed') return p.status?.reason ?? 'Error';
  return p.status?.reason ?? p.status?.phase ?? 'Pending';
}

function containersImages(tmpl: Obj | undefined): [string, string] {
  const cs: Obj[] = tmpl?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

function selector(sel: Obj | undefined): string {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? (sel.matchExpressions ? {} : sel)).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) parts.push(`${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(',')})`);
  return parts.join(',') || '<none>';
}

function servicePorts(s: Obj): string {
  const ps: Obj[] = s.spec?.ports ?? [];
  return ps.map((p) => `${p.port}${p.nodePort ? ':' + p.nodePort : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
}

const COLUMNS: Record<string, Col[]> = {
  '/Pod': [
    name,
    { name: 'Ready', type: 'string', cell: (p) => `${(p.status?.containerStatuses ?? []).filter((c: Obj) => c.ready).length}/${(p.spec?.containers ?? []).length}` },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (p) => String((p.status?.containerStatuses ?? []).reduce((n: number, c: Obj) => n + (c.restartCount ?? 0), 0)) },
    age,
    wide({ name: 'IP', type: 'string', cell: (p) => none(p.status?.podIP) }),
    wide({ name: 'Node', type: 'string', cell: (p) => none(p.spec?.nodeName) }),
    wide({ name: 'Nominated Node', type: 'string', cell: (p) => none(p.status?.nominatedNodeName) }),
    wide({ name: 'Readiness Gates', type: 'string', cell: (p) => (p.spec?.readinessGates?.length ? p.spec.readinessGates.length : '<none>') }),
  ],
  'apps/Deployment': [
    name,
    { name: 'Ready', type: 'string', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    age,
    wide({ name: 'Containers', type: 'string', cell: (d) => containersImages(d.spec?.template)[0] }),
    wide({ name: 'Images', type: 'string', cell: (d) => containersImages(d.spec?.template)[1] }),
    wide({ name: 'Selector', type: 'string', cell: (d) => selector(d.spec?.selector) }),
  ],
  'apps/ReplicaSet': [
    name,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    age,
    wide({ name: 'Containers', type: 'string', cell: (d) => containersImages(d.spec?.template)[0] }),
    wide({ name: 'Images', type: 'string', cell: (d) => containersImages(d.spec?.template)[1] }),
    wide({ name: 'Selector', type: 'string', cell: (d) => selector(d.spec?.selector) }),
  ],
  'apps/StatefulSet': [
    name,
    { name: 'Ready', type: 'string', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
    age,
    wide({ name: 'Containers', type: 'string', cell: (d) => containersImages(d.spec?.template)[0] }),
    wide({ name: 'Images', type: 'string', cell: (d) => containersImages(d.spec?.template)[1] }),
  ],
  'networking.k8s.io/Ingress': [
    name,
    { name: 'Class', type: 'string', cell: (i) => i.spec?.ingressClassName ?? '<none>' },
    { name: 'Hosts', type: 'string', cell: (i) => (i.spec?.rules ?? []).map((r: Obj) => r.host ?? '*').join(',') || '*' },
    { name: 'Address', type: 'string', cell: (i) => (i.status?.loadBalancer?.ingress ?? []).map((x: Obj) => x.ip ?? x.hostname).join(',') },
    { name: 'Ports', type: 'string', cell: (i) => ((i.spec?.tls ?? []).length ? '80, 443' : '80') },
    age,
  ],
  'networking.k8s.io/IngressClass': [name, { name: 'Controller', type: 'string', cell: (c) => c.spec?.controller ?? '' }, { name: 'Parameters', type: 'string', cell: (c) => (c.spec?.parameters ? `${c.spec.parameters.kind}/${c.spec.parameters.name}` : '<none>') }, age],
  'policy/PodDisruptionBudget': [
    name,
    { name: 'Min Available', type: 'string', cell: (p) => (p.spec?.minAvailable === undefined ? 'N/A' : String(p.spec.minAvailable)) },
    { name: 'Max Unavailable', type: 'string', cell: (p) => (p.spec?.maxUnavailable === undefined ? 'N/A' : String(p.spec.maxUnavailable)) },
    { name: 'Allowed Disruptions', type: 'integer', cell: (p) => p.status?.disruptionsAllowed ?? 0 },
    age,
  ],
  '/PersistentVolume': [
    name,
    { name: 'Capacity', type: 'string', cell: (v) => v.spec?.capacity?.storage ?? '' },
    { name: 'Access Modes', type: 'string', cell: (v) => (v.spec?.accessModes ?? []).map((m: string) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',') },
    { name: 'Reclaim Policy', type: 'string', cell: (v) => v.spec?.persistentVolumeReclaimPolicy ?? '' },
    { name: 'Status', type: 'string', cell: (v) => v.status?.phase ?? '' },
    { name: 'Claim', type: 'string', cell: (v) => (v.spec?.claimRef ? `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}` : '') },
    { name: 'StorageClass', type: 'string', cell: (v) => v.spec?.storageClassName ?? '' },
    { name: 'Reason', type: 'string', cell: (v) => v.status?.reason ?? '' },
    age,
  ],
  'coordination.k8s.io/Lease': [name, { name: 'Holder', type: 'string', cell: (l) => l.spec?.holderIdentity ?? '' }, age],
  'apps/DaemonSet': [
    name,
    { name: 'Desired', type: 'integer', cell: (d) => d.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (d) => d.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (d) => d.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.numberAvailable ?? 0 },
    { name: 'Node Selector', type: 'string', cell: (d) => selector(d.spec?.template?.spec?.nodeSelector) },
    age,
  ],
  '/Service': [
    name,
    { name: 'Type', type: 'string', cell: (s) => s.spec?.type },
    { name: 'Cluster-IP', type: 'string', cell: (s) => none(s.spec?.clusterIP) },
    { name: 'External-IP', type: 'string', cell: (s) => (s.status?.loadBalancer?.ingress ?? []).map((i: Obj) => i.ip ?? i.hostname).join(',') || (s.spec?.type === 'LoadBalancer' ? '<pending>' : s.spec?.externalName ?? '<none>') },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    age,
    wide({ name: 'Selector', type: 'string', cell: (s) => selector(s.spec?.selector) }),
  ],
  '/Node': [
    name,
    { name: 'Status', type: 'string', cell: (n) => { const r = (n.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready'); const s = r?.status === 'True' ? 'Ready' : r ? 'NotReady' : 'Unknown'; return n.spec?.unschedulable ? `${s},SchedulingDisabled` : s; } },
    { name: 'Roles', type: 'string', cell: (n) => Object.keys(n.metadata?.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice(24)).join(',') || '<none>' },
    age,
    { name: 'Version', type: 'string', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
    wide({ name: 'Internal-IP', type: 'string', cell: (n) => none((n.status?.addresses ?? []).find((a: Obj) => a.type === 'InternalIP')?.address) }),
    wide({ name: 'External-IP', type: 'string', cell: (n) => none((n.status?.addresses ?? []).find((a: Obj) => a.type === 'ExternalIP')?.address) }),
    wide({ name: 'OS-Image', type: 'string', cell: (n) => n.status?.nodeInfo?.osImage ?? '' }),
    wide({ name: 'Kernel-Version', type: 'string', cell: (n) => n.status?.nodeInfo?.kernelVersion ?? '' }),
    wide({ name: 'Container-Runtime', type: 'string', cell: (n) => n.status?.nodeInfo?.containerRuntimeVersion ?? '' }),
  ],
  '/Namespace': [name, { name: 'Status', type: 'string', cell: (n) => n.status?.phase ?? '' }, age],
  '/ConfigMap': [name, { name: 'Data', type: 'integer', cell: (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length }, age],
  '/Secret': [name, { name: 'Type', type: 'string', cell: (s) => s.type ?? '' }, { name: 'Data', type: 'integer', cell: (s) => Object.keys(s.data ?? {}).length }, age],
  '/ServiceAccount': [name, { name: 'Secrets', type: 'integer', cell: (s) => (s.secrets ?? []).length }, age],
  '/Endpoints': [name, { name: 'Endpoints', type: 'string', cell: (e) => (e.subsets ?? []).flatMap((s: Obj) => (s.addresses ?? []).flatMap((a: Obj) => (s.ports ?? [{}]).map((p: Obj) => (p.port ? `${a.ip}:${p.port}` : a.ip)))).join(',') || '<none>' }, age],
  '/PersistentVolumeClaim': [name, { name: 'Status', type: 'string', cell: (p) => p.status?.phase ?? '' }, { name: 'Volume', type: 'string', cell: (p) => p.spec?.volumeName ?? '' }, { name: 'Capacity', type: 'string', cell: (p) => p.status?.capacity?.storage ?? '' }, { name: 'Access Modes', type: 'string', cell: (p) => (p.status?.accessModes ?? []).join(',') }, { name: 'StorageClass', type: 'string', cell: (p) => p.spec?.storageClassName ?? '<unset>' }, age],
  'batch/Job': [
    name,
    { name: 'Status', type: 'string', cell: (j) => ((j.status?.conditions ?? []).find((c: Obj) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed'))?.type ?? 'Running') },
    { name: 'Completions', type: 'string', cell: (j) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}` },
    { name: 'Duration', type: 'string', cell: (j, now) => (j.status?.startTime ? humanDuration((j.status.completionTime ? Date.parse(j.status.completionTime) : now) - Date.parse(j.status.startTime)) : '') },
    age,
  ],
  'batch/CronJob': [name, { name: 'Schedule', type: 'string', cell: (c) => c.spec?.schedule }, { name: 'Suspend', type: 'boolean', cell: (c) => !!c.spec?.suspend }, { name: 'Active', type: 'integer', cell: (c) => (c.status?.active ?? []).length }, { name: 'Last Schedule', type: 'string', cell: (c, now) => (c.status?.lastScheduleTime ? humanDuration(now - Date.parse(c.status.lastScheduleTime)) : '<none>') }, age],
  'autoscaling/HorizontalPodAutoscaler': [
    name,
    { name: 'Reference', type: 'string', cell: (h) => `${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}` },
    { name: 'Targets', type: 'string', cell: (h) => (h.spec?.metrics ?? []).map((m: Obj, i: number) => { const cur = h.status?.currentMetrics?.[i]?.resource?.current?.averageUtilization; const t = m.resource?.target?.averageUtilization; return `${m.resource?.name ?? 'metric'}: ${cur === undefined ? '<unknown>' : cur + '%'}/${t ?? '?'}%`; }).join(', ') || '<none>' },
    { name: 'MinPods', type: 'integer', cell: (h) => h.spec?.minReplicas ?? 1 },
    { name: 'MaxPods', type: 'integer', cell: (h) => h.spec?.maxReplicas },
    { name: 'Replicas', type: 'integer', cell: (h) => h.status?.currentReplicas ?? 0 },
    age,
  ],
  'apiextensions.k8s.io/CustomResourceDefinition': [name, { name: 'Created At', type: 'date', cell: (c) => c.metadata?.creationTimestamp }],
  'apiregistration.k8s.io/APIService': [name, { name: 'Service', type: 'string', cell: (a) => (a.spec?.service ? `${a.spec.service.namespace}/${a.spec.service.name}` : 'Local') }, { name: 'Available', type: 'string', cell: (a) => { const c = (a.status?.conditions ?? []).find((x: Obj) => x.type === 'Available'); return c ? (c.status === 'True' ? 'True' : `False (${c.reason})`) : 'Unknown'; } }, age],
  'storage.k8s.io/StorageClass': [{ ...name, cell: (s) => (s.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? `${s.metadata.name} (default)` : s.metadata?.name) }, { name: 'Provisioner', type: 'string', cell: (s) => s.provisioner }, { name: 'ReclaimPolicy', type: 'string', cell: (s) => s.reclaimPolicy ?? 'Delete' }, { name: 'VolumeBindingMode', type: 'string', cell: (s) => s.volumeBindingMode ?? 'Immediate' }, age],
  '/Event': [
    { name: 'Last Seen', type: 'string', cell: (e, now) => { const t = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp; return t ? humanDuration(now - Date.parse(t)) : '<unknown>'; } },
    { name: 'Type', type: 'string', cell: (e) => e.type },
    { name: 'Reason', type: 'string', cell: (e) => e.reason },
    { name: 'Object', type: 'string', cell: (e) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name}` },
    { name: 'Message', type: 'string', cell: (e) => e.message },
  ],
};

function jsonPathValue(o: Obj, path: string): unknown {
  let cur: any = o;
  for (const seg of path.replace(/^\./, '').split('.').filter(Boolean)) {
    const m = /^(\w+)\[(\d+)\]$/.exec(seg);
    cur = m ? cur?.[m[1]]?.[Number(m[2])] : cur?.[seg];
  }
  return cur;
}

function crdColumns(crd: Obj | undefined, version: string): Col[] | undefined {
  const v = (crd?.spec?.versions ?? []).find((x: Obj) => x.name === version);
  const cols: Obj[] | undefined = v?.additionalPrinterColumns;
  if (!cols?.length) return undefined;
  return [
    name,
    ...cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format,
      priority: c.priority ?? 0,
      description: c.description,
      cell: (o: Obj, now: number) => {
        const val = jsonPathValue(o, c.jsonPath);
        if (c.type === 'date' && typeof val === 'string') return humanDuration(now - Date.parse(val));
        return val ?? null;
      },
    })),
  ];
}

export function toTable(def: ResourceDef, objects: KubeObject[], opts: { now: number; resourceVersion: string; continue?: string; crd?: KubeObject; includeColumns?: boolean; includeObject?: 'None' | 'Object' | 'Metadata' }): Obj {
  // Without a printer: CRs show NAME/AGE, built-ins NAME/CREATED AT (as kube-apiserver's default table).
  const createdAt: Col = { name: 'Created At', type: 'date', cell: (o) => o.metadata?.creationTimestamp ?? '' };
  const cols = (def.crd ? crdColumns(opts.crd as Obj | undefined, def.version) : undefined) ?? COLUMNS[`${def.group}/${def.kind}`] ?? (def.crd ? [name, age] : [name, createdAt]);
  const rows = objects.map((o) => ({
    cells: cols.map((c) => c.cell(o as Obj, opts.now)),
    object:
      opts.includeObject === 'Object'
        ? o
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
  }));
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: opts.resourceVersion, ...(opts.continue ? { continue: opts.continue } : {}) },
    columnDefinitions: opts.includeColumns === false ? null : cols.map((c) => ({ name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.description ?? c.name, priority: c.priority ?? 0 })),
    rows,
  };
}
