// Which objects an object depends on, read from its spec references (Flux-style ordering):
// a parent's status change enqueues its children through the reverse index.
import type { HostObject } from '../api/types.js';
import { objectKey } from '../api/types.js';

/** One reference in a spec: where it is written and the object it names. */
export interface SpecReference {
  /** e.g. `spec.workers[1].vm`, `spec.dependsOn[0]` */
  field: string;
  key: string;
  /** A `dependsOn` entry (ordering between objects of the same family; the only references that can form a cycle). */
  dependsOn: boolean;
}

export function referencesOf(obj: HostObject): SpecReference[] {
  const s = obj.spec as Record<string, any>;
  const out: SpecReference[] = [];
  const dependsOn = () => {
    ((s.dependsOn as unknown[] | undefined) ?? []).forEach((d, i) => {
      const name = typeof d === 'string' ? d : (d as { name?: string })?.name;
      if (name) out.push({ field: `spec.dependsOn[${i}]`, key: objectKey('Addon', name), dependsOn: true });
    });
  };
  switch (obj.kind) {
    case 'Cluster':
      if (s.controlPlane?.vm) out.push({ field: 'spec.controlPlane.vm', key: objectKey('VirtualMachine', s.controlPlane.vm), dependsOn: false });
      ((s.workers as { vm?: string }[] | undefined) ?? []).forEach((w, i) => {
        if (w?.vm) out.push({ field: `spec.workers[${i}].vm`, key: objectKey('VirtualMachine', w.vm), dependsOn: false });
      });
      break;
    case 'Addon':
    case 'LoadTest':
      if (s.cluster) out.push({ field: 'spec.cluster', key: objectKey('Cluster', s.cluster), dependsOn: false });
      dependsOn();
      break;
    default:
      break;
  }
  return out;
}

export function parentsOf(obj: HostObject): string[] {
  return [...new Set(referencesOf(obj).map((r) => r.key))];
}
