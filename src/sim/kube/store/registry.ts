// The resources the simulated API server serves: built-ins (a table, as kube-apiserver registers
// them) plus whatever CRDs define, added and removed at run time.
import type { ResourceRef } from '../object-store.js';

export interface ResourceDef {
  group: string;
  version: string;
  /** plural, lower case, as in URLs */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** subresource name → kind it answers with (status: own kind, scale: autoscaling/v1 Scale, log: text) */
  subresources: string[];
  /** Set for CRD-defined resources: the CRD's name. */
  crd?: string;
  /** Where .spec.replicas / .status.replicas / selector live for /scale (CRD scale subresource or built-in). */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STD_SCALE = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

type Row = [group: string, version: string, resource: string, kind: string, namespaced: boolean, shortNames: string[], subresources: string[], categories?: string[], verbs?: string[]];

// kube-apiserver 1.31's built-ins that hostplane's clients and controllers use.
const BUILTINS: Row[] = [
  ['', 'v1', 'namespaces', 'Namespace', false, ['ns'], ['status', 'finalize']],
  ['', 'v1', 'nodes', 'Node', false, ['no'], ['status']],
  ['', 'v1', 'pods', 'Pod', true, ['po'], ['status', 'log', 'exec', 'attach', 'portforward', 'binding', 'eviction', 'ephemeralcontainers'], ['all']],
  ['', 'v1', 'services', 'Service', true, ['svc'], ['status', 'proxy'], ['all']],
  ['', 'v1', 'endpoints', 'Endpoints', true, ['ep'], []],
  ['', 'v1', 'configmaps', 'ConfigMap', true, ['cm'], []],
  ['', 'v1', 'secrets', 'Secret', true, [], []],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa'], ['token']],
  ['', 'v1', 'events', 'Event', true, ['ev'], []],
  ['', 'v1', 'persistentvolumes', 'PersistentVolume', false, ['pv'], ['status']],
  ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc'], ['status']],
  ['', 'v1', 'resourcequotas', 'ResourceQuota', true, ['quota'], ['status']],
  ['', 'v1', 'limitranges', 'LimitRange', true, ['limits'], []],
  ['', 'v1', 'replicationcontrollers', 'ReplicationController', true, ['rc'], ['status', 'scale'], ['all']],
  ['apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], ['status', 'scale'], ['all']],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], ['status', 'scale'], ['all']],
  ['apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds'], ['status'], ['all']],
  ['apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts'], ['status', 'scale'], ['all']],
  ['apps', 'v1', 'controllerrevisions', 'ControllerRevision', true, [], []],
  ['batch', 'v1', 'jobs', 'Job', true, [], ['status'], ['all']],
  ['batch', 'v1', 'cronjobs', 'CronJob', true, ['cj'], ['status'], ['all']],
  ['autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa'], ['status'], ['all']],
  ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb'], ['status']],
  ['networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol'], []],
  ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['ing'], ['status']],
  ['networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false, [], []],
  ['discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true, [], []],
  ['rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true, [], []],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true, [], []],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false, [], []],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false, [], []],
  ['coordination.k8s.io', 'v1', 'leases', 'Lease', true, [], []],
  ['storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, ['sc'], []],
  ['storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false, [], []],
  ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, ['pc'], []],
  ['apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', false, [], ['status']],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds'], ['status']],
  ['events.k8s.io', 'v1', 'events', 'Event', true, ['ev'], []],
  ['admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, [], []],
  ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, [], []],
];

function singularOf(kind: string): string {
  return kind.toLowerCase();
}

export function builtinDefs(): ResourceDef[] {
  return BUILTINS.map(([group, version, resource, kind, namespaced, shortNames, subresources, categories, verbs]) => ({
    group,
    version,
    resource,
    kind,
    listKind: kind + 'List',
    singular: singularOf(kind),
    namespaced,
    shortNames,
    categories: categories ?? [],
    verbs: verbs ?? ALL_VERBS,
    subresources,
    scale: subresources.includes('scale') ? STD_SCALE : undefined,
  }));
}

export const storageKey = (group: string, resource: string) => `${group}/${resource}`;

/** group/resource → def; versions are not distinguished in storage (one served version per resource). */
export class ResourceRegistry {
  private byKey = new Map<string, ResourceDef>();
  /** Bumped on every change, so discovery ETags and OpenAPI hashes follow CRDs. */
  generation = 0;

  constructor(defs: ResourceDef[] = builtinDefs()) {
    for (const d of defs) this.byKey.set(storageKey(d.group, d.resource), d);
  }

  add(def: ResourceDef): void {
    this.byKey.set(storageKey(def.group, def.resource), def);
    this.generation++;
  }

  remove(group: string, resource: string): void {
    if (this.byKey.delete(storageKey(group, resource))) this.generation++;
  }

  find(ref: ResourceRef | { group: string; resource: string; version?: string }): ResourceDef | undefined {
    const d = this.byKey.get(storageKey(ref.group, ref.resource));
    if (!d) return undefined;
    if (ref.version && ref.version !== d.version) return undefined;
    return d;
  }

  byKind(group: string, kind: string): ResourceDef | undefined {
    for (const d of this.byKey.values()) if (d.group === group && d.kind === kind) return d;
    return undefined;
  }

  all(): ResourceDef[] {
    return [...this.byKey.values()];
  }

  /** group → versions → defs, core group first, then by name. */
  groups(): Map<string, Map<string, ResourceDef[]>> {
    const out = new Map<string, Map<string, ResourceDef[]>>();
    const sorted = this.all().sort((a, b) => (a.group === b.group ? a.resource.localeCompare(b.resource) : a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
    for (const d of sorted) {
      let vs = out.get(d.group);
      if (!vs) out.set(d.group, (vs = new Map()));
      let list = vs.get(d.version);
      if (!list) vs.set(d.version, (list = []));
      list.push(d);
    }
    return out;
  }
}

export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
