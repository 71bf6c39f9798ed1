// What every simulated component is handed: the store, the one clock, the shared watch hub, the
// event recorder, the seeded random source, the workload model and the kubelets' log book.
import type { Clock } from '../../../controllers/clock.js';
import type { ObjectStore } from '../object-store.js';
import type { EventRecorder } from './events.js';
import type { LogBook } from './logs.js';
import type { InformerHub, SeededRandom, WorkQueue } from './runtime.js';
import type { WorkloadModel } from './workload.js';

export interface Env {
  store: ObjectStore;
  clock: Clock;
  hub: InformerHub;
  events: EventRecorder;
  rand: SeededRandom;
  workload: WorkloadModel;
  logs: LogBook;
  /** Every queue made, so stop() and diagnostics reach them all. */
  queues: WorkQueue[];
}
