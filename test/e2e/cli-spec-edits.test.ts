// Spec edits land where a person keeps them: a new object goes into the folder that already holds
// its kind (or --to FILE), never a new `virtualmachines/` beside an existing `vms/`.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';

const SPECS = join(import.meta.dirname, '..', '..', 'specs');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hp-cli-edits-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const vm = (name: string) => `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: ${name}\nspec:\n  image: ghcr.io/cirruslabs/ubuntu:latest\n  cpu: 2\n  memory: 2Gi\n`;

describe('hostplane apply -f of a new object', () => {
  it('writes it into the folder that holds its kind, or into --to FILE', { timeout: 120_000 }, async () => {
    const specs = join(tmp, 'specs');
    cpSync(SPECS, specs, { recursive: true });
    writeFileSync(join(tmp, 'a.yaml'), vm('extra-a'));
    writeFileSync(join(tmp, 'b.yaml'), vm('extra-b'));
    const c = (...a: string[]) => runCli(['--specs', specs, '--state', join(tmp, 'state'), ...a]);
    const [a, b] = await Promise.all([c('apply', '-f', join(tmp, 'a.yaml')), c('apply', '-f', join(tmp, 'b.yaml'), '--to', 'vms/lab.yaml')]);
    expect(a).toEqual({ code: 0, stdout: 'virtualmachine/extra-a created (vms/extra-a.yaml)\n', stderr: '' });
    expect(b).toEqual({ code: 0, stdout: 'virtualmachine/extra-b created (vms/lab.yaml)\n', stderr: '' });
    expect(existsSync(join(specs, 'virtualmachines'))).toBe(false);
    expect(readFileSync(join(specs, 'vms', 'extra-a.yaml'), 'utf8')).toBe(vm('extra-a'));
    expect(readFileSync(join(specs, 'vms', 'lab.yaml'), 'utf8')).toMatch(/name: extra-b/);
  });
});

describe('hostplane stop then start', () => {
  it('puts the file back byte for byte, whether powerState was absent (the default) or written out', { timeout: 120_000 }, async () => {
    const specs = join(tmp, 'specs-power');
    cpSync(SPECS, specs, { recursive: true });
    const explicit = join(specs, 'vms', 'staging.yaml');
    writeFileSync(explicit, readFileSync(explicit, 'utf8').replace(/^spec:\n/m, 'spec:\n  powerState: Running # kept as written\n'));
    const before = { dev: readFileSync(join(specs, 'vms', 'dev.yaml'), 'utf8'), staging: readFileSync(explicit, 'utf8') };
    const c = (...a: string[]) => runCli(['--specs', specs, '--state', join(tmp, 'state-power'), ...a]);
    const [stopDev, stopStaging] = await Promise.all([c('stop', 'vm/dev-worker1'), c('stop', 'vm/staging-master')]);
    expect(stopDev).toEqual({ code: 0, stdout: 'virtualmachine/dev-worker1 powerState set to Stopped in vms/dev.yaml\n', stderr: '' });
    expect(stopStaging.code).toBe(0);
    expect(readFileSync(join(specs, 'vms', 'dev.yaml'), 'utf8')).toMatch(/powerState: Stopped/);
    expect(readFileSync(explicit, 'utf8')).toMatch(/powerState: Stopped # kept as written/);
    const [startDev, startStaging] = await Promise.all([c('start', 'vm/dev-worker1'), c('start', 'vm/staging-master')]);
    expect(startDev).toEqual({ code: 0, stdout: 'virtualmachine/dev-worker1 powerState set to Running in vms/dev.yaml\n', stderr: '' });
    expect(startStaging.code).toBe(0);
    expect(readFileSync(join(specs, 'vms', 'dev.yaml'), 'utf8')).toBe(before.dev);
    expect(readFileSync(explicit, 'utf8')).toBe(before.staging);
  });
});

describe('hostplane delete of the last object in a folder', () => {
  it('removes the folder only when hostplane created it', { timeout: 120_000 }, async () => {
    const specs = join(tmp, 'specs-folders');
    cpSync(SPECS, specs, { recursive: true });
    writeFileSync(join(tmp, 'lab-vm.yaml'), vm('lab-one'));
    const c = (...a: string[]) => runCli(['--specs', specs, '--state', join(tmp, 'state-folders'), ...a]);
    const applied = await c('apply', '-f', join(tmp, 'lab-vm.yaml'), '--to', 'lab/one.yaml');
    expect(applied).toEqual({ code: 0, stdout: 'virtualmachine/lab-one created (lab/one.yaml)\n', stderr: '' });
    const [made, own] = await Promise.all([c('delete', 'vm/lab-one'), c('delete', 'loadtests', '-l', '!nothing-has-this')]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/and so was lab\/, which hostplane had created\)/);
    expect(existsSync(join(specs, 'lab'))).toBe(false);
    // A folder the user made stays, even when a delete leaves it empty.
    expect(own.code).toBe(0);
    expect(readdirSync(join(specs, 'loadtests'))).toEqual([]);
    expect(own.stdout).not.toMatch(/and so was/);
  });
});

describe('hostplane apply -f DIR as a process', () => {
  it('applies every spec file of the directory (-R: and below), a line per object, exit 1 naming a bad file', { timeout: 120_000 }, async () => {
    const { mkdirSync } = await import('node:fs');
    const specs = join(tmp, 'specs-dir');
    mkdirSync(specs);
    const input = join(tmp, 'newdir');
    mkdirSync(join(input, 'more'), { recursive: true });
    writeFileSync(join(input, 'b.yaml'), vm('dir-b'));
    writeFileSync(join(input, 'a.yml'), vm('dir-a'));
    writeFileSync(join(input, 'more', 'c.json'), JSON.stringify({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'dir-c' }, spec: { image: 'x:1', cpu: 1, memory: '1Gi' } }));
    const c = (...a: string[]) => runCli(['--specs', specs, '--state', join(tmp, 'state-dir'), ...a]);
    const flat = await c('apply', '-f', `${input}/`);
    expect(flat).toEqual({ code: 0, stdout: 'virtualmachine/dir-a created (virtualmachines/dir-a.yaml)\nvirtualmachine/dir-b created (virtualmachines/dir-b.yaml)\n', stderr: '' });
    writeFileSync(join(input, 'more', 'bad.yaml'), 'kind: [\n');
    const deep = await c('apply', '-f', input, '-R');
    expect(deep.code).toBe(1);
    expect(deep.stdout).toBe('virtualmachine/dir-a unchanged (virtualmachines/dir-a.yaml)\nvirtualmachine/dir-b unchanged (virtualmachines/dir-b.yaml)\nvirtualmachine/dir-c created (virtualmachines/dir-c.yaml)\n');
    expect(deep.stderr).toMatch(/^error: .*more\/bad\.yaml.*\n(.*\n)*nothing was written from .*more\/bad\.yaml\n$/);
  });
});
