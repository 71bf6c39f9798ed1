// Kubernetes upgrades one minor at a time (issue 10 item 8; kubeadm's skew rule, reference §2.7):
// the control plane first (repo → kubeadm → `kubeadm upgrade apply` → drain → kubelet/kubectl →
// uncordon), then each worker (drain → repo → kubeadm → `kubeadm upgrade node` → kubelet/kubectl →
// uncordon). Skipping a minor or going down is refused with what to do instead.
// Also: certificate expiry → renew before it (`kubeadm certs renew all`).
import { renderNodePrepSteps, renderStepScript } from './node-prep-script.js';
import { parseKubeVersion, type KubeVersion } from './versions.js';

export interface UpgradeNode {
  name: string;
  role: 'control-plane' | 'worker';
  /** kubelet version the node reports, e.g. "v1.31.9". */
  kubeletVersion: string;
}

export type UpgradeStep =
  | { node: string; action: 'drain' | 'uncordon' | 'restartKubelet' }
  | { node: string; action: 'switchAptRepo'; minor: string }
  | { node: string; action: 'installKubeadm' | 'installKubeletKubectl'; version: string }
  | { node: string; action: 'kubeadmUpgradeApply'; version: string }
  | { node: string; action: 'kubeadmUpgradeNode' };

export type UpgradeDecision =
  | { kind: 'none' }
  | { kind: 'refused'; reason: 'SkipsMinor' | 'Downgrade' | 'Unsupported' | 'UnknownCurrentVersion'; message: string }
  | { kind: 'upgrade'; from: string; to: string; steps: UpgradeStep[] };

/** `current` is the API server's version (status.kubernetesVersion); `desired` the spec's. */
export function planUpgrade(current: string, desired: string, nodes: readonly UpgradeNode[]): UpgradeDecision {
  const to = parseKubeVersion(desired);
  if (!to) return { kind: 'refused', reason: 'Unsupported', message: `Kubernetes ${desired} is not supported` };
  const from = parseKubeVersion(current, false);
  if (!from) return { kind: 'refused', reason: 'UnknownCurrentVersion', message: `The running version "${current}" cannot be read; not upgrading` };
  const cmp = compare(from, to);
  if (cmp > 0) {
    return { kind: 'refused', reason: 'Downgrade', message: `Kubernetes ${from.patch} cannot be downgraded to ${to.patch}; kubeadm does not support downgrades. Set spec.kubernetesVersion back to ${from.minor}` };
  }
  if (to.minorNumber - from.minorNumber > 1) {
    const next = `1.${from.minorNumber + 1}`;
    return { kind: 'refused', reason: 'SkipsMinor', message: `Upgrading ${from.minor} to ${to.minor} skips a minor; kubeadm upgrades one minor at a time. Set spec.kubernetesVersion to ${next} first, then ${to.minor}` };
  }
  const pending = nodes.filter((n) => {
    const v = parseKubeVersion(n.kubeletVersion, false);
    return !v || compare(v, to) < 0;
  });
  if (cmp === 0 && pending.length === 0) return { kind: 'none' };
  const steps: UpgradeStep[] = [];
  const cp = pending.filter((n) => n.role === 'control-plane');
  const workers = pending.filter((n) => n.role === 'worker').sort((a, b) => a.name.localeCompare(b.name));
  const apiNeedsUpgrade = cmp < 0;
  for (const n of cp) {
    steps.push({ node: n.name, action: 'switchAptRepo', minor: to.minor }, { node: n.name, action: 'installKubeadm', version: to.patch });
    if (apiNeedsUpgrade) steps.push({ node: n.name, action: 'kubeadmUpgradeApply', version: to.tag });
    steps.push(
      { node: n.name, action: 'drain' },
      { node: n.name, action: 'installKubeletKubectl', version: to.patch },
      { node: n.name, action: 'restartKubelet' },
      { node: n.name, action: 'uncordon' },
    );
  }
  if (apiNeedsUpgrade && cp.length === 0) {
    // the control-plane kubelet is current but the API is not (interrupted apply): apply again
    const cpName = nodes.find((n) => n.role === 'control-plane')?.name ?? 'control-plane';
    steps.push({ node: cpName, action: 'kubeadmUpgradeApply', version: to.tag });
  }
  for (const n of workers) {
    steps.push(
      { node: n.name, action: 'drain' },
      { node: n.name, action: 'switchAptRepo', minor: to.minor },
      { node: n.name, action: 'installKubeadm', version: to.patch },
      { node: n.name, action: 'kubeadmUpgradeNode' },
      { node: n.name, action: 'installKubeletKubectl', version: to.patch },
      { node: n.name, action: 'restartKubelet' },
      { node: n.name, action: 'uncordon' },
    );
  }
  return { kind: 'upgrade', from: from.patch, to: to.patch, steps };
}

/** The event reason of a step's completion: one per action, so a node's steps never merge into one "similar events" entry. */
export const UPGRADE_STEP_EVENT: Readonly<Record<UpgradeStep['action'], string>> = {
  drain: 'NodeDrained',
  switchAptRepo: 'AptRepoSwitched',
  installKubeadm: 'KubeadmInstalled',
  kubeadmUpgradeApply: 'ControlPlaneUpgraded',
  kubeadmUpgradeNode: 'NodeConfigUpgraded',
  installKubeletKubectl: 'KubeletInstalled',
  restartKubelet: 'KubeletRestarted',
  uncordon: 'NodeUncordoned',
};

