// Preconditions of a run, checked rather than assumed (issue 12 item 5; reference §6): the cluster
// and dependsOn Addons Ready; for scaling tests the metrics API answers, every target Deployment's
// pods request CPU (HPA utilisation needs it) and its HPA reports ScalingActive=True before the
// load starts. The first failing check gives Ready=False with its reason and what to do.

export interface HpaFacts {
  name: string;
  /** status.conditions of the HPA. */
  conditions: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string }>;
}

export interface DeploymentFacts {
  /** namespace/name */
  ref: string;
  exists: boolean;
  /** Every container of the pod template has resources.requests.cpu. */
  cpuRequested: boolean;
  /** The HPA whose scaleTargetRef names this Deployment, if any. */
  hpa?: HpaFacts;
}

export interface PreconditionFacts {
  type: 'http' | 'scaling' | 'cpu' | 'memory';
  clusterReady: boolean;
  clusterName: string;
  /** Why the cluster cannot be used although it may be Ready (it is stopped, as its spec asks). */
  clusterStopped?: string;
  /** dependsOn Addons that are not Ready at their generation. */
  addonsNotReady: readonly string[];
  /** scaling: GET /apis/metrics.k8s.io/v1beta1/nodes answered. */
  metricsApiAvailable?: boolean;
  deployments?: readonly DeploymentFacts[];
}

export type PreconditionResult =
  | { ready: true; reason: 'Ready'; message: string }
  | { ready: false; reason: 'DependencyNotReady' | 'MetricsUnavailable' | 'HPANotActive' | 'InvalidSpec'; message: string };

export function checkPreconditions(f: PreconditionFacts): PreconditionResult {
  if (f.clusterStopped) return { ready: false, reason: 'DependencyNotReady', message: f.clusterStopped };
  if (!f.clusterReady) return { ready: false, reason: 'DependencyNotReady', message: `Cluster ${f.clusterName} is not Ready` };
  if (f.addonsNotReady.length > 0) return { ready: false, reason: 'DependencyNotReady', message: `Waiting for Addon ${f.addonsNotReady.join(', ')} to be Ready` };
  if (f.type !== 'scaling') return { ready: true, reason: 'Ready', message: 'Cluster and dependencies are Ready' };
  if (!f.metricsApiAvailable) {
    return { ready: false, reason: 'MetricsUnavailable', message: 'The metrics API (metrics.k8s.io) does not answer; install metrics-server (with --kubelet-insecure-tls on kubeadm labs) and list it in dependsOn' };
  }
  for (const d of f.deployments ?? []) {
    if (!d.exists) return { ready: false, reason: 'InvalidSpec', message: `Deployment ${d.ref} (spec.target.deployments) does not exist` };
    if (!d.cpuRequested) return { ready: false, reason: 'HPANotActive', message: `Deployment ${d.ref} has containers without resources.requests.cpu; the HPA cannot compute CPU utilisation` };
    if (!d.hpa) return { ready: false, reason: 'HPANotActive', message: `No HorizontalPodAutoscaler targets Deployment ${d.ref}` };
    const active = d.hpa.conditions.find((c) => c.type === 'ScalingActive');
    if (active?.status !== 'True') {
      const why = active ? `${active.reason ?? active.status}${active.message ? `: ${active.message}` : ''}` : 'no conditions yet';
      return { ready: false, reason: 'HPANotActive', message: `HPA ${d.hpa.name} of ${d.ref} is not ScalingActive (${why})` };
    }
  }
  return { ready: true, reason: 'Ready', message: 'Cluster, dependencies, metrics API and HPAs are ready' };
}
