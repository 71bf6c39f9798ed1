import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, mkdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFollower, LineBuffer, followLogs, lastLines } from './follow.js';
import { waitFor } from '../../test/fixtures/wait-for.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
function tmp(): string {
  dir = mkdtempSync(join(tmpdir(), 'hostplane-follow-'));
  return dir;
}

describe('lastLines (kubectl --tail)', () => {
  it('keeps the last n lines; -1 keeps all, 0 none; a final newline does not count as a line', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(lastLines('a\nb\nc', 2)).toBe('b\nc');
    expect(lastLines('a\nb\nc\n', 5)).toBe('a\nb\nc\n');
    expect(lastLines('a\nb\nc\n', -1)).toBe('a\nb\nc\n');
    expect(lastLines('a\nb\nc\n', 0)).toBe('');
    expect(lastLines('', 3)).toBe('');
    expect(lastLines('\n\nx\n', 2)).toBe('\nx\n');
  });
});

describe('LineBuffer', () => {
  it('returns complete lines only and keeps the unfinished one for later', () => {
    const b = new LineBuffer();
    expect(b.push('one\ntw')).toEqual(['one']);
    expect(b.push('o\r\nthree')).toEqual(['two']);
    expect(b.flush()).toBe('three');
    expect(b.flush()).toBeUndefined();
  });
});

describe('FileFollower', () => {
  it('reads what is appended, waits for a missing file, and starts over after truncation or replacement', () => {
    const file = join(tmp(), 'x.log');
    const f = new FileFollower(file);
    expect(f.readInitial()).toBeUndefined();
    expect(f.read()).toEqual({ lines: [] });
    writeFileSync(file, 'a\nb');
    expect(f.read()).toEqual({ lines: ['a'] });
    appendFileSync(file, 'c\nd\n');
    expect(f.read()).toEqual({ lines: ['bc', 'd'] });
    expect(f.read()).toEqual({ lines: [] });
    truncateSync(file, 0);
    appendFileSync(file, 'e\n');
    expect(f.read()).toEqual({ lines: ['e'], note: 'file truncated' });
    renameSync(file, file + '.1');
    expect(f.read()).toEqual({ lines: [] });
    writeFileSync(file, 'f\n');
    expect(f.read()).toEqual({ lines: ['f'], note: 'file replaced; following the new one' });
  });

  it('at rotation, reads what was appended to the old file before the new one, without losing or repeating a line', () => {
    const file = join(tmp(), 'x.log');
    writeFileSync(file, 'one\n');
    const f = new FileFollower(file);
    try {
      expect(f.readInitial()).toBe('one\n');
      appendFileSync(file, 'two\nhalf ');
      renameSync(file, file + '.1'); // as rotateIfLarger does
      appendFileSync(file, 'line\nthree\n');
      expect(f.read()).toEqual({ lines: ['two', 'half line', 'three'], note: 'file replaced; following the new one' });
      expect(f.read()).toEqual({ lines: [] });
      // Rotated again, read between the rename and the first write to the new file.
      appendFileSync(file, 'four\n');
      renameSync(file, file + '.1');
      expect(f.read()).toEqual({ lines: ['four'] });
      appendFileSync(file, 'five\n');
      expect(f.read()).toEqual({ lines: ['five'], note: 'file replaced; following the new one' });
      // Truncation in place still starts over from the top.
      truncateSync(file, 0);
      appendFileSync(file, 'six\n');
      expect(f.read()).toEqual({ lines: ['six'], note: 'file truncated' });
    } finally {
      f.close();
    }
  });

  it('readInitial returns the content and follows on from its end', () => {
    const file = join(tmp(), 'x.log');
    writeFileSync(file, 'old\n');
    const f = new FileFollower(file);
    expect(f.readInitial()).toBe('old\n');
    appendFileSync(file, 'new\n');
    expect(f.read()).toEqual({ lines: ['new'] });
  });
});

describe('followLogs', () => {
  it('prints the tail of what is there, then appended lines of each file, including one that appears later; ends with 0 when stopped', async () => {
    const root = tmp();
    const logs = join(root, 'logs', 'VirtualMachine');
    mkdirSync(logs, { recursive: true });
    const consoleLog = join(logs, 'a.console.log');
    const provisionLog = join(logs, 'a.provision.log');
    writeFileSync(consoleLog, '1\n2\n3\n');
    const lines: string[] = [];
    const errs: string[] = [];
    const abort = new AbortController();
    const before = process.listenerCount('SIGINT');
    const done = followLogs({
      root,
      files: [
        { label: 'console', file: consoleLog },
        { label: 'provision', file: provisionLog },
      ],
      tail: 2,
      out: (s) => lines.push(...s.split('\n')),
      err: (s) => errs.push(s),
      abort: abort.signal,
    });
    await waitFor(() => lines.includes('3'), 5000, 'the initial tail');
    expect(lines).toEqual([`==> console (${consoleLog}) <==`, '2', '3']);
    appendFileSync(consoleLog, '4\n');
    await waitFor(() => lines.includes('4'), 5000, 'an appended line');
    writeFileSync(provisionLog, 'p1\n');
    await waitFor(() => lines.includes('p1'), 5000, 'a line of a file that appeared later');
    appendFileSync(consoleLog, '5\nunfinished');
    await waitFor(() => lines.includes('5'), 5000, 'a line after switching files');
    expect(lines.slice(3)).toEqual(['4', `==> provision (${provisionLog}) <==`, 'p1', `==> console (${consoleLog}) <==`, '5']);
    abort.abort();
    expect(await done).toBe(0);
    expect(lines.at(-1)).toBe('unfinished');
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(errs).toEqual([]);
  });
});
