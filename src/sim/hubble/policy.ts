// Ingress verdicts under CiliumNetworkPolicies, the subset the example lab uses: endpointSelector
// (matchLabels / matchExpressions In), ingress fromEndpoints (with the k8s:io.kubernetes.pod.namespace
// key), fromEntities (world, host, remote-node), toPorts ports and L7 http methods. An endpoint
// selected by any policy is default-deny for ingress: only traffic some rule allows is forwarded.

type Obj = Record<string, any>;

export interface Endpoint {
  namespace?: string;
  labels: Record<string, string>;
  /** 'world' for traffic from outside the cluster, 'host' for the node itself. */
  entity?: 'world' | 'host';
}

export interface Connection {
  from: Endpoint;
  to: Endpoint & { namespace: string };
  port: number;
  protocol: 'TCP' | 'UDP';
  httpMethod?: string;
}

export interface Verdict {
  verdict: 'FORWARDED' | 'DROPPED';
  reason?: string;
  policy?: string;
}

const NS_KEY = 'k8s:io.kubernetes.pod.namespace';

function labelsOf(ep: Endpoint): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.labels)) {
    out[k] = v;
    out[`k8s:${k}`] = v;
  }
  if (ep.namespace) out[NS_KEY] = ep.namespace;
  return out;
}

/** matchLabels + matchExpressions (In, NotIn, Exists, DoesNotExist); an empty selector selects all. */
export function selects(sel: Obj | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v && labels[`k8s:${k}`] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = labels[e.key];
    if (e.operator === 'In' && !(v !== undefined && e.values?.includes(v))) return false;
    if (e.operator === 'NotIn' && v !== undefined && e.values?.includes(v)) return false;
    if (e.operator === 'Exists' && v === undefined) return false;
    if (e.operator === 'DoesNotExist' && v !== undefined) return false;
  }
  return true;
}

function portMatches(toPorts: Obj[] | undefined, c: Connection): { ok: boolean; l7Denied?: boolean } {
  if (!toPorts || toPorts.length === 0) return { ok: true };
  for (const tp of toPorts) {
    const ports: Obj[] = tp.ports ?? [];
    const hit = ports.length === 0 || ports.some((p) => Number(p.port) === c.port && (!p.protocol || p.protocol === 'ANY' || p.protocol === c.protocol));
    if (!hit) continue;
    const http: Obj[] | undefined = tp.rules?.http;
    if (http && http.length > 0) {
      if (c.httpMethod && http.some((r) => !r.method || r.method === c.httpMethod)) return { ok: true };
      return { ok: false, l7Denied: true };
    }
    return { ok: true };
  }
  return { ok: false };
}

export function ingressVerdict(policies: readonly Obj[], c: Connection): Verdict {
  const toLabels = labelsOf(c.to);
  const applying = policies.filter((p) => p.metadata?.namespace === c.to.namespace && selects(p.spec?.endpointSelector, toLabels) && p.spec?.ingress !== undefined);
  if (applying.length === 0) return { verdict: 'FORWARDED' };
  const fromLabels = labelsOf(c.from);
  let l7Denied: string | undefined;
  for (const p of applying) {
    for (const rule of p.spec.ingress as Obj[]) {
      const peerOk =
        (rule.fromEntities ?? []).some((e: string) => (c.from.entity === 'world' && e === 'world') || (c.from.entity === 'host' && (e === 'host' || e === 'remote-node')) || e === 'all') ||
        (!c.from.entity && (rule.fromEndpoints ?? []).some((sel: Obj) => selects(sel, fromLabels)));
      if (!peerOk) continue;
      const pm = portMatches(rule.toPorts, c);
      if (pm.ok) return { verdict: 'FORWARDED', policy: `${p.metadata.namespace}/${p.metadata.name}` };
      if (pm.l7Denied) l7Denied = `${p.metadata.namespace}/${p.metadata.name}`;
    }
  }
  if (l7Denied) return { verdict: 'DROPPED', reason: `L7 policy ${l7Denied} denies ${c.httpMethod ?? 'this request'}`, policy: l7Denied };
  return { verdict: 'DROPPED', reason: 'Policy denied', policy: applying.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(',') };
}
