// Which lists are merged by key (strategic merge patch, server-side apply) for the built-in
// types: the `patchMergeKey`/`patchStrategy` tags and `listType=map` markers of the upstream Go
// types (k8s.io/api), by field name. A list not named here is atomic (replaced whole).

export interface ListRule {
  /** SMP merge key; SSA uses `keys` when they differ (service ports: port+protocol). */
  mergeKey: string;
  keys?: string[];
}

/** Field name → rule; `ports` is resolved by content (container ports vs service ports). */
const RULES: Record<string, ListRule> = {
  containers: { mergeKey: 'name' },
  initContainers: { mergeKey: 'name' },
  ephemeralContainers: { mergeKey: 'name' },
  env: { mergeKey: 'name' },
  volumes: { mergeKey: 'name' },
  volumeMounts: { mergeKey: 'mountPath' },
  volumeDevices: { mergeKey: 'devicePath' },
  imagePullSecrets: { mergeKey: 'name' },
  hostAliases: { mergeKey: 'ip' },
  topologySpreadConstraints: { mergeKey: 'topologyKey', keys: ['topologyKey', 'whenUnsatisfiable'] },
  resourceClaims: { mergeKey: 'name' },
  schedulingGates: { mergeKey: 'name' },
  conditions: { mergeKey: 'type' },
  ownerReferences: { mergeKey: 'uid' },
  podIPs: { mergeKey: 'ip' },
  hostIPs: { mergeKey: 'ip' },
  addresses: { mergeKey: 'type' },
  containerStatuses: { mergeKey: 'name' },
  initContainerStatuses: { mergeKey: 'name' },
  managedFields: { mergeKey: 'manager' },
};

/** Lists of strings merged as sets. */
const PRIMITIVE_SETS = new Set(['finalizers']);

export function listRule(field: string, items: unknown[]): ListRule | undefined {
  if (field === 'ports') {
    const first = items.find((i) => i && typeof i === 'object') as Record<string, unknown> | undefined;
    if (first && 'containerPort' in first) return { mergeKey: 'containerPort', keys: ['containerPort', 'protocol'] };
    if (first && 'port' in first) return { mergeKey: 'port', keys: ['port', 'protocol'] };
    return undefined;
  }
  return RULES[field];
}

export function isPrimitiveSet(field: string): boolean {
  return PRIMITIVE_SETS.has(field);
}

/** The strategic-merge metadata table, as OpenAPI extensions expect it (for the documents we serve). */
export function strategicTable(): { field: string; mergeKey: string; strategy: string }[] {
  return [
    ...Object.entries(RULES).map(([field, r]) => ({ field, mergeKey: r.mergeKey, strategy: 'merge' })),
    { field: 'ports(container)', mergeKey: 'containerPort', strategy: 'merge' },
    { field: 'ports(service)', mergeKey: 'port', strategy: 'merge' },
    { field: 'finalizers', mergeKey: '', strategy: 'merge' },
  ];
}
