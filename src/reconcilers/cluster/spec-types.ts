// The Cluster spec as crds/cluster.yaml declares it (defaults applied by the schema before a
// reconciler sees it). Kept in step with the CRD by spec-types.test.ts.

export interface ClusterTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface ClusterWorker {
  vm: string;
  labels?: Record<string, string>;
  taints?: ClusterTaint[];
}

export interface ClusterNetwork {
  podCIDR: string;
  serviceCIDR: string;
  dnsDomain: string;
}

export interface CiliumSpec {
  version: string;
  kubeProxyReplacement: boolean;
  ipamMode: 'cluster-pool' | 'kubernetes';
  hubble: { enabled: boolean; relay: boolean; ui: boolean };
  values?: Record<string, unknown>;
  valuesFiles?: string[];
}

export interface ClusterSpec {
  kubernetesVersion: string;
  controlPlane: { vm: string; certSANs?: string[]; schedulable?: boolean };
  workers?: ClusterWorker[];
  network: ClusterNetwork;
  controlPlaneEndpoint: { host?: string; port: number };
  cni: { type: 'cilium' | 'none'; cilium: CiliumSpec };
  kubeconfig: { mergeIntoDefault: boolean; contextName?: string };
  kubeadm?: {
    clusterConfigurationPatch?: Record<string, unknown>;
    initConfigurationPatch?: Record<string, unknown>;
    joinConfigurationPatch?: Record<string, unknown>;
    kubeletConfigurationPatch?: Record<string, unknown>;
  };
  remediation?: { allowReinit?: boolean; restartVmAfter?: string };
  powerState: 'Running' | 'Stopped';
  deletionPolicy: 'Delete' | 'Retain';
  suspend?: boolean;
  certificates: { renewBefore: string };
}

/** Fills what the CRD defaults, so pure logic can be called with a hand-written partial spec. */
export function withClusterDefaults(raw: Partial<ClusterSpec> & Pick<ClusterSpec, 'kubernetesVersion' | 'controlPlane'>): ClusterSpec {
  const cilium: Partial<CiliumSpec> = raw.cni?.cilium ?? {};
  return {
    ...raw,
    workers: raw.workers ?? [],
    network: { podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', dnsDomain: 'cluster.local', ...(raw.network ?? {}) },
    controlPlaneEndpoint: { port: 6443, ...(raw.controlPlaneEndpoint ?? {}) },
    cni: {
      type: raw.cni?.type ?? 'cilium',
      cilium: {
        ...cilium,
        version: cilium.version ?? '1.16.5',
        kubeProxyReplacement: cilium.kubeProxyReplacement ?? true,
        ipamMode: cilium.ipamMode ?? 'cluster-pool',
        hubble: { enabled: true, relay: true, ui: true, ...(cilium.hubble ?? {}) },
      },
    },
    kubeconfig: { mergeIntoDefault: false, ...(raw.kubeconfig ?? {}) },
    powerState: raw.powerState ?? 'Running',
    deletionPolicy: raw.deletionPolicy ?? 'Delete',
    certificates: { renewBefore: '30d', ...(raw.certificates ?? {}) },
  };
}

/** Every top-level spec field, checked against the CRD by spec-types.test.ts. */
export const CLUSTER_SPEC_FIELDS = [
  'kubernetesVersion', 'controlPlane', 'workers', 'network', 'controlPlaneEndpoint', 'cni', 'kubeconfig',
  'kubeadm', 'remediation', 'powerState', 'deletionPolicy', 'suspend', 'certificates',
] as const satisfies readonly (keyof ClusterSpec)[];
