// Helm's storage record of one release revision (a Secret `sh.helm.release.v1.<name>.v<N>` of type
// helm.sh/release.v1): who installed it (our OWNER_LABEL on its labels) and Flux's Unlock — a
// revision left pending-* by a killed helm is rewritten to `failed` so the next upgrade may run.
// The record is base64 (the Secret's data) of base64 of gzip of the release JSON.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeObject, KubePort, ObjectRef } from '../../ports/kube.js';

export function releaseSecretRef(release: string, namespace: string, revision: number): ObjectRef {
  return { apiVersion: 'v1', kind: 'Secret', name: `sh.helm.release.v1.${release}.v${revision}`, namespace };
}

/** The release JSON held by a helm storage Secret's data.release. */
export function decodeRelease(data: string): Record<string, unknown> {
  const inner = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
  const raw = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner) : inner;
  return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
}

export function encodeRelease(release: Record<string, unknown>): string {
  const gz = gzipSync(Buffer.from(JSON.stringify(release), 'utf8'));
  return Buffer.from(gz.toString('base64'), 'utf8').toString('base64');
}

/** The labels of a revision's storage Secret (undefined when the Secret is gone). */
export async function releaseLabels(kube: KubePort, release: string, namespace: string, revision: number): Promise<Record<string, string> | undefined> {
  const s = await kube.get(releaseSecretRef(release, namespace, revision));
  return s ? (s.metadata.labels ?? {}) : undefined;
}

/** Rewrites a revision's status (record and label), as Flux's unlock and a test's "killed helm" do. */
export async function setRevisionStatus(kube: KubePort, release: string, namespace: string, revision: number, status: string, description: string, lastDeployed?: string): Promise<void> {
  const ref = releaseSecretRef(release, namespace, revision);
  const secret = (await kube.get(ref)) as (KubeObject & { data?: Record<string, string> }) | undefined;
  if (!secret?.data?.release) throw new Error(`helm storage record ${namespace}/${ref.name} is missing`);
  const rel = decodeRelease(secret.data.release);
  const info = { ...((rel.info as Record<string, unknown>) ?? {}), status, description, ...(lastDeployed ? { last_deployed: lastDeployed } : {}) };
  await kube.mergePatch(ref, { metadata: { labels: { status } }, data: { release: encodeRelease({ ...rel, info }) } });
}
