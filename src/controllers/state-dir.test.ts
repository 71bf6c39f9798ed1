import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDir, StateLockedError } from './state-dir.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'state-'));
}

describe('StateDir lock', () => {
  it('refuses a second owner while the first lives, naming its pid', () => {
    const root = tmp();
    try {
      writeFileSync(join(root, 'lock'), '1\n'); // pid 1 is always alive
      const err = (() => {
        try {
          new StateDir(root).acquireLock();
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(StateLockedError);
      expect((err as StateLockedError).pid).toBe(1);
      expect((err as Error).message).toMatch(/in use by hostplane process 1/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('takes over a stale lock left by a dead process', () => {
    const root = tmp();
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      writeFileSync(join(root, 'lock'), `${dead}\n`);
      const dir = new StateDir(root);
      dir.acquireLock();
      expect(readFileSync(join(root, 'lock'), 'utf8').trim()).toBe(String(process.pid));
      dir.releaseLock();
      expect(dir.lockOwner()).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('lets exactly one of several processes take over the same stale lock', async () => {
    const root = tmp();
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      writeFileSync(join(root, 'lock'), `${dead}\n`);
      const mod = new URL('./state-dir.ts', import.meta.url).pathname;
      const script = `import { StateDir } from ${JSON.stringify(mod)};
        try { new StateDir(${JSON.stringify(root)}).acquireLock(); process.stdout.write('won'); setTimeout(() => {}, 1500); }
        catch (e) { process.stdout.write(e.name); }`;
      const { spawn } = await import('node:child_process');
      const runs = Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
        const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', () => resolve(out));
      }));
      const results = await Promise.all(runs);
      expect(results.filter((r) => r === 'won')).toHaveLength(1);
      expect(results.filter((r) => r === 'StateLockedError')).toHaveLength(5);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a second owner inside the same process', () => {
    const root = tmp();
    const a = new StateDir(root);
    try {
      a.acquireLock();
      expect(() => new StateDir(root).acquireLock()).toThrow(StateLockedError);
    } finally {
      a.releaseLock();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('StateDir files', () => {
  it('refuses paths that escape the state dir', () => {
    const dir = new StateDir(tmp());
    expect(() => dir.path('..', 'etc', 'passwd')).toThrow(/escapes/);
    expect(() => dir.writeJson('../x.json', {})).toThrow(/escapes/);
    rmSync(dir.root, { recursive: true, force: true });
  });

  it('writes JSON atomically with the mode asked for and leaves no temp files', () => {
    const dir = new StateDir(tmp());
    dir.writeJson('a/b.json', { x: 1 }, { mode: 0o600 });
    dir.writeJson('a/b.json', { x: 2 }, { mode: 0o600, durable: true });
    expect(dir.readJson('a/b.json')).toEqual({ x: 2 });
    expect(dir.list('a')).toEqual(['b.json']);
    rmSync(dir.root, { recursive: true, force: true });
  });
});

describe('StateDir writes on a full disk (issue 14 item 3)', () => {
  it('a failed write (ENOSPC) throws, keeps the old file and leaves no temp file behind', async () => {
    const root = tmp();
    try {
      let full = false;
      const dir = new StateDir(root, {
        rawWrite: (fd, data, write) => {
          if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          write(fd, data);
        },
      });
      dir.writeJson('objects/x.json', { v: 1 });
      full = true;
      expect(() => dir.writeJson('objects/x.json', { v: 2 })).toThrow(/ENOSPC/);
      expect(dir.readJson('objects/x.json')).toEqual({ v: 1 });
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(join(root, 'objects'))).toEqual(['x.json']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
