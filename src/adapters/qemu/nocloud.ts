// cloud-init NoCloud seed for VMs that boot a cloud disk image (no direct kernel boot): an ISO9660
// volume labelled `cidata` with meta-data, user-data and network-config, attached read-only.
// The files are JSON, which is valid YAML for cloud-init.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ProviderError } from '../../ports/vm-provider.js';
import { parseCidr, type VmRecord } from './args.js';
import { findExecutable } from './proc.js';

export interface NoCloudFiles {
  'meta-data': string;
  'user-data': string;
  'network-config': string;
}

export function nocloudFiles(rec: VmRecord): NoCloudFiles {
  const keys = rec.guest.authorizedKeys.map((k) => k.trim()).filter(Boolean);
  const user = rec.guest.user && rec.guest.user !== 'root' ? rec.guest.user : 'hostplane';
  const userData = {
    hostname: rec.guest.hostname,
    manage_etc_hosts: true,
    ssh_pwauth: false,
    disable_root: false,
    ssh_authorized_keys: keys,
    users: [
      {
        name: user,
        shell: '/bin/bash',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ssh_authorized_keys: keys,
      },
    ],
  };
  const ethernets: Record<string, unknown> = {
    mgmt: { match: { macaddress: rec.mgmtMac }, dhcp4: true },
  };
  const seg = rec.segment && rec.address ? parseCidr(rec.address) : undefined;
  if (seg) ethernets.segment = { match: { macaddress: rec.segmentMac }, addresses: [`${seg.ip}/${seg.prefix}`], dhcp4: false };
  return {
    // A new instance-id per incarnation makes cloud-init run again on a recreated VM.
    'meta-data': JSON.stringify({ 'instance-id': `hostplane-${rec.incarnation}`, 'local-hostname': rec.guest.hostname }, null, 2) + '\n',
    'user-data': '#cloud-config\n' + JSON.stringify(userData, null, 2) + '\n',
    'network-config': JSON.stringify({ version: 2, ethernets }, null, 2) + '\n',
  };
}

/** Writes the seed ISO with genisoimage, mkisofs, xorriso or cloud-localds (whichever exists). */
export async function buildSeedIso(out: string, files: NoCloudFiles): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hostplane-seed-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    const names = Object.keys(files);
    let cmd: [string, string[]] | undefined;
    for (const tool of ['genisoimage', 'mkisofs', 'xorriso', 'cloud-localds']) {
      const bin = await findExecutable(tool);
      if (!bin) continue;
      if (tool === 'cloud-localds') {
        cmd = [bin, [`--network-config=${path.join(dir, 'network-config')}`, out, path.join(dir, 'user-data'), path.join(dir, 'meta-data')]];
      } else {
        const pre = tool === 'xorriso' ? ['-as', 'mkisofs'] : [];
        cmd = [bin, [...pre, '-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', ...names]];
      }
      break;
    }
    if (!cmd) {
      throw new ProviderError(
        'ProviderUnavailable',
        'booting a cloud disk image needs a NoCloud seed ISO tool: apt-get install -y --no-install-recommends genisoimage',
      );
    }
    const r = await execa(cmd[0], cmd[1], { cwd: dir, reject: false, timeout: 30_000 });
    if (r.exitCode !== 0) {
      throw new ProviderError('CommandFailed', `building the NoCloud seed failed: ${r.stderr.trim()}`, { command: [cmd[0], ...cmd[1]], exitCode: r.exitCode, stderr: r.stderr });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
