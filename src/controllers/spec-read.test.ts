import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SPEC_FILE_BYTES, NotRegularFileError, SpecFileTooLargeError, readSpecText } from './spec-read.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hp-spec-read-'));
  dirs.push(d);
  return d;
}

describe('readSpecText', () => {
  it('reads a regular file up to and including the limit', () => {
    const f = join(tmp(), 'a.yaml');
    writeFileSync(f, 'x'.repeat(100));
    expect(readSpecText(f, { maxBytes: 100 })).toBe('x'.repeat(100));
  });

  it('refuses a file above the limit by its size, naming it, without reading it (a 3 GiB sparse file)', () => {
    const f = join(tmp(), 'huge.yaml');
    writeFileSync(f, '');
    truncateSync(f, 3 * 1024 ** 3);
    const t0 = Date.now();
    expect(() => readSpecText(f, { label: 'huge.yaml' })).toThrow(SpecFileTooLargeError);
    expect(() => readSpecText(f, { label: 'huge.yaml' })).toThrow(/huge\.yaml is 3072 MiB, above the 1 MiB limit/);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(MAX_SPEC_FILE_BYTES).toBe(1024 * 1024);
  });

  it('opens a FIFO without waiting for a writer and refuses it as not a regular file', () => {
    const f = join(tmp(), 'pipe.yaml');
    execFileSync('mkfifo', [f]);
    expect(() => readSpecText(f, { label: 'pipe.yaml' })).toThrow(NotRegularFileError);
    expect(() => readSpecText(f, { label: 'pipe.yaml' })).toThrow(/pipe\.yaml is a FIFO/);
  });

  it('passes ENOENT through', () => {
    expect(() => readSpecText(join(tmp(), 'gone.yaml'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
