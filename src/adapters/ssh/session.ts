// A person's SSH session (or one command) on a VM, for `hostplane ssh`: the host key must be the
// one hostplane pinned, and the login uses the VM's secret.
//  - key auth: the OpenSSH client, with the pinned key in a temporary known_hosts and the private
//    key in a temporary file (both 0600 in a private 0700 directory, removed afterwards, also on
//    signals and errors);
//  - password auth: ssh2 in this process (a PTY when stdin is a terminal), so the password is
//    never on a command line or in another process's environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientChannel, type PseudoTtyOptions } from 'ssh2';
import { fingerprintOf, keyTypeOf, type PinnedHostKey } from './known-hosts.js';

export interface SessionTarget {
  /** How the person named it, e.g. `vm/dev-master`. */
  label: string;
  host: string;
  port: number;
  user: string;
  /** The host key hostplane recorded for this VM. */
  pin: PinnedHostKey;
  /** The pin's file, named when the key does not match. */
  pinFile: string;
}

export interface SessionIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** The session could not be set up (host key, authentication, network): `hostplane ssh` exits 255, as ssh does. */
export class SessionError extends Error {
  override readonly name = 'SessionError';
}

const CONNECT_TIMEOUT_MS = 10_000;

function where(t: SessionTarget): string {
  return `${t.label} at ${t.host}:${t.port}`;
}

function mismatch(t: SessionTarget, presented: Buffer): SessionError {
  return new SessionError(
    `host key of ${where(t)} does not match the one hostplane pinned (pinned ${t.pin.keyType} ${t.pin.fingerprint}, ` +
      `presented ${keyTypeOf(presented)} ${fingerprintOf(presented)}); not connecting. If the guest was rebuilt on purpose, ` +
      `recreate the VM or delete ${t.pinFile} so hostplane pins the new key`,
  );
}

/** Connects without logging in and returns the key the server presents. */
export function presentedHostKey(host: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | undefined;
    const done = (err?: Error) => {
      client.removeAllListeners();
      client.on('error', () => {});
      client.destroy();
      if (key) resolve(key);
      else reject(err ?? new Error('no host key presented'));
    };
    client.on('error', (err) => done(err));
    client.on('close', () => done());
    client.connect({
      host,
      port,
      username: 'hostplane-host-key-check',
      readyTimeout: timeoutMs,
      // Refusing every key ends the handshake before any authentication is tried.
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        key = blob;
        verify(false);
      },
    });
  });
}

/** The pinned key as the server presents it now; throws SessionError when it is another key or the server cannot be reached. */
async function checkedHostKey(t: SessionTarget): Promise<Buffer> {
  let presented: Buffer;
  try {
    presented = await presentedHostKey(t.host, t.port);
  } catch (err) {
    throw new SessionError(`cannot reach SSH on ${where(t)}: ${(err as Error).message}`);
  }
  if (fingerprintOf(presented) !== t.pin.fingerprint) throw mismatch(t, presented);
  return presented;
}

/** A known_hosts line: bare host on port 22, `[host]:port` otherwise. */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

/**
 * A private temporary directory, removed when `fn` settles, when the process exits, and on
 * SIGINT/SIGTERM/SIGHUP (which `onSignal` hears first, e.g. to stop a child and wait for it).
 */
async function withPrivateDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'hostplane-ssh-')); // mkdtemp makes it 0700
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  try {
    return await fn(dir);
  } finally {
    remove();
    process.off('exit', remove);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** Key auth through the OpenSSH client; resolves with its exit code (the remote command's, or 255). */
export async function openSshSession(t: SessionTarget, privateKey: string, command: string | undefined, opts: { sshPath?: string } = {}): Promise<number> {
  const key = await checkedHostKey(t);
  return withPrivateDir(async (dir) => {
    const knownHosts = join(dir, 'known_hosts');
    const identity = join(dir, 'id');
    writeFileSync(knownHosts, knownHostsLine(t.host, t.port, key) + '\n', { mode: 0o600, flag: 'wx' });
    writeFileSync(identity, privateKey.endsWith('\n') ? privateKey : privateKey + '\n', { mode: 0o600, flag: 'wx' });
    const args = [
      '-F', '/dev/null', // the person's ~/.ssh/config must not swap keys, hosts or checks
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'UpdateHostKeys=no',
      '-o', `IdentityFile=${identity}`,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityAgent=none',
      '-o', 'PasswordAuthentication=no',
      '-o', 'KbdInteractiveAuthentication=no',
      '-o', 'BatchMode=yes',
      '-o', `ConnectTimeout=${CONNECT_TIMEOUT_MS / 1000}`,
      '-o', 'LogLevel=ERROR',
      '-p', String(t.port),
      '-l', t.user,
      t.host,
      ...(command !== undefined ? ['--', command] : []),
    ];
    const child = spawn(opts.sshPath ?? 'ssh', args, { stdio: 'inherit' });
    // Until ssh ends, a signal is passed on to it instead of ending this process (whose exit
    // would skip the clean-up): Ctrl-C outside a terminal session, a TERM from a supervisor.
    const forward = (sig: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const handlers = SIGNALS.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', (err) => reject(new SessionError(`cannot run the OpenSSH client (ssh): ${err.message}`)));
        child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNUM[signal ?? ''] ?? 0)));
      });
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
    }
  });
}

