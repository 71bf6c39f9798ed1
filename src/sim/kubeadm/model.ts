// What kubeadm reads and prints, shared by the two simulated kubeadms: the sim host's (an
// interpreter over an in-memory guest, src/sim/host/sim-node-commands.ts) and the guest kit's (a
// real process in a guest-sandbox guest, src/sim/guest/kube-kit.ts). One reading of the config
// documents, one CA-hash rule, one set of preflight and success texts.
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = Record<string, any>;

export interface KubeadmDocs {
  init: Doc;
  cluster: Doc;
  join: Doc;
}

/** The documents of a `kubeadm --config` file, by kind (missing kinds are empty objects). */
export function readKubeadmConfig(text: string | undefined): KubeadmDocs {
  const docs = text ? parseAllDocuments(text).map((d) => (d.toJSON() ?? {}) as Doc) : [];
  const of = (kind: string) => docs.find((d) => d?.kind === kind) ?? {};
  return { init: of('InitConfiguration'), cluster: of('ClusterConfiguration'), join: of('JoinConfiguration') };
}

export interface InitFacts {
  clusterName: string;
  /** Without the leading v. */
  version: string;
  nodeName: string;
  advertiseAddress?: string;
  controlPlaneEndpoint?: string;
  podSubnet?: string;
  serviceSubnet?: string;
  dnsDomain: string;
  certSANs: string[];
}

export function initFacts(d: KubeadmDocs, defaultNodeName: string): InitFacts {
  const networking = d.cluster.networking ?? {};
  return {
    clusterName: String(d.cluster.clusterName ?? 'kubernetes'),
    version: String(d.cluster.kubernetesVersion ?? 'v1.31.9').replace(/^v/, ''),
    nodeName: String(d.init.nodeRegistration?.name ?? defaultNodeName),
    ...(d.init.localAPIEndpoint?.advertiseAddress ? { advertiseAddress: String(d.init.localAPIEndpoint.advertiseAddress) } : {}),
    ...(d.cluster.controlPlaneEndpoint ? { controlPlaneEndpoint: String(d.cluster.controlPlaneEndpoint) } : {}),
    ...(networking.podSubnet ? { podSubnet: String(networking.podSubnet) } : {}),
    ...(networking.serviceSubnet ? { serviceSubnet: String(networking.serviceSubnet) } : {}),
    dnsDomain: String(networking.dnsDomain ?? 'cluster.local'),
    certSANs: ((d.cluster.apiServer?.certSANs ?? []) as unknown[]).map(String),
  };
}

export interface JoinFacts {
  endpoint?: string;
  token?: string;
  caHash?: string;
  nodeName: string;
  nodeIp?: string;
}

/** From `kubeadm join [ENDPOINT] --token T --discovery-token-ca-cert-hash H [--node-name N] [--config F]`. */
export function joinFacts(args: readonly string[], configText: string | undefined, defaultNodeName: string): JoinFacts {
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  if (configText !== undefined) {
    const j = readKubeadmConfig(configText).join;
    const bt = j.discovery?.bootstrapToken ?? {};
    const nodeIp = ((j.nodeRegistration?.kubeletExtraArgs ?? []) as { name?: string; value?: string }[]).find((a) => a?.name === 'node-ip')?.value;
    return { endpoint: bt.apiServerEndpoint, token: bt.token, caHash: bt.caCertHashes?.[0], nodeName: String(j.nodeRegistration?.name ?? defaultNodeName), ...(nodeIp ? { nodeIp } : {}) };
  }
  return { endpoint: args.filter((a) => !a.startsWith('-'))[1], token: opt('--token'), caHash: opt('--discovery-token-ca-cert-hash'), nodeName: opt('--node-name') ?? defaultNodeName };
}

