// The Cluster's status, computed once per reconcile from what the chain saw (facts), the record in
// the state dir and where the chain stopped. Fields and conditions as crds/cluster.yaml declares.
import type { HostObject, ObjectStatus } from '../../api/types.js';
import { ConditionSet, type ChainOutcome } from '../../controllers/framework.js';
import type { NodeSummary } from '../../ports/kube.js';
import { assessAvailability } from './availability.js';
import { CLUSTER_CONDITION_REASONS } from './conditions.js';
import type { InitDecision } from './init-state.js';
import type { ClusterRecord } from './records.js';
import type { ClusterSpec } from './spec-types.js';

/** What the steps observed this reconcile. */
export interface ClusterFacts {
  kubeconfigPath: string;
  infraReady?: boolean;
  nodesPrepared?: boolean;
  init?: InitDecision;
  kubeconfigAvailable?: boolean;
  contextName?: string;
  cniReady?: boolean;
  apiReady?: boolean;
  nodes: NodeSummary[];
  draining?: string;
  /** The control plane's address changed since init; `repairing` while the repair runs, `repaired` once done. */
  addressDrift?: { from: string; to: string; repairing?: boolean; repaired?: boolean };
  /** Certificates are being renewed (the decision's message). */
  certsRenewing?: string;
  /** An upgrade under way: steps done of total, the step running. */
  upgrade?: { from: string; to: string; next: number; total: number; current?: string };
}

/** A reason from the closed vocabulary of `type`, else `fallback` (a step's error reason may be generic). */
function inVocabulary(type: keyof typeof CLUSTER_CONDITION_REASONS, reason: string | undefined, fallback: string): string {
  const allowed: readonly string[] = CLUSTER_CONDITION_REASONS[type];
  return reason && allowed.includes(reason) ? reason : fallback;
}

const ORDER = ['Ready', 'Available', 'InfrastructureReady', 'NodesPrepared', 'ControlPlaneInitialized', 'KubeconfigAvailable', 'CNIReady', 'WorkersJoined', 'NodeAddressesStable', 'VersionUpToDate', 'CertificatesValid', 'Reconciling', 'Stalled'];

