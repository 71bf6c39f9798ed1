// The real guest-exec adapter: ssh2 with a per-VM connection pool, host keys pinned on first
// contact, scripts on stdin (never in a command string), timeouts and error classification.

import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import {
  GuestError,
  type GuestExec,
  type GuestTarget,
  type RunOptions,
  type RunResult,
} from '../../ports/guest-exec.js';
import { KnownHostsStore, type PinDecision } from './known-hosts.js';
import { remoteCommand, renderStdinScript, renderUploadScript } from './script.js';
import { appendTail, finalTail } from './tail.js';

export interface SshGuestExecOptions {
  /** Directory for pinned host keys (created 0700; files 0600). */
  knownHostsDir: string;
  /** TCP connect + SSH handshake + authentication, per attempt. Default 10 s. */
  connectTimeoutMs?: number;
  /** SSH keepalive interval; the connection is dropped after 3 unanswered ones. Default 15 s. */
  keepaliveMs?: number;
  /** Close a pooled connection after this long without a running command. Default 60 s. */
  idleCloseMs?: number;
  /** Concurrent channels per connection (OpenSSH's MaxSessions defaults to 10). Default 8. */
  maxChannelsPerConnection?: number;
  /** Default timeout for `run`/`upload` when the caller gives none. Default 10 minutes. */
  defaultTimeoutMs?: number;
  /** Diagnostic messages (connects, pins, reconnects). Never receives secrets. */
  log?: (message: string) => void;
}

interface PoolEntry {
  vmKey: string;
  signature: string;
  client: Client;
  ready: Promise<void>;
  closed: boolean;
  active: number;
  waiters: Array<() => void>;
  idleTimer?: NodeJS.Timeout;
}

/** ssh2's messages for a refused channel open or exec request on a live connection. */
const CHANNEL_REFUSED = /Channel open failure|Unable to exec/;

const SUDO_FAILURE = /^sudo: (?:a password is required|a terminal is required|.*is not in the sudoers file|.*is not allowed to (?:run|execute)|.*may not run sudo)/m;

function targetLabel(t: GuestTarget): string {
  return `${t.user}@${t.host}:${t.port} (${t.vmKey})`;
}

/** Remove every secret of `auth` from a message, whatever produced it. */
export function redactSecrets(message: string, auth: GuestTarget['auth']): string {
  let out = message;
  for (const secret of [auth.password, auth.passphrase, auth.privateKey]) {
    if (secret && secret.length >= 1) out = out.split(secret).join('[redacted]');
  }
  if (auth.privateKey) {
    for (const line of auth.privateKey.split('\n')) {
      const l = line.trim();
      if (l.length >= 16 && !l.startsWith('-----')) out = out.split(l).join('[redacted]');
    }
  }
  return out;
}

function signatureOf(t: GuestTarget): string {
  const h = createHash('sha256');
  for (const part of [t.incarnation, t.host, String(t.port), t.user, t.auth.password ?? '', t.auth.privateKey ?? '', t.auth.passphrase ?? '']) {
    h.update(part).update('\0');
  }
  return h.digest('hex');
}

class SshGuestExec implements GuestExec {
  private readonly pool = new Map<string, PoolEntry>();
  private readonly store: KnownHostsStore;
  private readonly connectTimeoutMs: number;
  private readonly keepaliveMs: number;
  private readonly idleCloseMs: number;
  private readonly maxChannels: number;
  private readonly defaultTimeoutMs: number;
  private readonly log: (message: string) => void;
  private closedAdapter = false;
  /** TCP connections opened per vmKey since construction; exposed for diagnostics. */
  readonly connectCount = new Map<string, number>();

  constructor(opts: SshGuestExecOptions) {
    if (!opts.knownHostsDir) throw new TypeError('knownHostsDir is required');
    this.store = new KnownHostsStore(opts.knownHostsDir);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.keepaliveMs = opts.keepaliveMs ?? 15_000;
    this.idleCloseMs = opts.idleCloseMs ?? 60_000;
    this.maxChannels = Math.max(1, opts.maxChannelsPerConnection ?? 8);
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 600_000;
    this.log = opts.log ?? (() => {});
  }

  async run(target: GuestTarget, script: string, opts: RunOptions = {}): Promise<RunResult> {
    const stdin = renderStdinScript(script, opts.env);
    const result = await this.exec(target, remoteCommand(opts.sudo), stdin, opts.timeoutMs ?? this.defaultTimeoutMs, opts.onOutput);
    if (opts.sudo) this.throwIfSudoFailed(target, result);
    return result;
  }

