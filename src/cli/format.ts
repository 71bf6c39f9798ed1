// Terminal output in kubectl's habits: aligned columns, human ages, optional colour.
import type { Condition } from '../api/types.js';

export function table(header: string[], rows: string[][]): string {
  const widths = columnWidths(header, rows);
  return [formatRow(header, widths), ...rows.map((r) => formatRow(r, widths))].join('\n');
}

/** The width of each column of a table: its widest cell. */
export function columnWidths(header: string[], rows: string[][]): number[] {
  return header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
}

/** One line of a table laid out with `widths` (a longer cell pushes the rest of its line right). */
export function formatRow(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('   ').trimEnd();
}

/** kubectl's age format: 45s, 12m, 3h, 4d, 2y. */
export function age(from: string | undefined, now = Date.now()): string {
  if (!from) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 730 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

export function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '<none>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export interface Painter {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
}

export function painter(enabled: boolean): Painter {
  const wrap = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { green: wrap(32), red: wrap(31), yellow: wrap(33), bold: wrap(1) };
}

export function conditionRows(conditions: readonly Condition[] | undefined, now = Date.now()): string[][] {
  return (conditions ?? []).map((c) => [c.type, c.status, c.reason, age(c.lastTransitionTime, now), c.message]);
}
