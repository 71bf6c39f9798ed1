// Drift between what a release should hold and what the cluster holds (issue 11 item 7; Flux's
// driftDetection). Desired objects come from `helm get manifest` (multi-document YAML), live ones
// from the API. Every field the manifest sets must have the same value live; fields the server
// adds (defaults, status, managed metadata) are not drift. Lists compare element by element and
// must have the same length. Ignore rules are JSON pointers (RFC 6901) with an optional target,
// e.g. /spec/replicas of HPA-managed Deployments. Secret values are masked in the result.
import { parseAllDocuments } from 'yaml';
import type { DriftIgnoreRule } from './spec-types.js';

export type Manifest = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
};

export interface FieldDiff {
  /** JSON pointer of the differing field. */
  path: string;
  desired: unknown;
  live: unknown;
}

export interface ObjectDrift {
  ref: string;
  type: 'missing' | 'changed';
  fields: FieldDiff[];
}

export interface DriftReport {
  drifted: boolean;
  objects: ObjectDrift[];
  /** One line for a condition message: refs and field paths only. */
  summary: string;
}

const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'VolumeSnapshotClass',
]);

/** Parses `helm get manifest` output; empty documents (helm leaves some) are dropped. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if ('errors' in d && d.errors.length > 0) throw new Error(`manifest is not valid YAML: ${d.errors[0]!.message}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => !!m && typeof m === 'object' && typeof m.kind === 'string');
}

export function manifestRef(m: Manifest, defaultNamespace: string): string {
  const ns = namespaceOf(m, defaultNamespace);
  return `${m.kind}/${ns ? `${ns}/` : ''}${m.metadata?.name ?? '?'}`;
}

function namespaceOf(m: Manifest, defaultNamespace: string): string | undefined {
  if (CLUSTER_SCOPED.has(m.kind ?? '')) return undefined;
  return m.metadata?.namespace ?? defaultNamespace;
}

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

function ruleMatches(rule: DriftIgnoreRule, m: Manifest, ns: string | undefined): boolean {
  const t = rule.target;
  if (!t) return true;
  return (t.kind === undefined || t.kind === m.kind) && (t.name === undefined || t.name === m.metadata?.name) && (t.namespace === undefined || t.namespace === ns);
}

function decodePointer(p: string): string[] {
  return p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function encodeSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Fields of `desired` that `live` does not hold with the same value (desired ⊆ live). */
function diff(desired: unknown, live: unknown, path: string[], ignored: string[][], out: FieldDiff[]): void {
  if (ignored.some((ig) => ig.length <= path.length && ig.every((seg, i) => seg === path[i]))) return;
  const pointer = path.length === 0 ? '' : `/${path.map(encodeSegment).join('/')}`;
  if (isMap(desired)) {
    if (!isMap(live)) return void out.push({ path: pointer, desired, live });
    for (const [k, v] of Object.entries(desired)) diff(v, live[k], [...path, k], ignored, out);
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return void out.push({ path: pointer, desired, live });
    desired.forEach((v, i) => diff(v, live[i], [...path, String(i)], ignored, out));
    return;
  }
  if (desired === null && live === undefined) return;
  // the API server turns numbers in quantity strings etc.; compare scalars by value
  if (desired !== live && !(typeof desired === 'number' && String(desired) === live)) out.push({ path: pointer, desired, live });
}

export interface DriftInput {
  desired: readonly Manifest[];
  /** Live objects as the API returns them; a desired object without a live match is missing. */
  live: readonly Manifest[];
  defaultNamespace: string;
  ignore?: readonly DriftIgnoreRule[];
}

export function detectDrift(inp: DriftInput): DriftReport {
  const key = (m: Manifest) => `${groupOf(m.apiVersion)}|${m.kind}|${namespaceOf(m, inp.defaultNamespace) ?? ''}|${m.metadata?.name}`;
  const liveByKey = new Map(inp.live.map((m) => [key(m), m]));
  const objects: ObjectDrift[] = [];
  for (const d of inp.desired) {
    const ref = manifestRef(d, inp.defaultNamespace);
    const live = liveByKey.get(key(d));
    if (!live) {
      objects.push({ ref, type: 'missing', fields: [] });
      continue;
    }
    const ns = namespaceOf(d, inp.defaultNamespace);
    const ignored = (inp.ignore ?? []).filter((r) => ruleMatches(r, d, ns)).flatMap((r) => r.paths.map(decodePointer));
    // status is the server's; a manifest without metadata.namespace gets the release namespace live
    const { status: _s, ...rest } = d;
    const desired = { ...rest, metadata: { ...(d.metadata ?? {}), ...(ns !== undefined ? { namespace: ns } : {}) } };
    const fields: FieldDiff[] = [];
    diff(desired, live, [], ignored, fields);
    if (fields.length > 0) {
      const masked = d.kind === 'Secret' ? fields.map((f) => ({ ...f, desired: '***', live: '***' })) : fields;
      objects.push({ ref, type: 'changed', fields: masked });
    }
  }
  const summary =
    objects.length === 0
      ? 'No drift detected'
      : objects.map((o) => (o.type === 'missing' ? `${o.ref} missing` : `${o.ref} ${o.fields.map((f) => f.path).join(', ')}`)).join('; ');
  return { drifted: objects.length > 0, objects, summary };
}
