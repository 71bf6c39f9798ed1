// Quoting for values placed in scripts we render. Scripts travel on stdin, so this is the only
// quoting layer: one level of POSIX single quotes, never nested `bash -c '…'` (seed 003 BUG-001).
export function shq(value: string): string {
  if (value.includes('\0')) throw new TypeError('shell values cannot contain NUL bytes');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
