// `hostplane get KIND [NAME] -w`: the table `get` prints, then one row per change, as kubectl does.
// Works with or without `up` running: one chokidar watcher on the specs dir and on this kind's
// folder of status records in the state dir; a file event only says "look again" — the lab is
// re-read with the same view `get` uses, and a row is printed only when it differs from the row
// last printed for that object (ages, which change by themselves, do not count). A spec file that
// stops parsing deletes nothing (as in `up`, which keeps the last valid spec): its objects stay as
// last shown, and spec errors are told on stderr as they appear and go.
import { isAbsolute, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { stringify } from 'yaml';
import type { HostObject, SpecError } from '../api/types.js';
import type { KindInfo, PrinterColumn, SchemaRegistry } from '../api/schema.js';
import { evalJsonPath } from '../api/jsonpath.js';
import { getCondition } from '../api/conditions.js';
import { YAML_FILE, formatSpecError, isIgnoredName } from '../controllers/spec-parse.js';
import { age, cell, columnWidths, formatRow, type Painter } from './format.js';
import { openView, type LabView } from './view.js';
import { untilStopped } from './stop-signal.js';

export type GetOutput = 'table' | 'wide' | 'json' | 'yaml';

/** The printer columns `get` shows: priority 0, and the others with -o wide. */
export function printedColumns(info: KindInfo, output: GetOutput): PrinterColumn[] {
  return info.printerColumns.filter((c) => c.priority === 0 || output === 'wide');
}

function isAgeColumn(c: PrinterColumn): boolean {
  return c.name === 'Age' || c.type === 'date';
}

function readyCell(obj: HostObject, paint: Painter): string {
  const v = getCondition(obj.status?.conditions, 'Ready')?.status ?? 'Unknown';
  return v === 'True' ? paint.green(v) : v === 'False' ? paint.red(v) : paint.yellow(v);
}

/** One object's row of the `get` table: NAME, then the printer columns. */
export function objectRow(o: HostObject, cols: PrinterColumn[], paint: Painter, now = Date.now()): string[] {
  return [
    o.metadata.name + (o.metadata.deletionTimestamp ? ' (deleting)' : ''),
    ...cols.map((c) => (c.name === 'Ready' ? readyCell(o, paint) : isAgeColumn(c) ? age(evalJsonPath(o, c.jsonPath) as string, now) : cell(evalJsonPath(o, c.jsonPath)))),
  ];
}

/** One object as `get -w -o json|yaml` prints it and the key that says whether it changed. */
export interface Rendered {
  name: string;
  /** Equal keys: nothing visible changed, print nothing. */
  key: string;
  /** Table cells (table and wide output). */
  cells?: string[];
  /** The JSON or YAML document (json and yaml output). */
  doc?: string;
}

export function renderObject(o: HostObject, output: GetOutput, cols: PrinterColumn[], paint: Painter, now = Date.now()): Rendered {
  if (output === 'json' || output === 'yaml') {
    // resourceVersion is numbered afresh by every read of the state dir, and an object that only
    // exists in the specs gets a new uid and creation time on each read: none of those is a change.
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, ...metadata } = o.metadata;
    return { name: o.metadata.name, key: JSON.stringify({ ...o, metadata }), doc: output === 'json' ? JSON.stringify(o, null, 2) : stringify(o).trimEnd() };
  }
  const cells = objectRow(o, cols, paint, now);
  return { name: o.metadata.name, key: JSON.stringify(cells.map((c, i) => (i > 0 && isAgeColumn(cols[i - 1]) ? '' : c))), cells };
}

export interface RowChange {
  item: Rendered;
  deleted: boolean;
}

/** Remembers what was last printed for each object and says what to print after a re-read. */
export class RowTracker {
  private readonly last = new Map<string, Rendered>();

  /**
   * Records `current` (the whole list as read now) and returns, in its order, the objects whose
   * rendering differs from the last one returned, then the objects that are gone (with that rendering).
   */
  update(current: readonly Rendered[]): RowChange[] {
    const changes: RowChange[] = [];
    const seen = new Set<string>();
    for (const item of current) {
      seen.add(item.name);
      if (this.last.get(item.name)?.key === item.key) continue; // keep the rendering as printed
      changes.push({ item, deleted: false });
      this.last.set(item.name, item);
    }
    for (const [name, item] of [...this.last]) {
      if (seen.has(name)) continue;
      this.last.delete(name);
      changes.push({ item, deleted: true });
    }
    return changes;
  }
}

