// Update rules kube-apiserver enforces per kind (what `kubectl apply` and `helm upgrade` run into):
// a pod's spec is fixed except images and a few fields, workload selectors and a Job's template
// are immutable, a Service keeps its cluster IP, an immutable ConfigMap/Secret keeps its data.
import { invalid } from './errors.js';
import { deepEqual } from './patch.js';

type Obj = Record<string, any>;

const POD_UPDATE_RULE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The pod spec with the fields an update may change taken from `next`. */
function podSpecComparable(old: Obj | undefined, next: Obj | undefined): [Obj, Obj] {
  const a = structuredClone(old ?? {});
  const b = structuredClone(next ?? {});
  for (const list of ['containers', 'initContainers']) {
    const ai: Obj[] = a[list] ?? [];
    const bi: Obj[] = b[list] ?? [];
    ai.forEach((c, i) => {
      if (bi[i] && bi[i].name === c.name) c.image = bi[i].image;
    });
  }
  for (const f of ['activeDeadlineSeconds', 'terminationGracePeriodSeconds', 'schedulingGates']) {
    delete a[f];
    delete b[f];
  }
  // Tolerations may only be added to.
  const at: Obj[] = a.tolerations ?? [];
  const bt: Obj[] = b.tolerations ?? [];
  if (at.every((t) => bt.some((u) => deepEqual(t, u)))) {
    delete a.tolerations;
    delete b.tolerations;
  }
  return [a, b];
}

const show = (v: unknown) => JSON.stringify(v);

/** Throws 422 Invalid when `next` changes what its kind does not allow to change. */
export function checkUpdate(group: string, kind: string, old: Obj, next: Obj): void {
  const name = String(old.metadata?.name ?? '');
  const fail = (field: string, message: string, reason = 'FieldValueInvalid') => {
    throw invalid(kind, group, name, [{ field, message, reason }]);
  };
  switch (`${group}/${kind}`) {
    case '/Pod': {
      const [a, b] = podSpecComparable(old.spec, next.spec);
      if (!deepEqual(a, b)) fail('spec', `Forbidden: ${POD_UPDATE_RULE}`, 'FieldValueForbidden');
      break;
    }
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet':
    case 'apps/StatefulSet':
      if (old.spec?.selector !== undefined && !deepEqual(old.spec?.selector, next.spec?.selector)) fail('spec.selector', `Invalid value: ${show(next.spec?.selector)}: field is immutable`);
      if (kind === 'StatefulSet') {
        for (const f of ['serviceName', 'volumeClaimTemplates', 'podManagementPolicy']) {
          if (!deepEqual(old.spec?.[f], next.spec?.[f])) fail('spec', "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", 'FieldValueForbidden');
        }
      }
      break;
    case 'batch/Job':
      if (old.spec?.selector !== undefined && !deepEqual(old.spec?.selector, next.spec?.selector)) fail('spec.selector', `Invalid value: ${show(next.spec?.selector)}: field is immutable`);
      if (old.spec?.template !== undefined && !deepEqual(old.spec?.template, next.spec?.template)) fail('spec.template', `Invalid value: ${show(next.spec?.template)}: field is immutable`);
      if (old.spec?.completions !== undefined && old.spec?.completionMode !== 'Indexed' && !deepEqual(old.spec?.completions, next.spec?.completions)) fail('spec.completions', `Invalid value: ${show(next.spec?.completions)}: field is immutable`);
      break;
    case '/Service':
      if (old.spec?.clusterIP && old.spec.clusterIP !== 'None' && next.spec?.type !== 'ExternalName' && next.spec?.clusterIP !== undefined && next.spec.clusterIP !== '' && next.spec.clusterIP !== old.spec.clusterIP) {
        fail('spec.clusterIPs[0]', `Invalid value: []string{${show(next.spec.clusterIP)}}: may not change once set`);
      }
      break;
    case '/ConfigMap':
    case '/Secret':
      if (old.immutable === true) {
        if (next.immutable !== true) fail('immutable', 'Forbidden: field is immutable when `immutable` is set', 'FieldValueForbidden');
        if (!deepEqual(old.data, next.data)) fail('data', 'Forbidden: field is immutable when `immutable` is set', 'FieldValueForbidden');
        if (!deepEqual(old.binaryData, next.binaryData) && kind === 'ConfigMap') fail('binaryData', 'Forbidden: field is immutable when `immutable` is set', 'FieldValueForbidden');
      }
      if (kind === 'Secret' && old.type && next.type && old.type !== next.type) fail('type', `Invalid value: ${show(next.type)}: field is immutable`);
      break;
    case '/PersistentVolumeClaim': {
      const strip = (s: Obj | undefined) => {
        const c = structuredClone(s ?? {});
        delete c.resources;
        delete c.volumeName;
        delete c.volumeAttributesClassName;
        return c;
      };
      const a = strip(old.spec);
      const b = strip(next.spec);
      // Retroactive default StorageClass assignment: an unset class may be set once.
      if (a.storageClassName === undefined || a.storageClassName === null) {
        delete a.storageClassName;
        delete b.storageClassName;
      }
      if (!deepEqual(a, b)) fail('spec', 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', 'FieldValueForbidden');
      break;
    }
  }
}
