import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { buildQemuArgs, dropbearEd25519Key, guestCmdline, HOST_KEY_FW_CFG, macFromSeed, parseCidr, powerStateFromQmp, segmentEndpoint, type VmRecord } from './args.js';

const rec = (over: Partial<VmRecord> = {}): VmRecord => ({
  kind: 'hostplane-qemu-vm',
  version: 1,
  name: 'vm1',
  incarnation: 'i-1',
  createdAt: '2025-01-01T00:00:00Z',
  image: '/img',
  imageKind: 'guest-image-dir',
  kernel: '/img/vmlinuz',
  initrd: '/img/initrd.img',
  cpu: 2,
  memoryMiB: 512,
  diskGiB: 0,
  guest: { hostname: 'vm1', authorizedKeys: ['ssh-ed25519 AAAA test@x'] },
  sshPort: 22111,
  mgmtMac: '52:54:00:aa:bb:cc',
  segmentMac: '02:68:70:aa:bb:cc',
  ...over,
});

const input = (r: VmRecord, accelerator: 'kvm' | 'tcg' = 'tcg') => ({
  rec: r,
  dir: '/s/qemu/vm1',
  rootDir: '/s/qemu',
  logFile: '/s/qemu/vm1/console.log',
  accelerator,
  tbSizeMiB: 64,
  pidFile: '/s/qemu/vm1/qemu.pid',
  qmpSocket: '/s/qemu/vm1/qmp.sock',
});

const after = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

describe('buildQemuArgs', () => {
  it('TCG direct kernel boot with management NIC forwarding the SSH port', () => {
    const a = buildQemuArgs(input(rec()));
    expect(after(a, '-accel')).toEqual(['tcg,tb-size=64']);
    expect(after(a, '-cpu')).toEqual(['max']);
    expect(after(a, '-machine')).toEqual(['q35']);
    expect(after(a, '-smp')).toEqual(['2']);
    expect(after(a, '-m')).toEqual(['512']);
    expect(a).toContain('-daemonize');
    expect(after(a, '-netdev')).toEqual(['user,id=mgmt,hostfwd=tcp:127.0.0.1:22111-:22']);
    expect(after(a, '-device')).toContain('virtio-net-pci,netdev=mgmt,mac=52:54:00:aa:bb:cc');
    expect(after(a, '-kernel')).toEqual(['/img/vmlinuz']);
    expect(after(a, '-initrd')).toEqual(['/img/initrd.img']);
    expect(after(a, '-qmp')).toEqual(['unix:/s/qemu/vm1/qmp.sock,server=on,wait=off']);
    expect(a).not.toContain('-drive');
  });

  it('KVM uses -cpu host; segment adds a loopback multicast NIC; disk adds virtio-blk', () => {
    const a = buildQemuArgs(input(rec({ segment: 'lab', address: '10.77.0.11/24', disk: '/s/qemu/vm1/disk.qcow2', kernel: undefined, initrd: undefined }), 'kvm'));
    expect(after(a, '-accel')).toEqual(['kvm']);
    expect(after(a, '-cpu')).toEqual(['host']);
    const seg = segmentEndpoint('/s/qemu', 'lab');
    expect(after(a, '-netdev')).toContain(`socket,id=seg,mcast=${seg.group}:${seg.port},localaddr=127.0.0.1`);
    expect(after(a, '-device')).toContain('virtio-net-pci,netdev=seg,mac=02:68:70:aa:bb:cc');
    expect(after(a, '-drive')).toEqual(['file=/s/qemu/vm1/disk.qcow2,if=none,id=disk0,format=qcow2,discard=unmap']);
    expect(after(a, '-device')).toContain('virtio-blk-pci,drive=disk0,bootindex=1');
    expect(a).not.toContain('-kernel');
  });

  it('shared dirs: shared memfd RAM, a vhost-user-fs device per dir, mounts on the command line', () => {
    const a = buildQemuArgs({ ...input(rec()), shares: [{ tag: 'data', socket: '/s/qemu/vm1/vfs-data.sock', mountPoint: '/mnt/data', readOnly: true }] });
    expect(after(a, '-object')).toEqual(['memory-backend-memfd,id=mem,size=512M,share=on']);
    expect(after(a, '-numa')).toEqual(['node,memdev=mem']);
    expect(after(a, '-chardev')).toContain('socket,id=vfs0,path=/s/qemu/vm1/vfs-data.sock');
    expect(after(a, '-device')).toContain('vhost-user-fs-pci,chardev=vfs0,tag=data');
    expect(after(a, '-append')[0]).toContain('virtiofs=data:/mnt/data:ro');
    expect(buildQemuArgs(input(rec()))).not.toContain('-numa');
  });

  it('escapes commas in paths for QEMU option values', () => {
    const a = buildQemuArgs({ ...input(rec()), logFile: '/a,b/console.log' });
    expect(after(a, '-chardev')).toEqual(['file,id=con0,path=/a,,b/console.log,append=on']);
  });
});