/** One object as a re-read shows it, and the spec file it came from (none: only the state dir has it). */
export interface ShownObject {
  obj: HostObject;
  file?: string;
}

/**
 * The objects to show after a re-read. `read` is what the lab holds now (by name); `last` what the
 * previous re-read showed. An object that no file defined this time, whose file now has errors that
 * hide it (a syntax error, a document that cannot be identified, or an error in its own document),
 * is still there: as last shown, with the status the state dir has now if it has the object.
 */
export function withHeldObjects(read: ReadonlyMap<string, ShownObject>, last: ReadonlyMap<string, ShownObject>, errors: readonly SpecError[], kind: string): Map<string, ShownObject> {
  const wholeFile = new Set(errors.filter((e) => !e.object).map((e) => e.file));
  const ownDoc = new Set(errors.filter((e) => e.object).map((e) => `${e.file}\u0000${e.object}`));
  const out = new Map<string, ShownObject>();
  for (const name of new Set([...read.keys(), ...last.keys()])) {
    const cur = read.get(name);
    const prev = last.get(name);
    const held = cur?.file === undefined && prev?.file !== undefined && (wholeFile.has(prev.file) || ownDoc.has(`${prev.file}\u0000${kind}/${name}`));
    if (held) out.set(name, { file: prev!.file, obj: cur ? withSpecOf(cur.obj, prev!.obj) : prev!.obj });
    else if (cur) out.set(name, cur);
  }
  return out;
}

/** `cur` (from the state dir) with the spec and metadata of `last` (the last valid spec read). */
function withSpecOf(cur: HostObject, last: HostObject): HostObject {
  const { labels, annotations, generation } = last.metadata;
  return { ...cur, metadata: { ...cur.metadata, labels, annotations, generation }, spec: last.spec };
}

export interface WatchGetOptions {
  specs: string;
  state: string;
  registry: SchemaRegistry;
  info: KindInfo;
  name?: string;
  output: GetOutput;
  /** --watch-only: print changes only, not the table as it is now. */
  watchOnly: boolean;
  paint: Painter;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Ends the watch like a signal does (tests). */
  abort?: AbortSignal;
  debounceMs?: number;
}

/** A re-read after the one an event caused: chokidar drops a file's events for 50 ms after one it delivered. */
const SETTLE_MS = 300;

