// Label and field selectors in kubectl's string syntax.
import { badRequest } from './errors.js';

type LabelReq =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseLabelSelector(sel: string | undefined): LabelMatcher {
  if (!sel || !sel.trim()) return () => true;
  const reqs: LabelReq[] = splitTop(sel).map((part) => {
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()) };
    m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) return { key: m[1], op: m[2] === '!=' ? 'neq' : 'eq', value: m[3] };
    m = /^!\s*([^\s!=]+)$/.exec(part);
    if (m) return { key: m[1], op: 'notexists' };
    m = /^([^\s!=()]+)$/.exec(part);
    if (m) return { key: m[1], op: 'exists' };
    throw badRequest(`unable to parse requirement: found '${part}', expected: key, key=value, key!=value, key in (…), key notin (…), !key`);
  });
  return (labels) => {
    const l = labels ?? {};
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      switch (r.op) {
        case 'eq':
          return has && l[r.key] === r.value;
        case 'neq':
          return !has || l[r.key] !== r.value;
        case 'in':
          return has && r.values.includes(l[r.key]);
        case 'notin':
          return !has || !r.values.includes(l[r.key]);
        case 'exists':
          return has;
        case 'notexists':
          return !has;
      }
    });
  };
}

/** A selector from `matchLabels` + `matchExpressions` (Deployment/Service style) to a matcher. */
export function labelSelectorFromObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): LabelMatcher {
  if (!sel) return () => false;
  return (labels) => {
    const l = labels ?? {};
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
      const has = k(e.key);
      if (e.operator === 'In' && !(has && (e.values ?? []).includes(l[e.key]))) return false;
      if (e.operator === 'NotIn' && has && (e.values ?? []).includes(l[e.key])) return false;
      if (e.operator === 'Exists' && !has) return false;
      if (e.operator === 'DoesNotExist' && has) return false;
    }
    return true;
    function k(key: string) {
      return Object.prototype.hasOwnProperty.call(l, key);
    }
  };
}

/** `matchLabels` as the `a=b,c=d` string /scale's status.selector and kubectl use. */
export function selectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export type FieldMatcher = (obj: unknown) => boolean;

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** `metadata.name=x,spec.nodeName!=n1`: any dotted path is accepted (the real server allows a per-kind subset). */
export function parseFieldSelector(sel: string | undefined): FieldMatcher {
  if (!sel || !sel.trim()) return () => true;
  const reqs = sel.split(',').map((part) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid field selector: '${part}': expected field=value or field!=value`);
    return { path: m[1], neq: m[2] === '!=', value: m[3] };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.neq);
}

/** The name a `metadata.name=x` field selector pins, if any (lets list/watch skip a scan). */
export function nameFromFieldSelector(sel: string | undefined): string | undefined {
  if (!sel) return undefined;
  for (const part of sel.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.+?)\s*$/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}
