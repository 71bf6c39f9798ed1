// Helm values for Cilium from the Cluster spec (reference clusters.md §3): kube-proxy replacement
// with k8sServiceHost set to the control plane explicitly (seed 003 BUG-004: without it the agent
// dials the kubernetes Service IP nothing implements yet), the cluster-pool taken from
// spec.network.podCIDR (never Cilium's 10.0.0.0/8 default, which swallows 10.x host networks and
// the service CIDR), Hubble relay/UI from the spec. The user's valuesFiles and values are merged
// last, as helm merges (maps merged, lists replaced, null deletes).
import { cidrsOverlap, parseCidr } from './cidr.js';
import type { ClusterSpec } from './spec-types.js';

export interface CiliumValuesInput {
  spec: ClusterSpec;
  /** Address the agents reach the API server on: controlPlaneEndpoint.host or the control-plane IP. */
  apiServerHost: string;
  apiServerPort?: number;
  /** Parsed spec.cni.cilium.valuesFiles, in order. */
  valuesFiles?: ReadonlyArray<Record<string, unknown>>;
}

export class CiliumValuesError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const CILIUM_DEFAULT_POOL = '10.0.0.0/8';

export function ciliumValues(inp: CiliumValuesInput): Record<string, unknown> {
  const { spec } = inp;
  const c = spec.cni.cilium;
  const generated: Record<string, unknown> = {
    kubeProxyReplacement: c.kubeProxyReplacement,
    k8sServiceHost: inp.apiServerHost,
    k8sServicePort: inp.apiServerPort ?? spec.controlPlaneEndpoint.port ?? 6443,
    ipam:
      c.ipamMode === 'cluster-pool'
        ? { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [spec.network.podCIDR], clusterPoolIPv4MaskSize: 24 } }
        : { mode: 'kubernetes' },
    hubble: {
      enabled: c.hubble.enabled,
      relay: { enabled: c.hubble.enabled && c.hubble.relay },
      ui: { enabled: c.hubble.enabled && c.hubble.relay && c.hubble.ui },
      // relay dials hubble-peer by its cluster domain; a non-default domain must be told (§3 pitfall 6)
      ...(spec.network.dnsDomain !== 'cluster.local' ? { peerService: { clusterDomain: spec.network.dnsDomain } } : {}),
    },
    operator: { replicas: 1 },
  };
  let out = generated;
  for (const f of inp.valuesFiles ?? []) out = helmMerge(out, f);
  out = helmMerge(out, c.values ?? {});
  checkPool(out, spec);
  return out;
}

function checkPool(values: Record<string, unknown>, spec: ClusterSpec): void {
  const ipam = values.ipam as { mode?: string; operator?: { clusterPoolIPv4PodCIDRList?: unknown } } | undefined;
  if ((ipam?.mode ?? 'cluster-pool') !== 'cluster-pool') return;
  const list = ipam?.operator?.clusterPoolIPv4PodCIDRList;
  const pools = Array.isArray(list) ? list.map(String) : [CILIUM_DEFAULT_POOL];
  const svc = parseCidr(spec.network.serviceCIDR);
  for (const p of pools) {
    if (p === CILIUM_DEFAULT_POOL) {
      throw new CiliumValuesError('spec.cni.cilium.values.ipam.operator.clusterPoolIPv4PodCIDRList', `Cilium pod pool ${p} is Cilium's default, which overlaps 10.x host networks and the service CIDR; use spec.network.podCIDR`);
    }
    const pc = parseCidr(p);
    if (!pc) throw new CiliumValuesError('spec.cni.cilium.values.ipam.operator.clusterPoolIPv4PodCIDRList', `"${p}" is not an IPv4 CIDR`);
    if (svc && cidrsOverlap(pc, svc)) {
      throw new CiliumValuesError('spec.cni.cilium.values.ipam.operator.clusterPoolIPv4PodCIDRList', `Cilium pod pool ${p} overlaps serviceCIDR ${svc.text}`);
    }
  }
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** helm's coalescing of user values: maps merged recursively, anything else replaced, null removes the key. */
function helmMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = helmMerge(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}
