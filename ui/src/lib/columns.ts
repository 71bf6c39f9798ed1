// Printer columns: the same JSONPath evaluator the CLI uses, so `hostplane get` and the dashboard agree.
import { evalJsonPath } from '../../../src/api/jsonpath.js';
import type { HostObject, PrinterColumn } from '../api/types';
import { ago } from './time';

export function columnValue(o: HostObject, col: PrinterColumn, at?: number): string {
  let v: unknown;
  try {
    v = evalJsonPath(o, col.jsonPath);
  } catch {
    return '?';
  }
  if (Array.isArray(v)) v = v.length === 1 ? v[0] : v.join(',');
  if (v === undefined || v === null || v === '') return col.type === 'date' ? '—' : '';
  if (col.type === 'date' && typeof v === 'string') return ago(v, at);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
