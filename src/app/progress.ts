// What `up` tells while it works: per kind how many objects are Ready (`VMs 10/10 Ready · Clusters
// 1/4 · Addons 0/15`), every Warning event as it happens, and one line when everything is Ready
// with how long it took. On a TTY the counts are one line rewritten in place; elsewhere (a log
// file, CI) a line is printed only when a count changes.
import type { HostObject } from '../api/types.js';
import type { HostEvent } from '../controllers/events.js';

export interface ProgressSource {
  list(): readonly HostObject[];
  watch(listener: () => void): () => void;
  subscribe(fn: (e: HostEvent) => void): () => void;
  /** Events recorded so far (those of this run that came before the report started are printed first). */
  events(): readonly HostEvent[];
}

const LABEL: Record<string, string> = { VirtualMachine: 'VMs', Cluster: 'Clusters', Addon: 'Addons', LoadTest: 'LoadTests' };

function ready(o: HostObject): boolean {
  return o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** `VMs 10/10 Ready · Clusters 1/4`: kinds in the order given, kinds without objects left out. */
export function progressLine(objects: readonly HostObject[], kinds: readonly string[]): { line: string; allReady: boolean } {
  const parts: string[] = [];
  let all = objects.length > 0;
  for (const k of kinds) {
    const of = objects.filter((o) => o.kind === k && !o.metadata.deletionTimestamp);
    if (!of.length) continue;
    const n = of.filter(ready).length;
    if (n < of.length) all = false;
    parts.push(`${LABEL[k] ?? k} ${n}/${of.length}${parts.length ? '' : ' Ready'}`);
  }
  return { line: parts.join(' · ') || 'no objects', allReady: all };
}

export interface ProgressOptions {
  kinds: readonly string[];
  tty: boolean;
  write(s: string): void;
  now?: () => number;
  /** When `up` started (ms): earlier Warning events belong to an earlier run and are not printed. */
  since?: number;
  /** What "how long it took" is measured from (ms; default: when the report started). */
  readySince?: number;
}

/** Starts reporting; returns a function that stops it. */
export function reportProgress(src: ProgressSource, opts: ProgressOptions): () => void {
  const now = opts.now ?? Date.now;
  const started = now();
  let last = '';
  let done = false;
  let onLine = false; // TTY: the cursor is at the end of the rewritten line
  const println = (s: string) => {
    if (onLine) opts.write('\r\x1b[K');
    opts.write(s + '\n');
    onLine = false;
  };
  const show = () => {
    const { line, allReady } = progressLine(src.list(), opts.kinds);
    if (line !== last) {
      last = line;
      if (opts.tty) {
        opts.write(`\r\x1b[K${line}`);
        onLine = true;
      } else println(line);
    }
    if (allReady && !done) {
      done = true;
      println(`everything is Ready (${((now() - (opts.readySince ?? started)) / 1000).toFixed(1)}s)`);
    } else if (!allReady) done = false;
  };
  const unwatch = src.watch(show);
  const told = new Map<string, string>(); // object → the last warning printed for it
  const warn = (e: HostEvent) => {
    if (e.type !== 'Warning') return;
    const said = `${e.reason}: ${e.message}`;
    if (told.get(e.object) === said) return; // the same warning again (its count went up)
    told.set(e.object, said);
    println(`Warning ${e.object} ${e.reason}: ${e.message}`);
    if (opts.tty && last) {
      opts.write(last);
      onLine = true;
    }
  };
  const unsubscribe = src.subscribe(warn);
  const since = opts.since ?? started;
  for (const e of src.events()) if (Date.parse(e.lastTimestamp) >= since) warn(e);
  show();
  return () => {
    unwatch();
    unsubscribe();
    if (onLine) opts.write('\n');
  };
}
