// Kubernetes-style quantities (`4Gi`, `512Mi`, `2G`, `500m`): the one parser the reconcilers, the
// CLI and the dashboard share.

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** Kubernetes quantity → bytes ("4Gi", "512Mi", "2G", "1073741824"); throws on anything else. */
export function quantityToBytes(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9]+(?:\.[0-9]+)?)([kMGT]i?|Ki)?$/.exec(q.trim());
  if (!m) throw new Error(`"${q}" is not a quantity like 4Gi, 512Mi or 2G`);
  const unit = UNITS[m[2] ?? ''];
  if (unit === undefined) throw new Error(`"${q}" has an unknown unit`);
  return Math.round(Number(m[1]) * unit);
}

export const toMiB = (q: string | number): number => Math.round(quantityToBytes(q) / 1024 ** 2);
export const toGiB = (q: string | number): number => Math.ceil(quantityToBytes(q) / 1024 ** 3);

/** MiB (fractional) of a value that may not be a quantity at all: 0 then (views that must not throw). */
export function mibOrZero(q: unknown): number {
  if (typeof q === 'number') return q / 1024 ** 2;
  if (typeof q !== 'string') return 0;
  try {
    return quantityToBytes(q) / 1024 ** 2;
  } catch {
    return 0;
  }
}

/** CPUs of `2`, `"2"` or `"500m"`; 0 when it is not a CPU quantity. */
export function cpuOrZero(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 || 0 : Number(q) || 0;
}

/** MiB as the shortest exact quantity (4096 → 4Gi, 1536 → 1536Mi), as hostplane writes status.observed. */
export function mibQuantity(mib: number): string {
  return mib > 0 && mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** For people: 1.5 GiB, 512 MiB. */
export function formatMiB(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 ? 1 : 0)} GiB` : `${Math.round(mib)} MiB`;
}
