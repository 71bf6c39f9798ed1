// Contract tests: the ssh2 adapter against a real OpenSSH server on 127.0.0.1.

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestError, type GuestExec, type GuestTarget } from '../../src/ports/guest-exec.js';
import { createSshGuestExec } from '../../src/adapters/ssh/index.js';
import { KnownHostsStore } from '../../src/adapters/ssh/known-hosts.js';
import { freeLoopbackPort, sshdUnavailableReason, startSshd, type SshdFixture } from '../fixtures/sshd.js';

const skipReason = sshdUnavailableReason();
if (skipReason) console.warn(`skipping ssh contract tests: ${skipReason}`);

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

async function expectGuestError(p: Promise<unknown>, code: GuestError['code']): Promise<GuestError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GuestError);
    expect((err as GuestError).code).toBe(code);
    return err as GuestError;
  }
  throw new Error(`expected GuestError ${code}, but it resolved`);
}

/**
 * A TCP relay on 127.0.0.1 in front of sshd whose server-to-client direction can be held back
 * (buffered) and let go, to make "the server answers after the client gave up" deterministic.
 */
async function startHoldableRelay(port: number): Promise<{ port: number; hold(): void; release(): void; close(): Promise<void> }> {
  let held: Buffer[] | undefined;
  const downstreams = new Set<Socket>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = createConnection({ host: '127.0.0.1', port });
    sockets.add(down).add(up);
    downstreams.add(down);
    down.on('data', (d: Buffer) => up.write(d));
    up.on('data', (d: Buffer) => (held ? held.push(d) : down.write(d)));
    const end = () => {
      down.destroy();
      up.destroy();
      downstreams.delete(down);
    };
    down.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('relay has no port');
  return {
    port: addr.port,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const chunks = held ?? [];
      held = undefined;
      for (const down of downstreams) for (const c of chunks) down.write(c);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.skipIf(!!skipReason)('ssh2 guest exec against a real sshd', () => {
  let sshd: SshdFixture;
  let stateDir: string;
  let exec: GuestExec;
  const logs: string[] = [];
  let target: GuestTarget;

  beforeAll(async () => {
    sshd = await startSshd();
    stateDir = mkdtempSync(join(tmpdir(), 'hostplane-ssh-state-'));
    exec = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts'), connectTimeoutMs: 5_000, log: (m) => logs.push(m) });
    target = {
      vmKey: 'VirtualMachine/ssh-test',
      incarnation: 'inc-1',
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      auth: { password: sshd.password },
    };
  });

  afterAll(async () => {
    await exec?.close();
    await sshd?.cleanup();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('logs in with a password and pins the host key on first contact', async () => {
    const t0 = Date.now();
    const res = await exec.run(target, 'id -un; echo "err" >&2; exit 3');
    console.info(`first ssh run (connect+auth+exec): ${Date.now() - t0} ms`);
    expect(res).toEqual({ code: 3, stdout: `${sshd.user}\n`, stderr: 'err\n' });

    const store = new KnownHostsStore(join(stateDir, 'known-hosts'));
    const file = store.fileFor(target.vmKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const pinned = JSON.parse(readFileSync(file, 'utf8'));
    expect(pinned).toMatchObject({ vmKey: target.vmKey, incarnation: 'inc-1', fingerprint: sshd.hostKeyFingerprint(), keyType: 'ssh-ed25519' });
  });

  it('logs in with a private key', async () => {
    const keyExec = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts') });
    try {
      const res = await keyExec.run({ ...target, vmKey: 'VirtualMachine/ssh-test-key', auth: { privateKey: sshd.privateKey } }, 'id -un');
      expect(res.stdout).toBe(`${sshd.user}\n`);
    } finally {
      await keyExec.close();
    }
  });

  it('classifies a wrong password as AuthFailed without leaking it', async () => {
    const wrong = `wrong-${randomBytes(4).toString('hex')}'$`;
    const err = await expectGuestError(exec.run({ ...target, vmKey: 'VirtualMachine/ssh-test-badpw', auth: { password: wrong } }, 'true'), 'AuthFailed');
    expect(err.message).toContain(sshd.user);
    expect(err.message).not.toContain(wrong);
    expect(logs.join('\n')).not.toContain(wrong);
    expect(logs.join('\n')).not.toContain(sshd.password);
  });

  it('classifies a closed port as Unreachable', async () => {
    const port = await freeLoopbackPort();
    await expectGuestError(exec.run({ ...target, vmKey: 'VirtualMachine/ssh-test-closed', port }, 'true'), 'Unreachable');
  });

  it('delivers a script full of quotes, backslashes, $(…), unicode and newlines intact', async () => {
    const payload = [
      `single ' double " dollar $HOME backquote \`id\` backslash \\ \\\\ \\n`,
      `$(echo subst) $((1+2)) \${X:-y} !! ; && || | > < & * ? [a] {b,c} ~`,
      "sed -i 's/a'\"'\"'b/c/' file  # BUG-001's killer",
      'ünïcødé ✓ 한국어 🚀',
      '\ttab, trailing spaces   ',
      'EOF',
      '',
    ].join('\n');
    // The heredoc delimiter is quoted, so the payload is taken verbatim by the guest's bash.
    const script = `x=$(cat <<'__PAYLOAD__'\n${payload}__PAYLOAD__\n)\nprintf '%s\\n' "$x" | sha256sum | cut -d' ' -f1\n`;
    const res = await exec.run(target, script);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe(sha256(payload));

    // The same text as environment values, through the export prelude, with and without sudo.
    for (const sudo of [false, true]) {
      const r = await exec.run(target, `printf '%s' "$PAYLOAD" | sha256sum | cut -d' ' -f1; printf '%s' "$EMPTY" | wc -c`, {
        sudo,
        env: { PAYLOAD: payload, EMPTY: '' },
      });
      expect(r.stdout).toBe(`${sha256(payload)}\n0\n`);
    }

    // Commands that mix quotes the way BUG-001 broke them, run for real.
    const sedRes = await exec.run(
      target,
      `f=$(mktemp)\nprintf '%s\\n' "it's a 'test'" > "$f"\nsed -i "s/'test'/\\"ok\\"/" "$f"\nsed -i 's/it'"'"'s/it is/' "$f"\ncat "$f"\nrm -f "$f"`,
      { sudo: true },
    );
    expect(sedRes.stdout).toBe('it is a "ok"\n');
  });

  it('runs as root with sudo and reports SudoFailed when sudo wants a password', async () => {
    const res = await exec.run(target, 'id -u; echo "$SUDO_USER"', { sudo: true });
    expect(res.stdout).toBe(`0\n${sshd.user}\n`);
    const err = await expectGuestError(
      exec.run({ ...target, vmKey: 'VirtualMachine/ssh-test-nosudo', user: sshd.noSudoUser, auth: { password: sshd.noSudoPassword } }, 'id -u', {
        sudo: true,
      }),
      'SudoFailed',
    );
    expect(err.message).toContain('NOPASSWD');
    expect(err.message).not.toContain(sshd.noSudoPassword);
  });

  it('streams output through onOutput', async () => {
    const chunks: Array<[string, string]> = [];
    const res = await exec.run(target, 'for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; sleep 0.1; done; printf "ü"', {
      onOutput: (chunk, stream) => chunks.push([stream, chunk]),
    });
    expect(chunks.filter(([s]) => s === 'stdout').map(([, c]) => c).join('')).toBe(res.stdout);
    expect(chunks.filter(([s]) => s === 'stderr').map(([, c]) => c).join('')).toBe('err 1\nerr 2\nerr 3\n');
    expect(res.stdout).toBe('out 1\nout 2\nout 3\nü');
    expect(chunks.length).toBeGreaterThanOrEqual(4);
  });

  it('uploads files with a mode, creating parent directories, with and without sudo', async () => {
    const dir = join(sshd.dir, `upload-${randomBytes(3).toString('hex')}`);
    const content = Buffer.concat([Buffer.from("key: 'v' \"$x\" `y`\n"), randomBytes(3000)]);
    const path = join(dir, 'deep', "na me's", 'config.yaml');
    await exec.upload(target, path, content, { mode: 0o600, sudo: true });
    expect(readFileSync(path).equals(content)).toBe(true);
    const st = statSync(path);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.uid).toBe(0);
    // overwrite, as the user, in the user's home
    const home = `/home/${sshd.user}`;
    await exec.upload(target, `${home}/.config/hp/a.txt`, 'first', { mode: 0o644 });
    await exec.upload(target, `${home}/.config/hp/a.txt`, 'second\n', { mode: 0o640 });
    const r = await exec.run(target, 'cat ~/.config/hp/a.txt; stat -c "%a %U" ~/.config/hp/a.txt; ls -A ~/.config/hp');
    expect(r.stdout).toBe(`second\n640 ${sshd.user}\na.txt\n`);
    // the user cannot write where only root can: the upload fails loudly
    await expect(exec.upload(target, '/etc/hostplane-should-not-exist', 'x')).rejects.toThrow(/upload of \/etc\/hostplane-should-not-exist/);
  });

  it('times out, closes the channel, stops the command in the guest, keeps the connection usable', async () => {
    for (const sudo of [false, true]) {
      const marker = `hp-timeout-${sudo}-${randomBytes(3).toString('hex')}`;
      const t0 = Date.now();
      await expectGuestError(exec.run(target, `bash -c 'exec -a ${marker} sleep 20'; echo never`, { timeoutMs: 700, sudo }), 'Timeout');
      expect(Date.now() - t0).toBeLessThan(5_000);
      // sshd runs on this machine, so the guest's processes are visible here.
      let left = true;
      for (let i = 0; i < 40 && left; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = spawnSync('pgrep', ['-f', marker]).status === 0;
      }
      expect(left).toBe(false);
    }
    expect((await exec.run(target, 'echo alive')).stdout).toBe('alive\n');
  });

  it('reuses one TCP connection for many runs, parallel ones included', async () => {
    const reuse = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts') });
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-reuse' };
    try {
      const before = sshd.acceptedCount();
      const t0 = Date.now();
      await reuse.run(t, 'true');
      const connectMs = Date.now() - t0;
      const t1 = Date.now();
      for (let i = 0; i < 5; i++) expect((await reuse.run(t, `echo ${i}`)).stdout).toBe(`${i}\n`);
      const perRunMs = (Date.now() - t1) / 5;
      const parallel = await Promise.all(Array.from({ length: 12 }, (_, i) => reuse.run(t, `echo p${i}`, { sudo: i % 2 === 0 })));
      expect(parallel.map((r) => r.stdout)).toEqual(Array.from({ length: 12 }, (_, i) => `p${i}\n`));
      console.info(`ssh first run ${connectMs} ms, reused-connection run ${perRunMs.toFixed(1)} ms`);
      expect(sshd.acceptedCount() - before).toBe(1);
    } finally {
      await reuse.close();
    }
  });

  it('a run that times out waiting for a channel slot does not leak the slot', async () => {
    const one = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts'), maxChannelsPerConnection: 1, idleCloseMs: 300 });
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-slot-timeout' };
    try {
      const before = sshd.acceptedCount();
      expect((await one.run(t, 'echo warm')).stdout).toBe('warm\n');
      // The only slot is busy for ~1 s; a second run gives up waiting for it long before that.
      const holder = one.run(t, 'sleep 1; echo holder');
      await new Promise((r) => setTimeout(r, 200));
      await expectGuestError(one.run(t, 'echo waited', { timeoutMs: 300 }), 'Timeout');
      expect((await holder).stdout).toBe('holder\n');
      // The abandoned waiter must not have taken the slot when the holder released it.
      expect((await one.run(t, 'echo later', { timeoutMs: 5_000 })).stdout).toBe('later\n');
      expect(sshd.acceptedCount() - before).toBe(1);
      // And with nothing running, the connection idles out (no slot is still counted as in use).
      await new Promise((r) => setTimeout(r, 800));
      expect((await one.run(t, 'echo again', { timeoutMs: 5_000 })).stdout).toBe('again\n');
      expect(sshd.acceptedCount() - before).toBe(2);
    } finally {
      await one.close();
    }
  });

  it('closes a channel that opens after its run timed out, leaving no guest process behind', async () => {
    const relay = await startHoldableRelay(sshd.port);
    const one = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts'), maxChannelsPerConnection: 1 });
    // The no-sudo user runs nothing else in this suite, so its bash processes are this test's.
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-late-open', port: relay.port, user: sshd.noSudoUser, auth: { password: sshd.noSudoPassword } };
    const count = (re: RegExp) => (sshd.log().match(re) ?? []).length;
    const startedRe = new RegExp(`^Starting session: command for ${sshd.noSudoUser} `, 'gm');
    const closedRe = new RegExp(`^Close session: user ${sshd.noSudoUser} `, 'gm');
    const guestBash = () => spawnSync('pgrep', ['-u', sshd.noSudoUser, '-x', 'bash']).status === 0;
    try {
      expect((await one.run(t, 'echo warm')).stdout).toBe('warm\n');
      expect(await waitFor(() => count(closedRe) === count(startedRe) && !guestBash(), 5_000)).toBe(true);
      const started = count(startedRe);
      const closed = count(closedRe);

      // The server's answers are held back: the channel-open confirmation arrives only after the
      // run has timed out. The exec request that follows starts a real `bash -s` in the guest.
      relay.hold();
      await expectGuestError(one.run(t, 'echo never', { timeoutMs: 400 }), 'Timeout');
      relay.release();
      expect(await waitFor(() => count(startedRe) === started + 1, 5_000)).toBe(true);

      // The late channel is closed, so its session ends and no guest bash stays behind.
      expect(await waitFor(() => count(closedRe) === closed + 1 && !guestBash(), 5_000)).toBe(true);
      expect((await one.run(t, 'echo after', { timeoutMs: 5_000 })).stdout).toBe('after\n');
    } finally {
      await one.close();
      await relay.close();
    }
  });

  it('rides out "no more sessions" refusals without dropping the connection', async () => {
    // 10 channels = sshd's MaxSessions; sessions closed a moment ago still count on the server side.
    const busy = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts'), maxChannelsPerConnection: 10 });
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-busy' };
    try {
      const before = sshd.acceptedCount();
      for (let round = 0; round < 3; round++) {
        const res = await Promise.all(Array.from({ length: 30 }, (_, i) => busy.run(t, `echo b${i}`, { sudo: i % 3 === 0 })));
        expect(res.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `b${i}\n`));
      }
      expect(sshd.acceptedCount() - before).toBe(1);
    } finally {
      await busy.close();
    }
  });

  it('reconnects after sshd restarts (connection dropped)', async () => {
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-restart' };
    expect((await exec.run(t, 'echo one')).stdout).toBe('one\n');
    const before = sshd.acceptedCount();
    await sshd.restart();
    expect((await exec.run(t, 'echo two')).stdout).toBe('two\n');
    expect((await exec.run(t, 'echo three')).stdout).toBe('three\n');
    expect(sshd.acceptedCount() - before).toBe(1);
  });

  it('refuses a changed host key for the same incarnation, re-pins for a new one', async () => {
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-hostkey', incarnation: 'A' };
    await exec.run(t, 'true');
    const oldFp = sshd.hostKeyFingerprint();
    await sshd.restart({ newHostKey: true });
    const newFp = sshd.hostKeyFingerprint();
    expect(newFp).not.toBe(oldFp);

    const err = await expectGuestError(exec.run(t, 'echo should-not-run'), 'HostKeyMismatch');
    const file = new KnownHostsStore(join(stateDir, 'known-hosts')).fileFor(t.vmKey);
    expect(err.message).toContain(oldFp);
    expect(err.message).toContain(newFp);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/recreate it|delete/);
    // still refused on a retry, and the pin did not move
    await expectGuestError(exec.run(t, 'true'), 'HostKeyMismatch');
    expect(JSON.parse(readFileSync(file, 'utf8')).fingerprint).toBe(oldFp);

    // The VM was recreated: a new incarnation accepts and pins the new key.
    const res = await exec.run({ ...t, incarnation: 'B' }, 'echo recreated');
    expect(res.stdout).toBe('recreated\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ incarnation: 'B', fingerprint: newFp });
    expect(logs.some((l) => l.includes('re-pinned'))).toBe(true);
  });

  it('closes idle connections and reconnects on the next run', async () => {
    const idle = createSshGuestExec({ knownHostsDir: join(stateDir, 'known-hosts'), idleCloseMs: 200 });
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-idle', incarnation: 'B' };
    try {
      const before = sshd.acceptedCount();
      await idle.run(t, 'true');
      await idle.run(t, 'true');
      expect(sshd.acceptedCount() - before).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      await idle.run(t, 'true');
      expect(sshd.acceptedCount() - before).toBe(2);
    } finally {
      await idle.close();
    }
  });

  it('reports a wrong key passphrase as AuthFailed without leaking key or passphrase', async () => {
    const keyFile = join(stateDir, 'enc_key');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'right-passphrase', '-f', keyFile]);
    const privateKey = readFileSync(keyFile, 'utf8');
    const err = await expectGuestError(
      exec.run({ ...target, vmKey: 'VirtualMachine/ssh-test-passphrase', auth: { privateKey, passphrase: 'wrong-passphrase' } }, 'true'),
      'AuthFailed',
    );
    expect(err.message).not.toContain('wrong-passphrase');
    for (const line of privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(err.message).not.toContain(line);
  });

  it('forget() drops the pooled connection', async () => {
    const t = { ...target, vmKey: 'VirtualMachine/ssh-test-forget', incarnation: 'B' };
    await exec.run(t, 'true');
    const before = sshd.acceptedCount();
    exec.forget(t.vmKey);
    await exec.run(t, 'true');
    expect(sshd.acceptedCount() - before).toBe(1);
  });
});
