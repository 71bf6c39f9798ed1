import { describe, expect, it } from 'vitest';
import { appendTail, finalTail } from './tail.js';

describe('command output kept in a result', () => {
  it('keeps only the end of a long output, however many chunks it came in', () => {
    let buf = '';
    for (let i = 0; i < 10_000; i++) buf = appendTail(buf, `line ${i}\n`, 100);
    expect(buf.length).toBeLessThanOrEqual(200);
    expect(finalTail(buf, 100)).toHaveLength(100);
    expect(finalTail(buf, 100).endsWith('line 9999\n')).toBe(true);
  });

  it('keeps a short output whole', () => {
    expect(finalTail(appendTail(appendTail('', 'a\n'), 'b\n'))).toBe('a\nb\n');
  });
});
