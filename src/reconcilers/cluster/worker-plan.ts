// Desired workers against observed nodes (issue 10 item 5): which VMs join, which nodes are
// cordoned, drained, deleted and reset, and which labels and taints change. Node name = VM name
// (kubeadm nodeRegistration.name). Only labels and taints hostplane set are ever removed.
import type { ClusterTaint, ClusterWorker } from './spec-types.js';

export interface ObservedNode {
  name: string;
  ready: boolean;
  labels: Record<string, string>;
  taints: ClusterTaint[];
}

export interface WorkerFacts {
  controlPlaneVm: string;
  desired: readonly ClusterWorker[];
  /** Node objects in the API server. */
  nodes: readonly ObservedNode[];
  /** VMs whose join sentinel (or /etc/kubernetes/kubelet.conf) exists. */
  joinedVms: ReadonlySet<string>;
  /** VMs that are Ready (running, IP, SSH). */
  readyVms: ReadonlySet<string>;
  /** Label keys hostplane applied per node earlier (status), so dropped ones can be removed. */
  appliedLabelKeys?: Readonly<Record<string, readonly string[]>>;
}

export interface NodeMetadataChange {
  node: string;
  setLabels: Record<string, string>;
  removeLabels: string[];
  addTaints: ClusterTaint[];
  removeTaints: ClusterTaint[];
}

export interface WorkerPlan {
  /** VMs to join (fresh join command each). */
  join: string[];
  /** Joined VMs whose Node object is gone: kubeadm reset, then join. */
  resetAndRejoin: string[];
  /** VMs still waiting to be Ready. */
  waitForVm: string[];
  /** Nodes no longer in the spec: cordon, drain (PDBs honoured), delete the Node, kubeadm reset on the VM. */
  drainAndReset: string[];
  /** Joined with a Node but no sentinel (we died after join): write the sentinel. */
  recordSentinel: string[];
  metadata: NodeMetadataChange[];
}

/** Taints Kubernetes and Cilium manage themselves; never removed by hostplane. */
const SYSTEM_TAINT = /^(node\.kubernetes\.io\/|node-role\.kubernetes\.io\/|node\.cilium\.io\/|node\.cloudprovider\.kubernetes\.io\/)/;

const taintKey = (t: ClusterTaint) => `${t.key}=${t.value ?? ''}:${t.effect}`;

export function planWorkers(f: WorkerFacts): WorkerPlan {
  const plan: WorkerPlan = { join: [], resetAndRejoin: [], waitForVm: [], drainAndReset: [], recordSentinel: [], metadata: [] };
  const nodeByName = new Map(f.nodes.map((n) => [n.name, n]));
  const desiredVms = new Set(f.desired.map((w) => w.vm));

  for (const w of f.desired) {
    const node = nodeByName.get(w.vm);
    const joined = f.joinedVms.has(w.vm);
    if (node) {
      if (!joined) plan.recordSentinel.push(w.vm);
      const change = metadataChange(w, node, f.appliedLabelKeys?.[w.vm] ?? []);
      if (change) plan.metadata.push(change);
    } else if (!f.readyVms.has(w.vm)) {
      plan.waitForVm.push(w.vm);
    } else if (joined) {
      plan.resetAndRejoin.push(w.vm);
    } else {
      plan.join.push(w.vm);
    }
  }
  for (const n of f.nodes) {
    if (n.name !== f.controlPlaneVm && !desiredVms.has(n.name)) plan.drainAndReset.push(n.name);
  }
  // a removed worker whose Node is already gone but which still carries our join: reset it
  for (const vm of f.joinedVms) {
    if (vm !== f.controlPlaneVm && !desiredVms.has(vm) && !nodeByName.has(vm)) plan.drainAndReset.push(vm);
  }
  plan.drainAndReset.sort();
  return plan;
}

function metadataChange(w: ClusterWorker, node: ObservedNode, appliedKeys: readonly string[]): NodeMetadataChange | undefined {
  const want = w.labels ?? {};
  const setLabels = Object.fromEntries(Object.entries(want).filter(([k, v]) => node.labels[k] !== v));
  const removeLabels = appliedKeys.filter((k) => !(k in want) && k in node.labels);
  const wantTaints = w.taints ?? [];
  const have = node.taints.filter((t) => !SYSTEM_TAINT.test(t.key));
  const haveKeys = new Set(have.map(taintKey));
  const wantKeys = new Set(wantTaints.map(taintKey));
  const addTaints = wantTaints.filter((t) => !haveKeys.has(taintKey(t)));
  const removeTaints = have.filter((t) => !wantKeys.has(taintKey(t)));
  if (Object.keys(setLabels).length === 0 && removeLabels.length === 0 && addTaints.length === 0 && removeTaints.length === 0) return undefined;
  return { node: node.name, setLabels, removeLabels, addTaints, removeTaints };
}