/** kubeadm's CA pin: sha256 over the CA certificate's SubjectPublicKeyInfo (DER), hex. */
export function caCertHash(caCertPem: string): string {
  const spki = createPublicKey(caCertPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** A bootstrap token as kubeadm makes them: [a-z0-9]{6}.[a-z0-9]{16}. */
export function newBootstrapToken(): string {
  const pick = (n: number) => [...randomBytes(n)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  return `${pick(6)}.${pick(16)}`;
}

export function joinCommandLine(endpoint: string, token: string, caHashHex: string): string {
  return `kubeadm join ${endpoint} --token ${token} --discovery-token-ca-cert-hash sha256:${caHashHex}`;
}

export function preflightFailure(errors: readonly string[]): string {
  return `[preflight] Some fatal errors occurred:\n\t${errors.join('\n\t')}\nerror execution phase preflight`;
}

export const PREFLIGHT = {
  manifests: '[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists',
  kubeletConf: '[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists',
  port: '[ERROR Port-6443]: Port 6443 is in use',
  swap: '[ERROR Swap]: running with swap on is not supported. Please disable swap',
  bridge: '[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist',
  ipForward: '[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1',
  cri: '[ERROR CRI]: container runtime is not running',
} as const;

export function initSuccessText(joinCommand: string): string {
  return `Your Kubernetes control-plane has initialized successfully!\n\nYou can now join any number of worker nodes by running the following on each as root:\n\n${joinCommand}\n`;
}

export const JOINED_TEXT = 'This node has joined the cluster:\n* Certificate signing request was sent to apiserver and a response was received.\n';
export const RESET_TEXT = '[reset] Deleted contents of the etc directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]\n';
export const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher';

/** What `containerd config default` prints (the part node preparation edits). */
export const CONTAINERD_DEFAULT_CONFIG = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.8"\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n            SystemdCgroup = false\n';

export function kubeletConfigYaml(o: { clusterDNS?: string; clusterDomain?: string } = {}): string {
  return ['apiVersion: kubelet.config.k8s.io/v1beta1', 'kind: KubeletConfiguration', 'cgroupDriver: systemd', ...(o.clusterDNS ? ['clusterDNS:', `- ${o.clusterDNS}`] : []), ...(o.clusterDomain ? [`clusterDomain: ${o.clusterDomain}`] : []), ''].join('\n');
}

/** `kubeadm certs check-expiration` as kubeadm prints it (leaf certificates expire at `certs`, the CAs at `ca`). */
export function certsCheckExpirationText(certs: Date, ca: Date, now = Date.now()): string {
  const fmt = (x: Date) => `${x.toUTCString().slice(8, 11)} ${String(x.getUTCDate()).padStart(2, '0')}, ${x.getUTCFullYear()} ${String(x.getUTCHours()).padStart(2, '0')}:${String(x.getUTCMinutes()).padStart(2, '0')} UTC`;
  const residual = (x: Date) => {
    const d = Math.floor((x.getTime() - now) / 86_400_000);
    return d < 0 ? '<invalid>' : d >= 365 ? `${Math.floor(d / 365)}y` : `${d}d`;
  };
  let out = "[check-expiration] Reading configuration from the cluster...\n[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n\n";
  out += 'CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED\n';
  for (const [c, by] of [['admin.conf', 'ca'], ['apiserver', 'ca'], ['apiserver-etcd-client', 'etcd-ca'], ['apiserver-kubelet-client', 'ca'], ['controller-manager.conf', 'ca'], ['etcd-healthcheck-client', 'etcd-ca'], ['etcd-peer', 'etcd-ca'], ['etcd-server', 'etcd-ca'], ['front-proxy-client', 'front-proxy-ca'], ['scheduler.conf', 'ca'], ['super-admin.conf', 'ca']] as const) {
    out += `${c.padEnd(27)}${fmt(certs)}   ${residual(certs).padEnd(16)}${by.padEnd(24)}no\n`;
  }
  out += '\nCERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED\n';
  for (const c of ['ca', 'etcd-ca', 'front-proxy-ca']) out += `${c.padEnd(24)}${fmt(ca)}   ${residual(ca).padEnd(16)}no\n`;
  return out;
}
