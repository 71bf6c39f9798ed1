// Node address drift (issue 10 item 7; reference §5 pain point 2, kubeadm#3299): kubeadm does not
// follow IP changes, so hostplane compares each node's current IP with the one it had at init or
// join, reports NodeAddressesStable=False/NodeAddressChanged with what to do, and plans a repair
// where that is safe: re-issue the API server certificate with the new SAN, rewrite the static pod
// manifests and kubeconfigs that name the old IP, re-point workers' kubelets; for a worker, set
// the kubelet node-ip again. A repair is refused when the old address now belongs to another VM
// (rewriting could point the cluster at a stranger).
import { isIPv4 } from './cidr.js';

export interface NodeAddress {
  node: string;
  role: 'control-plane' | 'worker';
  /** IP recorded when the node was initialised or joined. */
  recordedIp: string;
  /** IP the VM has now; undefined when unknown (VM stopped). */
  currentIp?: string;
}

export type RepairStep =
  | { node: string; action: 'renewApiServerCert'; sans: string[] }
  | { node: string; action: 'rewriteStaticPodManifests'; from: string; to: string }
  | { node: string; action: 'rewriteKubeconfigs'; files: string[]; from: string; to: string }
  | { node: string; action: 'updateClusterConfigMaps'; from: string; to: string }
  | { node: string; action: 'setKubeletNodeIp'; ip: string }
  | { node: string; action: 'restartKubelet' }
  | { node: string; action: 'rewriteHostKubeconfig'; server: string };

export interface AddressDriftInput {
  nodes: readonly NodeAddress[];
  /** spec.controlPlaneEndpoint.host; a DNS name keeps kubeconfigs valid across a control-plane IP change. */
  endpointHost?: string;
  endpointPort: number;
  /** Extra certSANs from the spec. */
  certSANs?: readonly string[];
  /** IPs of every VM of the lab now, to detect a reused old address. */
  labVmIps: ReadonlyMap<string, string>;
}

export interface AddressDriftResult {
  stable: boolean;
  reason: 'Stable' | 'NodeAddressChanged';
  message: string;
  changed: NodeAddress[];
  /** Empty when stable or when the repair is not safe. */
  repair: RepairStep[];
  safe: boolean;
}

const CP_KUBECONFIGS = ['/etc/kubernetes/admin.conf', '/etc/kubernetes/super-admin.conf', '/etc/kubernetes/kubelet.conf', '/etc/kubernetes/controller-manager.conf', '/etc/kubernetes/scheduler.conf'];

export function checkAddressDrift(inp: AddressDriftInput): AddressDriftResult {
  const changed = inp.nodes.filter((n) => n.currentIp !== undefined && n.currentIp !== n.recordedIp);
  if (changed.length === 0) return { stable: true, reason: 'Stable', message: 'No node address changed since init', changed: [], repair: [], safe: true };
  const described = changed.map((n) => `${n.node} ${n.recordedIp} → ${n.currentIp}`).join(', ');
  const reused = changed.filter((n) => [...inp.labVmIps.entries()].some(([vm, ip]) => ip === n.recordedIp && vm !== n.node));
  if (reused.length > 0 || changed.some((n) => !isIPv4(n.currentIp!))) {
    const who = reused.map((n) => `${n.recordedIp} now belongs to VirtualMachine ${[...inp.labVmIps.entries()].find(([vm, ip]) => ip === n.recordedIp && vm !== n.node)![0]}`).join('; ');
    return {
      stable: false,
      reason: 'NodeAddressChanged',
      message: `Node address changed (${described}); not repaired automatically${who ? `: ${who}` : ''}. Give the VMs fixed addresses (static DHCP lease or static IP), then restore the old addresses or rebuild the cluster`,
      changed,
      repair: [],
      safe: false,
    };
  }
  const repair: RepairStep[] = [];
  const cp = changed.find((n) => n.role === 'control-plane');
  const endpointIsDns = inp.endpointHost !== undefined && !isIPv4(inp.endpointHost);
  if (cp) {
    const from = cp.recordedIp;
    const to = cp.currentIp!;
    const sans = [...new Set([to, ...(inp.endpointHost ? [inp.endpointHost] : []), ...(inp.certSANs ?? []), cp.node])];
    repair.push({ node: cp.node, action: 'renewApiServerCert', sans });
    repair.push({ node: cp.node, action: 'rewriteStaticPodManifests', from, to });
    repair.push({ node: cp.node, action: 'setKubeletNodeIp', ip: to });
    if (!endpointIsDns) {
      repair.push({ node: cp.node, action: 'rewriteKubeconfigs', files: CP_KUBECONFIGS, from, to });
    }
    repair.push({ node: cp.node, action: 'restartKubelet' });
    if (!endpointIsDns) {
      repair.push({ node: cp.node, action: 'updateClusterConfigMaps', from, to });
      for (const w of inp.nodes.filter((n) => n.role === 'worker')) {
        repair.push({ node: w.node, action: 'rewriteKubeconfigs', files: ['/etc/kubernetes/kubelet.conf'], from, to });
        if (!changed.includes(w)) repair.push({ node: w.node, action: 'restartKubelet' });
      }
      repair.push({ node: cp.node, action: 'rewriteHostKubeconfig', server: `https://${to}:${inp.endpointPort}` });
    }
  }
  for (const w of changed.filter((n) => n.role === 'worker')) {
    repair.push({ node: w.node, action: 'setKubeletNodeIp', ip: w.currentIp! }, { node: w.node, action: 'restartKubelet' });
  }
  return {
    stable: false,
    reason: 'NodeAddressChanged',
    message: `Node address changed (${described}); kubeadm does not follow IP changes, so hostplane re-issues the API server certificate and rewrites the files that name the old address. Give the VMs fixed addresses to avoid this`,
    changed,
    repair,
    safe: true,
  };
}

