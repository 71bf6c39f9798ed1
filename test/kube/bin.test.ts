// hostplane-sim-apiserver as its own process (how a guest-sandbox shim runs it): it serves on the
// address given, writes a kubeconfig the real kubectl uses, serves metrics once the APIService
// exists, and on SIGTERM exits 0 with its state written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testBinaries } from '../../src/adapters/tools/test-binaries.js';

describe('hostplane-sim-apiserver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostplane-simapi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves kubectl from its own process and stops cleanly on SIGTERM', async () => {
    const { kubectl131 } = await testBinaries();
    const kc = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, ['bin/hostplane-sim-apiserver.mjs', '--listen', '127.0.0.14:0', '--state', join(dir, 'state'), '--kubeconfig-out', kc, '--node', 'w1=10.200.1.11,cpu=4,memory=8192', '--time-scale', '10'], { env: { ...process.env, HOSTPLANE_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const to = setTimeout(() => reject(new Error(`no "serving" line within 20 s; stderr: ${err}`)), 20_000);
        child.stdout.on('data', () => {
          if (out.includes('serving https://127.0.0.14:')) {
            clearTimeout(to);
            resolve();
          }
        });
        child.on('close', () => reject(new Error(`exited early: ${err}`)));
      });
      expect(out).toMatch(new RegExp(`^serving https://127\\.0\\.0\\.14:\\d+ \\(kubeconfig: ${kc.replace(/[.]/g, '\\.')}\\)`));
      const run = (...args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const k = spawn(kubectl131, args, { env: { PATH: process.env.PATH, HOME: join(dir, 'home'), KUBECONFIG: kc }, stdio: ['ignore', 'pipe', 'pipe'] });
          let so = '';
          let se = '';
          k.stdout.on('data', (c) => (so += c));
          k.stderr.on('data', (c) => (se += c));
          k.on('close', (code) => resolve({ code, stdout: so, stderr: se }));
        });
      const nodes = await run('get', 'nodes', '-o', 'name');
      expect(nodes.stdout.trim()).toBe('node/w1');
      const before = await run('top', 'nodes');
      expect(before.stderr).toContain('Metrics API not available');
      const created = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const k = spawn(kubectl131, ['apply', '-f', '-'], { env: { PATH: process.env.PATH, HOME: join(dir, 'home'), KUBECONFIG: kc } });
        let so = '';
        k.stdout.on('data', (c) => (so += c));
        k.on('close', (code) => resolve({ code, stdout: so }));
        k.stdin.end('apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1beta1.metrics.k8s.io}\nspec: {group: metrics.k8s.io, version: v1beta1, groupPriorityMinimum: 100, versionPriority: 100}\n');
      });
      expect(created.stdout).toContain('apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created');
      const top = await run('top', 'nodes');
      expect(top.stdout).toMatch(/^NAME\s+CPU\(cores\)\s+CPU%\s+MEMORY\(bytes\)\s+MEMORY%/);
      expect(top.stdout).toMatch(/^w1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'state', 'objects.json'))).toBe(true);
    expect(readFileSync(join(dir, 'state', 'objects.json'), 'utf8')).toContain('v1beta1.metrics.k8s.io');
  });
});