export function computeClusterStatus(obj: HostObject, spec: ClusterSpec, rec: ClusterRecord, f: ClusterFacts, outcome: ChainOutcome, now: Date, deleting = false): ObjectStatus {
  const c = new ConditionSet(obj.status?.conditions, obj.metadata.generation ?? 1, now);
  const workers = (spec.workers ?? []).map((w) => w.vm);
  const desired = [spec.controlPlane.vm, ...workers];
  const nodeReady = new Map(f.nodes.map((n) => [n.name, n.ready]));
  const stop = outcome.stoppedAt;
  // A refusal (terminal stop before the kubeconfig step) checked nothing on the cluster: conditions say so.
  const refused = !!stop?.terminal && !f.kubeconfigAvailable && f.apiReady === undefined;
  const stoppedWhy = !stop ? undefined : stop.step === 'validate' || stop.reason === 'UpgradeRefused' ? `the spec was refused: ${stop.reason}, see Ready` : `reconciliation stopped at step ${stop.step}: ${stop.reason}`;
  const notCheckedBecause = f.apiReady === undefined ? stoppedWhy : undefined;
  const av = assessAvailability({ apiReady: f.apiReady, ...(notCheckedBecause ? { notCheckedBecause } : {}), desiredNodes: desired, nodeReady, cni: spec.cni.type, cniReady: !!f.cniReady });
  // A lost control plane (its VM recreated, or emptied) is not initialised, whatever the record and the latch say.
  const lost = !!rec.controlPlaneLost || f.init?.reason === 'ControlPlaneLost';
  const initialized = f.init?.initialized === true || (!lost && (!!rec.initDoneAt || (obj.status?.initialization as { controlPlaneInitialized?: boolean } | undefined)?.controlPlaneInitialized === true));
  const at = (step: string) => stop?.step === step;

  c.set({ type: 'InfrastructureReady', status: f.infraReady ? 'True' : 'False', reason: f.infraReady ? 'VMsReady' : stop?.reason === 'InvalidReference' ? 'VMNotFound' : 'VMsNotReady', message: f.infraReady ? 'Every node VM is Ready' : at('infrastructure') ? stop!.message : 'Not checked yet' });
  c.set({ type: 'NodesPrepared', status: f.nodesPrepared ? 'True' : 'False', reason: f.nodesPrepared ? 'Prepared' : at('prepare-nodes') ? inVocabulary('NodesPrepared', stop!.reason, 'PackageInstallFailed') : 'Preparing', message: f.nodesPrepared ? 'Every node has swap off, the modules, sysctls, containerd and the pinned kubeadm packages' : at('prepare-nodes') ? stop!.message : 'Waiting for the VMs' });
  c.set({ type: 'ControlPlaneInitialized', status: initialized ? 'True' : 'False', reason: initialized ? 'Initialized' : at('init') ? inVocabulary('ControlPlaneInitialized', f.init?.reason ?? stop!.reason, 'InitFailed') : f.init?.reason ?? 'WaitingForInfrastructure', message: initialized ? 'kubeadm init succeeded' : at('init') ? stop!.message : f.init?.message ?? 'Waiting for prepared nodes' });
  // A stopped cluster keeps its stored kubeconfig (the step that re-checks it does not run while stopped).
  const stoppedWithKubeconfig = !f.kubeconfigAvailable && (stop?.reason === 'StoppedAsDesired' || stop?.step === 'power') && !!obj.status?.kubeconfigPath && !!rec.initDoneAt;
  if (stoppedWithKubeconfig) c.set({ type: 'KubeconfigAvailable', status: 'True', reason: 'Available', message: `Stored at ${f.kubeconfigPath}; the cluster is stopped, so its API server answers once it runs again` });
  else if (refused && !at('kubeconfig')) c.set({ type: 'KubeconfigAvailable', status: 'Unknown', reason: 'NotChecked', message: `Not checked: ${stoppedWhy}; the kubeconfig was not fetched or checked this pass` });
  else c.set({ type: 'KubeconfigAvailable', status: f.kubeconfigAvailable ? 'True' : 'False', reason: f.kubeconfigAvailable ? 'Available' : at('kubeconfig') ? 'FetchFailed' : 'WaitingForControlPlane', message: f.kubeconfigAvailable ? `Stored at ${f.kubeconfigPath}` : at('kubeconfig') ? stop!.message : 'Waiting for the control plane' });
  if (spec.cni.type !== 'cilium') c.set({ type: 'CNIReady', status: 'True', reason: 'Disabled', message: 'spec.cni.type is none' });
  else c.set({ type: 'CNIReady', status: f.cniReady ? 'True' : 'False', reason: f.cniReady ? 'Ready' : at('cni') ? inVocabulary('CNIReady', stop!.reason, 'InstallFailed') : f.kubeconfigAvailable ? 'AgentsNotReady' : 'Installing', message: f.cniReady ? `Cilium ${spec.cni.cilium.version} agents ready on every node` : at('cni') ? stop!.message : 'Cilium agents not ready yet' });
  const joined = workers.filter((w) => nodeReady.get(w));
  if (!workers.length && !f.draining) c.set({ type: 'WorkersJoined', status: 'True', reason: 'NoWorkers', message: 'The spec has no workers' });
  else if (f.draining) c.set({ type: 'WorkersJoined', status: 'False', reason: 'Draining', message: at('workers') ? stop!.message : `Draining ${f.draining}` });
  else c.set({ type: 'WorkersJoined', status: joined.length === workers.length ? 'True' : 'False', reason: joined.length === workers.length ? 'Joined' : at('workers') ? 'JoinFailed' : 'Joining', message: joined.length === workers.length ? `${joined.length} worker(s) joined and Ready` : at('workers') ? stop!.message : `${joined.length}/${workers.length} workers Ready` });
  const drift = f.addressDrift && !f.addressDrift.repaired ? f.addressDrift : undefined;
  // Before init there is no address to compare and no version running: say so, never claim health.
  if (!initialized && !drift && !f.addressDrift?.repaired) c.set({ type: 'NodeAddressesStable', status: 'Unknown', reason: 'NotInitialized', message: 'No control plane yet: addresses are compared once kubeadm init has run' });
  else if (f.addressDrift?.repaired) c.set({ type: 'NodeAddressesStable', status: 'True', reason: 'AddressRepaired', message: `The control plane moved from ${f.addressDrift.from} to ${f.addressDrift.to}; the API server certificate was re-issued and the kubeconfigs re-pointed. Give the VM a fixed address to avoid this` });
  else if (drift && at('address-drift') && stop!.reason === 'RepairFailed') c.set({ type: 'NodeAddressesStable', status: 'False', reason: 'RepairFailed', message: stop!.message });
  else if (drift?.repairing) c.set({ type: 'NodeAddressesStable', status: 'False', reason: 'RepairingAddress', message: `Control-plane address changed from ${drift.from} to ${drift.to}; re-issuing the API server certificate and re-pointing the kubeconfigs` });
  else if (drift) c.set({ type: 'NodeAddressesStable', status: 'False', reason: 'NodeAddressChanged', message: at('address-drift') ? stop!.message : `Control-plane address changed from ${drift.from} to ${drift.to} since kubeadm init; give the VM its old address back or recreate the cluster` });
  // a repair's AddressRepaired stays until the next change, so people see that it happened
  else if (c.get('NodeAddressesStable')?.reason !== 'AddressRepaired') c.set({ type: 'NodeAddressesStable', status: 'True', reason: 'Stable', message: 'No node address changed since init' });
  const running = rec.kubernetesVersion ?? spec.kubernetesVersion;
  if (stop?.reason === 'UpgradeRefused') c.set({ type: 'VersionUpToDate', status: 'False', reason: 'UpgradeRefused', message: stop.message });
  else if (!initialized && !rec.upgrade) c.set({ type: 'VersionUpToDate', status: 'Unknown', reason: 'NotInitialized', message: `No control plane yet; ${spec.kubernetesVersion} is what kubeadm init will install` });
  else if (!f.nodes.length && !f.upgrade && !rec.upgrade) c.set({ type: 'VersionUpToDate', status: 'Unknown', reason: 'NotObserved', message: `The control plane was initialised with ${running}; the nodes' kubelet versions could not be read (API server not reachable)` });
  else if (f.upgrade || rec.upgrade) {
    const u = f.upgrade ?? { ...rec.upgrade!, total: rec.upgrade!.steps.length };
    const failed = at('upgrade') && stop!.reason === 'UpgradeFailed';
    c.set({ type: 'VersionUpToDate', status: 'False', reason: failed ? 'UpgradeFailed' : 'Upgrading', message: failed ? stop!.message : `Upgrading from ${u.from} to ${u.to}: ${u.next} of ${u.total} steps done${'current' in u && u.current ? `, now: ${u.current}` : ''}` });
  } else {
    const behind = f.nodes.filter((n) => n.kubeletVersion && n.kubeletVersion.replace(/^v/, '') !== running).map((n) => `${n.name} (${n.kubeletVersion})`);
    c.set({ type: 'VersionUpToDate', status: 'True', reason: 'UpToDate', message: behind.length ? `The control plane runs ${running}; kubelets still on another version: ${behind.join(', ')}` : `The control plane and every kubelet run ${running}` });
  }
  const certs = rec.certificates;
  if (at('certificates') && stop!.reason === 'RenewFailed') c.set({ type: 'CertificatesValid', status: 'False', reason: 'RenewFailed', message: stop!.message });
  else if (f.certsRenewing) c.set({ type: 'CertificatesValid', status: 'False', reason: 'Renewing', message: f.certsRenewing });
  else if (!certs?.notAfter) c.set({ type: 'CertificatesValid', status: 'Unknown', reason: 'Unknown', message: 'Certificate expiry not checked yet' });
  else c.set({ type: 'CertificatesValid', status: 'True', reason: 'Valid', message: `The first certificate to expire is ${certs.earliest} on ${certs.notAfter}; renewed ${spec.certificates.renewBefore} before${certs.renewedAt ? `; last renewed ${certs.renewedAt}` : ''}` });
  const available = av.available && !drift;
  c.set({ type: 'Available', status: available ? 'True' : av.status === 'Unknown' ? 'Unknown' : 'False', reason: av.reason, message: av.message });

  let ready: { status: 'True' | 'False'; reason: string; message: string };
  let phase: string;
  if (deleting) {
    ready = { status: 'False', reason: 'Deleting', message: stop?.message ?? 'Resetting nodes' };
    phase = 'Deleting';
  } else if (stop?.reason === 'StoppedAsDesired') {
    ready = { status: 'True', reason: 'StoppedAsDesired', message: stop.message };
    phase = 'Stopped';
  } else if (stop?.step === 'power') {
    ready = { status: 'False', reason: stop.reason === 'Stopping' ? 'Stopping' : 'Starting', message: stop.message };
    phase = stop.reason === 'Stopping' ? 'Stopped' : 'Pending';
  } else if (stop?.reason === 'Suspended') {
    ready = { status: 'False', reason: 'Suspended', message: stop.message };
    phase = obj.status?.phase as string ?? 'Pending';
  } else if (stop?.terminal) {
    const reason = ['InvalidReference', 'DependencyCycle', 'InvalidSpec', 'UpgradeRefused'].includes(stop.reason) ? stop.reason : 'InvalidSpec';
    ready = { status: 'False', reason: stop.reason === 'ReinitRequired' || stop.reason === 'ForeignControlPlane' ? 'Degraded' : reason, message: stop.message };
    phase = 'Failed';
  } else if (drift) {
    ready = { status: 'False', reason: 'Degraded', message: stop?.message ?? `Control-plane address changed from ${drift.from} to ${drift.to}` };
    phase = 'Degraded';
  } else if (stop?.step === 'upgrade' || f.upgrade) {
    ready = { status: 'False', reason: 'Upgrading', message: stop?.message ?? 'Upgrading Kubernetes' };
    phase = 'Upgrading';
  } else if (available && outcome.completed) {
    ready = { status: 'True', reason: 'Available', message: `API server ready, ${av.readyNodes} nodes Ready` };
    phase = 'Running';
  } else if (!f.infraReady) {
    ready = { status: 'False', reason: 'DependencyNotReady', message: stop?.message ?? 'Waiting for the VMs' };
    phase = 'Pending';
  } else if (!f.nodesPrepared) {
    ready = { status: 'False', reason: 'Provisioning', message: stop?.message ?? 'Preparing nodes' };
    phase = 'Provisioning';
  } else if (!initialized || !f.kubeconfigAvailable) {
    ready = { status: 'False', reason: 'Initializing', message: stop?.message ?? 'Initialising the control plane' };
    phase = 'Initializing';
  } else if (!outcome.completed && stop) {
    ready = { status: 'False', reason: stop.step === 'workers' ? 'Joining' : 'Degraded', message: stop.message };
    phase = stop.step === 'workers' ? 'Joining' : 'Degraded';
  } else {
    ready = { status: 'False', reason: 'Joining', message: av.message };
    phase = 'Joining';
  }
  c.set({ type: 'Ready', ...ready });
  c.setOrRemove(!stop?.terminal && ready.status !== 'True' && !deleting, { type: 'Reconciling', reason: outcome.error ? 'ProgressingWithRetry' : 'Progressing', message: ready.message });
  c.setOrRemove(!!stop?.terminal, { type: 'Stalled', reason: stop?.reason === 'ReinitRequired' || stop?.reason === 'ForeignControlPlane' || stop?.reason === 'InvalidReference' || stop?.reason === 'DependencyCycle' || stop?.reason === 'UpgradeRefused' ? stop.reason : 'InvalidSpec', message: stop?.message ?? '' });

  const status: ObjectStatus = {
    ...(obj.status ?? {}),
    phase,
    readyNodes: av.readyNodes,
    kubernetesVersion: running,
    initialization: { infrastructureProvisioned: !!f.infraReady || !!(obj.status?.initialization as { infrastructureProvisioned?: boolean } | undefined)?.infrastructureProvisioned, controlPlaneInitialized: initialized },
    nodes: f.nodes.length
      ? f.nodes.map((n) => ({ name: n.name, vm: n.name, role: n.name === spec.controlPlane.vm ? 'control-plane' : 'worker', ...(n.internalIP ? { ip: n.internalIP } : {}), ready: n.ready, ...(n.kubeletVersion ? { kubeletVersion: n.kubeletVersion } : {}) }))
      : (obj.status?.nodes ?? []),
    cni: { type: spec.cni.type, ...(spec.cni.type === 'cilium' ? { version: spec.cni.cilium.version } : {}), ready: !!f.cniReady },
    conditions: c.toArray(ORDER),
  };
  if (f.upgrade || rec.upgrade) {
    const u = f.upgrade ?? { ...rec.upgrade!, total: rec.upgrade!.steps.length };
    status.upgrade = { from: u.from, to: u.to, step: u.next, steps: u.total, ...('current' in u && u.current ? { current: u.current } : {}) };
  } else delete status.upgrade;
  if (certs) status.certificates = { ...(certs.earliest ? { earliest: certs.earliest } : {}), ...(certs.notAfter ? { notAfter: certs.notAfter } : {}), checkedAt: certs.checkedAt, ...(certs.renewedAt ? { renewedAt: certs.renewedAt } : {}) };
  if (rec.initAddress) status.endpoint = `https://${spec.controlPlaneEndpoint.host ?? rec.initAddress}:${spec.controlPlaneEndpoint.port}`;
  if (f.kubeconfigAvailable || (obj.status?.kubeconfigPath && rec.initDoneAt)) status.kubeconfigPath = f.kubeconfigPath;
  if (f.contextName) status.contextName = f.contextName;
  else delete status.contextName;
  return status;
}
