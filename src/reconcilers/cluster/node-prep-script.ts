// Node preparation for kubeadm (reference clusters.md §2.1), rendered as idempotent steps. Each step
// carries an `unless` probe: the runtime runs the probe first and skips the step when it exits 0, so
// a golden image that already has swap off, the modules, containerd and the pinned packages does no
// work — detected by checking the node, never by a flag. Scripts are plain bash meant for
// `sudo bash -s` over stdin: every value embedded is validated first, so no quoting of user text is
// ever needed.
import { parseKubeVersion, supportedMinorsText } from './versions.js';

export interface PrepStep {
  /** Stable step name, used in status and events (e.g. "swap-off"). */
  name: string;
  /** Exits 0 when the node already has what the step would do. */
  unless: string;
  /** Does the work; must leave `unless` true when it exits 0. */
  script: string;
}

export interface NodePrepOptions {
  /** The spec's kubernetesVersion ("1.31" or "1.31.4"). */
  kubernetesVersion: string;
  /** Install conntrack even when the version no longer needs it (kubeadm ≥1.32 dropped the preflight). Default true: cilium and debugging use it. */
  conntrack?: boolean;
  /** containerd's pause image; left to containerd's default when unset. */
  sandboxImage?: string;
}

export const KUBE_APT_KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';
export const KUBE_APT_LIST = '/etc/apt/sources.list.d/kubernetes.list';
export const MODULES_FILE = '/etc/modules-load.d/k8s.conf';
export const SYSCTL_FILE = '/etc/sysctl.d/99-kubernetes.conf';
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

const SYSCTLS: ReadonlyArray<readonly [string, string]> = [
  ['net.ipv4.ip_forward', '1'],
  ['net.bridge.bridge-nf-call-iptables', '1'],
  ['net.bridge.bridge-nf-call-ip6tables', '1'],
];
const IMAGE_RE = /^[a-z0-9][a-z0-9._\-/:@]*$/;

export class NodePrepOptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The pkgs.k8s.io repository of one minor (one repo per minor: core:/stable:/v1.31/deb/). */
export function kubeAptRepoUrl(minor: string): string {
  return `https://pkgs.k8s.io/core:/stable:/v${minor}/deb/`;
}

