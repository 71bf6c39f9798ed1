import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VmRecord } from './args.js';
import { buildSeedIso, nocloudFiles } from './nocloud.js';
import { findExecutable } from './proc.js';

const rec: VmRecord = {
  kind: 'hostplane-qemu-vm',
  version: 1,
  name: 'web',
  incarnation: 'inc-7',
  createdAt: '2025-01-01T00:00:00Z',
  image: '/img/debian.qcow2',
  imageKind: 'disk',
  disk: '/s/qemu/web/disk.qcow2',
  cpu: 1,
  memoryMiB: 512,
  diskGiB: 10,
  guest: { hostname: 'web', user: 'ops', authorizedKeys: ['ssh-ed25519 AAAA k1'] },
  sshPort: 22001,
  mgmtMac: '52:54:00:00:00:01',
  segmentMac: '02:68:70:00:00:01',
  segment: 'lab',
  address: '10.77.0.21/24',
};

describe('NoCloud seed', () => {
  it('carries hostname, a passwordless-sudo user with the keys, and both NICs by MAC', () => {
    const f = nocloudFiles(rec);
    expect(JSON.parse(f['meta-data'])).toEqual({ 'instance-id': 'hostplane-inc-7', 'local-hostname': 'web' });
    expect(f['user-data'].startsWith('#cloud-config\n')).toBe(true);
    const ud = JSON.parse(f['user-data'].slice('#cloud-config\n'.length));
    expect(ud.hostname).toBe('web');
    expect(ud.ssh_pwauth).toBe(false);
    expect(ud.users[0]).toMatchObject({ name: 'ops', sudo: 'ALL=(ALL) NOPASSWD:ALL', ssh_authorized_keys: ['ssh-ed25519 AAAA k1'] });
    const nc = JSON.parse(f['network-config']);
    expect(nc.ethernets.mgmt).toEqual({ match: { macaddress: '52:54:00:00:00:01' }, dhcp4: true });
    expect(nc.ethernets.segment).toEqual({ match: { macaddress: '02:68:70:00:00:01' }, addresses: ['10.77.0.21/24'], dhcp4: false });
  });

  it('builds a cidata ISO9660 volume', async (ctx) => {
    if (!(await findExecutable('genisoimage')) || !(await findExecutable('isoinfo'))) ctx.skip('needs genisoimage (apt-get install genisoimage)');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hp-seed-'));
    try {
      const iso = path.join(dir, 'seed.iso');
      await buildSeedIso(iso, nocloudFiles(rec));
      expect(execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' })).toMatch(/Volume id: cidata/);
      const ud = execFileSync('isoinfo', ['-i', iso, '-J', '-x', '/user-data'], { encoding: 'utf8' });
      expect(ud).toContain('"hostname": "web"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