/** Password auth in this process. A PTY when stdin and stdout are terminals; otherwise the command's output is streamed as it comes. */
export function passwordSession(t: SessionTarget, password: string, command: string | undefined, io: SessionIo): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presentedWrong: Buffer | undefined;
    let ready = false;
    let settled = false;
    const tty = io.stdin.isTTY === true && io.stdout.isTTY === true;
    let cleanup = () => {};
    const finish = (result: { code: number } | { error: Error }) => {
      if (settled) return;
      settled = true;
      cleanup();
      client.end();
      if ('code' in result) resolve(result.code);
      else reject(result.error);
    };
    client.on('error', (err: Error & { level?: string }) => {
      if (presentedWrong) return finish({ error: mismatch(t, presentedWrong) });
      if (err.level === 'client-authentication') {
        return finish({ error: new SessionError(`authentication as ${t.user} on ${where(t)} was refused (password); check the VM's passwordSecret`) });
      }
      finish({ error: new SessionError(`${ready ? 'SSH session on' : 'cannot reach SSH on'} ${where(t)}: ${err.message.split(password).join('[redacted]')}`) });
    });
    client.on('close', () => finish(presentedWrong ? { error: mismatch(t, presentedWrong) } : { error: new SessionError(`SSH connection to ${where(t)} closed`) }));
    client.on('ready', () => {
      ready = true;
      const pty: PseudoTtyOptions | false = tty ? { term: process.env.TERM || 'xterm-256color', rows: io.stdout.rows ?? 24, cols: io.stdout.columns ?? 80 } : false;
      const onChannel = (err: Error | undefined, channel: ClientChannel) => {
        if (err) return finish({ error: new SessionError(`cannot start a session on ${where(t)}: ${err.message}`) });
        let code: number | undefined;
        const toRemote = (d: Buffer) => channel.write(d);
        const eof = () => channel.end();
        const resize = () => channel.setWindow(io.stdout.rows ?? 24, io.stdout.columns ?? 80, 0, 0);
        if (tty) io.stdin.setRawMode(true);
        io.stdin.on('data', toRemote);
        io.stdin.once('end', eof);
        if (tty) io.stdout.on('resize', resize);
        cleanup = () => {
          io.stdin.off('data', toRemote);
          io.stdin.off('end', eof);
          io.stdout.off('resize', resize);
          if (tty) io.stdin.setRawMode(false);
          // Reading stdin keeps the process alive; the session is over, so stop reading.
          io.stdin.pause();
          io.stdin.unref?.();
        };
        channel.on('data', (d: Buffer) => io.stdout.write(d));
        channel.stderr.on('data', (d: Buffer) => io.stderr.write(d));
        channel.on('exit', (c: number | null, signal?: string) => {
          code = typeof c === 'number' ? c : 128 + (SIGNUM[`SIG${signal ?? ''}`] ?? 0);
        });
        channel.on('close', () => finish({ code: code ?? 255 }));
        io.stdin.resume();
      };
      if (command !== undefined) client.exec(command, { pty }, onChannel);
      else if (pty) client.shell(pty, onChannel);
      else client.shell(false, onChannel);
    });
    client.connect({
      host: t.host,
      port: t.port,
      username: t.user,
      password,
      tryKeyboard: false,
      readyTimeout: CONNECT_TIMEOUT_MS,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        if (fingerprintOf(key) === t.pin.fingerprint) return verify(true);
        presentedWrong = key; // the password is never sent to a server whose key is not the pinned one
        verify(false);
      },
    });
  });
}
