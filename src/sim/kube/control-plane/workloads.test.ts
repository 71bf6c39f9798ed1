import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { makeSim, type Sim } from './testing/harness.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

describe('DaemonSet controller', () => {
  it('runs one CNI pod per node, pinned by node affinity, tolerating the control-plane taint', () => {
    sim = makeSim();
    sim.until(() => sim!.get('daemonsets', 'kube-system', 'cilium')?.status?.numberReady === 2);
    const pods = sim.list('pods', 'kube-system');
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['cp1', 'worker1']);
    for (const p of pods) {
      const terms = p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      expect(terms[0].matchFields).toEqual([{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }]);
      expect(p.spec.tolerations).toContainEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
      expect(p.status.podIP).toBe(p.status.hostIP); // hostNetwork
    }
    expect(sim.get('daemonsets', 'kube-system', 'cilium')!.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberAvailable: 2, numberMisscheduled: 0 });
  });

  it('skips nodes whose taints the template does not tolerate, and adds a pod for a new node', () => {
    sim = makeSim();
    sim.apply('daemonsets', {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } } },
    });
    sim.until(() => sim!.get('daemonsets', 'default', 'agent')?.status?.numberReady === 1);
    expect(sim.list('pods', 'default').map((p) => p.spec.nodeName)).toEqual(['worker1']);
    sim.cp.addNode({ name: 'worker2', ip: '192.0.2.20', cpu: 2, memoryMiB: 2048 });
    sim.until(() => sim!.get('daemonsets', 'default', 'agent')?.status?.numberReady === 2);
    expect(sim.list('pods', 'default').map((p) => p.spec.nodeName).sort()).toEqual(['worker1', 'worker2']);
  });
});

describe('StatefulSet controller', () => {
  const sts = (replicas: number): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
    },
  });

  it('creates db-0, db-1, db-2 in order, each after the previous is Ready, and removes from the highest', () => {
    sim = makeSim();
    sim.apply('statefulsets', sts(3));
    const order: string[] = [];
    sim.until(() => {
      for (const p of sim!.list('pods', 'default')) if (!order.includes(p.metadata.name!)) order.push(p.metadata.name!);
      return sim!.get('statefulsets', 'default', 'db')?.status?.readyReplicas === 3;
    }, 60_000, 100);
    expect(order).toEqual(['db-0', 'db-1', 'db-2']);
    const p1 = sim.get('pods', 'default', 'db-1')!;
    expect(p1.spec).toMatchObject({ hostname: 'db-1', subdomain: 'db' });
    expect(p1.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1' });
    expect(sim.get('statefulsets', 'default', 'db')!.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    const s = sim.get('statefulsets', 'default', 'db')!;
    expect(s.status.currentRevision).toBe(s.status.updateRevision);
    sim.store.patch({ group: 'apps', version: 'v1', resource: 'statefulsets' }, 'default', 'db', 'merge', { spec: { replicas: 1 } });
    sim.until(() => sim!.list('pods', 'default').length === 1, 30_000);
    expect(sim.list('pods', 'default')[0].metadata.name).toBe('db-0');
  });
});
