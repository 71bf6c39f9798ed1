import { afterEach, describe, expect, it } from 'vitest';
import { CNI_NOT_READY } from './kubelet.js';
import { NODE_MONITOR_GRACE_MS } from './node-lifecycle.js';
import { kubeadmStaticPods } from './kubeadm-static-pods.js';
import { cniDaemonSet, cond, deployment, makeSim, nodeReady, type Sim } from './testing/harness.js';
import { DefaultWorkload, type ContainerContext, type ContainerHandle } from './workload.js';
import type { KubeObject } from '../object-store.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

function pod(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, spec: { tolerations: [{ operator: 'Exists' }], ...spec } };
}

describe('sim kubelet', () => {
  it('registers a Node that stays NotReady with the kubeadm CNI message until a cilium pod runs on it', () => {
    sim = makeSim({ cni: false });
    sim.clock.advance(30_000);
    const n = sim.get('nodes', undefined, 'worker1')!;
    expect(n.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.31.9', operatingSystem: 'linux', containerRuntimeVersion: 'containerd://1.7.24' });
    expect(n.status.addresses).toEqual([{ type: 'InternalIP', address: '192.0.2.11' }, { type: 'Hostname', address: 'worker1' }]);
    expect(n.status.capacity).toMatchObject({ cpu: '2', memory: '4194304Ki', pods: '110' });
    const ready = n.status.conditions.find((c: { type: string }) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: CNI_NOT_READY });
    expect(n.spec.taints).toContainEqual({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
    const cp = sim.get('nodes', undefined, 'cp1')!;
    expect(cp.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    // Leases renewed every 10 s in kube-node-lease.
    const lease = sim.get('leases', 'kube-node-lease', 'worker1')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'worker1', leaseDurationSeconds: 40 });
    expect(Date.parse(lease.spec.renewTime)).toBe(sim.clock.now());
    // The CNI arrives: Ready, not-ready taint removed.
    sim.apply('daemonsets', cniDaemonSet());
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True' && nodeReady(sim!.get('nodes', undefined, 'cp1')) === 'True');
    expect(sim.get('nodes', undefined, 'worker1')!.spec.taints ?? []).toEqual([]);
    expect(sim.events('NodeReady').map((e) => e.involvedObject.name).sort()).toEqual(['cp1', 'worker1']);
  });

  it('a stopped node goes Unknown 40 s after its last lease renewal, gets the unreachable taints and its pods are marked not ready', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 2));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 2);
    const renewed = Date.parse(sim.get('leases', 'kube-node-lease', 'worker1')!.spec.renewTime);
    sim.cp.stopNode('worker1');
    const took = sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'Unknown', 120_000, 1000);
    const wentUnknownAt = sim.clock.now();
    expect(wentUnknownAt - renewed).toBeGreaterThanOrEqual(NODE_MONITOR_GRACE_MS);
    expect(wentUnknownAt - renewed).toBeLessThanOrEqual(NODE_MONITOR_GRACE_MS + 1000);
    expect(took).toBeLessThanOrEqual(41_000);
    const n = sim.get('nodes', undefined, 'worker1')!;
    expect(n.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(n.spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`)).toEqual(['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    for (const p of sim.list('pods', 'default')) expect(cond(p, 'Ready')).toBe('False');
    expect(cond(sim.get('deployments', 'default', 'web'), 'Available')).toBe('False');
    // After the default 300 s toleration the pods are evicted; replacements have nowhere to go.
    sim.clock.advance(301_000);
    expect(sim.events('TaintManagerEviction')).toHaveLength(2);
    // The VM comes back: the kubelet reports Ready again, the taints go, the Deployment recovers.
    sim.cp.startNode('worker1');
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True' && sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 2, 60_000);
    expect(sim.get('nodes', undefined, 'worker1')!.spec.taints ?? []).toEqual([]);
  });

  it('a missed heartbeat (the node controller marked its running pods NotReady) heals on the next lease renewal: pods Ready again', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 2));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 2);
    const onWorker = () => sim!.list('pods', 'default').filter((p) => p.spec.nodeName === 'worker1');
    expect(onWorker().length).toBeGreaterThan(0);
    // what the node lifecycle controller writes when a lease looks stale (a stalled event loop on a
    // time-scaled clock); the kubelet's own view of the containers did not change
    for (const p of onWorker()) {
      const conditions = p.status.conditions.map((c: { type: string }) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'NodeNotReady', message: '' } : c));
      sim.store.update({ group: '', version: 'v1', resource: 'pods' }, { ...p, status: { ...p.status, conditions } }, { subresource: 'status', fieldManager: 'kube-controller-manager' });
    }
    expect(onWorker().every((p) => cond(p, 'Ready') === 'False')).toBe(true);
    const took = sim.until(() => onWorker().every((p) => cond(p, 'Ready') === 'True'), 30_000, 500);
    expect(took).toBeLessThanOrEqual(10_500); // one lease renewal interval
  });

  it('runs pods Pending → Running with container statuses and pod conditions', () => {
    sim = makeSim();
    sim.apply('pods', pod('p', { nodeName: 'worker1', containers: [{ name: 'c', image: 'busybox' }] }));
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.until(() => sim!.get('pods', 'default', 'p')?.status?.phase === 'Running');
    const p = sim.get('pods', 'default', 'p')!;
    expect(p.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual([
      'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True',
    ]);
    expect(p.status.containerStatuses[0]).toMatchObject({ name: 'c', image: 'docker.io/library/busybox:latest', ready: true, restartCount: 0, started: true });
    expect(p.status.containerStatuses[0].state.running.startedAt).toMatch(/Z$/);
    expect(p.status.qosClass).toBe('BestEffort');
    expect(sim.events('Created').some((e) => e.message === 'Created container c' && e.involvedObject.fieldPath === 'spec.containers{c}')).toBe(true);
  });

  it('restarts a crashing container with back-off and counts restarts', () => {
    sim = makeSim();
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.apply('pods', pod('crash', { nodeName: 'worker1', containers: [{ name: 'c', image: 'busybox' }] }, { 'sim.hostplane.dev/run-seconds': '1', 'sim.hostplane.dev/exit-code': '1' }));
    sim.until(() => (sim!.get('pods', 'default', 'crash')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 120_000);
    const cs = sim.get('pods', 'default', 'crash')!.status.containerStatuses[0];
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(sim.events('BackOff')[0]).toMatchObject({ type: 'Warning' });
    expect(sim.events('BackOff')[0].count).toBeGreaterThanOrEqual(1);
  });

  it('ends a restartPolicy Never pod as Failed with the exit code', () => {
    sim = makeSim();
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.apply('pods', pod('once', { nodeName: 'worker1', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] }, { 'sim.hostplane.dev/run-seconds': '2', 'sim.hostplane.dev/exit-code': '3' }));
    sim.until(() => sim!.get('pods', 'default', 'once')?.status?.phase === 'Failed');
    expect(sim.get('pods', 'default', 'once')!.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('serves logs with tailLines, container choice and follow that ends with the container', () => {
    const printer = new DefaultWorkload();
    const model = {
      startDelayMs: () => 100,
      usage: () => printer.usage(),
      start(ctx: ContainerContext, h: ContainerHandle) {
        let i = 0;
        const tick = () => {
          if (h.stopped) return;
          h.log(`${ctx.container.name} line ${++i}`);
          if (i === 5) return h.exit(0);
          ctx.clock.setTimeout(tick, 1000);
        };
        tick();
      },
    };
    sim = makeSim({ workload: model });
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.apply('pods', pod('talk', { nodeName: 'worker1', restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] }));
    expect(() => sim!.cp.logs.read('default', 'talk', {})).toThrow(/a container name must be specified for pod talk, choose one of: \[a b\]/);
    expect(() => sim!.cp.logs.read('default', 'talk', { container: 'a' })).toThrow(/container "a" in pod "talk" is waiting to start: ContainerCreating/);
    expect(() => sim!.cp.logs.read('default', 'nope', {})).toThrow(/pods "nope" not found/);
    sim.until(() => sim!.get('pods', 'default', 'talk')?.status?.phase === 'Running');
    sim.clock.advance(1000);
    const r = sim.cp.logs.read('default', 'talk', { container: 'a' });
    expect(r.text).toBe('a line 1\na line 2\n');
    const chunks: string[] = [];
    let ended = false;
    r.follow((c) => chunks.push(c), () => (ended = true));
    sim.until(() => sim!.get('pods', 'default', 'talk')?.status?.phase === 'Succeeded');
    expect(chunks.join('')).toBe('a line 3\na line 4\na line 5\n');
    expect(ended).toBe(true);
    expect(sim.cp.logs.read('default', 'talk', { container: 'b', tailLines: 2 }).text).toBe('b line 4\nb line 5\n');
  });

  it('removeNode deletes the Node and its Lease; pods bound to it are garbage-collected and replaced elsewhere', () => {
    sim = makeSim();
    sim.cp.addNode({ name: 'worker2', ip: '192.0.2.20', cpu: 2, memoryMiB: 2048 });
    sim.apply('deployments', deployment('web', 4));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 4);
    const onW2 = sim.list('pods').filter((p) => p.spec.nodeName === 'worker2').length; // web pods and the CNI pod
    expect(onW2).toBeGreaterThan(1);
    sim.cp.removeNode('worker2');
    expect(sim.get('nodes', undefined, 'worker2')).toBeUndefined();
    expect(sim.get('leases', 'kube-node-lease', 'worker2')).toBeUndefined();
    sim.until(() => sim!.list('pods', 'default').every((p) => p.spec.nodeName === 'worker1') && sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 4);
    expect(sim.events('PodGC')).toHaveLength(onW2);
  });

  it('runs kubeadm static pods before the CNI exists and keeps their mirror pods (recreated when deleted)', () => {
    sim = makeSim({ nodes: 0, cni: false });
    sim.cp.addNode({ name: 'cp1', ip: '192.0.2.10', cpu: 2, memoryMiB: 4096, staticPods: kubeadmStaticPods({ nodeIP: '192.0.2.10' }) });
    sim.until(() => sim!.list('pods', 'kube-system').filter((p) => p.status?.phase === 'Running').length === 4);
    const names = sim.list('pods', 'kube-system').map((p) => p.metadata.name).sort();
    expect(names).toEqual(['etcd-cp1', 'kube-apiserver-cp1', 'kube-controller-manager-cp1', 'kube-scheduler-cp1']);
    const api = sim.get('pods', 'kube-system', 'kube-apiserver-cp1')!;
    expect(api.metadata.annotations!['kubernetes.io/config.mirror']).toBeDefined();
    expect(api.metadata.ownerReferences![0]).toMatchObject({ kind: 'Node', name: 'cp1' });
    expect(api.status.podIP).toBe('192.0.2.10');
    expect(nodeReady(sim.get('nodes', undefined, 'cp1'))).toBe('False'); // still no CNI
    sim.store.delete({ group: '', version: 'v1', resource: 'pods' }, 'kube-system', 'etcd-cp1');
    sim.until(() => sim!.get('pods', 'kube-system', 'etcd-cp1')?.status?.phase === 'Running', 10_000);
  });

  it('finishes graceful deletion of a pod on its node', () => {
    sim = makeSim();
    sim.apply('deployments', deployment('web', 1));
    sim.until(() => sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 1);
    const [p] = sim.list('pods', 'default');
    sim.store.delete({ group: '', version: 'v1', resource: 'pods' }, 'default', p.metadata.name!);
    sim.until(() => !sim!.get('pods', 'default', p.metadata.name!) && sim!.get('deployments', 'default', 'web')?.status?.availableReplicas === 1);
  });
});
