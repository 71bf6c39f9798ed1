import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { makeSim, type Sim } from './testing/harness.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

const pvc = (name: string, storageClassName?: string): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Gi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});
const localPath = (isDefault: boolean, mode = 'WaitForFirstConsumer'): KubeObject => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'local-path', ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: mode,
});
const jenkinsLike = (): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'jenkins-0', namespace: 'default' },
  spec: { containers: [{ name: 'jenkins', image: 'jenkins/jenkins:lts' }], volumes: [{ name: 'home', persistentVolumeClaim: { claimName: 'jenkins' } }] },
});

describe('PV controller and provisioner', () => {
  it('keeps a claim without a class Pending with the upstream event while no default StorageClass exists (seed 003 BUG-006)', () => {
    sim = makeSim();
    sim.apply('pvcs', pvc('jenkins'));
    sim.apply('pods', jenkinsLike());
    sim.clock.advance(60_000);
    expect(sim.get('pvcs', 'default', 'jenkins')!.status.phase).toBe('Pending');
    expect(sim.events('FailedBinding')[0]).toMatchObject({ type: 'Normal', message: 'no persistent volumes available for this claim and no storage class is set', source: { component: 'persistentvolume-controller' } });
    const pod = sim.get('pods', 'default', 'jenkins-0')!;
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status.conditions[0].message).toBe('0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    expect(sim.list('pvs')).toHaveLength(0);
  });

  it('binds that claim once local-path is installed as the default class, after a pod consumes it (WaitForFirstConsumer)', () => {
    sim = makeSim();
    sim.apply('pvcs', pvc('jenkins'));
    sim.clock.advance(10_000);
    sim.apply('storageclasses', localPath(true));
    sim.clock.advance(10_000);
    const waiting = sim.get('pvcs', 'default', 'jenkins')!;
    expect(waiting.spec.storageClassName).toBe('local-path'); // assigned retroactively
    expect(waiting.status.phase).toBe('Pending');
    expect(sim.events('WaitForFirstConsumer')[0].message).toBe('waiting for first consumer to be created before binding');
    sim.apply('pods', jenkinsLike());
    sim.until(() => sim!.get('pods', 'default', 'jenkins-0')?.status?.phase === 'Running', 60_000);
    const bound = sim.get('pvcs', 'default', 'jenkins')!;
    expect(bound.status).toMatchObject({ phase: 'Bound', capacity: { storage: '8Gi' }, accessModes: ['ReadWriteOnce'] });
    const pv = sim.get('pvs', undefined, bound.spec.volumeName)!;
    expect(pv.metadata.name).toBe(`pvc-${bound.metadata.uid}`);
    expect(pv.status.phase).toBe('Bound');
    expect(pv.spec).toMatchObject({ storageClassName: 'local-path', persistentVolumeReclaimPolicy: 'Delete', claimRef: { name: 'jenkins', namespace: 'default' } });
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([sim.get('pods', 'default', 'jenkins-0')!.spec.nodeName]);
    expect(sim.events('ProvisioningSucceeded')[0].message).toBe(`Successfully provisioned volume ${pv.metadata.name}`);
  });

  it('provisions an Immediate class at once and reports a missing class', () => {
    sim = makeSim();
    sim.apply('storageclasses', localPath(false, 'Immediate'));
    sim.apply('pvcs', pvc('now', 'local-path'));
    sim.apply('pvcs', pvc('typo', 'fast'));
    sim.clock.advance(1000);
    expect(sim.get('pvcs', 'default', 'now')!.status.phase).toBe('Bound');
    expect(sim.get('pvcs', 'default', 'typo')!.status.phase).toBe('Pending');
    expect(sim.events('ProvisioningFailed')[0]).toMatchObject({ type: 'Warning', message: 'storageclass.storage.k8s.io "fast" not found' });
    // Deleting the claim deletes its volume (reclaimPolicy Delete).
    const pvName = sim.get('pvcs', 'default', 'now')!.spec.volumeName;
    sim.store.delete({ group: '', version: 'v1', resource: 'persistentvolumeclaims' }, 'default', 'now');
    sim.clock.advance(1000);
    expect(sim.get('pvs', undefined, pvName)).toBeUndefined();
  });

  it('leaves a claim with storageClassName "" for static binding only', () => {
    sim = makeSim();
    sim.apply('storageclasses', localPath(true, 'Immediate'));
    sim.apply('pvcs', pvc('static', ''));
    sim.clock.advance(1000);
    expect(sim.get('pvcs', 'default', 'static')!.status.phase).toBe('Pending');
    sim.apply('pvs', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'manual' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } });
    sim.store.update({ group: '', version: 'v1', resource: 'persistentvolumes' }, { ...sim.get('pvs', undefined, 'manual')!, status: { phase: 'Available' } }, { subresource: 'status' });
    sim.clock.advance(1000);
    expect(sim.get('pvcs', 'default', 'static')!.spec.volumeName).toBe('manual');
  });
});
