// kubeadm v1beta4 configuration for `kubeadm init --config` (reference clusters.md §2.2): one
// InitConfiguration, one ClusterConfiguration and one KubeletConfiguration, with the spec's raw
// patches merged last (maps merged, lists replaced; apiVersion and kind are never patched).
// v1beta4 names used here: extraArgs/kubeletExtraArgs are lists of {name, value}; proxy.disabled;
// skipPhases on InitConfiguration.
import { stringify } from 'yaml';
import { isIPv4 } from './cidr.js';
import type { ClusterSpec } from './spec-types.js';
import { parseKubeVersion, supportedMinorsText } from './versions.js';

export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';
export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';

export interface KubeadmInputs {
  clusterName: string;
  spec: ClusterSpec;
  /** The control-plane VM's IP: advertise address, kubelet node-ip, a certSAN and the endpoint when spec.controlPlaneEndpoint.host is unset. */
  controlPlaneIp: string;
  /** Kubernetes node name of the control plane (the VM name). */
  nodeName: string;
}

export interface KubeadmDocuments {
  init: Record<string, unknown>;
  cluster: Record<string, unknown>;
  kubelet: Record<string, unknown>;
}

export class KubeadmConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const DNS_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;
const isHost = (h: string) => isIPv4(h) || DNS_RE.test(h);

export function buildKubeadmDocuments(inp: KubeadmInputs): KubeadmDocuments {
  const { spec } = inp;
  const v = parseKubeVersion(spec.kubernetesVersion);
  if (!v) throw new KubeadmConfigError('spec.kubernetesVersion', `Kubernetes version "${spec.kubernetesVersion}" is not supported; use one of ${supportedMinorsText()}`);
  if (!isIPv4(inp.controlPlaneIp)) throw new KubeadmConfigError('status.controlPlaneIp', `control-plane IP "${inp.controlPlaneIp}" is not an IPv4 address`);
  const endpointHost = spec.controlPlaneEndpoint.host ?? inp.controlPlaneIp;
  if (!isHost(endpointHost)) throw new KubeadmConfigError('spec.controlPlaneEndpoint.host', `"${endpointHost}" is neither a DNS name nor an IPv4 address`);
  (spec.controlPlane.certSANs ?? []).forEach((san, i) => {
    if (!isHost(san)) throw new KubeadmConfigError(`spec.controlPlane.certSANs[${i}]`, `"${san}" is neither a DNS name nor an IPv4 address`);
  });
  const port = spec.controlPlaneEndpoint.port ?? 6443;
  const skipKubeProxy = spec.cni.type === 'cilium' && spec.cni.cilium.kubeProxyReplacement;
  const certSANs = unique([inp.controlPlaneIp, endpointHost, ...(spec.controlPlane.certSANs ?? []), inp.nodeName]);

  const init: Record<string, unknown> = {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'InitConfiguration',
    localAPIEndpoint: { advertiseAddress: inp.controlPlaneIp, bindPort: 6443 },
    nodeRegistration: {
      name: inp.nodeName,
      criSocket: CRI_SOCKET,
      kubeletExtraArgs: [{ name: 'node-ip', value: inp.controlPlaneIp }],
      // schedulable: no taints at all; otherwise kubeadm's default control-plane taint
      ...(spec.controlPlane.schedulable ? { taints: [] } : {}),
    },
    ...(skipKubeProxy ? { skipPhases: ['addon/kube-proxy'] } : {}),
  };
  const cluster: Record<string, unknown> = {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'ClusterConfiguration',
    clusterName: inp.clusterName,
    kubernetesVersion: v.tag,
    controlPlaneEndpoint: `${endpointHost}:${port}`,
    networking: { podSubnet: spec.network.podCIDR, serviceSubnet: spec.network.serviceCIDR, dnsDomain: spec.network.dnsDomain },
    apiServer: { certSANs },
    // recorded in the stored kubeadm-config so `kubeadm upgrade` does not bring kube-proxy back
    ...(skipKubeProxy ? { proxy: { disabled: true } } : {}),
  };
  const kubelet: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
  };
  return {
    init: patch(init, spec.kubeadm?.initConfigurationPatch),
    cluster: patch(cluster, spec.kubeadm?.clusterConfigurationPatch),
    kubelet: patch(kubelet, spec.kubeadm?.kubeletConfigurationPatch),
  };
}

/** The multi-document YAML written to the control plane for `kubeadm init --config`. */
export function renderKubeadmInitConfig(inp: KubeadmInputs): string {
  const d = buildKubeadmDocuments(inp);
  return [d.init, d.cluster, d.kubelet].map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
}

export interface JoinInputs {
  spec: ClusterSpec;
  /** host:port of the API server, from the fresh join command. */
  apiServerEndpoint: string;
  token: string;
  caCertHash: string;
  nodeName: string;
  nodeIp: string;
}

const TOKEN_RE = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const HASH_RE = /^sha256:[a-f0-9]{64}$/;

/** JoinConfiguration for a worker (§2.3), with the spec's joinConfigurationPatch. */
export function renderKubeadmJoinConfig(inp: JoinInputs): string {
  if (!TOKEN_RE.test(inp.token)) throw new KubeadmConfigError('token', 'bootstrap token is not of the form [a-z0-9]{6}.[a-z0-9]{16}');
  if (!HASH_RE.test(inp.caCertHash)) throw new KubeadmConfigError('caCertHash', 'CA cert hash is not sha256:<64 hex>');
  if (!isIPv4(inp.nodeIp)) throw new KubeadmConfigError('nodeIp', `node IP "${inp.nodeIp}" is not an IPv4 address`);
  const [host, port] = splitHostPort(inp.apiServerEndpoint);
  if (!host || !isHost(host) || !port) throw new KubeadmConfigError('apiServerEndpoint', `"${inp.apiServerEndpoint}" is not host:port`);
  const doc = patch(
    {
      apiVersion: KUBEADM_API_VERSION,
      kind: 'JoinConfiguration',
      discovery: { bootstrapToken: { apiServerEndpoint: inp.apiServerEndpoint, token: inp.token, caCertHashes: [inp.caCertHash] } },
      nodeRegistration: { name: inp.nodeName, criSocket: CRI_SOCKET, kubeletExtraArgs: [{ name: 'node-ip', value: inp.nodeIp }] },
    },
    inp.spec.kubeadm?.joinConfigurationPatch,
  );
  return stringify(doc, { lineWidth: 0 });
}

function splitHostPort(s: string): [string, number | undefined] {
  const i = s.lastIndexOf(':');
  if (i < 0) return [s, undefined];
  const port = Number(s.slice(i + 1));
  return [s.slice(0, i), Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined];
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Maps merged recursively, lists and scalars replaced, null removes; apiVersion/kind stay ours. */
function patch(base: Record<string, unknown>, over: Record<string, unknown> | undefined, top = true): Record<string, unknown> {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (top && (k === 'apiVersion' || k === 'kind')) continue;
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = patch(out[k] as Record<string, unknown>, v, false);
    else out[k] = v;
  }
  return out;
}
