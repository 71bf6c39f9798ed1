// The persistent-volume controller and a dynamic provisioner in one: a claim binds to a matching
// Available PV, or gets a new PV from its StorageClass (the default class when it names none,
// assigned retroactively as Kubernetes ≥ 1.28 does). With no class and no default it stays
// Pending with the event real Kubernetes gives ("no persistent volumes available for this claim
// and no storage class is set"), so the seed's Jenkins PVC waits until local-path is installed.
// WaitForFirstConsumer classes provision once the scheduler picked a node for a pod using the claim.
import type { Env } from './env.js';
import { WorkQueue } from './runtime.js';
import { R, clone, isStatusError, parseQuantity, splitKey, writeStatus, type Json, type Obj } from './util.js';

const PVC = { component: 'persistentvolume-controller' };
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export function defaultClass(classes: Obj[]): Obj | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' || c.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true');
  // Several defaults: the newest wins (as the admission plugin picks since 1.26).
  defaults.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return defaults[0];
}

export class PvController {
  private queue: WorkQueue;
  private emitted = new Map<string, string>();

  constructor(private readonly env: Env) {
    this.queue = new WorkQueue(env.clock, 'persistentvolume-binder', (k) => this.sync(k));
    env.queues.push(this.queue);
  }

  start(): void {
    this.env.hub.on(R.pvcs, (ev) => {
      const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
      if (ev.type === 'DELETED') {
        this.emitted.delete(key);
        this.release(ev.object as Obj);
      } else this.queue.add(key);
    });
    const all = () => {
      for (const c of this.env.store.list(R.pvcs).items) if ((c as Obj).status?.phase !== 'Bound') this.queue.add(`${c.metadata.namespace}/${c.metadata.name}`);
    };
    this.env.hub.on(R.storageclasses, all);
    this.env.hub.on(R.pvs, (ev) => {
      if (ev.type !== 'DELETED' && (ev.object as Obj).status?.phase === 'Available') all();
    });
  }

