import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateDir } from '../../controllers/state-dir.js';
import { ProviderError } from '../../ports/vm-provider.js';
import { VmCommandLog, describeCommand, vmCommandLogFile } from './command-log.js';

const dir = () => new StateDir(mkdtempSync(join(tmpdir(), 'hostplane-cmdlog-')));

describe('VM provider command log', () => {
  it.each([
    ['create', [{ name: 'a', image: 'img:1', cpu: 2, memoryMiB: 4096, diskGiB: 30, network: { mode: 'softnet', allow: ['0.0.0.0/0'] } }], 'a', 'image=img:1 cpu=2 memory=4Gi disk=30Gi network=softnet allow=0.0.0.0/0'],
    ['configure', ['a', { cpu: 4, memoryMiB: 1536 }], 'a', 'cpu=4 memory=1536Mi'],
    ['start', [{ name: 'b', network: { mode: 'shared', segment: 'lab', address: '10.0.0.2/24' }, logFile: 'x' }], 'b', 'network=shared segment=lab address=10.0.0.2/24'],
    ['stop', ['a', { timeoutSeconds: 30 }], 'a', 'timeout=30s'],
    ['delete', ['a'], 'a', ''],
  ])('describes %s in words', (cmd, args, vm, what) => {
    expect(describeCommand(cmd, args)).toEqual({ vm, what });
  });

  it.each(['list', 'ip', 'endpoint'])('leaves the poll %s out', (cmd) => {
    const d = dir();
    new VmCommandLog(d).record(cmd, ['a'], 5);
    expect(describeCommand(cmd, ['a'])).toBeUndefined();
    expect(existsSync(vmCommandLogFile(d, 'a'))).toBe(false);
  });

  it('writes one line per command with its outcome, the error code and first line of a failure, and redacts secrets', () => {
    const d = dir();
    const log = new VmCommandLog(d, (t) => t.split('s3cret').join('[REDACTED]'));
    log.record('start', [{ name: 'a', network: { mode: 'softnet' }, logFile: 'x' }], 12.4);
    log.record('start', [{ name: 'a', network: { mode: 'softnet' }, logFile: 'x' }], 40, new ProviderError('NeedsPrivileges', 'softnet needs root (password s3cret)\nsecond line'));
    const lines = readFileSync(vmCommandLogFile(d, 'a'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z start ok \(12 ms\) network=softnet$/);
    expect(lines[1]).toMatch(/^\S+Z start failed: NeedsPrivileges: softnet needs root \(password \[REDACTED\]\) \(40 ms\) network=softnet$/);
  });

  it('moves a log past 512 KiB aside to .1 and starts a new one, so it never grows without bound', () => {
    const d = dir();
    const file = vmCommandLogFile(d, 'a');
    d.ensure('logs', 'VirtualMachine');
    writeFileSync(file, 'x'.repeat(600 * 1024));
    new VmCommandLog(d).record('delete', ['a'], 1);
    expect(statSync(`${file}.1`).size).toBe(600 * 1024);
    expect(readFileSync(file, 'utf8')).toMatch(/^\S+Z delete ok \(1 ms\)\n$/);
  });
});

describe('the injected clock', () => {
  const at = new Date('2030-05-06T07:08:09.000Z');
  it('stamps command log lines with it', () => {
    const d = dir();
    new VmCommandLog(d, (t) => t, () => at).record('delete', ['a'], 5);
    expect(readFileSync(vmCommandLogFile(d, 'a'), 'utf8')).toMatch(/^2030-05-06T07:08:09\.000Z delete ok/);
  });

  it('stamps ownership records with it', async () => {
    const { VmRecords } = await import('./records.js');
    const records = new VmRecords(dir(), () => at);
    const pending = records.markCreatePending('a', { providerName: 'a', provider: 'sim', objectUid: 'u' });
    expect(pending.requestedAt).toBe(at.toISOString());
    expect(records.markCreated('a', pending, 'i1').createdAt).toBe(at.toISOString());
  });
});
