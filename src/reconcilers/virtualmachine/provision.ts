// Guest provisioning rendered into idempotent scripts. Each step has a content hash; a step runs
// again only when its content changes or the VM was recreated (the hash includes the incarnation).
import { canonicalHash } from '../../controllers/canonical.js';
import { shq } from '../../ports/shell.js';
import type { VmSpec } from './spec.js';

/** A file sent through the guest port's upload before a script runs (never inside the script text). */
export interface StagedFile {
  path: string;
  content: string;
  mode: number;
}

export type ProvisionAction =
  | { kind: 'script'; script: string; files?: StagedFile[] }
  | { kind: 'upload'; path: string; content: string; mode: number; owner?: string }
  | { kind: 'command'; run: string; unless?: string };

export interface ProvisionStep {
  /** Stable name shown in status, e.g. `hostname`, `user/alice`, `file//etc/motd`, `command/init`. */
  name: string;
  action: ProvisionAction;
  hash: string;
}

export interface ProvisionRecord {
  step: string;
  hash: string;
  outcome: 'Succeeded' | 'Failed' | 'Skipped';
  message: string;
  time: string;
}

export function renderProvisionSteps(spec: VmSpec, incarnation: string): ProvisionStep[] {
  const p = spec.provision ?? {};
  const steps: Omit<ProvisionStep, 'hash'>[] = [];
  if (p.hostname) steps.push({ name: 'hostname', action: { kind: 'script', script: hostnameScript(p.hostname) } });
  for (const u of p.users ?? []) steps.push({ name: `user/${u.name}`, action: userAction(u) });
  if (p.packages?.length) steps.push({ name: 'packages', action: { kind: 'script', script: packagesScript(p.packages) } });
  for (const f of p.files ?? []) {
    steps.push({ name: `file/${f.path}`, action: { kind: 'upload', path: f.path, content: f.content, mode: Number.parseInt(f.mode ?? '0644', 8), owner: f.owner } });
  }
  for (const c of p.commands ?? []) steps.push({ name: `command/${c.name}`, action: { kind: 'command', run: c.run, unless: c.unless } });
  return steps.map((s) => ({ ...s, hash: canonicalHash([s.action, incarnation]) }));
}

/** Steps still to run: those without a Succeeded record of the same hash. */
export function pendingSteps(steps: ProvisionStep[], records: readonly ProvisionRecord[] | undefined): ProvisionStep[] {
  const done = new Set((records ?? []).filter((r) => r.outcome !== 'Failed').map((r) => `${r.step}@${r.hash}`));
  return steps.filter((s) => !done.has(`${s.name}@${s.hash}`));
}

function hostnameScript(name: string): string {
  // The name reaches the shell only as one quoted assignment; everything after uses "$h".
  return [
    'set -eu',
    `h=${shq(name)}`,
    'hostnamectl set-hostname "$h" 2>/dev/null || hostname "$h"',
    `printf '%s\\n' "$h" > /etc/hostname`,
    `if ! awk -v h="$h" '{for (i = 2; i <= NF; i++) if ($i == h) f = 1} END {exit !f}' /etc/hosts; then printf '127.0.1.1 %s\\n' "$h" >> /etc/hosts; fi`,
  ].join('\n');
}

/** A spec whose provisioning cannot be rendered safely; a person must change it. */
export class InvalidProvisionError extends Error {
  override readonly name = 'InvalidProvisionError';
}

type ProvisionUser = { name: string; groups?: string[]; sudo?: boolean; shell?: string; authorizedKeys?: string[] };

function userAction(u: ProvisionUser): ProvisionAction {
  const keys = u.authorizedKeys ?? [];
  // A key is one line: anything else would add lines to authorized_keys that nobody reviewed.
  const bad = keys.find((k) => /[\r\n]/.test(k));
  if (bad !== undefined) throw new InvalidProvisionError(`spec.provision.users[${JSON.stringify(u.name)}].authorizedKeys: a key must be one line; this one has ${bad.split(/\r?\n|\r/).length} lines (${JSON.stringify(bad.slice(0, 40))}…)`);
  if (!keys.length) return { kind: 'script', script: userScript(u) };
  // The keys travel as a file through the guest port's upload, never as script text.
  const staged = `/var/tmp/hostplane-authorized-keys-${canonicalHash(u.name).slice(0, 16)}`;
  return { kind: 'script', script: userScript(u, staged), files: [{ path: staged, content: `${keys.join('\n')}\n`, mode: 0o600 }] };
}

function userScript(u: ProvisionUser, stagedKeys?: string): string {
  const n = shq(u.name);
  const lines = ['set -eu', `if ! id -u ${n} >/dev/null 2>&1; then useradd -m -s ${shq(u.shell ?? '/bin/bash')} ${n}; fi`];
  for (const g of u.groups ?? []) lines.push(`getent group ${shq(g)} >/dev/null || groupadd ${shq(g)}`, `usermod -aG ${shq(g)} ${n}`);
  if (u.sudo) {
    lines.push(`printf '%s ALL=(ALL) NOPASSWD:ALL\\n' ${n} > /etc/sudoers.d/90-hostplane-${u.name}`, `chmod 0440 /etc/sudoers.d/90-hostplane-${u.name}`);
  }
  if (stagedKeys) {
    lines.push(
      `home=$(getent passwd ${n} | cut -d: -f6)`,
      'install -d -m 0700 -o ' + n + ' "$home/.ssh"',
      `install -m 0600 -o ${n} ${shq(stagedKeys)} "$home/.ssh/authorized_keys"`,
      `rm -f ${shq(stagedKeys)}`,
    );
  }
  return lines.join('\n');
}

function packagesScript(pkgs: string[]): string {
  const list = pkgs.map(shq).join(' ');
  return [
    'set -eu',
    'if command -v apt-get >/dev/null 2>&1; then',
    `  missing=$(for p in ${list}; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done)`,
    '  if [ -n "$missing" ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; fi',
    'elif command -v dnf >/dev/null 2>&1; then',
    `  dnf install -y ${list}`,
    'elif command -v apk >/dev/null 2>&1; then',
    `  apk add ${list}`,
    'else',
    '  echo "no supported package manager (apt-get, dnf, apk) in the guest" >&2; exit 3',
    'fi',
  ].join('\n');
}