/** What a step does, for events and status ("kubeadm upgrade apply v1.32.5 on cp"). */
export function describeUpgradeStep(st: UpgradeStep): string {
  switch (st.action) {
    case 'drain':
      return `cordon and drain ${st.node}`;
    case 'uncordon':
      return `uncordon ${st.node}`;
    case 'restartKubelet':
      return `restart the kubelet on ${st.node}`;
    case 'switchAptRepo':
      return `switch ${st.node} to the v${st.minor} package repository`;
    case 'installKubeadm':
      return `install kubeadm ${st.version} on ${st.node}`;
    case 'installKubeletKubectl':
      return `install kubelet and kubectl ${st.version} on ${st.node}`;
    case 'kubeadmUpgradeApply':
      return `kubeadm upgrade apply ${st.version} on ${st.node}`;
    case 'kubeadmUpgradeNode':
      return `kubeadm upgrade node on ${st.node}`;
  }
}

/**
 * The guest script of a step (run with sudo), or undefined for the steps that go through the API
 * (drain, uncordon). Packages are unheld, pinned to the new patch and held again, as kubeadm's
 * upgrade guide does; the kubelet restarts after a daemon-reload.
 */
export function renderUpgradeStepScript(st: UpgradeStep): string | undefined {
  const pinned = (pkgs: string[], version: string) =>
    [
      'set -euo pipefail',
      'export DEBIAN_FRONTEND=noninteractive',
      `apt-mark unhold ${pkgs.join(' ')} >/dev/null 2>&1 || true`,
      'apt-get update -q',
      `apt-get install -y -q --allow-change-held-packages ${pkgs.map((p) => `'${p}=${version}-*'`).join(' ')}`,
      `apt-mark hold ${pkgs.join(' ')}`,
      '',
    ].join('\n');
  switch (st.action) {
    case 'drain':
    case 'uncordon':
      return undefined;
    case 'switchAptRepo':
      return renderStepScript(renderNodePrepSteps({ kubernetesVersion: st.minor }).find((p) => p.name === 'kubernetes-apt-repo')!);
    case 'installKubeadm':
      return pinned(['kubeadm'], st.version);
    case 'installKubeletKubectl':
      return pinned(['kubelet', 'kubectl'], st.version);
    case 'kubeadmUpgradeApply':
      return `set -euo pipefail\nkubeadm upgrade apply -y ${st.version}\n`;
    case 'kubeadmUpgradeNode':
      return 'set -euo pipefail\nkubeadm upgrade node\n';
    case 'restartKubelet':
      return 'set -euo pipefail\nsystemctl daemon-reload\nsystemctl restart kubelet\n';
  }
}

function compare(a: KubeVersion, b: KubeVersion): number {
  const pa = a.patch.split('.').map(Number);
  const pb = b.patch.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

export interface CertExpiry {
  /** Certificate name as `kubeadm certs check-expiration` prints it (apiserver, admin.conf …). */
  name: string;
  notAfter: Date;
}

export type CertDecision =
  | { renew: false; earliest?: CertExpiry; message: string }
  | { renew: true; expired: boolean; earliest: CertExpiry; message: string };

/** Renew every certificate when the earliest expires within `renewBeforeDays` (default 30). */
export function decideCertRenewal(certs: readonly CertExpiry[], now: Date, renewBeforeDays = 30): CertDecision {
  if (certs.length === 0) return { renew: false, message: 'No certificate expiry known yet' };
  const earliest = [...certs].sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())[0]!;
  const leftMs = earliest.notAfter.getTime() - now.getTime();
  const days = Math.floor(leftMs / 86_400_000);
  if (leftMs <= 0) return { renew: true, expired: true, earliest, message: `Certificate ${earliest.name} expired on ${earliest.notAfter.toISOString()}; renewing all with kubeadm certs renew all` };
  if (leftMs <= renewBeforeDays * 86_400_000) {
    return { renew: true, expired: false, earliest, message: `Certificate ${earliest.name} expires in ${days} days (${earliest.notAfter.toISOString()}); renewing all with kubeadm certs renew all` };
  }
  return { renew: false, earliest, message: `Certificates valid; the first to expire is ${earliest.name} in ${days} days` };
}

/** spec.certificates.renewBefore ("30d", "720h", "90m") in milliseconds; undefined when unreadable. */
export function parseRenewBefore(text: string): number | undefined {
  const m = /^(\d+)(d|h|m)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

const STATIC_PODS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];
/** The kubelet re-reads /etc/kubernetes/manifests every fileCheckFrequency (20 s by default). */
const FILE_CHECK_SECONDS = 20;

/**
 * `kubeadm certs renew all`, then a restart of the control-plane static pods as kubeadm documents
 * it (components do not all reload certificates): each manifest moved out of the manifests
 * directory, a fileCheckFrequency later moved back, another one later running again.
 */
export function renderCertRenewalScript(): string {
  const aside = '/etc/kubernetes/manifests-restart-by-hostplane';
  return [
    'set -euo pipefail',
    'kubeadm certs renew all',
    `mkdir -p ${aside}`,
    ...STATIC_PODS.map((p) => `if test -f /etc/kubernetes/manifests/${p}.yaml; then mv -f /etc/kubernetes/manifests/${p}.yaml ${aside}/; fi`),
    `sleep ${FILE_CHECK_SECONDS}`,
    ...STATIC_PODS.map((p) => `if test -f ${aside}/${p}.yaml; then mv -f ${aside}/${p}.yaml /etc/kubernetes/manifests/; fi`),
    `sleep ${FILE_CHECK_SECONDS}`,
    '',
  ].join('\n');
}