export function renderNodePrepSteps(opts: NodePrepOptions): PrepStep[] {
  const v = parseKubeVersion(opts.kubernetesVersion);
  if (!v) {
    throw new NodePrepOptionError('spec.kubernetesVersion', `Kubernetes version "${opts.kubernetesVersion}" is not supported; use one of ${supportedMinorsText()}`);
  }
  if (opts.sandboxImage !== undefined && !IMAGE_RE.test(opts.sandboxImage)) {
    throw new NodePrepOptionError('sandboxImage', `sandbox image "${opts.sandboxImage}" is not an image reference`);
  }
  const repo = kubeAptRepoUrl(v.minor);
  const pkgVersion = `${v.patch}-*`; // pkgs.k8s.io versions look like 1.31.9-1.1
  const kubePkgs = ['kubelet', 'kubeadm', 'kubectl'];
  const tools = opts.conntrack === false ? ['socat'] : ['conntrack', 'socat'];
  const toolBins = tools; // both packages ship a binary of the same name

  const steps: PrepStep[] = [
    {
      name: 'swap-off',
      unless: `test -z "$(swapon --noheadings --show 2>/dev/null)" && ! grep -Eq '^[^#[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]]' /etc/fstab`,
      script: [
        'swapoff -a',
        // comment out swap lines so swap stays off after a reboot
        `sed -ri '/^[^#[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]]/s/^/#hostplane# /' /etc/fstab`,
      ].join('\n'),
    },
    {
      name: 'kernel-modules',
      unless: `grep -qx overlay ${MODULES_FILE} && grep -qx br_netfilter ${MODULES_FILE} && test -d /sys/module/overlay && test -d /sys/module/br_netfilter`,
      script: [`mkdir -p /etc/modules-load.d`, `printf '%s\\n' overlay br_netfilter > ${MODULES_FILE}`, 'modprobe overlay', 'modprobe br_netfilter'].join('\n'),
    },
    {
      name: 'sysctl',
      unless: [`test -f ${SYSCTL_FILE}`, ...SYSCTLS.map(([k, val]) => `test "$(sysctl -n ${k} 2>/dev/null)" = ${val}`)].join(' && '),
      script: [`printf '%s\\n' ${SYSCTLS.map(([k, val]) => `'${k} = ${val}'`).join(' ')} > ${SYSCTL_FILE}`, `sysctl --system >/dev/null`].join('\n'),
    },
    {
      name: 'containerd',
      unless: `command -v containerd >/dev/null && grep -Eq '^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true' ${CONTAINERD_CONFIG} && systemctl is-active --quiet containerd`,
      script: [
        'export DEBIAN_FRONTEND=noninteractive',
        'command -v containerd >/dev/null || { apt-get update -q && apt-get install -y -q containerd; }',
        'mkdir -p /etc/containerd',
        // keep an existing config (a golden image's tuning); write the default only when it lacks the runc cgroup setting
        `grep -q 'SystemdCgroup' ${CONTAINERD_CONFIG} 2>/dev/null || containerd config default > ${CONTAINERD_CONFIG}`,
        // runc must use the systemd cgroup driver, as kubeadm configures the kubelet (§2.1)
        `sed -ri 's/^([[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*)false/\\1true/' ${CONTAINERD_CONFIG}`,
        `grep -Eq '^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true' ${CONTAINERD_CONFIG}`,
        ...(opts.sandboxImage ? [`sed -ri 's#^([[:space:]]*sandbox_image[[:space:]]*=[[:space:]]*).*#\\1"${opts.sandboxImage}"#' ${CONTAINERD_CONFIG}`] : []),
        `printf '%s\\n' 'runtime-endpoint: unix:///var/run/containerd/containerd.sock' 'image-endpoint: unix:///var/run/containerd/containerd.sock' > /etc/crictl.yaml`,
        'systemctl enable containerd',
        'systemctl restart containerd',
      ].join('\n'),
    },
    {
      name: 'kubernetes-apt-repo',
      unless: `test -s ${KUBE_APT_KEYRING} && grep -qF '${repo}' ${KUBE_APT_LIST}`,
      script: [
        'export DEBIAN_FRONTEND=noninteractive',
        'apt-get update -q',
        'apt-get install -y -q apt-transport-https ca-certificates curl gpg',
        'mkdir -p -m 755 /etc/apt/keyrings',
        `curl -fsSL ${repo}Release.key | gpg --dearmor --yes -o ${KUBE_APT_KEYRING}`,
        `echo 'deb [signed-by=${KUBE_APT_KEYRING}] ${repo} /' > ${KUBE_APT_LIST}`,
        'apt-get update -q',
      ].join('\n'),
    },
    {
      name: 'kubernetes-packages',
      unless: [
        ...kubePkgs.map((p) => `dpkg-query -W -f='\${Version}' ${p} 2>/dev/null | grep -q '^${v.patch.replace(/\./g, '\\.')}-'`),
        ...kubePkgs.map((p) => `apt-mark showhold | grep -qx ${p}`),
      ].join(' && '),
      script: [
        'export DEBIAN_FRONTEND=noninteractive',
        `apt-mark unhold ${kubePkgs.join(' ')} >/dev/null 2>&1 || true`,
        `apt-get install -y -q --allow-downgrades --allow-change-held-packages ${kubePkgs.map((p) => `'${p}=${pkgVersion}'`).join(' ')}`,
        `apt-mark hold ${kubePkgs.join(' ')}`,
        'systemctl enable kubelet',
      ].join('\n'),
    },
    {
      name: 'node-tools',
      unless: toolBins.map((b) => `command -v ${b} >/dev/null`).join(' && '),
      script: ['export DEBIAN_FRONTEND=noninteractive', 'apt-get update -q', `apt-get install -y -q ${tools.join(' ')}`].join('\n'),
    },
  ];
  return steps;
}

/** One step as a single script: probe, skip when it holds, otherwise do the work and re-check the probe. */
export function renderStepScript(step: PrepStep): string {
  return [
    'set -euo pipefail',
    `if ( ${step.unless} ); then echo 'hostplane: ${step.name} already done'; exit 0; fi`,
    step.script,
    `( ${step.unless} ) || { echo 'hostplane: ${step.name} did not take effect' >&2; exit 1; }`,
    '',
  ].join('\n');
}
