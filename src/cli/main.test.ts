import { describe, expect, it } from 'vitest';
import { main, normalizeArgv } from './main.js';

describe('normalizeArgv', () => {
  it('reads -f as --follow for logs and as --filename for every other verb', () => {
    expect(normalizeArgv(['logs', 'vm/a', '-f'])).toEqual(['logs', 'vm/a', '--follow']);
    expect(normalizeArgv(['--specs', 'logs', 'logs', '-f', 'vm/a'])).toEqual(['--specs', 'logs', 'logs', '--follow', 'vm/a']);
    expect(normalizeArgv(['apply', '-f', 'logs'])).toEqual(['apply', '-f', 'logs']);
    expect(normalizeArgv(['-o', 'logs', 'apply', '-f', 'x.yaml'])).toEqual(['-o', 'logs', 'apply', '-f', 'x.yaml']);
  });
});

describe('hostplane --help', () => {
  it('documents the watch and follow flags', async () => {
    let text = '';
    expect(await main(['--help'], (s) => (text += s))).toBe(0);
    expect(text).toMatch(/get KIND \[NAME\].*-w\|--watch.*--watch-only/);
    expect(text).toMatch(/logs vm\/NAME \[-f\|--follow\] \[--tail N\]/);
  });
});
