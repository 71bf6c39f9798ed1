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

describe('hostplane up flags', () => {
  // A zero period would turn the poll or the resync into a busy loop; it is refused before anything starts.
  it.each([
    [['--poll', '0s'], /--poll must be at least 1s/],
    [['--poll', '500ms'], /--poll must be at least 1s/],
    [['--resync', '0s'], /--resync must be at least 1m/],
    [['--resync', '30s'], /--resync must be at least 1m/],
    [['--resync', 'soon'], /"soon" is not a duration/],
  ])('refuses up %j with exit 2', async (flags, message) => {
    let errText = '';
    const code = await main(['up', '--specs', '/nonexistent-hostplane-specs', ...flags], () => {}, (s) => (errText += s));
    expect(code).toBe(2);
    expect(errText).toMatch(message);
  });
});
