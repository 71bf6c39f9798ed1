// Plain manifests of an Addon (issue 11 item 4): documents from the spec's files, checked, put in
// apply order (Namespaces, then CustomResourceDefinitions, then the rest in file order, so custom
// resources come after their CRDs), the inventory they make, and what an earlier generation applied
// that the files no longer hold (pruned in reverse: objects, then CRDs, then Namespaces).
// An object defined in two sources is kubectl's `apply -f a -f b`: the later source in spec order
// wins and the plan names the override (the reconciler records it); two definitions inside ONE
// source are a mistake and refused with both lines.
import { LineCounter, parseAllDocuments } from 'yaml';

export interface ManifestSource {
  /** Path relative to the lab root, or the URL. */
  file: string;
  text: string;
}

export interface InventoryEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface PlannedObject {
  entry: InventoryEntry;
  object: Record<string, unknown>;
  /** file:line where the document starts. */
  source: string;
}

export interface ManifestProblem {
  source: string;
  message: string;
}

/** An object a later source redefines: `source` wins over `overridden`. */
export interface ManifestOverride {
  entry: InventoryEntry;
  source: string;
  overridden: string;
}

export interface ManifestPlan {
  apply: PlannedObject[];
  overrides: ManifestOverride[];
  inventory: InventoryEntry[];
  prune: InventoryEntry[];
  problems: ManifestProblem[];
}

const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'VolumeSnapshotClass',
]);

const rank = (kind: string) => (kind === 'Namespace' ? 0 : kind === 'CustomResourceDefinition' ? 1 : 2);

export function inventoryKey(e: InventoryEntry): string {
  const group = e.apiVersion.includes('/') ? e.apiVersion.slice(0, e.apiVersion.indexOf('/')) : '';
  return `${group}|${e.kind}|${e.namespace ?? ''}|${e.name}`;
}

export function planManifests(sources: readonly ManifestSource[], defaultNamespace: string, previous: readonly InventoryEntry[] = []): ManifestPlan {
  const problems: ManifestProblem[] = [];
  const planned: Array<PlannedObject | undefined> = [];
  const overrides: ManifestOverride[] = [];
  const seen = new Map<string, { where: string; file: string; index: number }>();
  for (const src of sources) {
    const lc = new LineCounter();
    const docs = parseAllDocuments(src.text, { lineCounter: lc });
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const line = lc.linePos(doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0).line;
      const where = `${src.file}:${line}`;
      if (doc.errors.length > 0) {
        const p = lc.linePos(doc.errors[0]!.pos[0]);
        problems.push({ source: `${src.file}:${p.line}`, message: `not valid YAML (${doc.errors[0]!.code})` });
        continue;
      }
      const o = doc.toJS() as Record<string, unknown> | null;
      if (o === null || o === undefined) continue; // empty document
      if (typeof o !== 'object' || Array.isArray(o)) {
        problems.push({ source: where, message: 'a manifest document must be a mapping' });
        continue;
      }
      if (o.kind === 'List' && Array.isArray(o.items)) {
        problems.push({ source: where, message: 'kind List is not supported; write the items as separate documents' });
        continue;
      }
      const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof meta.name !== 'string' || meta.name === '') {
        problems.push({ source: where, message: 'a manifest needs apiVersion, kind and metadata.name' });
        continue;
      }
      const namespaced = !CLUSTER_SCOPED.has(o.kind);
      const namespace = namespaced ? (typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace) : undefined;
      const entry: InventoryEntry = { apiVersion: o.apiVersion, kind: o.kind, ...(namespace ? { namespace } : {}), name: meta.name };
      const key = inventoryKey(entry);
      const first = seen.get(key);
      if (first && first.file === src.file) {
        problems.push({ source: where, message: `${o.kind} ${namespace ? `${namespace}/` : ''}${meta.name} is also defined at ${first.where} (the same file)` });
        continue;
      }
      if (first) {
        overrides.push({ entry, source: where, overridden: first.where });
        planned[first.index] = undefined; // the earlier definition is replaced, not applied
      }
      const object = namespace && meta.namespace === undefined ? { ...o, metadata: { ...(o.metadata as object), namespace } } : o;
      seen.set(key, { where, file: src.file, index: planned.length });
      planned.push({ entry, object, source: where });
    }
  }
  const apply = planned.flatMap((p, i) => (p ? [{ p, i }] : [])).sort((a, b) => rank(a.p.entry.kind) - rank(b.p.entry.kind) || a.i - b.i).map((x) => x.p);
  const current = new Set(apply.map((p) => inventoryKey(p.entry)));
  const prune = previous.filter((e) => !current.has(inventoryKey(e))).sort((a, b) => rank(b.kind) - rank(a.kind));
  return { apply, overrides, inventory: apply.map((p) => p.entry), prune, problems };
}
