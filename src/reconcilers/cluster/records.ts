// What a Cluster keeps in the state dir (`<state>/clusters/<name>/`): its record (init sentinels on
// the host side, the address it was initialised with, prepared nodes, joined workers, the Cilium
// values hash) and its kubeconfig (0600). Written atomically; read back after a restart, so a
// killed `up` never forgets that init started.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { UpgradeStep } from './upgrade-plan.js';

export interface ClusterRecord {
  /** Host-side init sentinels: written before `kubeadm init` and after it exits 0. */
  initStartedAt?: string;
  initDoneAt?: string;
  /** The control-plane address kubeadm init ran with (certSANs, kubeconfig); drift is measured against it. */
  initAddress?: string;
  /** VM name → hash of the node-preparation steps that completed on it (with its incarnation). */
  prepared: Record<string, string>;
  /** The VM this cluster ran kubeadm init on (written with initStartedAt; older records lack it: then spec.controlPlane.vm). */
  controlPlaneVm?: string;
  /** Worker VM name → node name, for workers this cluster ran kubeadm join on (recorded before the join runs). */
  joined: Record<string, string>;
  /**
   * Node VM → its VirtualMachine status.incarnation when this cluster ran kubeadm init (control plane)
   * or kubeadm join (worker) on it. Another incarnation is a new machine (node-identity.ts).
   */
  incarnations?: Record<string, string>;
  /** The control-plane VM was recreated after init (incarnation from → to): the cluster is lost until re-initialised. */
  controlPlaneLost?: { vm: string; from: string; to: string; /** The incarnation last warned about (one Warning per recreation). */ reported?: string };
  /** Hash of the Cilium chart and values last installed. */
  cniHash?: string;
  /** Workers were cordoned for a power-off: uncordon them once the cluster runs again. */
  poweredOff?: boolean;
  /** The drifted control-plane address last warned about (one Warning per change). */
  driftReported?: string;
  /** Context merged into ~/.kube/config (removed on delete). */
  mergedContext?: string;
  /** Kubernetes version (patch) the control plane runs: init's, then each `kubeadm upgrade apply`'s. */
  kubernetesVersion?: string;
  /** An upgrade under way: its plan and the steps done, so a restart resumes it instead of starting over. */
  upgrade?: { from: string; to: string; steps: UpgradeStep[]; next: number };
  /** Certificate expiry last read with kubeadm certs check-expiration, and the last renewal. */
  certificates?: { earliest?: string; notAfter?: string; checkedAt: string; renewedAt?: string };
  /** The refused version change last warned about (one Warning per change). */
  upgradeRefusedReported?: string;
}

export function clusterDir(stateRoot: string, name: string): string {
  return join(stateRoot, 'clusters', name);
}

export function kubeconfigPathOf(stateRoot: string, name: string): string {
  return join(clusterDir(stateRoot, name), 'kubeconfig');
}

export function readClusterRecord(stateRoot: string, name: string): ClusterRecord {
  try {
    const r = JSON.parse(readFileSync(join(clusterDir(stateRoot, name), 'record.json'), 'utf8')) as Partial<ClusterRecord>;
    return { prepared: {}, joined: {}, ...r };
  } catch {
    return { prepared: {}, joined: {} };
  }
}

export function writeClusterRecord(stateRoot: string, name: string, rec: ClusterRecord): void {
  writeFileAtomic(join(clusterDir(stateRoot, name), 'record.json'), JSON.stringify(rec, null, 1), 0o600);
}

export function removeClusterFiles(stateRoot: string, name: string): void {
  rmSync(clusterDir(stateRoot, name), { recursive: true, force: true });
}

export function writeFileAtomic(file: string, text: string, mode: number): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** The control-plane VM this cluster initialised, if it ever started kubeadm init. */
export function initialisedVmOf(rec: ClusterRecord, specControlPlaneVm: string): string | undefined {
  if (!rec.initStartedAt && !rec.initDoneAt) return undefined;
  return rec.controlPlaneVm ?? specControlPlaneVm;
}

/** The VMs this cluster itself initialised or joined, as its record says: the only nodes it may reset. */
export function ownedVmsOf(rec: ClusterRecord, specControlPlaneVm: string): string[] {
  const cp = initialisedVmOf(rec, specControlPlaneVm);
  return [...(cp ? [cp] : []), ...Object.keys(rec.joined).filter((vm) => vm !== cp)];
}