/** Runs until SIGINT/SIGTERM (or `abort`); returns the exit code (0). */
export async function watchGet(o: WatchGetOptions): Promise<number> {
  const stop = untilStopped(o.abort);
  const { info, output, out, paint } = o;
  const table = output === 'table' || output === 'wide';
  const cols = table ? printedColumns(info, output) : [];
  const header = ['NAME', ...cols.map((c) => c.name.toUpperCase())];
  const tracker = new RowTracker();
  let widths: number[] | undefined;
  let headerPrinted = false;
  let docs = 0;
  let shown = new Map<string, ShownObject>();
  let errorsShown = new Set<string>();

  const render = (view: LabView): Rendered[] => {
    const items = o.name ? [view.store.get(info.kind, o.name)].filter((x): x is HostObject => !!x) : view.store.list(info.kind);
    const read = new Map<string, ShownObject>();
    for (const x of items) {
      const file = view.store.sourceOf(info.kind, x.metadata.name)?.file;
      read.set(x.metadata.name, { obj: x, ...(file !== undefined ? { file } : {}) });
    }
    shown = withHeldObjects(read, shown, view.store.specErrors(), info.kind);
    const now = Date.now();
    return [...shown.values()].sort((a, b) => (a.obj.metadata.name < b.obj.metadata.name ? -1 : a.obj.metadata.name > b.obj.metadata.name ? 1 : 0)).map((x) => renderObject(x.obj, output, cols, paint, now));
  };
  const specErrors = (view: LabView): string[] => view.store.specErrors().filter((e) => !e.object || e.object.startsWith(info.kind + '/')).map(formatSpecError);
  /** Spec errors that appeared or went since the last read, in the format of the list printed at start. */
  const printErrorChanges = (now: string[]) => {
    const next = new Set(now);
    for (const e of next) if (!errorsShown.has(e)) o.err(paint.red('spec error: ') + e);
    for (const e of errorsShown) if (!next.has(e)) o.err(paint.green('spec error fixed: ') + e);
    errorsShown = next;
  };
  const print = (changes: RowChange[]) => {
    if (!changes.length) return;
    if (table) {
      // Widths come from the table as first read (or from the first rows, when it was empty).
      widths ??= columnWidths(header, changes.map((c) => c.item.cells!));
      if (!headerPrinted) out(formatRow(header, widths));
      headerPrinted = true;
      for (const c of changes) out(formatRow(c.deleted ? [`${c.item.name} (deleted)`, ...c.item.cells!.slice(1)] : c.item.cells!, widths));
      return;
    }
    for (const c of changes) {
      if (output === 'yaml' && docs > 0) out('---');
      out(c.item.doc!);
      docs++;
    }
  };

  // The watcher is ready before the first read, so no change after that read can be missed.
  const watcher = openWatcher(o);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  let inflight: Promise<void> | undefined;
  let again = false;

  const refresh = async (settleAfter: boolean): Promise<void> => {
    if (closed) return;
    if (inflight) {
      again = true;
      return;
    }
    const run = (async () => {
      try {
        const view = await openView(o.specs, o.state, o.registry);
        if (closed) return;
        printErrorChanges(specErrors(view));
        print(tracker.update(render(view)));
      } catch (e) {
        if (!closed) o.err(`error: reading the lab: ${(e as Error).message}`);
      }
    })();
    inflight = run;
    await run;
    inflight = undefined;
    if (closed) return;
    if (again) {
      again = false;
      schedule();
    } else if (settleAfter) {
      settle = setTimeout(() => void refresh(false), SETTLE_MS);
    }
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    clearTimeout(settle);
    timer = setTimeout(() => void refresh(true), o.debounceMs ?? 100);
  };

  try {
    await Promise.race([new Promise<void>((r) => watcher.once('ready', () => r())), stop.stopped]);
    watcher.on('all', schedule);
    watcher.on('error', (e: unknown) => o.err(`warning: file watcher: ${(e as Error).message}`));
    const view = await openView(o.specs, o.state, o.registry);
    const initial = render(view);
    const errors = specErrors(view);
    errorsShown = new Set(errors);
    if (errors.length) o.err(paint.red(`${errors.length} spec error(s):\n`) + errors.map((e) => `  ${e}`).join('\n'));
    const firstChanges = tracker.update(initial);
    if (table && initial.length) widths = columnWidths(header, initial.map((r) => r.cells!));
    if (!o.watchOnly) print(firstChanges);
    // chokidar says ready before it watches a folder whose sibling (the state dir) does not exist
    // yet: one more look a little later catches a change made meanwhile.
    if (!timer) settle = setTimeout(() => void refresh(false), SETTLE_MS);
    await stop.stopped;
  } finally {
    closed = true;
    stop.dispose();
    clearTimeout(timer);
    clearTimeout(settle);
    await watcher.close();
    await inflight;
  }
  return 0;
}

/** One watcher: the specs directory (YAML files) and the state dir's status records of this kind. */
function openWatcher(o: WatchGetOptions): FSWatcher {
  // The state dir itself is watched (chokidar notices a missing folder appear only one level deep),
  // with everything but objects/KIND/*.json ignored: logs and the sim world change all the time.
  const kindDir = `objects/${o.info.kind}`;
  return watch([o.specs, o.state], {
    ignoreInitial: true,
    followSymlinks: false,
    persistent: true,
    ignored: (p: string, stats?: { isFile(): boolean }) => {
      const inState = inside(o.state, p);
      if (inState !== undefined) {
        if (inState === '' || inState === 'objects' || inState === kindDir) return false;
        const file = inState.startsWith(kindDir + '/') ? inState.slice(kindDir.length + 1) : undefined;
        return file === undefined || file.includes('/') || isIgnoredName(file) || !file.endsWith('.json');
      }
      const inSpecs = inside(o.specs, p);
      if (inSpecs !== undefined) return inSpecs !== '' && (inSpecs.split('/').some(isIgnoredName) || (!!stats?.isFile() && !YAML_FILE.test(inSpecs)));
      return false;
    },
  });
}

/** `p` relative to `root` with forward slashes, or undefined when it is not inside. */
export function inside(root: string, p: string): string | undefined {
  const r = relative(root, p);
  if (r === '..' || r.startsWith('..' + sep) || isAbsolute(r)) return undefined;
  return sep === '/' ? r : r.split(sep).join('/');
}
