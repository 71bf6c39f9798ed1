// The Addon kind as the runtime sees it: Helm releases and plain manifests installed into a
// Cluster (issue 11). The reconciler is reconciler.ts; the pure decisions are beside it.
import type { KindModule } from '../../controllers/kind-module.js';
import { ADDON_CONDITION_REASONS } from './conditions.js';
import { createAddonReconciler, type AddonOptions, type AddonPorts } from './reconciler.js';

export const addonModule: KindModule<AddonPorts> = {
  kind: 'Addon',
  shortNames: ['ad'],
  crdFile: 'addon.yaml',
  deletionWaitsForReferrers: true,
  references: [
    { path: 'spec.cluster', kind: 'Cluster' },
    { path: 'spec.dependsOn[]', kind: 'Addon' },
  ],
  conditions: ADDON_CONDITION_REASONS,
  // helm calls are long and per-cluster; two at once keep independent add-ons moving.
  workers: () => 2,
  reportsSuspension: true,
  createReconciler: (rt, ports, options) => createAddonReconciler(rt, ports, (options ?? {}) as AddonOptions),
};
