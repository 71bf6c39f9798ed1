// A read-only view of the lab for get/describe/events: the specs on disk as they are now,
// plus what the state dir remembers (status, uids, events). Works whether or not `up` runs.
import type { HostEvent } from '../controllers/events.js';
import type { SchemaRegistry } from '../api/schema.js';
import { loadSchemaRegistry } from '../api/schema.js';
import { SpecSource } from '../controllers/source.js';
import { StateDir } from '../controllers/state-dir.js';
import { ObjectStore, StateDirPersistence } from '../controllers/store.js';

export interface LabView {
  store: ObjectStore;
  registry: SchemaRegistry;
  stateDir: StateDir;
  events(): HostEvent[];
  /** Spec files that do not parse now (an object they define cannot be told apart from a new one). */
  unparsedFiles: ReturnType<SpecSource['unparsedFiles']>;
  /** pid of a running `hostplane up` on this state dir, if any. */
  upPid?: number;
}

/** `registry` can be passed in by a caller that opens views repeatedly (get -w). */
export async function openView(specsDir: string, stateDirPath: string, registry: SchemaRegistry = loadSchemaRegistry()): Promise<LabView> {
  const stateDir = new StateDir(stateDirPath);
  const store = new ObjectStore(new StateDirPersistence(stateDir, true));
  store.restore();
  const source = new SpecSource({ specsDir, store, registry });
  await source.scanOnce();
  const pid = stateDir.lockOwner();
  let alive = false;
  if (pid) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
  }
  return { store, registry, stateDir, unparsedFiles: source.unparsedFiles(), events: () => stateDir.readJson<HostEvent[]>('events.json') ?? [], ...(alive ? { upPid: pid } : {}) };
}
