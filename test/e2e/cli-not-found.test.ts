// Verbs about one object, as a process: an unknown name exits 4 (NotFound) like `get`, a known
// object that has nothing to show yet exits 1 naming it, and output carries no stray blank line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigPathOf } from '../../src/reconcilers/cluster/records.js';
import { runCli } from '../fixtures/cli.js';

const SPECS = join(import.meta.dirname, '..', '..', 'specs');
// Each CLI run is a process (≈1.5 s of CPU); the machine is shared, so allow for queueing.
const SLOW = { timeout: 120_000 };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hp-cli-nf-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hostplane kubeconfig', () => {
  it('exits 4 for an unknown cluster, 1 for a known one without a kubeconfig yet, and prints the path on one line', SLOW, async () => {
    const state = join(tmp, 'st-kc');
    const file = kubeconfigPathOf(state, 'prod');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'apiVersion: v1\nkind: Config\n');
    const kc = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'kubeconfig', ...a]);
    const [unknown, notYet, path, raw] = await Promise.all([kc('nope'), kc('dev'), kc('prod'), kc('prod', '--raw')]);
    expect(unknown.code).toBe(4);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^error: Cluster "nope" not found in the specs or the state directory\n$/);
    expect(notYet.code).toBe(1);
    expect(notYet.stdout).toBe('');
    expect(notYet.stderr).toMatch(/^error: Cluster dev has no kubeconfig yet .*hostplane get cluster dev`\n$/);
    expect(path).toEqual({ code: 0, stdout: `${file}\n`, stderr: '' });
    expect(raw).toEqual({ code: 0, stdout: 'apiVersion: v1\nkind: Config\n', stderr: '' });
  });
});

describe('hostplane events', () => {
  it('exits 4 for an object that does not exist, as get does; a known object without events exits 0', SLOW, async () => {
    const state = join(tmp, 'st-ev');
    const ev = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'events', ...a]);
    const get = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'get', ...a]);
    const [unknown, unknownSplit, getUnknown, known] = await Promise.all([ev('cluster/nope'), ev('cluster', 'nope'), get('cluster/nope'), ev('cluster/dev')]);
    expect(getUnknown.code).toBe(4);
    for (const r of [unknown, unknownSplit]) {
      expect(r.code).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(getUnknown.stderr);
    }
    expect(known.code).toBe(0);
  });
});
