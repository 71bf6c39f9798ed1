// The ports the kinds drive, together: what src/app builds from adapters (or the sim host) and
// hands the manager. Each kind's module takes the part it needs.
import type { ChartSourcePort } from './chart-source.js';
import type { GuestExec } from './guest-exec.js';
import type { HelmPort } from './helm.js';
import type { KubePort } from './kube.js';
import type { Secrets } from './secrets.js';
import type { VmProvider } from './vm-provider.js';

/** What the Kubernetes-facing kinds (Cluster, Addon, LoadTest) reach clusters with. */
export interface KubernetesPorts {
  /** A client for the cluster a kubeconfig file points at (Cluster status.kubeconfigPath). */
  kube(kubeconfig: string): KubePort;
  /** The helm CLI, resolved on first use, so a lab without charts needs no helm binary. */
  helm(): Promise<HelmPort>;
  /** Where charts and manifests-by-URL come from (helm pull cache, or the sim host's stand-ins). */
  charts: ChartSourcePort;
}

export interface HostPorts {
  provider: VmProvider;
  guest: GuestExec;
  secrets: Secrets;
  kubernetes: KubernetesPorts;
}
