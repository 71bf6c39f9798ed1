// The static pods kubeadm init writes on a control-plane node (/etc/kubernetes/manifests), as
// manifests for NodeSpec.staticPods: etcd, kube-apiserver, kube-controller-manager, kube-scheduler.
// Only what `kubectl get/describe pods -n kube-system` shows is filled in.
import type { KubeObject } from '../object-store.js';

export function kubeadmStaticPods(opts: { nodeIP: string; version?: string; podSubnet?: string; serviceSubnet?: string }): KubeObject[] {
  const v = opts.version ?? 'v1.31.9';
  const pod = (name: string, image: string, command: string[], cpu: string, extraLabels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels: { component: name, tier: 'control-plane', ...extraLabels }, annotations },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      containers: [{ name, image, command, imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu } } }],
    },
  });
  return [
    pod('etcd', 'registry.k8s.io/etcd:3.5.15-0', ['etcd', `--advertise-client-urls=https://${opts.nodeIP}:2379`, '--data-dir=/var/lib/etcd'], '100m', {}, { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${opts.nodeIP}:2379` }),
    pod('kube-apiserver', `registry.k8s.io/kube-apiserver:${v}`, ['kube-apiserver', `--advertise-address=${opts.nodeIP}`, `--service-cluster-ip-range=${opts.serviceSubnet ?? '10.96.0.0/12'}`], '250m', {}, { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${opts.nodeIP}:6443` }),
    pod('kube-controller-manager', `registry.k8s.io/kube-controller-manager:${v}`, ['kube-controller-manager', `--cluster-cidr=${opts.podSubnet ?? '10.244.0.0/16'}`, '--allocate-node-cidrs=true'], '200m'),
    pod('kube-scheduler', `registry.k8s.io/kube-scheduler:${v}`, ['kube-scheduler', '--leader-elect=true'], '100m'),
  ];
}
