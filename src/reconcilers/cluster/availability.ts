// The cluster's Available condition and NODES column from what the kube port observed (§2.8 step
// 7): /readyz OK, every desired node registered and Ready, the CNI agents ready. readyNodes counts
// Ready nodes among the desired ones ("2/3").

export interface AvailabilityFacts {
  apiReady: boolean;
  /** Desired node names (control plane and workers). */
  desiredNodes: readonly string[];
  /** Node name → Ready condition is True. */
  nodeReady: ReadonlyMap<string, boolean>;
  cni: 'cilium' | 'none';
  /** Cilium DaemonSet rolled out on every node (when cni is cilium). */
  cniReady?: boolean;
}

export interface Availability {
  available: boolean;
  reason: 'Available' | 'APIServerUnreachable' | 'NodesNotReady' | 'CNINotReady';
  message: string;
  readyNodes: string;
}

export function assessAvailability(f: AvailabilityFacts): Availability {
  const ready = f.desiredNodes.filter((n) => f.nodeReady.get(n) === true);
  const readyNodes = `${ready.length}/${f.desiredNodes.length}`;
  if (!f.apiReady) return { available: false, reason: 'APIServerUnreachable', message: 'The API server does not answer /readyz', readyNodes };
  if (f.cni === 'cilium' && !f.cniReady) return { available: false, reason: 'CNINotReady', message: 'Cilium agents are not ready on every node (nodes stay NotReady without a CNI)', readyNodes };
  const missing = f.desiredNodes.filter((n) => !f.nodeReady.has(n));
  const notReady = f.desiredNodes.filter((n) => f.nodeReady.get(n) === false);
  if (missing.length > 0 || notReady.length > 0) {
    const parts = [...(missing.length > 0 ? [`not registered: ${missing.join(', ')}`] : []), ...(notReady.length > 0 ? [`NotReady: ${notReady.join(', ')}`] : [])];
    return { available: false, reason: 'NodesNotReady', message: `${readyNodes} nodes Ready (${parts.join('; ')})`, readyNodes };
  }
  return { available: true, reason: 'Available', message: `API server ready, ${readyNodes} nodes Ready`, readyNodes };
}
