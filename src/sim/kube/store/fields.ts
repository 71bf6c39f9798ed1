// Server-side apply's bookkeeping: field sets (which fields a manager owns), stored on objects as
// metadata.managedFields in the FieldsV1 format, and the apply merge with conflicts and force.
// Paths are lists of path elements as in FieldsV1: `f:name`, `k:{"name":"web"}` (an item of a
// keyed list), `v:"x"` (a value of a set of strings).
import { KubeStatusError } from './errors.js';
import { isPrimitiveSet, listRule } from './merge-keys.js';
import { deepEqual } from './patch.js';

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const SEP = '\u0001';
export type FieldSet = Set<string>;

/** metadata fields the server owns, and the object's identity (name, namespace): never part of a field set. */
const SERVER_META = new Set(['name', 'namespace', 'managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

function itemKey(field: string, item: Json, all: Json[]): string | undefined {
  if (!isObj(item)) return undefined;
  const rule = listRule(field, all);
  if (!rule || item[rule.mergeKey] === undefined) return undefined;
  return `k:${JSON.stringify({ [rule.mergeKey]: item[rule.mergeKey] })}`;
}

// `path` is the joined path so far ('' at the root); joining as we go keeps allocation low.
const join2 = (path: string, seg: string) => (path ? path + SEP + seg : seg);

function walk(v: Json, path: string, field: string, out: FieldSet, atomicLists: boolean): void {
  if (isObj(v)) {
    const inMeta = path === 'f:metadata';
    let any = false;
    for (const k in v) {
      if (inMeta && SERVER_META.has(k)) continue;
      any = true;
      walk(v[k], join2(path, `f:${k}`), k, out, atomicLists);
    }
    // An empty map is a value; metadata holding only server fields and identity is nothing.
    if (!any && path && Object.keys(v).length === 0) out.add(path);
    return;
  }
  if (Array.isArray(v) && !atomicLists && v.length) {
    if (isPrimitiveSet(field) && v.every((x) => typeof x === 'string')) {
      for (const x of v) out.add(join2(path, `v:${JSON.stringify(x)}`));
      return;
    }
    const keys = v.map((x) => itemKey(field, x, v));
    if (keys.every((k) => k !== undefined)) {
      v.forEach((x, i) => {
        const p = join2(path, keys[i]!);
        out.add(p);
        walk(x, p, '', out, atomicLists);
      });
      return;
    }
  }
  out.add(path);
}

/** The fields an object sets (apiVersion/kind and server-owned metadata excluded). */
export function fieldSetOf(obj: Json, opts: { atomicLists?: boolean } = {}): FieldSet {
  const out: FieldSet = new Set();
  if (!isObj(obj)) return out;
  const body = { ...obj };
  delete body.apiVersion;
  delete body.kind;
  walk(body, '', '', out, opts.atomicLists ?? false);
  return out;
}

export function toFieldsV1(set: FieldSet): Obj {
  const root: Obj = {};
  for (const p of [...set].sort()) {
    let node = root;
    for (const seg of p.split(SEP)) node = (node[seg] ??= {}) as Obj;
  }
  // A path that is both in the set and has children gets ".": {}.
  for (const p of set) {
    let node = root;
    for (const seg of p.split(SEP)) node = node[seg] as Obj;
    if (Object.keys(node).some((k) => k !== '.')) node['.'] = {};
  }
  return root;
}

export function fromFieldsV1(f: Json): FieldSet {
  const out: FieldSet = new Set();
  const rec = (node: Json, path: string[]) => {
    if (!isObj(node)) return;
    const kids = Object.keys(node).filter((k) => k !== '.');
    if ((kids.length === 0 || '.' in node) && path.length) out.add(path.join(SEP));
    for (const k of kids) rec(node[k], [...path, k]);
  };
  rec(f, []);
  return out;
}

function step(cur: Json, seg: string): Json {
  if (seg.startsWith('f:')) return isObj(cur) ? cur[seg.slice(2)] : undefined;
  if (seg.startsWith('k:')) {
    if (!Array.isArray(cur)) return undefined;
    const key = JSON.parse(seg.slice(2)) as Obj;
    return cur.find((x) => isObj(x) && Object.entries(key).every(([k, v]) => deepEqual(x[k], v)));
  }
  if (seg.startsWith('v:')) {
    if (!Array.isArray(cur)) return undefined;
    const v = JSON.parse(seg.slice(2));
    return cur.some((x) => deepEqual(x, v)) ? v : undefined;
  }
  return undefined;
}

export function valueAt(obj: Json, path: string): Json {
  let cur = obj;
  for (const seg of path.split(SEP)) {
    cur = step(cur, seg);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** `.spec.template.spec.containers[name="web"].image` as the real server prints field paths. */
export function printPath(path: string): string {
  return path
    .split(SEP)
    .map((seg) => {
      if (seg.startsWith('f:')) return '.' + seg.slice(2);
      if (seg.startsWith('k:')) {
        const key = JSON.parse(seg.slice(2)) as Obj;
        return '[' + Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',') + ']';
      }
      return `[=${seg.slice(2)}]`;
    })
    .join('');
}

function removePath(obj: Json, path: string): void {
  const segs = path.split(SEP);
  let parent: Json = obj;
  for (const seg of segs.slice(0, -1)) {
    parent = step(parent, seg);
    if (parent === undefined) return;
  }
  const last = segs[segs.length - 1];
  if (last.startsWith('f:') && isObj(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const item = step(parent, last);
    const idx = last.startsWith('v:') ? parent.findIndex((x) => deepEqual(x, item)) : parent.indexOf(item);
    if (idx >= 0) parent.splice(idx, 1);
  }
}

/** Merge an applied configuration into the live object: maps merged, keyed lists merged by key, the rest replaced. */
function mergeApplied(live: Json, applied: Json, field: string, atomicLists: boolean): Json {
  if (isObj(applied)) {
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) out[k] = v === null ? null : mergeApplied(out[k], v, k, atomicLists);
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live) && !atomicLists) {
    if (isPrimitiveSet(field)) return [...live, ...applied.filter((x) => !live.some((l) => deepEqual(l, x)))];
    const all = [...applied, ...live];
    if (applied.every((x) => itemKey(field, x, all)) && live.every((x) => itemKey(field, x, all))) {
      const out = live.map((x) => structuredClone(x));
      for (const item of applied) {
        const k = itemKey(field, item, all);
        const idx = out.findIndex((x) => itemKey(field, x, all) === k);
        if (idx >= 0) out[idx] = mergeApplied(out[idx], item, '', atomicLists);
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  return structuredClone(applied);
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Obj;
  subresource?: string;
}

interface Owned {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

function readManaged(obj: Obj): Owned[] {
  const meta = (obj.metadata ?? {}) as Obj;
  const mf = Array.isArray(meta.managedFields) ? (meta.managedFields as ManagedFieldsEntry[]) : [];
  return mf.map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
}

function writeManaged(obj: Obj, owned: Owned[]): void {
  const meta = ((obj.metadata ??= {}) as Obj);
  const kept = owned.filter((o) => o.set.size > 0).map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.set) }));
  if (kept.length) meta.managedFields = kept;
  else delete meta.managedFields;
}

function sameSlot(e: ManagedFieldsEntry, manager: string, operation: string, subresource?: string): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

/**
 * A non-apply write (create, update, patch): the writer takes the fields it changed; fields that
 * disappeared leave every manager. Mutates `next`'s managedFields.
 */
export function trackUpdate(prev: Obj | undefined, next: Obj, manager: string, apiVersion: string, time: string, opts: { subresource?: string; atomicLists?: boolean; sent?: Obj } = {}): void {
  const owned = prev ? readManaged(prev) : [];
  const before = prev ? fieldSetOf(prev, opts) : new Set<string>();
  const after = fieldSetOf(next, opts);
  const changed = new Set<string>();
  // On create the writer owns what it sent (not what defaulting added).
  const candidates = !prev && opts.sent ? fieldSetOf(opts.sent, opts) : after;
  for (const p of candidates) if (after.has(p) && (!before.has(p) || !deepEqual(valueAt(prev, p), valueAt(next, p)))) changed.add(p);
  for (const o of owned) for (const p of [...o.set]) if (!after.has(p) || changed.has(p)) o.set.delete(p);
  let mine = owned.find((o) => sameSlot(o.entry, manager, 'Update', opts.subresource));
  if (!mine && changed.size) {
    mine = { entry: { manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: {}, ...(opts.subresource ? { subresource: opts.subresource } : {}) }, set: new Set() };
    owned.push(mine);
  }
  if (mine && changed.size) {
    for (const p of changed) mine.set.add(p);
    mine.entry = { ...mine.entry, time, apiVersion };
  }
  writeManaged(next, owned);
}

/**
 * Server-side apply of `applied` onto `live` (undefined: create). Returns the merged object with
 * managedFields updated, or throws 409 with one FieldManagerConflict cause per contested field.
 */
export function serverSideApply(live: Obj | undefined, applied: Obj, manager: string, apiVersion: string, time: string, opts: { force?: boolean; atomicLists?: boolean; subresource?: string }): Obj {
  const appliedSet = fieldSetOf(applied, opts);
  if (!live) {
    const obj = structuredClone(applied);
    writeManaged(obj, [{ entry: { manager, operation: 'Apply', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: {}, ...(opts.subresource ? { subresource: opts.subresource } : {}) }, set: appliedSet }]);
    return obj;
  }
  const owned = readManaged(live);
  const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
  for (const o of owned) {
    if (sameSlot(o.entry, manager, 'Apply', opts.subresource)) continue;
    for (const p of o.set) {
      if (!appliedSet.has(p)) continue;
      const a = valueAt(applied, p);
      if (isObj(a) && Object.keys(a).length > 0) continue; // item markers
      if (!deepEqual(valueAt(live, p), a)) conflicts.push({ manager: o.entry.manager, apiVersion: o.entry.apiVersion, path: p });
    }
  }
  if (conflicts.length && !opts.force) {
    const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"${c.manager ? ` using ${c.apiVersion}` : ''}`, field: printPath(c.path) }));
    const meta = (live.metadata ?? {}) as Obj;
    throw new KubeStatusError(409, 'Conflict', `Apply failed with ${causes.length} conflict${causes.length > 1 ? 's' : ''}: ${causes.map((c) => `${c.message}: ${c.field}`).join(', ')}`, {
      name: String(meta.name ?? ''),
      causes,
    });
  }
  if (opts.force) for (const c of conflicts) for (const o of owned) if (o.entry.manager === c.manager && !sameSlot(o.entry, manager, 'Apply', opts.subresource)) o.set.delete(c.path);
  let mine = owned.find((o) => sameSlot(o.entry, manager, 'Apply', opts.subresource));
  const previously = mine ? new Set(mine.set) : new Set<string>();
  let merged = mergeApplied(live, applied, '', opts.atomicLists ?? false) as Obj;
  // Fields this manager applied before, no longer applies, and nobody else owns: removed.
  const others = owned.filter((o) => o !== mine);
  const ownedByOthers = (p: string) => others.some((o) => [...o.set].some((q) => q === p || q.startsWith(p + SEP)));
  const gone = [...previously].filter((p) => !appliedSet.has(p) && !ownedByOthers(p)).sort((a, b) => b.length - a.length);
  merged = structuredClone(merged);
  for (const p of gone) removePath(merged, p);
  if (!mine) {
    mine = { entry: { manager, operation: 'Apply', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: {}, ...(opts.subresource ? { subresource: opts.subresource } : {}) }, set: appliedSet };
    owned.push(mine);
  } else {
    mine.set = appliedSet;
    mine.entry = { ...mine.entry, time, apiVersion };
  }
  writeManaged(merged, owned);
  return merged;
}
