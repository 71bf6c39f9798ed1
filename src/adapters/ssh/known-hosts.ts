// Host-key pinning on first contact, one small JSON file per VM, keyed by vmKey and incarnation.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface PinnedHostKey {
  vmKey: string;
  incarnation: string;
  /** OpenSSH-style fingerprint, `SHA256:<base64 without padding>`. */
  fingerprint: string;
  keyType: string;
  host: string;
  port: number;
  pinnedAt: string;
  /** The whole key (base64 of the wire-format blob), so `hostplane ssh` can hand OpenSSH a known_hosts line. Pins made before it was kept lack it. */
  publicKey?: string;
}

export type PinDecision =
  | { result: 'pinned'; record: PinnedHostKey }
  | { result: 'repinned'; record: PinnedHostKey; previous: PinnedHostKey }
  | { result: 'match'; record: PinnedHostKey }
  | { result: 'mismatch'; record: PinnedHostKey; presented: { fingerprint: string; keyType: string }; file: string };

/** `SHA256:…` exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string of the SSH wire-format public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len <= 0 || len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** A file name that cannot escape the directory and cannot collide for distinct vmKeys. */
export function knownHostFileName(vmKey: string): string {
  const safe = vmKey.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 80);
  const digest = createHash('sha256').update(vmKey).digest('hex').slice(0, 10);
  return `${safe}-${digest}.json`;
}

export class KnownHostsStore {
  constructor(readonly dir: string) {}

  fileFor(vmKey: string): string {
    return join(this.dir, knownHostFileName(vmKey));
  }

  read(vmKey: string): PinnedHostKey | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileFor(vmKey), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = JSON.parse(text) as PinnedHostKey;
    if (typeof parsed?.fingerprint !== 'string' || typeof parsed.incarnation !== 'string') {
      // A damaged pin must not silently become "trust anything": refuse until a person looks.
      throw new Error(`known-hosts file ${this.fileFor(vmKey)} is damaged; inspect or delete it`);
    }
    return parsed;
  }

  /** Atomic write: temp file (mode 0600) in the same directory, then rename. */
  write(record: PinnedHostKey): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileFor(record.vmKey);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  remove(vmKey: string): void {
    rmSync(this.fileFor(vmKey), { force: true });
  }

  /**
   * Trust on first use, per incarnation: no pin → pin; same incarnation → the key must match;
   * another incarnation (the VM was recreated) → pin the new key.
   */
  check(target: { vmKey: string; incarnation: string; host: string; port: number }, keyBlob: Buffer): PinDecision {
    const fingerprint = fingerprintOf(keyBlob);
    const keyType = keyTypeOf(keyBlob);
    const existing = this.read(target.vmKey);
    const record: PinnedHostKey = {
      vmKey: target.vmKey,
      incarnation: target.incarnation,
      fingerprint,
      keyType,
      host: target.host,
      port: target.port,
      pinnedAt: new Date().toISOString(),
      publicKey: keyBlob.toString('base64'),
    };
    if (!existing) {
      this.write(record);
      return { result: 'pinned', record };
    }
    if (existing.incarnation !== target.incarnation) {
      this.write(record);
      return { result: 'repinned', record, previous: existing };
    }
    if (existing.fingerprint === fingerprint) {
      // An older pin without the whole key gets it now (same fingerprint, so the same key).
      if (!existing.publicKey) this.write({ ...existing, publicKey: record.publicKey });
      return { result: 'match', record: existing };
    }
    return { result: 'mismatch', record: existing, presented: { fingerprint, keyType }, file: this.fileFor(target.vmKey) };
  }
}
