// The LoadTest kind: its reconciler (runs as Jobs in the target cluster through the kube port),
// its API routes (run, abort, runs, results) and its CLI verbs (run, runs, results, abort).
import { dirname } from 'node:path';
import type { Clock } from '../../controllers/clock.js';
import type { KindModule } from '../../controllers/kind-module.js';
import type { HostPorts } from '../../ports/index.js';
import { loadtestCommands } from './cli.js';
import { LOADTEST_CONDITION_REASONS } from './conditions.js';
import { createLoadTestReconciler } from './reconciler.js';
import { LOADTEST_ROUTES } from './routes.js';

/** Knobs tests shorten. */
export interface LoadTestOptions {
  pollMs?: number;
  unschedulableGraceMs?: number;
  labRoot?: string;
  /** The clock of the target clusters when it is not the manager's (the sim host time-scaled: a ScaledClock). */
  clock?: Clock & { scale?: number };
}

export const loadtestModule: KindModule<HostPorts> = {
  kind: 'LoadTest',
  shortNames: ['lt'],
  crdFile: 'loadtest.yaml',
  references: [
    { path: 'spec.cluster', kind: 'Cluster' },
    { path: 'spec.dependsOn[]', kind: 'Addon' },
  ],
  conditions: LOADTEST_CONDITION_REASONS,
  // runs are long but each reconcile is one short step; a few LoadTests may run at once
  workers: () => 2,
  createReconciler: (rt, ports, options) => {
    const o = (options ?? {}) as LoadTestOptions;
    return createLoadTestReconciler({
      store: rt.store,
      stateDir: rt.stateDir,
      events: rt.events,
      log: rt.log,
      clock: o.clock ?? rt.clock,
      // the queue runs on the manager's clock: requeue delays (simulated ms) shrink by the time scale
      ...(o.clock?.scale ? { requeueScale: 1 / o.clock.scale } : {}),
      kubernetes: ports.kubernetes,
      referenceRules: rt.referenceRules,
      labRoot: o.labRoot ?? dirname(rt.stateDir.root),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      ...(o.unschedulableGraceMs !== undefined ? { unschedulableGraceMs: o.unschedulableGraceMs } : {}),
    });
  },
  routes: LOADTEST_ROUTES,
  commands: loadtestCommands,
};