/** Where the old API server certificate is moved before kubeadm issues a new one (kubeadm keeps an existing valid one). */
export const REPLACED_CERT_DIR = '/etc/kubernetes/pki/replaced-by-hostplane';
const STATIC_POD_MANIFESTS = ['/etc/kubernetes/manifests/kube-apiserver.yaml', '/etc/kubernetes/manifests/etcd.yaml'];
const KUBELET_FLAGS = '/var/lib/kubelet/kubeadm-flags.env';

const reEscape = (ip: string) => ip.replace(/\./g, '\\.');
const sedIfExists = (file: string, expr: string) => `if test -f ${file}; then sed -ri '${expr}' ${file}; fi`;

/**
 * The guest script of a repair step (run with sudo), or undefined for the steps the host does
 * through the API or its own files (config maps, the stored kubeconfig). `kubeadmConfig`: the
 * kubeadm configuration file, already rendered with the new address, that `kubeadm init phase
 * certs apiserver` reads.
 */
export function renderRepairScript(st: RepairStep, kubeadmConfig: string): string | undefined {
  switch (st.action) {
    case 'renewApiServerCert':
      return [
        'set -euo pipefail',
        `mkdir -p ${REPLACED_CERT_DIR}`,
        `if test -f /etc/kubernetes/pki/apiserver.crt; then mv -f /etc/kubernetes/pki/apiserver.crt /etc/kubernetes/pki/apiserver.key ${REPLACED_CERT_DIR}/; fi`,
        `kubeadm init phase certs apiserver --config ${kubeadmConfig}`,
        '',
      ].join('\n');
    case 'rewriteStaticPodManifests':
      return ['set -euo pipefail', ...STATIC_POD_MANIFESTS.map((f) => sedIfExists(f, `s/${reEscape(st.from)}/${st.to}/g`)), ''].join('\n');
    case 'rewriteKubeconfigs':
      return ['set -euo pipefail', ...st.files.map((f) => sedIfExists(f, `s#https://${reEscape(st.from)}:#https://${st.to}:#g`)), ''].join('\n');
    case 'setKubeletNodeIp':
      return ['set -euo pipefail', sedIfExists(KUBELET_FLAGS, `s/--node-ip=[^ "]*/--node-ip=${st.ip}/`), ''].join('\n');
    case 'restartKubelet':
      return 'set -euo pipefail\nsystemctl daemon-reload\nsystemctl restart kubelet\n';
    case 'updateClusterConfigMaps':
    case 'rewriteHostKubeconfig':
      return undefined;
  }
}
