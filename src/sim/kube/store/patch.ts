// The three patch formats of PATCH requests: JSON patch (RFC 6902), JSON merge patch (RFC 7386)
// and Kubernetes' strategic merge patch with its directives.
import { badRequest, KubeStatusError } from './errors.js';
import { isPrimitiveSet, listRule } from './merge-keys.js';

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// JSON patch

function unescapePtr(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function splitPtr(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`json patch: path "${path}" must start with /`);
  return path.slice(1).split('/').map(unescapePtr);
}

function getAt(doc: Json, segs: string[]): Json {
  let cur = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObj(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
export { deepEqual };

export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch: the body must be an array of operations');
  let root = structuredClone(doc);
  for (const [i, raw] of ops.entries()) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw badRequest(`json patch: operation ${i} needs "op" and "path"`);
    const op = raw.op;
    const segs = splitPtr(raw.path);
    const fail = (why: string) => new KubeStatusError(422, 'Invalid', `the server rejected our request due to an error in our request: json patch ${op} operation ${i} on ${raw.path}: ${why}`);
    const parentOf = (s: string[]) => {
      const p = getAt(root, s.slice(0, -1));
      if (!isObj(p) && !Array.isArray(p)) throw fail('the parent does not exist');
      return p;
    };
    const add = (s: string[], value: Json) => {
      if (s.length === 0) {
        root = value;
        return;
      }
      const parent = parentOf(s);
      const last = s[s.length - 1];
      if (Array.isArray(parent)) {
        const idx = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw fail(`index ${last} is out of range`);
        parent.splice(idx, 0, value);
      } else parent[last] = value;
    };
    const remove = (s: string[]) => {
      const parent = parentOf(s);
      const last = s[s.length - 1];
      if (Array.isArray(parent)) {
        const idx = Number(last);
        if (!Number.isInteger(idx) || idx < 0 || idx >= parent.length) throw fail(`index ${last} is out of range`);
        return parent.splice(idx, 1)[0];
      }
      if (!(last in parent)) throw fail('the path does not exist');
      const v = parent[last];
      delete parent[last];
      return v;
    };
    switch (op) {
      case 'add':
        add(segs, structuredClone(raw.value));
        break;
      case 'remove':
        remove(segs);
        break;
      case 'replace':
        if (segs.length && getAt(root, segs) === undefined) throw fail('the path does not exist');
        if (segs.length) remove(segs);
        add(segs, structuredClone(raw.value));
        break;
      case 'move': {
        if (typeof raw.from !== 'string') throw fail('"from" is required');
        const v = remove(splitPtr(raw.from));
        add(segs, v);
        break;
      }
      case 'copy': {
        if (typeof raw.from !== 'string') throw fail('"from" is required');
        add(segs, structuredClone(getAt(root, splitPtr(raw.from))));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(root, segs), raw.value)) throw fail(`testing value ${JSON.stringify(raw.value)} failed`);
        break;
      default:
        throw badRequest(`json patch: unknown operation "${op}"`);
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// JSON merge patch

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

const DIRECTIVE = '$patch';
const ORDER = '$setElementOrder/';
const DELETE_PRIM = '$deleteFromPrimitiveList/';
const RETAIN = '$retainKeys';

/** A patch value with every directive removed (what a newly added element becomes). */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObj(x) && x[DIRECTIVE] !== undefined && Object.keys(x).length === 1)).map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN || k.startsWith(ORDER) || k.startsWith(DELETE_PRIM)) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

function mergeList(field: string, original: Json, patch: Json[]): Json[] {
  const orig = Array.isArray(original) ? original : [];
  // [{"$patch": "replace"}, …]: the list is replaced by the other items.
  if (patch.some((x) => isObj(x) && x[DIRECTIVE] === 'replace')) return stripDirectives(patch.filter((x) => !(isObj(x) && x[DIRECTIVE] === 'replace'))) as Json[];
  if (isPrimitiveSet(field)) {
    const out = [...orig];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return out;
  }
  const rule = listRule(field, [...patch, ...orig]);
  if (!rule) return stripDirectives(patch) as Json[];
  const key = rule.mergeKey;
  const out = orig.map((x) => structuredClone(x));
  for (const item of patch) {
    if (!isObj(item)) continue;
    const idx = out.findIndex((o) => isObj(o) && deepEqual(o[key], item[key]));
    if (item[DIRECTIVE] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = strategicMerge(out[idx], item);
      out[idx] = merged as Json;
    } else out.push(stripDirectives(item));
  }
  return out;
}

function reorder(list: Json[], order: Json[], field: string): Json[] {
  const rule = listRule(field, [...list, ...order]);
  const keyOf = (x: Json) => (rule && isObj(x) ? JSON.stringify(x[rule.mergeKey]) : JSON.stringify(x));
  const pos = new Map(order.map((o, i) => [keyOf(o), i]));
  const inOrder = list.filter((x) => pos.has(keyOf(x))).sort((a, b) => pos.get(keyOf(a))! - pos.get(keyOf(b))!);
  const rest = list.filter((x) => !pos.has(keyOf(x)));
  return [...inOrder, ...rest];
}

/** Apply a strategic merge patch to `original` (built-in types; CRs are refused by the caller). */
export function strategicMerge(original: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch[DIRECTIVE] === 'replace') return stripDirectives(patch);
  if (patch[DIRECTIVE] === 'delete') return undefined;
  let out: Obj = isObj(original) ? { ...original } : {};
  const retain = patch[RETAIN];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === DIRECTIVE || k === RETAIN || k.startsWith(ORDER)) continue;
    if (k.startsWith(DELETE_PRIM)) {
      const field = k.slice(DELETE_PRIM.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as Json[]).filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) out[k] = mergeList(k, out[k], v);
    else if (isObj(v)) {
      const merged = strategicMerge(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(ORDER) || !Array.isArray(v)) continue;
    const field = k.slice(ORDER.length);
    if (Array.isArray(out[field])) out[field] = reorder(out[field] as Json[], v, field);
  }
  return out;
}
