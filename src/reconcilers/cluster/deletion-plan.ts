// Deleting a Cluster (issue 10 item 9; reference §1.7 and §2.6): it waits while Addons or
// LoadTests still reference it (and says which), then drains nothing (the cluster goes away with
// its workloads) but runs a bounded `kubeadm reset -f` on every node it itself initialised or joined
// (its record, never what its spec merely names, never a node another cluster's record names) —
// workers first, then the control plane — removes the CNI leftovers reset does not clean, and removes the kubeconfig and
// the merged context. The VMs stay: they are their own objects. deletionPolicy Retain only
// forgets the cluster.

export type DeletionStep =
  | { action: 'waitForReferences'; referrers: string[] }
  | { action: 'resetNode'; node: string; role: 'worker' | 'control-plane' }
  | { action: 'cleanCniLeftovers'; node: string }
  | { action: 'removeSentinels'; node: string }
  | { action: 'removeStoredKubeconfig' }
  | { action: 'removeMergedContext'; contextName: string }
  | { action: 'forget' };

export interface DeletionFacts {
  deletionPolicy: 'Delete' | 'Retain';
  /** `Kind/name` of Addons and LoadTests whose spec.cluster names this cluster. */
  referrers: readonly string[];
  /** The nodes this cluster initialised / joined (nodesToReset below), not the spec's VMs. */
  controlPlaneVm: string;
  workerVms: readonly string[];
  /** Nodes already reset during this deletion (recorded by the runtime). */
  resetDone: ReadonlySet<string>;
  /** VMs that are gone or unreachable: nothing to reset there. */
  unreachableVms: ReadonlySet<string>;
  mergedContext?: string;
  storedKubeconfig: boolean;
}

export const RESET_TIMEOUT_MS = 120_000;

export function planClusterDeletion(f: DeletionFacts): DeletionStep[] {
  if (f.referrers.length > 0) return [{ action: 'waitForReferences', referrers: [...f.referrers].sort() }];
  if (f.deletionPolicy === 'Retain') return [{ action: 'forget' }];
  const steps: DeletionStep[] = [];
  const nodes: Array<[string, 'worker' | 'control-plane']> = [...[...f.workerVms].sort().map((w) => [w, 'worker'] as [string, 'worker']), [f.controlPlaneVm, 'control-plane']];
  for (const [node, role] of nodes) {
    if (f.resetDone.has(node) || f.unreachableVms.has(node)) continue;
    steps.push({ action: 'resetNode', node, role }, { action: 'cleanCniLeftovers', node }, { action: 'removeSentinels', node });
  }
  if (f.storedKubeconfig) steps.push({ action: 'removeStoredKubeconfig' });
  if (f.mergedContext) steps.push({ action: 'removeMergedContext', contextName: f.mergedContext });
  steps.push({ action: 'forget' });
  return steps;
}

/** The script of one node's reset: bounded, and cleaning what kubeadm reset leaves (§2.6). */
export function resetNodeScript(): string {
  return [
    'set -u',
    `timeout ${RESET_TIMEOUT_MS / 1000} kubeadm reset -f || true`,
    'rm -rf /etc/cni/net.d /var/lib/cni /var/lib/etcd',
    // Cilium's links survive kubeadm reset (cilium#13766)
    'for l in cilium_host cilium_net cilium_vxlan; do ip link delete "$l" 2>/dev/null || true; done',
    'iptables-save 2>/dev/null | grep -v -E "KUBE-|CILIUM" | iptables-restore 2>/dev/null || true',
    '',
  ].join('\n');
}

export function deletionMessage(steps: readonly DeletionStep[]): string {
  const first = steps[0];
  if (!first) return 'Deleted';
  switch (first.action) {
    case 'waitForReferences':
      return `Waiting: still referenced by ${first.referrers.join(', ')}; delete or retarget them first`;
    case 'forget':
      return steps.length === 1 ? 'Removing the cluster from hostplane (nodes left as they are)' : 'Deleting';
    case 'resetNode':
      return `Resetting node ${first.node} (kubeadm reset); the VM stays`;
    default:
      return 'Removing the kubeconfig';
  }
}

/** What a cluster may reset on deletion: only what its own record says it initialised or joined. */
export interface OwnedNodeFacts {
  /** The control-plane VM this cluster ran kubeadm init on (its record); undefined when it never did. */
  initialisedVm?: string;
  /** Worker VMs this cluster ran kubeadm join on (its record). */
  joinedVms: readonly string[];
  /** VM → the other Cluster whose record says it initialised or joined that VM. */
  ownedByOthers: ReadonlyMap<string, string>;
}

export interface NodesToReset {
  /** Workers first (sorted), then the control plane. */
  reset: Array<{ node: string; role: 'worker' | 'control-plane' }>;
  /** Nodes of ours by record that another cluster's record also names: never reset. */
  leftAlone: Array<{ node: string; owner: string }>;
}

export function nodesToReset(f: OwnedNodeFacts): NodesToReset {
  const out: NodesToReset = { reset: [], leftAlone: [] };
  const candidates: Array<[string, 'worker' | 'control-plane']> = [...[...f.joinedVms].filter((w) => w !== f.initialisedVm).sort().map((w) => [w, 'worker'] as [string, 'worker']), ...(f.initialisedVm ? [[f.initialisedVm, 'control-plane'] as [string, 'control-plane']] : [])];
  for (const [node, role] of candidates) {
    const owner = f.ownedByOthers.get(node);
    if (owner) out.leftAlone.push({ node, owner });
    else out.reset.push({ node, role });
  }
  return out;
}

/** The deletion event of a cluster that resets nothing: it never initialised or joined a node. */
export function nothingToResetMessage(specVms: readonly string[]): string {
  return `Nothing to reset: this cluster never ran kubeadm init or join on a VM (${specVms.join(', ')} left as they are)`;
}
