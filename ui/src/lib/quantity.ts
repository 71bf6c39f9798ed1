// Kubernetes-style quantities (`4Gi`, `512Mi`, `2`) as MiB / CPUs, for the capacity view.
const BIN: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
const DEC: Record<string, number> = { k: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576 };

export function toMiB(q: unknown): number {
  if (typeof q === 'number') return q / 1048576; // bytes
  if (typeof q !== 'string') return 0;
  const m = /^\s*([0-9.]+)\s*([KMGT]i|[kMGT])?B?\s*$/.exec(q);
  if (!m) return 0;
  const n = Number(m[1]);
  if (!m[2]) return n / 1048576;
  return n * (BIN[m[2]] ?? DEC[m[2]] ?? 0);
}

export function toCpu(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q) || 0;
}

export function fmtMiB(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 ? 1 : 0)} GiB` : `${Math.round(mib)} MiB`;
}
