// `hostplane up` says what is happening after its banner: per kind Ready counts when they change
// (stdout is not a TTY here), every Warning event, and one line when everything is Ready with how
// long it took; --quiet leaves only the banner. The banner's box lines up.
import { afterEach, describe, expect, it } from 'vitest';
import { startUp, type UpProcess } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';

let lab: Lab | undefined;
let proc: UpProcess | undefined;
afterEach(async () => {
  await proc?.stop();
  lab?.cleanup();
  proc = undefined;
  lab = undefined;
});

describe('hostplane up progress', () => {
  it('prints Ready counts as they change, warnings, and the time everything took to be Ready', { timeout: 120_000 }, async () => {
    // The host hands out 5 GiB (7 minus its reserve): vm-b (4Gi) does not fit beside vm-a and vm-c (2Gi each); its Warning is printed as it happens.
    lab = makeLab({ 'vms/a.yaml': vmDoc('vm-a') + '---\n' + vmDoc('vm-c'), 'vms/b.yaml': vmDoc('vm-b', { memory: '4Gi' }) });
    proc = startUp(['--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim', '--listen', 'off', '--sim-scale', '0.1', '--host-memory', '7']);
    await proc.waitForOutput(/^VMs 2\/3 Ready$/m, 90_000);
    await proc.waitForOutput(/^Warning VirtualMachine\/vm-b \S+: VM "vm-b" waits for host capacity/m, 30_000);
    const out = proc.stdout();
    const lines = out.split('\n');
    // The banner: every line of the box as wide as the others.
    const boxLines = lines.filter((l) => /^[┌│└]/.test(l));
    expect(boxLines).toHaveLength(4);
    expect(new Set(boxLines.map((l) => [...l].length)).size).toBe(1);
    const counts = lines.filter((l) => /^VMs \d\/3 Ready$/.test(l));
    expect(counts[0]).toBe('VMs 0/3 Ready');
    // One line per change, never the same count twice in a row.
    expect(counts.every((l, i) => i === 0 || l !== counts[i - 1])).toBe(true);
    expect(out).not.toMatch(/everything is Ready/);
    // A warning repeated with the same words is printed once.
    expect(out.match(/^Warning VirtualMachine\/vm-b /gm)).toHaveLength(1);
    // A smaller spec lets the last VM become Ready: one closing line with the time it took.
    lab.write('vms/b.yaml', vmDoc('vm-b', { memory: '1Gi' }));
    await proc.waitForOutput(/^everything is Ready \(\d+\.\ds\)$/m, 60_000);
    expect(proc.stdout()).toMatch(/^VMs 3\/3 Ready$/m);
  });

  it('--quiet prints the banner and nothing about progress', { timeout: 120_000 }, async () => {
    lab = makeLab({ 'vms/a.yaml': vmDoc('vm-a') });
    proc = startUp(['--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim', '--listen', 'off', '--sim-scale', '0.1', '--quiet']);
    await proc.waitForOutput('reconciling; Ctrl-C stops hostplane', 60_000);
    const { waitFor } = await import('../fixtures/wait-for.js');
    const { readFileSync } = await import('node:fs');
    // Ready as the state dir records it, then the output is checked: no progress line was printed.
    await waitFor(() => /"type":\s*"Ready",\s*"status":\s*"True"/.test((() => { try { return readFileSync(lab!.stateDir.path('objects/VirtualMachine/vm-a.json'), 'utf8').replace(/\s+/g, ' '); } catch { return ''; } })()), 60_000, 'vm-a Ready');
    expect(proc.stdout()).not.toMatch(/^VMs |everything is Ready/m);
    expect(await proc.stop()).toBe(0);
  });
});
