// Quoting for values placed in scripts we render. Scripts travel on stdin, so this is the only
// quoting layer: one level of POSIX single quotes, never nested `bash -c '…'` (seed 003 BUG-001).
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
