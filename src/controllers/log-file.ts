// Log files in the state dir never grow without bound: past a size, the file is moved to `.1`
// (one generation kept) and a new one starts.
import { appendFileSync, renameSync, statSync } from 'node:fs';

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Moves `file` to `file.1` when it is larger than `maxBytes`; says whether it did. */
export function rotateIfLarger(file: string, maxBytes: number): boolean {
  if (size(file) <= maxBytes) return false;
  try {
    renameSync(file, `${file}.1`);
    return true;
  } catch {
    return false; // a log that cannot be rotated is still appended to
  }
}

export function appendRotating(file: string, text: string, maxBytes: number): void {
  rotateIfLarger(file, maxBytes);
  appendFileSync(file, text);
}
