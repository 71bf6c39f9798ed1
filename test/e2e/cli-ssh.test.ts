// `hostplane ssh vm/NAME [-- COMMAND]` as a process against a real OpenSSH server on 127.0.0.1:
// the VMs' status and host-key pins are what `up` leaves in the state dir (the pins are made by the
// real ssh2 adapter on its first contact, as the VM reconciler does).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { SpecSource } from '../../src/controllers/source.js';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';
import { createSshGuestExec } from '../../src/adapters/ssh/index.js';
import { BIN, cliEnv, runCli, startCli } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { sshdUnavailableReason, startSshd, type SshdFixture } from '../fixtures/sshd.js';
import { waitFor } from '../fixtures/wait-for.js';

const skipReason = sshdUnavailableReason();
if (skipReason) console.warn(`skipping hostplane ssh tests: ${skipReason}`);

// Each CLI run is a process (≈1.5 s of CPU on a shared machine).
const SLOW = { timeout: 120_000 };

describe.skipIf(!!skipReason)('hostplane ssh vm/NAME', () => {
  let sshd: SshdFixture;
  let lab: Lab;
  let tmp: string; // the CLI's TMPDIR: what it leaves there is what it failed to remove
  const cli = (...args: string[]) => runCli(['--specs', lab.specsDir, '--state', lab.stateDir.root, 'ssh', ...args], { TMPDIR: tmp });
  const leftovers = () => readdirSync(tmp).filter((f) => f.startsWith('hostplane-ssh-'));

  beforeAll(async () => {
    sshd = await startSshd();
    tmp = mkdtempSync(join(tmpdir(), 'hp-cli-ssh-tmp-'));
    // tsx keeps its compile cache in TMPDIR: share the usual one, or every run compiles afresh.
    const cache = `tsx-${process.getuid?.() ?? 0}`;
    mkdirSync(join(tmpdir(), cache), { recursive: true });
    symlinkSync(join(tmpdir(), cache), join(tmp, cache));
    const ssh = (secret: string) => ({ user: sshd.user, port: sshd.port, ...(secret === 'key' ? { keySecret: 'test-key' } : { passwordSecret: 'test-password' }) });
    lab = makeLab({
      'vms.yaml': [vmDoc('keyvm', { ssh: ssh('key') }), vmDoc('pwvm', { ssh: ssh('password') }), vmDoc('off', { ssh: ssh('key') }), vmDoc('nopin', { ssh: ssh('key') })].join('---\n'),
    });
    const secrets = lab.stateDir.ensure('secrets');
    writeFileSync(join(secrets, 'test-key'), sshd.privateKey, { mode: 0o600 });
    writeFileSync(join(secrets, 'test-password'), sshd.password, { mode: 0o600 });
    // The status `up` writes for a running VM (port 22 in the endpoint stands for spec.ssh.port).
    const store = new ObjectStore(new StateDirPersistence(lab.stateDir));
    await new SpecSource({ specsDir: lab.specsDir, store, registry: loadSchemaRegistry() }).scanOnce();
    for (const name of ['keyvm', 'pwvm', 'nopin']) store.updateStatus('VirtualMachine', name, { phase: 'Running', ip: '127.0.0.1', sshEndpoint: '127.0.0.1:22' });
    store.updateStatus('VirtualMachine', 'off', { phase: 'Stopped', state: 'stopped' });
    // Pins as the VM reconciler makes them: the adapter's first contact.
    const guest = createSshGuestExec({ knownHostsDir: lab.stateDir.ensure('known-hosts') });
    for (const vmKey of ['VirtualMachine/keyvm', 'VirtualMachine/pwvm']) {
      await guest.run({ vmKey, incarnation: 'i1', host: sshd.host, port: sshd.port, user: sshd.user, auth: { password: sshd.password } }, 'true');
    }
    await guest.close();
  }, 60_000);

  afterAll(async () => {
    await sshd?.cleanup();
    lab?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('key auth: runs the command through OpenSSH, passes its output and exit code through, leaves no temp files', SLOW, async () => {
    const r = await cli('vm/keyvm', '--', 'echo', 'out-$(whoami);', 'echo', 'to-stderr', '>&2;', 'exit', '3');
    expect(r.stderr).toContain('to-stderr');
    expect(r.stdout.trim()).toBe(`out-${sshd.user}`);
    expect(r.code).toBe(3);
    expect(sshd.log()).toMatch(new RegExp(`Accepted publickey for ${sshd.user}`));
    expect(leftovers()).toEqual([]);
  });

  it('key auth: the key and known_hosts sit 0600 in a private 0700 directory while ssh runs, and are removed when hostplane is stopped by a signal', SLOW, async () => {
    const p = startCli(['--specs', lab.specsDir, '--state', lab.stateDir.root, 'ssh', 'vm/keyvm', '--', 'echo started; sleep 60'], { TMPDIR: tmp });
    try {
      await p.waitForOutput('started', 60_000);
      const [dir] = leftovers();
      expect(dir).toMatch(/^hostplane-ssh-/);
      expect(statSync(join(tmp, dir!)).mode & 0o777).toBe(0o700);
      const files = readdirSync(join(tmp, dir!)).sort();
      expect(files).toEqual(['id', 'known_hosts']);
      for (const f of files) expect(statSync(join(tmp, dir!, f)).mode & 0o777).toBe(0o600);
      // The known_hosts line is the pinned key, nothing else.
      const pin = JSON.parse(readFileSync(join(lab.stateDir.root, 'known-hosts', readdirSync(join(lab.stateDir.root, 'known-hosts')).find((f) => f.startsWith('VirtualMachine_keyvm'))!), 'utf8'));
      expect(readFileSync(join(tmp, dir!, 'known_hosts'), 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${pin.keyType} ${pin.publicKey}\n`);
      const code = await p.stop(); // SIGTERM: passed to ssh, then the files go
      expect(code).not.toBe(0);
      expect(leftovers()).toEqual([]);
    } finally {
      await p.kill9();
    }
  });

  it('password auth: runs in process (no PTY without a terminal), streams both outputs, passes the exit code, and the password is in no process command line or environment', SLOW, async () => {
    const p = startCli(['--specs', lab.specsDir, '--state', lab.stateDir.root, 'ssh', 'vm/pwvm', '--', 'echo pw-$(whoami); test -t 0 || echo no-tty >&2; sleep 1; exit 4'], { TMPDIR: tmp });
    await p.waitForOutput('pw-', 60_000);
    const holders: string[] = [];
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      for (const f of ['cmdline', 'environ']) {
        try {
          if (readFileSync(`/proc/${pid}/${f}`).includes(sshd.password)) holders.push(`${pid}/${f}`);
        } catch {
          /* gone or not ours to read */
        }
      }
    }
    const code = await new Promise<number | null>((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once('exit', r)));
    expect(holders).toEqual([]);
    expect(p.stdout().trim()).toBe(`pw-${sshd.user}`);
    expect(p.stderr()).toContain('no-tty');
    expect(code).toBe(4);
    expect(sshd.log()).toMatch(new RegExp(`Accepted password for ${sshd.user}`));
  });

  it('password auth with a terminal: the remote command gets a PTY, its exit code passes through', SLOW, async () => {
    // script(1) gives hostplane a terminal as stdin and stdout, as an interactive shell would.
    const line = [process.execPath, BIN, '--specs', lab.specsDir, '--state', lab.stateDir.root, 'ssh', 'vm/pwvm', '--', "'tty; exit 6'"].join(' ');
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile('script', ['-qfec', line, '/dev/null'], { env: cliEnv({ TMPDIR: tmp }), timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }),
      );
    });
    expect(r.out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code).toBe(6);
  });

  it('refuses, in one line each, a stopped VM, a VM without a pin, an unknown kind, another kind and a missing VM', SLOW, async () => {
    const table = [
      { args: ['vm/off', '--', 'true'], code: 1, err: /^error: vm\/off is not running \(phase Stopped\)/ },
      { args: ['vm/nopin'], code: 1, err: /^error: no host key pinned for vm\/nopin yet/ },
      { args: ['vmx/keyvm'], code: 2, err: /^error: the server doesn't have a resource type "vmx"; kinds: / },
      { args: ['cluster/dev'], code: 2, err: /^error: ssh works on VMs only/ },
      { args: ['vm/nope'], code: 4, err: /^error: VirtualMachine "nope" not found/ },
    ];
    const results = await Promise.all(table.map((t) => cli(...t.args)));
    for (const [i, r] of results.entries()) {
      const errLines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('status as of'));
      expect({ args: table[i]!.args, errLines, code: r.code, stdout: r.stdout }).toEqual({ args: table[i]!.args, errLines: [expect.stringMatching(table[i]!.err)], code: table[i]!.code, stdout: '' });
    }
  });

  it('refuses a changed host key in one line, for both kinds of auth, without logging in', SLOW, async () => {
    await sshd.restart({ newHostKey: true });
    const accepted = sshd.acceptedCount();
    const [key, pw] = await Promise.all([cli('vm/keyvm', '--', 'echo', 'should-not-run'), cli('vm/pwvm', '--', 'echo', 'should-not-run')]);
    for (const r of [key, pw]) {
      expect(r.code).toBe(255);
      expect(r.stdout).toBe('');
      const errLines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('status as of'));
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(/^error: host key of vm\/(keyvm|pwvm) at 127\.0\.0\.1:\d+ does not match the one hostplane pinned \(pinned ssh-ed25519 SHA256:\S+, presented ssh-ed25519 SHA256:\S+\); not connecting/);
    }
    expect(sshd.acceptedCount()).toBe(accepted);
    expect(leftovers()).toEqual([]);
  });
});

