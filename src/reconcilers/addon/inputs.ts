// What an Addon reconcile reads before it touches a cluster: the Cluster it goes into (usable when
// Ready at its generation with status.kubeconfigPath, and not stopped), its dependsOn Addons, its values (files
// relative to the lab root, hostplane secrets, inline) and its manifest sources. Each problem is a
// reason and a message naming the file, line, secret or object — never a value.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { HostObject } from '../../api/types.js';
import { clusterStoppedMessage } from '../../api/cluster-power.js';
import { getCondition } from '../../api/conditions.js';
import type { ChartSourcePort } from '../../ports/chart-source.js';
import type { Secrets } from '../../ports/secrets.js';
import { SecretNotFoundError } from '../../ports/secrets.js';
import type { ManifestSource } from './manifest-plan.js';
import type { AddonSpec } from './spec-types.js';
import { composeValues, configDigest, parseValuesFile, ValuesError, type Values } from './values.js';

export interface Blocked {
  reason: string;
  message: string;
}

/** Ready=True at the object's current generation. */
export function isReadyNow(obj: HostObject | undefined): boolean {
  if (!obj || obj.metadata.deletionTimestamp) return false;
  const c = getCondition(obj.status?.conditions, 'Ready');
  return c?.status === 'True' && (c.observedGeneration === undefined || c.observedGeneration === obj.metadata.generation);
}

/** The kubeconfig of a usable Cluster, or why the Addon must wait. */
export function clusterKubeconfig(cluster: HostObject | undefined, name: string): { kubeconfig: string } | Blocked {
  if (!cluster) return { reason: 'DependencyNotReady', message: `Cluster "${name}" does not exist` };
  // a stopped Cluster is Ready (StoppedAsDesired) but helm and kubectl cannot reach it: wait
  const stopped = clusterStoppedMessage(cluster, name);
  if (stopped) return { reason: 'DependencyNotReady', message: stopped };
  const path = (cluster.status as { kubeconfigPath?: string } | undefined)?.kubeconfigPath;
  if (!isReadyNow(cluster) || !path) {
    const c = getCondition(cluster.status?.conditions, 'Ready');
    return { reason: 'DependencyNotReady', message: `Cluster "${name}" is not Ready yet${c?.message ? ` (${c.reason}: ${c.message})` : ''}` };
  }
  return { kubeconfig: path };
}

/** dependsOn entries that are not Ready at their generation. */
export function dependenciesNotReady(spec: AddonSpec, get: (name: string) => HostObject | undefined): Blocked | undefined {
  const waiting = (spec.dependsOn ?? []).filter((d) => !isReadyNow(get(d)));
  if (waiting.length === 0) return undefined;
  return { reason: 'DependencyNotReady', message: `Waiting for ${waiting.map((d) => `Addon "${d}"`).join(', ')} to be Ready` };
}

export interface ResolvedValues {
  values: Values;
  digest: string;
  /** Absolute paths of the values files read (watched). */
  files: string[];
}

/** valuesFiles (relative to labRoot) → valuesFrom secrets → inline, and their digest. */
export function resolveValues(spec: AddonSpec, labRoot: string, secrets: Secrets): ResolvedValues | Blocked {
  const files = (spec.valuesFiles ?? []).map((f) => join(labRoot, f));
  try {
    const parsed = (spec.valuesFiles ?? []).map((f, i) => {
      const abs = files[i]!;
      let text: string;
      try {
        text = readFileSync(abs, 'utf8');
      } catch {
        throw new ValuesError(`spec.valuesFiles[${i}]`, `${f}: the values file does not exist (looked in ${abs})`);
      }
      return parseValuesFile(`spec.valuesFiles[${i}]`, f, text);
    });
    const secretText: Record<string, string | undefined> = {};
    for (const src of spec.valuesFrom ?? []) {
      try {
        secretText[src.secret] = secrets.get(src.secret);
      } catch (err) {
        if (!(err instanceof SecretNotFoundError)) throw err;
        secretText[src.secret] = undefined;
      }
    }
    const values = composeValues({ files: parsed, valuesFrom: spec.valuesFrom, secrets: secretText, inline: spec.values });
    return { values, digest: configDigest(values), files };
  } catch (err) {
    if (err instanceof ValuesError) return { reason: 'ValuesInvalid', message: `${err.field}: ${err.message}` };
    throw err;
  }
}

const YAML_FILE = /\.ya?ml$/i;

/** The text of every spec.manifests entry (directories: their YAML files, sorted), with the files read. */
export async function readManifestSources(spec: AddonSpec, labRoot: string, charts: ChartSourcePort): Promise<{ sources: ManifestSource[]; files: string[] } | Blocked> {
  const sources: ManifestSource[] = [];
  const files: string[] = [];
  for (const [i, entry] of (spec.manifests ?? []).entries()) {
    if (/^https?:\/\//.test(entry)) {
      try {
        const m = await charts.fetchManifest(entry);
        sources.push({ file: entry, text: readFileSync(m.path, 'utf8') });
      } catch (err) {
        return { reason: 'ArtifactFailed', message: `spec.manifests[${i}]: cannot fetch ${entry}: ${(err as Error).message}` };
      }
      continue;
    }
    const abs = join(labRoot, entry);
    if (!existsSync(abs)) return { reason: 'ArtifactFailed', message: `spec.manifests[${i}]: ${entry} does not exist (looked in ${abs})` };
    const list = statSync(abs).isDirectory()
      ? readdirSync(abs).filter((f) => YAML_FILE.test(f)).sort().map((f) => join(abs, f))
      : [abs];
    for (const f of list) {
      files.push(f);
      sources.push({ file: relative(labRoot, f), text: readFileSync(f, 'utf8') });
    }
  }
  return { sources, files };
}

export function isBlocked(x: unknown): x is Blocked {
  return typeof x === 'object' && x !== null && 'reason' in x && 'message' in x && !('values' in x) && !('kubeconfig' in x) && !('sources' in x);
}
