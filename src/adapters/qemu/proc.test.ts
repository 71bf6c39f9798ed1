import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './proc.js';

describe('isAlive (pid-reuse guard)', () => {
  it('accepts only a qemu-like process with an argument inside exactly this VM directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qemu-proc-'));
    // A process named like qemu whose argv points into a *neighbouring* VM's directory.
    const fakeQemu = join(root, 'qemu-system-x86_64');
    symlinkSync(process.execPath, fakeQemu);
    const child = spawn(fakeQemu, ['-e', 'setTimeout(() => {}, 20000)', join(root, 'qemu', 'dev-master', 'qemu.pid')], { stdio: 'ignore' });
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', join(root, 'qemu', 'dev', 'console.log')], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(isAlive(child.pid!, join(root, 'qemu', 'dev-master'))).toBe(true);
      expect(isAlive(child.pid!, join(root, 'qemu', 'dev'))).toBe(false); // dev is a prefix of dev-master, not its directory
      expect(isAlive(other.pid!, join(root, 'qemu', 'dev'))).toBe(false); // the right directory, but not a qemu (e.g. tail -f console.log)
      expect(isAlive(999_999_999, join(root, 'qemu', 'dev'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      other.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  });
});
