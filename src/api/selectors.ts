// kubectl's label selectors (-l) and field selectors (--field-selector), parsed as kubectl parses them:
//   equality:  app=web, app==web, app!=web
//   set-based: env in (dev,prod), env notin (prod), team, !team
// Requirements are separated by commas outside parentheses and all must hold.
import type { HostObject } from './types.js';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export class SelectorError extends Error {}

// A label key: an optional DNS prefix and '/', then a name of letters, digits, '-', '_', '.'.
const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside ( ). */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(v: string, whole: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value "${v}" in selector "${whole}"`);
  return v;
}

export function parseLabelSelector(selector: string): LabelRequirement[] {
  const whole = selector;
  if (!selector.trim()) return [];
  return splitTop(selector).map((part): LabelRequirement => {
    if (!part) throw new SelectorError(`found ',', expected: identifier in selector "${whole}"`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3]!.split(',').map((v) => checkValue(v.trim(), whole));
      return { key: checkKey(set[1]!, whole), op: set[2] as 'in' | 'notin', values };
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) {
      const op = eq[2] === '!=' ? 'notin' : 'in';
      return { key: checkKey(eq[1]!, whole), op, values: [checkValue(eq[3]!.trim(), whole)] };
    }
    if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), whole), op: '!exists' };
    if (/[\s()=]/.test(part)) throw new SelectorError(`unable to parse requirement: "${part}" in selector "${whole}" (forms: k=v, k!=v, k in (a,b), k notin (a), k, !k)`);
    return { key: checkKey(part, whole), op: 'exists' };
  });
}

export function matchesLabels(labels: Readonly<Record<string, string>> | undefined, reqs: readonly LabelRequirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        // kubectl: `k!=v` and `k notin (v)` match objects without the label too.
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}

/** The fields --field-selector knows (kubectl: each resource supports a few; the rest are refused). */
const FIELDS: Record<string, (o: HostObject) => string> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': () => '',
  'status.phase': (o) => String(o.status?.phase ?? ''),
};

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (!selector.trim()) return [];
  return selector.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector "${part}": expected FIELD=VALUE or FIELD!=VALUE`);
    if (!FIELDS[m[1]!]) throw new SelectorError(`field label not supported: ${m[1]} (supported: ${Object.keys(FIELDS).join(', ')})`);
    return { field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
  });
}

export function matchesFields(o: HostObject, reqs: readonly FieldRequirement[]): boolean {
  return reqs.every((r) => (FIELDS[r.field]!(o) === r.value) === (r.op === '='));
}
