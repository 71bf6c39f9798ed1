// Is a node VM still the machine this cluster initialised or joined? The record keeps each node
// VM's incarnation (VirtualMachine status.incarnation, new whenever the VM is created again) from
// kubeadm init (control plane) and kubeadm join (workers). A different incarnation is a new
// machine with an empty disk: not an address change (address-drift.ts only applies to the same
// incarnation), and not "the same machine" for the init-once rule of init-state.ts either. A
// recreated worker is forgotten and joins again; a recreated control plane means the cluster is
// lost: reported (ControlPlaneLost) until spec.remediation.allowReinit lets hostplane initialise a
// new cluster on it (no reset needed: nothing of the old one is there), whose workers then re-join.
import type { InitDecision } from './init-state.js';

export interface NodeIdentity {
  role: 'control-plane' | 'worker';
  /** Incarnation recorded at init or join; undefined in records from before incarnations were kept. */
  recordedIncarnation?: string;
  /** The VM's status.incarnation now; undefined (or 'unknown') when the VM does not say. */
  currentIncarnation?: string;
  /** Address at init or join, and now. */
  recordedIp?: string;
  currentIp?: string;
}

export type NodeChange =
  /** Same machine, same address. */
  | 'unchanged'
  /** Same machine (incarnation) with a new address: address-drift.ts reports and repairs it. */
  | 'addressChanged'
  /** A new machine: the control plane is lost (the cluster must be initialised again). */
  | 'controlPlaneLost'
  /** A new machine: the worker is forgotten and joins again. */
  | 'rejoin';

const known = (inc: string | undefined): inc is string => !!inc && inc !== 'unknown';

export function classifyNodeChange(n: NodeIdentity): NodeChange {
  if (known(n.recordedIncarnation) && known(n.currentIncarnation) && n.recordedIncarnation !== n.currentIncarnation) {
    return n.role === 'control-plane' ? 'controlPlaneLost' : 'rejoin';
  }
  if (n.recordedIp && n.currentIp && n.recordedIp !== n.currentIp) return 'addressChanged';
  return 'unchanged';
}

/** What to say and do when the control-plane VM is a new machine (ControlPlaneInitialized reason ControlPlaneLost). */
export function recreatedControlPlaneDecision(vm: string, from: string, to: string, allowReinit: boolean): InitDecision {
  const what = `The control-plane VM ${vm} was recreated (incarnation ${from} → ${to}): it is a new machine with an empty disk, so the cluster it ran is lost`;
  if (allowReinit) {
    const message = `${what}; spec.remediation.allowReinit is set, so hostplane prepares the new VM and runs kubeadm init on it (a new cluster: etcd data is lost), then the workers join it again`;
    return { state: 'NeedsReinit', action: 'init', initialized: false, reason: 'Reinitializing', message, warning: message };
  }
  const message = `${what}. Set spec.remediation.allowReinit: true to initialise a new cluster on it (its workers then re-join), or restore the VM`;
  return { state: 'NeedsReinitButNotAllowed', action: 'report', initialized: false, reason: 'ControlPlaneLost', message, stalled: 'ReinitRequired', warning: message };
}

export function recreatedWorkerMessage(vm: string, from: string, to: string): string {
  return `The worker VM ${vm} was recreated (incarnation ${from} → ${to}): it is a new machine, so hostplane forgets its join, prepares it and joins it again with a fresh token once the control plane is healthy`;
}