  private event(pvc: Obj, type: 'Normal' | 'Warning', reason: string, message: string, source = PVC): void {
    const key = `${pvc.metadata.namespace}/${pvc.metadata.name}`;
    // The controller re-emits on each resync (count grows); we emit on change and let count show repeats.
    this.env.events.emit(source, pvc, type, reason, message);
    this.emitted.set(key, reason);
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    let pvc = this.env.store.get(R.pvcs, ns, name) as Obj | undefined;
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    if (pvc.status?.phase === 'Bound' && pvc.spec?.volumeName) return;
    const classes = this.env.store.list(R.storageclasses).items as Obj[];
    let className: string | undefined | null = pvc.spec?.storageClassName;
    if (className === undefined || className === null) {
      const def = defaultClass(classes);
      if (def) {
        pvc = this.env.store.update(R.pvcs, { ...pvc, spec: { ...pvc.spec, storageClassName: def.metadata.name } }) as Obj;
        className = def.metadata.name;
      }
    }
    // Static binding first: an Available PV of the same class that is big enough.
    const request = parseQuantity(pvc.spec?.resources?.requests?.storage ?? '0');
    const pv = (this.env.store.list(R.pvs).items as Obj[]).find((v) =>
      v.status?.phase === 'Available' && !v.spec?.claimRef && (v.spec?.storageClassName ?? '') === (className ?? '') &&
      parseQuantity(v.spec?.capacity?.storage ?? '0') >= request &&
      (pvc!.spec?.accessModes ?? []).every((m: string) => (v.spec?.accessModes ?? []).includes(m)));
    if (pv) return this.bind(pvc, pv, false);
    if (className === undefined || className === null || className === '') {
      this.pending(pvc);
      if (this.emitted.get(key) !== 'FailedBinding') this.event(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    const cls = classes.find((c) => c.metadata.name === className);
    if (!cls) {
      this.pending(pvc);
      if (this.emitted.get(key) !== 'ProvisioningFailed') this.event(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const selectedNode = pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'];
    if (cls.volumeBindingMode === 'WaitForFirstConsumer' && !selectedNode) {
      this.pending(pvc);
      if (this.emitted.get(key) !== 'WaitForFirstConsumer') this.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const provisioner: string = cls.provisioner ?? 'kubernetes.io/no-provisioner';
    if (provisioner === 'kubernetes.io/no-provisioner') {
      this.pending(pvc);
      if (this.emitted.get(key) !== 'FailedBinding') this.event(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    pvc = this.env.store.update(R.pvcs, {
      ...pvc,
      metadata: { ...pvc.metadata, annotations: { ...(pvc.metadata.annotations ?? {}), 'volume.beta.kubernetes.io/storage-provisioner': provisioner, 'volume.kubernetes.io/storage-provisioner': provisioner } },
    }) as Obj;
    this.event(pvc, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    const source = { component: `${provisioner}_${provisioner.split('/').pop()}-sim` };
    this.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${name}"`, source);
    const pvName = `pvc-${pvc.metadata.uid}`;
    const local = /local-path|rancher\.io/.test(provisioner);
    const volume: Obj = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: pvName,
        annotations: { 'pv.kubernetes.io/provisioned-by': provisioner, ...(selectedNode ? { 'local.path.provisioner/selected-node': selectedNode } : {}) },
        finalizers: ['kubernetes.io/pv-protection'],
      },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: clone(pvc.spec?.accessModes ?? ['ReadWriteOnce']),
        persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
        storageClassName: className,
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        ...(local ? { hostPath: { path: `/opt/local-path-provisioner/${pvName}_${ns}_${name}`, type: 'DirectoryOrCreate' } } : { csi: { driver: provisioner, volumeHandle: pvName } }),
        ...(selectedNode ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [selectedNode] }] }] } } } : {}),
      },
    };
    let created: Obj;
    try {
      created = this.env.store.create(R.pvs, volume) as Obj;
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
      created = this.env.store.get(R.pvs, undefined, pvName) as Obj;
    }
    this.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, source);
    this.bind(pvc, created, true);
  }

  private pending(pvc: Obj): void {
    if (pvc.status?.phase !== 'Pending') writeStatus(this.env.store, R.pvcs, pvc, { ...(pvc.status ?? {}), phase: 'Pending' });
  }

  private bind(pvc: Obj, pv: Obj, provisioned: boolean): void {
    const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion };
    let v = this.env.store.update(R.pvs, {
      ...pv,
      metadata: { ...pv.metadata, annotations: { ...(pv.metadata.annotations ?? {}), 'pv.kubernetes.io/bound-by-controller': 'yes' } },
      spec: { ...pv.spec, claimRef },
    }) as Obj;
    v = writeStatus(this.env.store, R.pvs, v, { phase: 'Bound', lastPhaseTransitionTime: new Date(this.env.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    const ann: Json = { ...(pvc.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' };
    const c = this.env.store.update(R.pvcs, { ...pvc, metadata: { ...pvc.metadata, annotations: ann, resourceVersion: undefined }, spec: { ...pvc.spec, volumeName: pv.metadata.name } }) as Obj;
    writeStatus(this.env.store, R.pvcs, c, { phase: 'Bound', accessModes: clone(v.spec?.accessModes ?? []), capacity: clone(v.spec?.capacity ?? {}) });
    void provisioned;
  }

  /** The claim is gone: its PV is Released, then deleted under reclaimPolicy Delete. */
  private release(pvc: Obj): void {
    for (const pv of this.env.store.list(R.pvs).items as Obj[]) {
      if (pv.spec?.claimRef?.uid !== pvc.metadata.uid) continue;
      if (pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
        try {
          const after = this.env.store.delete(R.pvs, undefined, pv.metadata.name ?? '') as Obj | undefined;
          // The provisioner deleted the backing volume; drop the protection finalizer.
          if (after) this.env.store.update(R.pvs, { ...after, metadata: { ...after.metadata, finalizers: (after.metadata.finalizers ?? []).filter((f: string) => f !== 'kubernetes.io/pv-protection') } });
        } catch {
          /* gone */
        }
      } else {
        writeStatus(this.env.store, R.pvs, pv, { ...(pv.status ?? {}), phase: 'Released' });
      }
    }
  }
}