describe('guestCmdline', () => {
  it('carries hostname, addresses, MACs, base64 keys and user', () => {
    const c = guestCmdline(rec({ segment: 'lab', address: '10.77.0.12/24', guest: { hostname: 'h1', user: 'dev', authorizedKeys: ['k1', 'k2'] } }));
    expect(c).toContain('hostname=h1');
    expect(c).toContain('net0=10.0.2.15/24,10.0.2.2');
    expect(c).toContain('net1=10.77.0.12/24 net1mac=02:68:70:aa:bb:cc');
    expect(c).toContain('user=dev');
    const key = /sshkey=(\S+)/.exec(c)?.[1] ?? '';
    expect(Buffer.from(key, 'base64').toString()).toBe('k1\nk2\n');
    expect(c).not.toMatch(/\s{2}/);
  });
});

describe('identifiers', () => {
  it('segment endpoints are stable per root+segment and differ across roots', () => {
    const a = segmentEndpoint('/r1', 'lab');
    expect(segmentEndpoint('/r1', 'lab')).toEqual(a);
    expect(segmentEndpoint('/r2', 'lab')).not.toEqual(a);
    expect(a.group).toMatch(/^239\.\d+\.\d+\.\d+$/);
    expect(a.port).toBeGreaterThanOrEqual(30000);
    expect(a.port).toBeLessThan(32000);
  });

  it('MACs are locally administered unicast and stable', () => {
    const m = macFromSeed('02:68:70', 'x');
    expect(m).toMatch(/^02:68:70(:[0-9a-f]{2}){3}$/);
    expect(macFromSeed('02:68:70', 'x')).toBe(m);
    expect(macFromSeed('02:68:70', 'y')).not.toBe(m);
  });

  it('parses IP/PFX and rejects garbage', () => {
    expect(parseCidr('10.77.0.11/24')).toEqual({ ip: '10.77.0.11', prefix: 24 });
    expect(parseCidr('10.77.0.11')).toEqual({ ip: '10.77.0.11', prefix: 24 });
    expect(parseCidr('10.77.0.256/24')).toBeUndefined();
    expect(parseCidr('10.77.0.1/33')).toBeUndefined();
    expect(parseCidr('fe80::1/64')).toBeUndefined();
  });

  it('maps QMP run states', () => {
    expect(powerStateFromQmp('running')).toBe('running');
    expect(powerStateFromQmp('paused')).toBe('suspended');
    expect(powerStateFromQmp('prelaunch')).toBe('starting');
    expect(powerStateFromQmp('shutdown')).toBe('stopping');
  });
});

describe('SSH host key for the guest image', () => {
  it('passes the key file over fw_cfg (never on the command line) for kernel boots only', () => {
    const a = buildQemuArgs({ ...input(rec()), hostKeyFile: '/s/qemu/vm1/ssh_host_ed25519_key' });
    expect(after(a, '-fw_cfg')).toEqual([`name=${HOST_KEY_FW_CFG},file=/s/qemu/vm1/ssh_host_ed25519_key`]);
    expect(after(a, '-append')[0]).not.toContain('ssh_host');
    expect(buildQemuArgs(input(rec()))).not.toContain('-fw_cfg');
    const disk = buildQemuArgs({ ...input(rec({ kernel: undefined, initrd: undefined, disk: '/s/qemu/vm1/disk.qcow2' })), hostKeyFile: '/k' });
    expect(disk).not.toContain('-fw_cfg');
  });

  it('writes ed25519 keys in dropbear format: string "ssh-ed25519", string seed‖public', () => {
    const k = dropbearEd25519Key();
    expect(k.readUInt32BE(0)).toBe(11);
    expect(k.subarray(4, 15).toString()).toBe('ssh-ed25519');
    expect(k.readUInt32BE(15)).toBe(64);
    expect(k.length).toBe(19 + 64);
    const seed = k.subarray(19, 51);
    const pub = k.subarray(51, 83);
    // The public half must be the one derived from the seed (PKCS#8 wrapping of a raw ed25519 seed).
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const derived = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x;
    expect(Buffer.from(derived ?? '', 'base64url').equals(pub)).toBe(true);
    expect(dropbearEd25519Key().equals(k)).toBe(false);
  });
});