  async upload(target: GuestTarget, path: string, content: string | Buffer, opts: { mode?: number; sudo?: boolean } = {}): Promise<void> {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const stdin = renderStdinScript(renderUploadScript(path, buf, opts.mode ?? 0o644));
    const result = await this.exec(target, remoteCommand(opts.sudo), stdin, this.defaultTimeoutMs, undefined);
    if (opts.sudo) this.throwIfSudoFailed(target, result);
    if (result.code !== 0) {
      throw new Error(`upload of ${path} to ${targetLabel(target)} failed with exit code ${result.code}: ${result.stderr.trim().slice(0, 500)}`);
    }
  }

  forget(vmKey: string): void {
    this.connectCount.delete(vmKey); // a forgotten VM's count would otherwise stay for good
    const entry = this.pool.get(vmKey);
    if (entry) this.drop(entry, 'forgotten');
  }

  async close(): Promise<void> {
    this.closedAdapter = true;
    const entries = [...this.pool.values()];
    await Promise.all(
      entries.map(
        (entry) =>
          new Promise<void>((resolve) => {
            if (entry.closed) return resolve();
            const timer = setTimeout(resolve, 2_000);
            timer.unref();
            entry.client.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            this.drop(entry, 'adapter closed');
          }),
      ),
    );
  }

  // ---------------------------------------------------------------------------------------------

  private throwIfSudoFailed(target: GuestTarget, result: RunResult): void {
    if (result.code === 1 && result.stdout === '' && SUDO_FAILURE.test(result.stderr)) {
      const line = result.stderr.split('\n').find((l) => SUDO_FAILURE.test(l))?.trim() ?? 'sudo refused';
      throw new GuestError(
        'SudoFailed',
        `sudo on ${targetLabel(target)} needs a password or is not allowed ("${line}"). hostplane runs ` +
          `"sudo -n" and never types passwords: give user ${target.user} passwordless sudo in the guest, e.g. ` +
          `a file /etc/sudoers.d/${target.user} containing "${target.user} ALL=(ALL) NOPASSWD:ALL" (mode 0440).`,
      );
    }
  }

  private async exec(
    target: GuestTarget,
    command: string,
    stdin: string,
    timeoutMs: number,
    onOutput: RunOptions['onOutput'],
  ): Promise<RunResult> {
    if (this.closedAdapter) throw new Error('guest exec adapter is closed');
    const deadline = Date.now() + timeoutMs;
    const timeoutError = () =>
      new GuestError('Timeout', `command on ${targetLabel(target)} did not finish within ${timeoutMs} ms; its channel was closed`);

    let reconnects = 0;
    let refusals = 0;
    for (;;) {
      const entry = await this.withDeadline(this.acquire(target), deadline, timeoutError, target);
      let channel: ClientChannel;
      try {
        // A run that gives up waiting leaves nothing behind: its queued slot request is withdrawn
        // (or the slot handed back), and a channel that opens after the deadline is closed.
        const slot = this.takeSlot(entry);
        await this.withDeadline(slot.granted, deadline, timeoutError, target, slot.cancel);
        let abandoned = false;
        try {
          channel = await this.withDeadline(this.openExec(entry, command), deadline, timeoutError, target, (late) => {
            abandoned = true;
            this.abandonOpen(entry, late);
          });
        } catch (err) {
          // An abandoned open keeps its slot until the late channel is closed (see abandonOpen).
          if (!abandoned) this.releaseSlot(entry);
          throw err;
        }
      } catch (err) {
        if (err instanceof GuestError && err.code === 'Timeout') throw err;
        const reason = redactSecrets(String((err as Error).message), target.auth);
        // The channel never opened (or its exec request was refused), so nothing ran: retrying is safe.
        if (!entry.closed && CHANNEL_REFUSED.test(reason) && refusals < 50) {
          // The server is still counting sessions we already closed (OpenSSH frees a session slot
          // only after reaping its child): back off and retry on the same connection.
          refusals++;
          await new Promise((r) => setTimeout(r, Math.min(20 * refusals, 250)));
          continue;
        }
        this.drop(entry, 'channel open failed');
        if (reconnects === 0) {
          reconnects++;
          this.log(`ssh ${targetLabel(target)}: channel open failed (${reason}); reconnecting once`);
          continue;
        }
        throw new GuestError('Unreachable', `could not open a session on ${targetLabel(target)}: ${reason}`);
      }
      try {
        return await this.collect(entry, channel, stdin, deadline, timeoutMs, onOutput, target);
      } finally {
        this.releaseSlot(entry);
      }
    }
  }

