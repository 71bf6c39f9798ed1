// Discovery documents: legacy (APIVersions, APIGroupList, APIGroup, APIResourceList) and
// aggregated discovery v2 (APIGroupDiscoveryList), from the live resource registry, so a CRD
// shows up the moment it is stored.
import { createHash } from 'node:crypto';
import type { ResourceDef, ResourceRegistry } from '../store/registry.js';

type Obj = Record<string, unknown>;

/** Subresources and the kind each answers with (discovery lists them as `pods/log` etc.). */
function subresourceKind(d: ResourceDef, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (sub === 'status') return { group: d.group, version: d.version, kind: d.kind };
  if (sub === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction' };
  if (sub === 'binding') return { group: '', version: 'v1', kind: 'Binding' };
  if (sub === 'token') return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
  return { group: '', version: 'v1', kind: sub === 'log' ? 'Pod' : sub === 'proxy' ? 'Service' : 'PodExecOptions' };
}

function subVerbs(sub: string): string[] {
  if (sub === 'status' || sub === 'scale' || sub === 'ephemeralcontainers') return ['get', 'patch', 'update'];
  if (sub === 'log') return ['get'];
  if (sub === 'finalize') return ['update'];
  if (sub === 'eviction' || sub === 'binding' || sub === 'token') return ['create'];
  return ['create', 'get'];
}

/** Extra group-versions the server answers besides the registry (metrics when available, authorization). */
export interface ExtraGroup {
  group: string;
  version: string;
  resources: { resource: string; kind: string; namespaced: boolean; verbs: string[]; singular: string }[];
}

export const AUTHORIZATION_GROUP: ExtraGroup = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resources: [
    { resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'], singular: 'selfsubjectaccessreview' },
    { resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'], singular: 'selfsubjectrulesreview' },
  ],
};

export const METRICS_GROUP: ExtraGroup = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resources: [
    { resource: 'nodes', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], singular: '' },
    { resource: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], singular: '' },
  ],
};

export function apiResourceList(defs: ResourceDef[], group: string, version: string, extra?: ExtraGroup): Obj {
  const resources: Obj[] = [];
  for (const d of defs) {
    resources.push({ name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: d.verbs, ...(d.shortNames.length ? { shortNames: d.shortNames } : {}), ...(d.categories.length ? { categories: d.categories } : {}), storageVersionHash: hash8(`${d.group}/${d.version}/${d.resource}`) });
    for (const s of d.subresources) {
      const k = subresourceKind(d, s);
      resources.push({ name: `${d.resource}/${s}`, singularName: '', namespaced: d.namespaced, ...(k.group !== group || k.version !== version ? { group: k.group, version: k.version } : {}), kind: k.kind, verbs: subVerbs(s) });
    }
  }
  for (const r of extra?.resources ?? []) resources.push({ name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function hash8(s: string): string {
  return createHash('sha256').update(s).digest('base64').slice(0, 11);
}

function discoveryResource(d: ResourceDef): Obj {
  return {
    resource: d.resource,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: d.verbs,
    ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories.length ? { categories: d.categories } : {}),
    ...(d.subresources.length ? { subresources: d.subresources.map((s) => ({ subresource: s, responseKind: subresourceKind(d, s), verbs: subVerbs(s) })) } : {}),
  };
}

function extraResource(g: ExtraGroup, r: ExtraGroup['resources'][number]): Obj {
  return { resource: r.resource, responseKind: { group: g.group, version: g.version, kind: r.kind }, scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singular, verbs: r.verbs };
}

/** APIGroupDiscoveryList for /api (core) or /apis (everything else). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean, extras: ExtraGroup[]): Obj {
  const items: Obj[] = [];
  for (const [group, versions] of registry.groups()) {
    if ((group === '') !== core) continue;
    items.push({ metadata: { name: group, creationTimestamp: null }, versions: [...versions].map(([version, defs]) => ({ version, resources: defs.map(discoveryResource), freshness: 'Current' })) });
  }
  if (!core) for (const g of extras) items.push({ metadata: { name: g.group, creationTimestamp: null }, versions: [{ version: g.version, resources: g.resources.map((r) => extraResource(g, r)), freshness: 'Current' }] });
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function apiGroupList(registry: ResourceRegistry, extras: ExtraGroup[]): Obj {
  const groups: Obj[] = [];
  for (const [group, versions] of registry.groups()) {
    if (!group) continue;
    groups.push(apiGroup(group, [...versions.keys()]));
  }
  for (const g of extras) groups.push(apiGroup(g.group, [g.version]));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(group: string, versions: string[]): Obj {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: vs, preferredVersion: vs[0] };
}

export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}
