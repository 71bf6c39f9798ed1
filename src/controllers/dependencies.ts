// Which objects an object depends on, read from its spec references (Flux-style ordering):
// a parent's status change enqueues its children through the reverse index.
import type { HostObject } from '../api/types.js';
import { objectKey } from '../api/types.js';

export function parentsOf(obj: HostObject): string[] {
  const s = obj.spec as Record<string, any>;
  const out: string[] = [];
  const dependsOn = (kind: 'Addon' | 'LoadTest') => {
    for (const d of (s.dependsOn as unknown[] | undefined) ?? []) {
      const name = typeof d === 'string' ? d : (d as { name?: string })?.name;
      if (name) out.push(objectKey(kind === 'LoadTest' ? 'Addon' : 'Addon', name));
    }
  };
  switch (obj.kind) {
    case 'Cluster':
      if (s.controlPlane?.vm) out.push(objectKey('VirtualMachine', s.controlPlane.vm));
      for (const w of (s.workers as { vm?: string }[] | undefined) ?? []) if (w?.vm) out.push(objectKey('VirtualMachine', w.vm));
      break;
    case 'Addon':
      if (s.cluster) out.push(objectKey('Cluster', s.cluster));
      dependsOn('Addon');
      break;
    case 'LoadTest':
      if (s.cluster) out.push(objectKey('Cluster', s.cluster));
      dependsOn('LoadTest');
      break;
    default:
      break;
  }
  return [...new Set(out)];
}
