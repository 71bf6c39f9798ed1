// Kubeconfig text transformations (issue 10 item 3; reference §2.5). Pure: text in, text out.
// kubeadm's admin.conf names its cluster "kubernetes" and its user "kubernetes-admin" in every
// cluster, so before merging, the cluster, user and context are renamed to the context name
// (hostplane-NAME) — otherwise four clusters would overwrite each other in ~/.kube/config.
// Merging edits the user's document in place (yaml Document API), so their comments, order and
// other contexts stay as they were.
import { isMap, isSeq, parseDocument, stringify, YAMLMap, YAMLSeq, type Document } from 'yaml';

export class KubeconfigError extends Error {}

const SERVER_RE = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function defaultContextName(cluster: string): string {
  return `hostplane-${cluster}`;
}

interface Named {
  name: string;
  [k: string]: unknown;
}
interface KubeconfigShape {
  clusters?: Array<Named & { cluster: { server?: string; [k: string]: unknown } }>;
  users?: Array<Named & { user: Record<string, unknown> }>;
  contexts?: Array<Named & { context: { cluster: string; user: string; [k: string]: unknown } }>;
  'current-context'?: string;
  [k: string]: unknown;
}

function load(text: string, what: string): KubeconfigShape {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new KubeconfigError(`${what} is not valid YAML: ${doc.errors[0]!.message}`);
  const js = doc.toJS() as KubeconfigShape | null;
  if (!js || typeof js !== 'object') throw new KubeconfigError(`${what} is empty`);
  return js;
}

/**
 * The fetched admin.conf with its server set to `server` (reachable from the host) and cluster,
 * user and context renamed to `contextName`, current-context pointing at it.
 */
export function rewriteAdminKubeconfig(adminConf: string, server: string, contextName: string): string {
  if (!SERVER_RE.test(server)) throw new KubeconfigError(`server "${server}" is not an https://host[:port] URL`);
  const kc = load(adminConf, 'admin.conf');
  const cluster = kc.clusters?.[0];
  const ctx = kc.contexts?.find((c) => c.name === kc['current-context']) ?? kc.contexts?.[0];
  const user = kc.users?.find((u) => u.name === ctx?.context.user) ?? kc.users?.[0];
  if (!cluster || !user) throw new KubeconfigError('admin.conf has no cluster or no user entry');
  const out: KubeconfigShape = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: contextName, cluster: { ...cluster.cluster, server } }],
    users: [{ name: contextName, user: user.user }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
    'current-context': contextName,
    preferences: {},
  };
  return stringify(out, { lineWidth: 0 });
}

/** The server URL of a kubeconfig's first cluster (to compare with the expected endpoint). */
export function kubeconfigServer(text: string): string | undefined {
  return load(text, 'kubeconfig').clusters?.[0]?.cluster.server;
}

/**
 * Merges the single-context kubeconfig `ours` (from rewriteAdminKubeconfig) into `existing` (the
 * user's ~/.kube/config, '' when absent): entries named `contextName` are replaced, every other
 * entry and the user's current-context are kept (current-context is set only when there was none).
 */
export function mergeKubeconfig(existing: string, ours: string, contextName: string): string {
  const o = load(ours, 'cluster kubeconfig');
  const pick = <T extends Named>(list: T[] | undefined, what: string): T => {
    const e = list?.find((x) => x.name === contextName);
    if (!e) throw new KubeconfigError(`cluster kubeconfig has no ${what} named ${contextName}`);
    return e;
  };
  const entries = { clusters: pick(o.clusters, 'cluster'), users: pick(o.users, 'user'), contexts: pick(o.contexts, 'context') };
  const doc = existing.trim() === '' ? parseDocument('apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n') : parseDocument(existing);
  if (doc.errors.length > 0) throw new KubeconfigError(`the existing kubeconfig is not valid YAML: ${doc.errors[0]!.message}; it was left unchanged`);
  if (!isMap(doc.contents)) throw new KubeconfigError('the existing kubeconfig is not a mapping; it was left unchanged');
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const seq = ensureSeq(doc, key);
    removeNamed(seq, contextName);
    seq.add(doc.createNode(entries[key]));
  }
  const current = doc.get('current-context');
  if (typeof current !== 'string' || current === '') doc.set('current-context', contextName);
  return doc.toString({ lineWidth: 0 });
}

/** Removes the cluster, user and context named `contextName`; other entries untouched. */
export function removeKubeconfigContext(existing: string, contextName: string): string {
  if (existing.trim() === '') return existing;
  const doc = parseDocument(existing);
  if (doc.errors.length > 0) throw new KubeconfigError(`the existing kubeconfig is not valid YAML: ${doc.errors[0]!.message}; it was left unchanged`);
  for (const key of ['clusters', 'users', 'contexts']) {
    const seq = doc.get(key);
    if (isSeq(seq)) removeNamed(seq, contextName);
  }
  if (doc.get('current-context') === contextName) doc.set('current-context', '');
  return doc.toString({ lineWidth: 0 });
}

/** Context names of a kubeconfig text. */
export function kubeconfigContexts(text: string): string[] {
  return (load(text, 'kubeconfig').contexts ?? []).map((c) => c.name);
}

function ensureSeq(doc: Document, key: string): YAMLSeq {
  const v = doc.get(key);
  if (isSeq(v)) return v;
  const seq = new YAMLSeq();
  doc.set(key, seq);
  return seq;
}

function removeNamed(seq: YAMLSeq, name: string): void {
  seq.items = seq.items.filter((it) => !(it instanceof YAMLMap && it.get('name') === name));
}
