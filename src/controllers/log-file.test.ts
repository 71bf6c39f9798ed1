import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRotating, rotateIfLarger } from './log-file.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'hostplane-logfile-')), 'vm.log');

describe('state-dir log files', () => {
  it.each([
    ['smaller than the limit', 10, false],
    ['exactly the limit', 100, false],
    ['larger than the limit', 101, true],
  ])('rotates a file %s: %s', (_what, bytes, rotated) => {
    const f = file();
    writeFileSync(f, 'x'.repeat(bytes));
    expect(rotateIfLarger(f, 100)).toBe(rotated);
    if (rotated) expect(statSync(`${f}.1`).size).toBe(bytes);
  });

  it('appends to a new file after moving a full one to .1, keeping one generation', () => {
    const f = file();
    writeFileSync(f, 'a'.repeat(200));
    appendRotating(f, 'first\n', 100);
    writeFileSync(f, 'b'.repeat(200));
    appendRotating(f, 'second\n', 100);
    expect(readFileSync(f, 'utf8')).toBe('second\n');
    expect(readFileSync(`${f}.1`, 'utf8')).toBe('b'.repeat(200));
  });

  it('says false for a file that does not exist, and appendRotating creates it', () => {
    const f = file();
    expect(rotateIfLarger(f, 100)).toBe(false);
    appendRotating(f, 'hello\n', 100);
    expect(readFileSync(f, 'utf8')).toBe('hello\n');
  });
});
