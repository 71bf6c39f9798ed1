// The LoadTest kind. Its controller is not built yet: objects are validated, stored and listed, and
// Ready says so (the placeholder reconciler). The controller replaces createReconciler here.
import type { KindModule } from '../../controllers/kind-module.js';
import { createPendingReconciler } from '../../controllers/placeholder-reconciler.js';
import { LOADTEST_CONDITION_REASONS } from './conditions.js';

export const loadtestModule: KindModule = {
  kind: 'LoadTest',
  shortNames: ['lt'],
  crdFile: 'loadtest.yaml',
  references: [
    { path: 'spec.cluster', kind: 'Cluster' },
    { path: 'spec.dependsOn[]', kind: 'Addon' },
  ],
  conditions: LOADTEST_CONDITION_REASONS,
  workers: () => 1,
  createReconciler: (rt) => createPendingReconciler(rt.store, rt.referenceRules, () => new Date(rt.clock.now())),
};
