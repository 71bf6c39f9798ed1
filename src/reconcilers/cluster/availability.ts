// The cluster's Available condition and NODES column from what the kube port observed (§2.8 step
// 7): /readyz OK, every desired node registered and Ready, the CNI agents ready. readyNodes counts
// Ready nodes among the desired ones ("2/3").

export interface AvailabilityFacts {
  /** /readyz answered (true) or not (false); undefined: not asked this pass (the chain stopped before the health check). */
  apiReady: boolean | undefined;
  /** Why /readyz was not asked, for the message (e.g. "the spec was refused"). */
  notCheckedBecause?: string;
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
  reason: 'Available' | 'APIServerUnreachable' | 'NodesNotReady' | 'CNINotReady' | 'NotChecked';
  /** True/False from an observation; Unknown when nothing was checked (NotChecked). */
  status: 'True' | 'False' | 'Unknown';
  message: string;
  readyNodes: string;
}

export function assessAvailability(f: AvailabilityFacts): Availability {
  const ready = f.desiredNodes.filter((n) => f.nodeReady.get(n) === true);
  const readyNodes = `${ready.length}/${f.desiredNodes.length}`;
  // Never claim an observation that was not made: no /readyz this pass says so, not "does not answer".
  if (f.apiReady === undefined) return { available: false, status: 'Unknown', reason: 'NotChecked', message: `Not checked: the API server and nodes were not asked this pass${f.notCheckedBecause ? ` (${f.notCheckedBecause})` : ''}`, readyNodes };
  if (!f.apiReady) return { available: false, status: 'False', reason: 'APIServerUnreachable', message: 'The API server does not answer /readyz', readyNodes };
  if (f.cni === 'cilium' && !f.cniReady) return { available: false, status: 'False', reason: 'CNINotReady', message: 'Cilium agents are not ready on every node (nodes stay NotReady without a CNI)', readyNodes };
  const missing = f.desiredNodes.filter((n) => !f.nodeReady.has(n));
  const notReady = f.desiredNodes.filter((n) => f.nodeReady.get(n) === false);
  if (missing.length > 0 || notReady.length > 0) {
    const parts = [...(missing.length > 0 ? [`not registered: ${missing.join(', ')}`] : []), ...(notReady.length > 0 ? [`NotReady: ${notReady.join(', ')}`] : [])];
    return { available: false, status: 'False', reason: 'NodesNotReady', message: `${readyNodes} nodes Ready (${parts.join('; ')})`, readyNodes };
  }
  return { available: true, status: 'True', reason: 'Available', message: `API server ready, ${readyNodes} nodes Ready`, readyNodes };
}
