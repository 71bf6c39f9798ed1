import { execFileSync, spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteCommand, renderEnvExports, renderStdinScript, renderUploadScript, shQuote } from './script.js';
import { fingerprintOf, keyTypeOf, knownHostFileName, KnownHostsStore } from './known-hosts.js';

const NASTY = [
  '',
  "'",
  "it's",
  `'"$\`\\`,
  '$(touch /tmp/hostplane-pwned)',
  '`id`',
  'a\nb\n',
  '\\\\\\n',
  'ünïcødé ✓ 한국어',
  "'';'\"; exit 3",
  '!!',
  '${HOME}',
  ' leading and trailing ',
];

function bash(stdin: string): string {
  return execFileSync('bash', ['-s'], { input: stdin, encoding: 'utf8' });
}

/** Like the SSH channel: write the script, keep stdin open until the shell exits. */
function bashOpenStdin(stdin: string, closeAfterMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.write(stdin);
    if (closeAfterMs !== undefined) setTimeout(() => child.stdin.end(), closeAfterMs);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, stdout, stderr });
    });
  });
}

describe('shQuote', () => {
  it.each(NASTY)('round-trips %j through a real bash', (value) => {
    expect(bash(`printf '%s' ${shQuote(value)}`)).toBe(value);
  });

  it('refuses NUL bytes', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('renderEnvExports / renderStdinScript', () => {
  it('exports every value exactly', async () => {
    const env = Object.fromEntries(NASTY.map((v, i) => [`V${i}`, v]));
    const script = NASTY.map((_, i) => `printf '%s\\0' "$V${i}"`).join('\n');
    const res = await bashOpenStdin(renderStdinScript(script, env));
    expect(res.stderr).toBe('');
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(NASTY);
  });

  it('rejects names that are not shell identifiers', () => {
    expect(() => renderEnvExports({ 'A-B': 'x' })).toThrow(/invalid environment variable name/);
    expect(() => renderEnvExports({ 'A;rm': 'x' })).toThrow(/invalid/);
    expect(() => renderEnvExports({ '1A': 'x' })).toThrow(/invalid/);
  });

  it('keeps commands that read stdin from eating the rest of the script', async () => {
    const res = await bashOpenStdin(renderStdinScript('read -r line || echo "eof"\necho "after:${line:-}"\ncat\necho done'));
    expect(res).toEqual({ code: 0, stdout: 'eof\nafter:\ndone\n', stderr: '' });
  });

  it('passes the exit status through, exit in the script included, without a final newline', async () => {
    expect(await bashOpenStdin(renderStdinScript('echo hi; exit 7'))).toEqual({ code: 7, stdout: 'hi\n', stderr: '' });
    expect((await bashOpenStdin(renderStdinScript('false'))).code).toBe(1);
    expect((await bashOpenStdin(renderStdinScript('trap "echo bye" EXIT; true'))).stdout).toBe('bye\n');
    expect((await bashOpenStdin(renderStdinScript('set -e; false; echo not-reached'))).code).toBe(1);
  });

  it('kills the whole command when stdin reaches EOF (the channel closed)', async () => {
    const marker = `hp-watch-${process.pid}-${Date.now()}`;
    const t0 = Date.now();
    const res = await bashOpenStdin(renderStdinScript(`sleep 30 & bash -c 'exec -a ${marker} sleep 30' & wait`), 300);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(res.code).not.toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(1); // nothing left
  });

  it('leaves background processes alone after a normal exit', async () => {
    const marker = `hp-bg-${process.pid}-${Date.now()}`;
    const res = await bashOpenStdin(renderStdinScript(`(exec -a ${marker} sleep 5) >/dev/null 2>&1 &\necho started`));
    expect(res).toEqual({ code: 0, stdout: 'started\n', stderr: '' });
    await new Promise((r) => setTimeout(r, 300));
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(0);
    spawnSync('pkill', ['-f', marker]);
  });

  it('uses constant remote commands', () => {
    expect(remoteCommand(true)).toBe('sudo -n -- bash -s');
    expect(remoteCommand(false)).toBe('bash -s');
  });
});

describe('renderUploadScript', () => {
  it('writes the exact bytes atomically with the mode, creating parents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hp-upload-'));
    try {
      const content = Buffer.concat([Buffer.from("#!/bin/sh\necho '$x' \"`y`\"\n"), Buffer.from([0, 255, 10, 13])]);
      const target = join(dir, "a b/c'd/file");
      const first = await bashOpenStdin(renderStdinScript(renderUploadScript(target, content, 0o640)));
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(target).equals(content)).toBe(true);
      expect(statSync(target).mode & 0o7777).toBe(0o640);
      // overwrite keeps working and leaves no temp files behind
      expect((await bashOpenStdin(renderStdinScript(renderUploadScript(target, Buffer.from('x'), 0o600)))).code).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe('x');
      expect(execFileSync('ls', ['-A', join(dir, "a b/c'd")], { encoding: 'utf8' })).toBe('file\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad modes and paths', () => {
    expect(() => renderUploadScript('/x', Buffer.from(''), 0o10000)).toThrow(/mode/);
    expect(() => renderUploadScript('', Buffer.from(''), 0o644)).toThrow(/path/);
    expect(() => renderUploadScript('/dir/', Buffer.from(''), 0o644)).toThrow(/path/);
  });
});

describe('KnownHostsStore', () => {
  // An ssh-ed25519 wire blob: string "ssh-ed25519", string <32 bytes>.
  const blob = (fill: number) => {
    const type = Buffer.from('ssh-ed25519');
    const key = Buffer.alloc(32, fill);
    const b = Buffer.alloc(4 + type.length + 4 + key.length);
    b.writeUInt32BE(type.length, 0);
    type.copy(b, 4);
    b.writeUInt32BE(32, 4 + type.length);
    key.copy(b, 8 + type.length);
    return b;
  };

  it('pins, matches, refuses a changed key, re-pins on a new incarnation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hp-kh-'));
    try {
      const store = new KnownHostsStore(join(dir, 'known-hosts'));
      const t = { vmKey: 'VirtualMachine/dev-master', incarnation: 'i1', host: '127.0.0.1', port: 22 };
      expect(store.check(t, blob(1)).result).toBe('pinned');
      expect(statSync(store.fileFor(t.vmKey)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'known-hosts')).mode & 0o777).toBe(0o700);
      expect(store.check(t, blob(1)).result).toBe('match');
      const mismatch = store.check(t, blob(2));
      expect(mismatch.result).toBe('mismatch');
      expect(store.read(t.vmKey)!.fingerprint).toBe(fingerprintOf(blob(1)));
      expect(store.check({ ...t, incarnation: 'i2' }, blob(2)).result).toBe('repinned');
      expect(store.read(t.vmKey)).toMatchObject({ incarnation: 'i2', fingerprint: fingerprintOf(blob(2)), keyType: 'ssh-ed25519' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives safe, distinct file names and OpenSSH fingerprints', () => {
    expect(knownHostFileName('../../etc/passwd')).not.toContain('/');
    expect(knownHostFileName('a/b')).not.toBe(knownHostFileName('a_b'));
    expect(keyTypeOf(blob(3))).toBe('ssh-ed25519');
    expect(fingerprintOf(blob(3))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
