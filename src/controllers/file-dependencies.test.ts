import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDependencies } from './file-dependencies.js';

function waitForKey(keys: string[], key: string, ms = 3_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = () => (keys.includes(key) ? resolve() : Date.now() > deadline ? reject(new Error(`${key} never queued; got ${keys.join(',')}`)) : setTimeout(tick, 10));
    tick();
  });
}

describe('FileDependencies', () => {
  let dir: string;
  let deps: FileDependencies;
  afterEach(() => {
    deps?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues the object whose file changed, also after a save by rename, and only that one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hp-filedeps-'));
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    writeFileSync(join(dir, 'b.yaml'), 'b: 1\n');
    const keys: string[] = [];
    deps = new FileDependencies((k) => keys.push(k));
    deps.set('Addon/a', [join(dir, 'a.yaml')]);
    deps.set('Addon/b', [join(dir, 'b.yaml')]);
    writeFileSync(join(dir, 'a.yaml'), 'a: 2\n');
    await waitForKey(keys, 'Addon/a');
    expect(keys).not.toContain('Addon/b');
    keys.length = 0;
    // Editors save by writing a temp file and renaming it over the original.
    writeFileSync(join(dir, 'a.tmp'), 'a: 3\n');
    renameSync(join(dir, 'a.tmp'), join(dir, 'a.yaml'));
    await waitForKey(keys, 'Addon/a');
  });

  it('forgets an object: its files no longer queue it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hp-filedeps-'));
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    writeFileSync(join(dir, 'c.yaml'), 'c: 1\n');
    const keys: string[] = [];
    deps = new FileDependencies((k) => keys.push(k));
    deps.set('Addon/a', [join(dir, 'a.yaml')]);
    deps.set('Addon/c', [join(dir, 'c.yaml')]);
    deps.forget('Addon/a');
    expect(deps.dependantsOf(join(dir, 'a.yaml'))).toEqual([]);
    writeFileSync(join(dir, 'a.yaml'), 'a: 2\n');
    writeFileSync(join(dir, 'c.yaml'), 'c: 2\n');
    await waitForKey(keys, 'Addon/c'); // the later write arrived, so the earlier one would have too
    expect(keys).not.toContain('Addon/a');
  });
});
