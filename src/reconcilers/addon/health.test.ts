import { describe, expect, it } from 'vitest';
import { aggregateHealth, conditionHealth, objectHealth } from './health.js';

const meta = (kind: string, name = 'x', namespace: string | undefined = 'demo', generation = 2) => ({ apiVersion: 'v1', kind, metadata: { name, namespace, generation } });
const dep = (replicas: number, status: object) => ({ ...meta('Deployment', 'nginx-web'), spec: { replicas }, status: { observedGeneration: 2, ...status } });

describe('kstatus-style object health', () => {
  it.each([
    ['Deployment all available', dep(3, { replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 'Current', '3/3 replicas available'],
    ['Deployment rolling', dep(3, { replicas: 3, updatedReplicas: 1, availableReplicas: 3 }), 'InProgress', '1/3 replicas updated'],
    ['Deployment with old pods terminating', dep(3, { replicas: 4, updatedReplicas: 3, availableReplicas: 3 }), 'InProgress', '1 old replicas pending termination'],
    ['Deployment not yet available', dep(2, { replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), 'InProgress', '1/2 replicas available'],
    ['Deployment past its deadline', dep(2, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }), 'Failed', 'progress deadline exceeded'],
    ['Deployment generation not observed', { ...dep(1, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), status: { observedGeneration: 1 } }, 'InProgress', 'generation 2 not observed yet'],
    ['Deployment scaled to zero', dep(0, {}), 'Current', '0/0'],
    ['DaemonSet rolled out', { ...meta('DaemonSet', 'cilium', 'kube-system'), status: { observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 } }, 'Current', '2/2 pods available'],
    ['DaemonSet rolling out', { ...meta('DaemonSet'), status: { desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 2 } }, 'InProgress', '1/2 pods updated'],
    ['DaemonSet not scheduled yet', { ...meta('DaemonSet'), status: {} }, 'InProgress', 'not scheduled'],
    ['StatefulSet ready', { ...meta('StatefulSet', 'loki'), spec: { replicas: 1 }, status: { readyReplicas: 1, currentRevision: 'r1', updateRevision: 'r1' } }, 'Current', '1/1 replicas ready'],
    ['StatefulSet mid-update', { ...meta('StatefulSet'), spec: { replicas: 2 }, status: { readyReplicas: 2, currentRevision: 'r1', updateRevision: 'r2', updatedReplicas: 1 } }, 'InProgress', 'rolling out revision r2'],
    ['StatefulSet not ready', { ...meta('StatefulSet'), spec: { replicas: 2 }, status: { readyReplicas: 1 } }, 'InProgress', '1/2 replicas ready'],
    ['Job complete', { ...meta('Job'), status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } }, 'Current', 'complete'],
    ['Job failed', { ...meta('Job'), status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } }, 'Failed', 'BackoffLimitExceeded'],
    ['Job running', { ...meta('Job'), status: { active: 1 } }, 'InProgress', '0 succeeded, 1 active'],
    ['APIService available', { ...meta('APIService', 'v1beta1.metrics.k8s.io', undefined), status: { conditions: [{ type: 'Available', status: 'True' }] } }, 'Current', 'Available=True'],
    ['APIService unavailable', { ...meta('APIService', 'v1beta1.metrics.k8s.io', undefined), status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] } }, 'InProgress', 'Available=False (MissingEndpoints)'],
    ['PVC bound', { ...meta('PersistentVolumeClaim', 'jenkins', 'jenkins'), status: { phase: 'Bound' } }, 'Current', 'bound'],
    ['PVC pending without a StorageClass', { ...meta('PersistentVolumeClaim', 'jenkins', 'jenkins'), status: { phase: 'Pending' } }, 'InProgress', 'default StorageClass'],
    ['CRD established', { ...meta('CustomResourceDefinition', 'ciliumnetworkpolicies.cilium.io', undefined), status: { conditions: [{ type: 'Established', status: 'True' }] } }, 'Current', 'established'],
    ['LoadBalancer without address', { ...meta('Service'), spec: { type: 'LoadBalancer' }, status: {} }, 'InProgress', 'load balancer'],
    ['ClusterIP service', { ...meta('Service'), spec: { type: 'ClusterIP' } }, 'Current', 'service'],
    ['custom resource Ready=False', { ...meta('Certificate'), status: { conditions: [{ type: 'Ready', status: 'False', message: 'issuing' }] } }, 'InProgress', 'Ready=False: issuing'],
    ['custom resource Stalled', { ...meta('HelmRelease'), status: { conditions: [{ type: 'Stalled', status: 'True', message: 'retries exhausted' }] } }, 'Failed', 'retries exhausted'],
    ['ConfigMap (no status)', { ...meta('ConfigMap') }, 'Current', 'exists'],
    ['object being deleted', { ...meta('ConfigMap'), metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' } }, 'InProgress', 'being deleted'],
  ])('%s → %s', (_n, obj, status, msg) => {
    const h = objectHealth(obj as never);
    expect(h.status).toBe(status);
    expect(h.message).toContain(msg);
  });

  it('a missing object is NotFound', () => {
    expect(objectHealth(undefined, 'APIService/v1beta1.metrics.k8s.io')).toEqual({ ref: 'APIService/v1beta1.metrics.k8s.io', status: 'NotFound', message: 'APIService/v1beta1.metrics.k8s.io not found' });
  });

  it('a health check with a named condition needs that condition True', () => {
    const o = { ...meta('Deployment'), status: { conditions: [{ type: 'Available', status: 'True' }] } };
    expect(conditionHealth(o as never, 'Available').status).toBe('Current');
    expect(conditionHealth(o as never, 'Ready').message).toContain('Ready=missing');
  });

  it('aggregates to the worst and names what is not ready', () => {
    const a = aggregateHealth([
      objectHealth(dep(1, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 }) as never),
      objectHealth({ ...meta('PersistentVolumeClaim', 'jenkins', 'jenkins'), status: { phase: 'Pending' } } as never),
    ]);
    expect(a.status).toBe('InProgress');
    expect(a.message).toMatch(/^PersistentVolumeClaim\/jenkins\/jenkins: Pending/);
    expect(aggregateHealth([]).status).toBe('Current');
  });
});
