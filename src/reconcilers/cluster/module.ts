// The Cluster kind. Its controller is not built yet: objects are validated, stored and listed, and
// Ready says so (the placeholder reconciler). The controller replaces createReconciler here.
import type { KindModule } from '../../controllers/kind-module.js';
import { createPendingReconciler } from '../../controllers/placeholder-reconciler.js';
import { CLUSTER_CONDITION_REASONS } from './conditions.js';

export const clusterModule: KindModule = {
  kind: 'Cluster',
  shortNames: ['cl'],
  crdFile: 'cluster.yaml',
  references: [
    { path: 'spec.controlPlane.vm', kind: 'VirtualMachine' },
    { path: 'spec.workers[].vm', kind: 'VirtualMachine' },
  ],
  conditions: CLUSTER_CONDITION_REASONS,
  workers: () => 1,
  createReconciler: (rt) => createPendingReconciler(rt.store, rt.referenceRules, () => new Date(rt.clock.now())),
};
