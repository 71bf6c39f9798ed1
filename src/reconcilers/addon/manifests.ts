// An Addon of plain manifests (spec.manifests): server-side apply with field manager `hostplane`,
// Namespaces and CRDs first (a CRD must be Established before its resources), the inventory in
// status, and pruning of what an earlier generation applied that the files no longer hold.
import type { HostObject } from '../../api/types.js';
import type { KindRuntime } from '../../controllers/kind-module.js';
import type { ChartSourcePort } from '../../ports/chart-source.js';
import { KubeError, type KubeObject, type KubePort } from '../../ports/kube.js';
import { aggregateHealth, objectHealth } from './health.js';
import { healthChecksOf } from './health-checks.js';
import { isBlocked, readManifestSources } from './inputs.js';
import { planManifests, type InventoryEntry } from './manifest-plan.js';
import type { AddonSpec } from './spec-types.js';
import type { AddonOutcome } from './status.js';

export const FIELD_MANAGER = 'hostplane';
const ESTABLISH_POLLS = 50;

export interface ManifestContext {
  obj: HostObject;
  spec: AddonSpec;
  kube: KubePort;
  charts: ChartSourcePort;
  labRoot: string;
  rt: KindRuntime;
}

export async function reconcileManifests(c: ManifestContext): Promise<{ outcome: AddonOutcome }> {
  const key = `Addon/${c.obj.metadata.name}`;
  const read = await readManifestSources(c.spec, c.labRoot, c.charts);
  c.rt.watchFiles(key, isBlocked(read) ? [] : read.files);
  const failed = (reason: string, message: string, fields: Record<string, unknown> = {}): { outcome: AddonOutcome } => ({
    outcome: { ready: { status: 'False', reason, message }, released: { status: 'False', reason: 'ApplyFailed', message }, phase: 'Failed', fields, observed: false },
  });
  if (isBlocked(read)) return failed(read.reason, read.message);
  const previous = ((c.obj.status as { inventory?: InventoryEntry[] } | undefined)?.inventory ?? []);
  const plan = planManifests(read.sources, c.spec.namespace, previous);
  if (plan.problems.length > 0) return failed('ApplyFailed', plan.problems.map((p) => `${p.source}: ${p.message}`).join('; '));

  try {
    if (c.spec.createNamespace && plan.apply.some((p) => p.entry.namespace === c.spec.namespace) && !plan.apply.some((p) => p.entry.kind === 'Namespace' && p.entry.name === c.spec.namespace)) {
      if (!(await c.kube.get({ apiVersion: 'v1', kind: 'Namespace', name: c.spec.namespace }))) await c.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: c.spec.namespace } }, { fieldManager: FIELD_MANAGER, force: true });
    }
    const live: KubeObject[] = [];
    for (const p of plan.apply) {
      live.push(await c.kube.apply(p.object as KubeObject, { fieldManager: FIELD_MANAGER, force: true }));
      if (p.entry.kind === 'CustomResourceDefinition') await waitEstablished(c.kube, p.entry.name);
    }
    for (const e of plan.prune) await c.kube.delete(refOf(e));
    const health = aggregateHealth([...live.map((o) => objectHealth(o as never)), ...(await healthChecksOf(c.kube, c.spec.healthChecks ?? []))]);
    const fields = { inventory: plan.inventory, namespace: c.spec.namespace };
    const overridden = plan.overrides.map((o) => `${o.entry.kind}/${o.entry.namespace ? `${o.entry.namespace}/` : ''}${o.entry.name} from ${o.source} (overrides ${o.overridden})`);
    const applied = `Applied ${plan.apply.length} objects with server-side apply${overridden.length ? `, ${overridden.join(', ')}` : ''}${plan.prune.length ? `, pruned ${plan.prune.map((e) => `${e.kind}/${e.namespace ? `${e.namespace}/` : ''}${e.name}`).join(', ')}` : ''}`;
    if (overridden.length) c.rt.events.record({ object: key, type: 'Normal', reason: 'Overridden', message: `A later manifest source wins: ${overridden.join(', ')}` });
    if (plan.prune.length) c.rt.events.record({ object: key, type: 'Normal', reason: 'Pruned', message: applied });
    const ready = health.status === 'Current'
      ? { status: 'True' as const, reason: 'Applied', message: `${applied}; ${health.message}` }
      : { status: 'False' as const, reason: 'HealthCheckFailed', message: `${applied}; not ready yet: ${health.message}` };
    return { outcome: { ready, released: { status: 'True', reason: 'Applied', message: applied }, phase: ready.status === 'True' ? 'Installed' : 'Installing', fields, observed: ready.status === 'True' } };
  } catch (err) {
    if (err instanceof KubeError) return failed('ApplyFailed', `server-side apply failed: ${err.message}`);
    throw err;
  }
}

/** Deletes an inventory in reverse apply order (objects, then CRDs, then Namespaces). */
export async function deleteManifests(kube: KubePort, inventory: readonly InventoryEntry[]): Promise<void> {
  const rank = (k: string) => (k === 'Namespace' ? 0 : k === 'CustomResourceDefinition' ? 1 : 2);
  const order = [...inventory].map((e, i) => ({ e, i })).sort((a, b) => rank(b.e.kind) - rank(a.e.kind) || b.i - a.i).map((x) => x.e);
  for (const e of order) await kube.delete(refOf(e));
}

function refOf(e: InventoryEntry) {
  return { apiVersion: e.apiVersion, kind: e.kind, name: e.name, ...(e.namespace ? { namespace: e.namespace } : {}) };
}

async function waitEstablished(kube: KubePort, name: string): Promise<void> {
  for (let i = 0; i < ESTABLISH_POLLS; i++) {
    const crd = await kube.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
    const conds = ((crd?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions) ?? [];
    if (conds.some((x) => x.type === 'Established' && x.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
