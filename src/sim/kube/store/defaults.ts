// Defaults the real API server fills in on every write (the ones clients and the simulated
// controllers read back): Deployment strategy, pod spec fields, Service cluster IPs, …
type Obj = Record<string, any>;

function podSpecDefaults(spec: Obj | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!c || typeof c !== 'object') continue;
    const image = String(c.image ?? '');
    const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
    c.imagePullPolicy ??= tagged || image.includes('@') ? 'IfNotPresent' : 'Always';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  }
}

function templateDefaults(tmpl: Obj | undefined): void {
  if (!tmpl) return;
  tmpl.metadata ??= {};
  podSpecDefaults(tmpl.spec);
}

export interface DefaultContext {
  allocateClusterIP(): string;
  allocateNodePort(): number;
}

export function applyDefaults(kind: string, group: string, obj: Obj, ctx: DefaultContext, isCreate: boolean): void {
  const spec = obj.spec as Obj | undefined;
  switch (`${group}/${kind}`) {
    case '/Namespace':
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
      obj.spec = { finalizers: ['kubernetes'], ...(spec ?? {}) };
      obj.status ??= {};
      obj.status.phase ??= 'Active';
      break;
    case '/Pod':
      if (spec) {
        podSpecDefaults(spec);
        spec.serviceAccountName ??= 'default';
        spec.serviceAccount ??= spec.serviceAccountName;
        spec.enableServiceLinks ??= true;
        spec.priority ??= 0;
        spec.preemptionPolicy ??= 'PreemptLowerPriority';
        spec.tolerations ??= [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ];
      }
      obj.status ??= {};
      if (isCreate) obj.status.phase ??= 'Pending';
      break;
    case '/Service': {
      if (!spec) break;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
        if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort === undefined) p.nodePort = ctx.allocateNodePort();
      }
      if (spec.type !== 'ExternalName') {
        if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = ctx.allocateClusterIP();
        spec.clusterIPs ??= [spec.clusterIP];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case '/Secret':
      obj.type ??= 'Opaque';
      if (obj.stringData && typeof obj.stringData === 'object') {
        obj.data ??= {};
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
      break;
    case '/PersistentVolumeClaim':
      if (spec) spec.volumeMode ??= 'Filesystem';
      obj.status ??= {};
      if (isCreate) obj.status.phase ??= 'Pending';
      break;
    case '/PersistentVolume':
      if (spec) {
        spec.persistentVolumeReclaimPolicy ??= 'Retain';
        spec.volumeMode ??= 'Filesystem';
      }
      obj.status ??= {};
      if (isCreate) obj.status.phase ??= 'Pending';
      break;
    case 'apps/Deployment':
      if (!spec) break;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if ((spec.strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
        spec.strategy.type = 'RollingUpdate';
        spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...(spec.strategy.rollingUpdate ?? {}) };
      }
      templateDefaults(spec.template);
      break;
    case 'apps/ReplicaSet':
      if (!spec) break;
      spec.replicas ??= 1;
      templateDefaults(spec.template);
      break;
    case 'apps/StatefulSet':
      if (!spec) break;
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.revisionHistoryLimit ??= 10;
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
      templateDefaults(spec.template);
      break;
    case 'apps/DaemonSet':
      if (!spec) break;
      spec.revisionHistoryLimit ??= 10;
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      templateDefaults(spec.template);
      break;
    case 'batch/Job': {
      if (!spec) break;
      if (spec.parallelism === undefined && spec.completions === undefined) spec.completions = 1;
      spec.parallelism ??= 1;
      spec.backoffLimit ??= 6;
      spec.completionMode ??= 'NonIndexed';
      spec.suspend ??= false;
      spec.podReplacementPolicy ??= 'TerminatingOrFailed';
      // The job controller's selector: controller-uid labels on the template (manualSelector unset).
      if (!spec.manualSelector && obj.metadata.uid) {
        const uid = obj.metadata.uid;
        const name = obj.metadata.name;
        spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
        spec.template ??= {};
        spec.template.metadata ??= {};
        spec.template.metadata.labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name, ...(spec.template.metadata.labels ?? {}) };
      }
      templateDefaults(spec.template);
      break;
    }
    case 'batch/CronJob':
      if (!spec) break;
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      templateDefaults(spec.jobTemplate?.spec?.template);
      break;
    case 'autoscaling/HorizontalPodAutoscaler':
      if (spec) spec.minReplicas ??= 1;
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      if (spec) {
        spec.conversion ??= { strategy: 'None' };
        spec.names.singular ??= String(spec.names.kind ?? '').toLowerCase();
        spec.names.listKind ??= `${spec.names.kind}List`;
      }
      break;
  }
}