  /**
   * `p`, or a rejection with `onTimeout()` once `deadline` passes. When the deadline wins,
   * `onAbandon` (called exactly once, synchronously) receives `p` and owns whatever it still yields.
   */
  private withDeadline<T>(
    p: Promise<T>,
    deadline: number,
    onTimeout: () => Error,
    target: GuestTarget,
    onAbandon?: (late: Promise<T>) => void,
  ): Promise<T> {
    const abandon = () => {
      p.catch(() => {});
      onAbandon?.(p);
    };
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      abandon();
      return Promise.reject(onTimeout());
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        abandon();
        reject(onTimeout());
      }, remaining);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e instanceof GuestError ? e : new Error(redactSecrets(String((e as Error)?.message ?? e), target.auth)));
        },
      );
    });
  }

  private collect(
    entry: PoolEntry,
    channel: ClientChannel,
    stdin: string,
    deadline: number,
    timeoutMs: number,
    onOutput: RunOptions['onOutput'],
    target: GuestTarget,
  ): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      const out = new StringDecoder('utf8');
      const err = new StringDecoder('utf8');
      let stdout = '';
      let stderr = '';
      let code: number | undefined;
      let settled = false;
      const emit = (chunk: string, stream: 'stdout' | 'stderr') => {
        if (!chunk) return;
        if (stream === 'stdout') stdout = appendTail(stdout, chunk);
        else stderr = appendTail(stderr, chunk);
        if (onOutput) {
          try {
            onOutput(chunk, stream);
          } catch {
            // A failing output sink must not break the command.
          }
        }
      };
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        entry.client.removeListener('close', onConnClose);
        fn();
      };
      const timer = setTimeout(() => {
        finish(() => {
          // Closing the channel gives the guest-side watcher EOF on stdin, and it kills the script's
          // process group (see renderStdinScript). No SSH "signal" request: OpenSSH would deliver it
          // only to the outer shell and orphan the script's children.
          channel.close();
          reject(new GuestError('Timeout', `command on ${targetLabel(target)} did not finish within ${timeoutMs} ms; its channel was closed`));
        });
      }, Math.max(0, deadline - Date.now()));
      const onConnClose = () =>
        finish(() =>
          reject(
            new GuestError(
              'Unreachable',
              `connection to ${targetLabel(target)} was lost while a command was running; the command may have run partly`,
            ),
          ),
        );
      entry.client.once('close', onConnClose);

      channel.on('data', (d: Buffer) => emit(out.write(d), 'stdout'));
      channel.stderr.on('data', (d: Buffer) => emit(err.write(d), 'stderr'));
      channel.on('exit', (exitCode: number | null, signal?: string) => {
        if (typeof exitCode === 'number') code = exitCode;
        else code = 128 + (SIGNALS[signal ?? ''] ?? 0);
      });
      channel.on('close', () => {
        emit(out.end(), 'stdout');
        emit(err.end(), 'stderr');
        finish(() => {
          if (code === undefined) {
            reject(new GuestError('Unreachable', `session on ${targetLabel(target)} closed without an exit status`));
          } else {
            resolve({ code, stdout: finalTail(stdout), stderr: finalTail(stderr) });
          }
        });
      });
      channel.on('error', () => {
        /* reported through close */
      });
      // No EOF: the guest-side watcher (see renderStdinScript) treats EOF as "stop the command".
      channel.write(stdin);
    });
  }

  private openExec(entry: PoolEntry, command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (entry.closed) return reject(new Error('connection closed'));
      try {
        entry.client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /**
   * The caller gave up on an `openExec` that may still succeed. Its slot stays taken until the late
   * channel (if any) has been closed — closing it gives the guest's `bash -s` EOF, so it exits — or
   * the open fails, or the connection closes, whichever comes first.
   */
  private abandonOpen(entry: PoolEntry, late: Promise<ClientChannel>): void {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      entry.client.removeListener('close', release);
      this.releaseSlot(entry);
    };
    entry.client.once('close', release);
    late.then(
      (channel) => {
        channel.on('error', () => {});
        try {
          channel.close();
        } catch {
          // already closing
        }
        release();
      },
      release,
    );
  }

  /**
   * A slot on `entry`, now or when one frees up. `cancel` is for a caller that gave up: it withdraws
   * a still-queued request, or hands back a slot already granted; after that it does nothing.
   */
  private takeSlot(entry: PoolEntry): { granted: Promise<void>; cancel: () => void } {
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    let state: 'waiting' | 'granted' | 'cancelled' = 'granted';
    const cancel = () => {
      if (state === 'waiting') {
        state = 'cancelled';
        const i = entry.waiters.indexOf(waiter);
        if (i >= 0) entry.waiters.splice(i, 1);
        this.idleIfUnused(entry);
      } else if (state === 'granted') {
        state = 'cancelled';
        this.releaseSlot(entry);
      }
    };
    let grant: () => void = () => {};
    const waiter = () => {
      entry.active++;
      state = 'granted';
      grant();
    };
    if (entry.active < this.maxChannels) {
      entry.active++;
      return { granted: Promise.resolve(), cancel };
    }
    state = 'waiting';
    const granted = new Promise<void>((resolve) => {
      grant = resolve;
    });
    entry.waiters.push(waiter);
    return { granted, cancel };
  }

  private releaseSlot(entry: PoolEntry): void {
    entry.active--;
    const next = entry.waiters.shift();
    if (next) return next();
    this.idleIfUnused(entry);
  }

  private idleIfUnused(entry: PoolEntry): void {
    if (entry.active === 0 && entry.waiters.length === 0 && !entry.closed && !entry.idleTimer) {
      entry.idleTimer = setTimeout(() => this.drop(entry, 'idle'), this.idleCloseMs);
      entry.idleTimer.unref();
    }
  }

  private drop(entry: PoolEntry, reason: string): void {
    if (this.pool.get(entry.vmKey) === entry) this.pool.delete(entry.vmKey);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    if (!entry.closed) {
      entry.closed = true;
      this.log(`ssh ${entry.vmKey}: closing connection (${reason})`);
      entry.client.end();
      const kill = setTimeout(() => entry.client.destroy(), 1_000);
      kill.unref();
    }
  }

  private async acquire(target: GuestTarget): Promise<PoolEntry> {
    const signature = signatureOf(target);
    const existing = this.pool.get(target.vmKey);
    if (existing && !existing.closed && existing.signature === signature) {
      await existing.ready;
      if (!existing.closed) return existing;
    } else if (existing) {
      this.drop(existing, existing.closed ? 'closed' : 'target changed');
    }
    const entry = this.connect(target, signature);
    this.pool.set(target.vmKey, entry);
    try {
      await entry.ready;
    } catch (err) {
      this.drop(entry, 'connect failed');
      throw err;
    }
    return entry;
  }

  private connect(target: GuestTarget, signature: string): PoolEntry {
    const client = new Client();
    const entry: PoolEntry = { vmKey: target.vmKey, signature, client, ready: Promise.resolve(), closed: false, active: 0, waiters: [] };
    let pinFailure: GuestError | undefined;
    const started = Date.now();

    entry.ready = new Promise<void>((resolve, reject) => {
      let done = false;
      const settle = (err?: GuestError) => {
        if (done) return;
        done = true;
        clearTimeout(guard);
        if (err) {
          entry.closed = true;
          client.destroy();
          reject(err);
        } else resolve();
      };
      // ssh2's readyTimeout covers the handshake; this guard also covers a TCP connect that hangs.
      const guard = setTimeout(
        () => settle(new GuestError('Unreachable', `SSH to ${targetLabel(target)} did not become ready within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs + 1_000,
      );
      client.on('ready', () => {
        this.log(`ssh ${targetLabel(target)}: connected in ${Date.now() - started} ms`);
        settle();
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (!done) settle(pinFailure ?? this.classifyConnectError(err, target));
      });
      client.on('close', () => {
        entry.closed = true;
        if (this.pool.get(target.vmKey) === entry) this.pool.delete(target.vmKey);
        if (entry.idleTimer) clearTimeout(entry.idleTimer);
        if (!done) settle(pinFailure ?? new GuestError('Unreachable', `SSH connection to ${targetLabel(target)} closed during the handshake`));
      });

      if (!target.auth.password && !target.auth.privateKey) {
        settle(new GuestError('AuthFailed', `no password or private key configured for ${targetLabel(target)}`));
        return;
      }
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.user,
        readyTimeout: this.connectTimeoutMs,
        keepaliveInterval: this.keepaliveMs,
        keepaliveCountMax: 3,
        tryKeyboard: false,
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          let decision: PinDecision;
          try {
            decision = this.store.check(target, key);
          } catch (err) {
            pinFailure = new GuestError(
              'HostKeyMismatch',
              `cannot verify the host key of ${targetLabel(target)}: ${(err as Error).message}`,
            );
            return verify(false);
          }
          if (decision.result === 'mismatch') {
            pinFailure = new GuestError('HostKeyMismatch', mismatchMessage(target, decision));
            this.log(`ssh ${targetLabel(target)}: host key mismatch (${decision.presented.fingerprint})`);
            return verify(false);
          }
          if (decision.result === 'pinned') this.log(`ssh ${targetLabel(target)}: pinned host key ${decision.record.fingerprint}`);
          if (decision.result === 'repinned') {
            this.log(
              `ssh ${targetLabel(target)}: new incarnation ${decision.record.incarnation}; re-pinned host key ` +
                `${decision.previous.fingerprint} -> ${decision.record.fingerprint}`,
            );
          }
          verify(true);
        },
      };
      if (target.auth.password) config.password = target.auth.password;
      if (target.auth.privateKey) {
        config.privateKey = target.auth.privateKey;
        if (target.auth.passphrase) config.passphrase = target.auth.passphrase;
      }
      this.connectCount.set(target.vmKey, (this.connectCount.get(target.vmKey) ?? 0) + 1);
      try {
        client.connect(config);
      } catch (err) {
        // ssh2 throws synchronously for an unparsable key or a wrong passphrase.
        settle(
          new GuestError(
            'AuthFailed',
            `the private key for ${targetLabel(target)} could not be used: ${redactSecrets((err as Error).message, target.auth)}`,
          ),
        );
      }
    });
    entry.ready.catch(() => {});
    return entry;
  }

  private classifyConnectError(err: Error & { level?: string; code?: string }, target: GuestTarget): GuestError {
    const msg = redactSecrets(err.message ?? String(err), target.auth);
    if (err.level === 'client-authentication') {
      const methods = [target.auth.privateKey ? 'publickey' : '', target.auth.password ? 'password' : ''].filter(Boolean).join(', ');
      return new GuestError(
        'AuthFailed',
        `authentication as ${target.user} to ${target.host}:${target.port} (${target.vmKey}) was refused (tried: ${methods}); check the VM's SSH credentials`,
      );
    }
    if (err.level === 'client-timeout') {
      return new GuestError('Unreachable', `SSH handshake with ${targetLabel(target)} timed out after ${this.connectTimeoutMs} ms`);
    }
    const code = err.code ? ` (${err.code})` : '';
    return new GuestError('Unreachable', `cannot reach SSH at ${targetLabel(target)}${code}: ${msg}`);
  }
}

function mismatchMessage(target: GuestTarget, d: Extract<PinDecision, { result: 'mismatch' }>): string {
  return (
    `host key of ${targetLabel(target)} changed: pinned ${d.record.keyType} ${d.record.fingerprint} on ${d.record.pinnedAt} ` +
    `for incarnation "${d.record.incarnation}", but the server now presents ${d.presented.keyType} ${d.presented.fingerprint} ` +
    `for the same incarnation. Either the guest regenerated its SSH host keys, or something else answers at ` +
    `${target.host}:${target.port} (a different VM that took this address, or an interception). hostplane refuses to connect. ` +
    `If the VM was rebuilt on purpose, recreate it so it gets a new incarnation, or verify the new fingerprint on the guest ` +
    `("ssh-keygen -lf /etc/ssh/ssh_host_${hostKeyFileStem(d.presented.keyType)}_key.pub") and then delete ${d.file} to pin again.`
  );
}

function hostKeyFileStem(keyType: string): string {
  if (keyType.includes('ed25519')) return 'ed25519';
  if (keyType.startsWith('ecdsa')) return 'ecdsa';
  if (keyType.includes('rsa')) return 'rsa';
  return '*';
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };

export function createSshGuestExec(opts: SshGuestExecOptions): GuestExec & { readonly connectCount: ReadonlyMap<string, number> } {
  return new SshGuestExec(opts);
}
