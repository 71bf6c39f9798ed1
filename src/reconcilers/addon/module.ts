// The Addon kind. Its controller is not built yet: objects are validated, stored and listed, and
// Ready says so (the placeholder reconciler). The controller replaces createReconciler here.
import type { KindModule } from '../../controllers/kind-module.js';
import { createPendingReconciler } from '../../controllers/placeholder-reconciler.js';
import { ADDON_CONDITION_REASONS } from './conditions.js';

export const addonModule: KindModule = {
  kind: 'Addon',
  shortNames: ['ad'],
  crdFile: 'addon.yaml',
  references: [
    { path: 'spec.cluster', kind: 'Cluster' },
    { path: 'spec.dependsOn[]', kind: 'Addon' },
  ],
  conditions: ADDON_CONDITION_REASONS,
  workers: () => 1,
  createReconciler: (rt) => createPendingReconciler(rt.store, rt.referenceRules, () => new Date(rt.clock.now())),
};
