// Pure helpers: the qemu-system-x86_64 argument vector, the guest kernel command line, and the
// deterministic per-root identifiers (MACs, multicast groups) the adapter persists.
import { createHash, generateKeyPairSync } from 'node:crypto';

export type Accelerator = 'kvm' | 'tcg';

/** What the adapter persists about one VM in `<stateDir>/qemu/<name>/hostplane-vm.json`. */
export interface VmRecord {
  kind: 'hostplane-qemu-vm';
  version: 1;
  name: string;
  incarnation: string;
  createdAt: string;
  /** The request's image as given, and what it resolved to. */
  image: string;
  imageKind: 'guest-image-dir' | 'disk' | 'none';
  /** qcow2 overlay in the VM dir (when the image is a disk). */
  disk?: string;
  baseImage?: string;
  baseFormat?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  cpu: number;
  memoryMiB: number;
  diskGiB: number;
  guest: { hostname: string; user?: string; authorizedKeys: string[] };
  /** 127.0.0.1 port forwarded to guest :22; allocated once, kept across restarts. */
  sshPort: number;
  mgmtMac: string;
  segmentMac: string;
  segment?: string;
  /** Static address on the segment, IP/PFX. */
  address?: string;
}

/** Facts about the current (or last) run, in `runtime.json`. */
export interface RuntimeRecord {
  startedAt: string;
  accelerator: Accelerator;
  acceleratorReason: string;
  logFile: string;
  /** Size of the console log when this run started: the READY marker is looked for after it. */
  logOffset: number;
  argv: string[];
  /** virtiofsd helpers of this run (one per shared dir). */
  virtiofsdPids?: number[];
}

export interface SegmentEndpoint {
  group: string;
  port: number;
}

export function hashHex(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Locally administered unicast MAC derived from a seed (02:xx:…), stable for one VM. */
export function macFromSeed(prefix: '52:54:00' | '02:68:70', seed: string): string {
  const h = hashHex(seed);
  return `${prefix}:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

/**
 * A segment is a UDP multicast group on the loopback interface (QEMU `-netdev socket,mcast=…,
 * localaddr=127.0.0.1`): every VM of one root that names the segment joins it; packets never leave
 * `lo` (IP_MULTICAST_IF = 127.0.0.1, TTL 1). Group and port derive from the root dir and the
 * segment name, so two hostplane roots on one host do not share a segment by accident.
 */
export function segmentEndpoint(rootDir: string, segment: string): SegmentEndpoint {
  const h = hashHex('segment', rootDir, segment);
  const b = (i: number) => parseInt(h.slice(i * 2, i * 2 + 2), 16);
  // 239.0.0.0/8 is administratively scoped; avoid .0 and .255 in the last octet.
  const group = `239.${b(0)}.${b(1)}.${1 + (b(2) % 254)}`;
  const port = 30000 + (parseInt(h.slice(6, 10), 16) % 2000);
  return { group, port };
}

export function parseCidr(address: string): { ip: string; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(address.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const prefix = m[5] === undefined ? 24 : Number(m[5]);
  if (prefix < 1 || prefix > 32) return undefined;
  return { ip: octets.join('.'), prefix };
}

export const MGMT_GUEST_IP = '10.0.2.15';
const MGMT_GATEWAY = '10.0.2.2';

/** A host directory shared into the guest over virtiofs (one virtiofsd per share). */
export interface ShareSpec {
  tag: string;
  /** virtiofsd's vhost-user socket. */
  socket: string;
  /** Where the guest's /init mounts it: /mnt/<tag>. */
  mountPoint: string;
  readOnly: boolean;
}

/** Kernel command line: console, the guest identity and the addresses the image's /init reads. */
export function guestCmdline(rec: VmRecord, shares: ShareSpec[] = []): string {
  const parts = ['console=ttyS0', 'quiet', 'panic=-1', `hostname=${rec.guest.hostname}`];
  parts.push(`net0=${MGMT_GUEST_IP}/24,${MGMT_GATEWAY}`, `net0mac=${rec.mgmtMac}`);
  if (rec.segment && rec.address) {
    const c = parseCidr(rec.address);
    if (c) parts.push(`net1=${c.ip}/${c.prefix}`, `net1mac=${rec.segmentMac}`);
  }
  if (rec.guest.authorizedKeys.length > 0) {
    const keys = rec.guest.authorizedKeys.map((k) => k.trim()).join('\n') + '\n';
    parts.push(`sshkey=${Buffer.from(keys).toString('base64')}`);
  }
  if (rec.guest.user && rec.guest.user !== 'root') parts.push(`user=${rec.guest.user}`);
  for (const sh of shares) parts.push(`virtiofs=${sh.tag}:${sh.mountPoint}${sh.readOnly ? ':ro' : ''}`);
  if (rec.append) parts.push(rec.append);
  return parts.join(' ');
}

/** The x86 boot protocol's command-line limit. */
export const MAX_CMDLINE = 2048;

export interface QemuArgsInput {
  rec: VmRecord;
  dir: string;
  rootDir: string;
  logFile: string;
  accelerator: Accelerator;
  tbSizeMiB?: number;
  pidFile: string;
  qmpSocket: string;
  shares?: ShareSpec[];
  /** cloud-init NoCloud seed ISO (disk-image boots without a kernel). */
  seedIso?: string;
  /**
   * The VM's SSH host key (dropbear format, mode 0600 in the VM dir), handed to the guest image over
   * fw_cfg (not the command line, which other host users can read) so it survives guest restarts.
   */
  hostKeyFile?: string;
}

/** fw_cfg item the guest image's /init reads its SSH host key from. */
export const HOST_KEY_FW_CFG = 'opt/hostplane/ssh_host_ed25519_key';

/** QEMU option values escape a comma by doubling it. */
export const optValue = (v: string): string => v.replaceAll(',', ',,');

export function buildQemuArgs(i: QemuArgsInput): string[] {
  const { rec } = i;
  const a: string[] = ['-name', rec.name];
  a.push('-machine', 'q35');
  if (i.accelerator === 'kvm') a.push('-accel', 'kvm', '-cpu', 'host');
  else a.push('-accel', i.tbSizeMiB ? `tcg,tb-size=${i.tbSizeMiB}` : 'tcg', '-cpu', 'max');
  a.push('-smp', String(rec.cpu), '-m', String(rec.memoryMiB));
  const shares = i.shares ?? [];
  if (shares.length > 0) {
    // vhost-user-fs needs guest RAM the virtiofsd processes can map.
    a.push('-object', `memory-backend-memfd,id=mem,size=${rec.memoryMiB}M,share=on`, '-numa', 'node,memdev=mem');
  }
  a.push('-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot');
  a.push('-daemonize', '-pidfile', i.pidFile);
  a.push('-qmp', `unix:${optValue(i.qmpSocket)},server=on,wait=off`);
  a.push('-chardev', `file,id=con0,path=${optValue(i.logFile)},append=on`, '-serial', 'chardev:con0');
  a.push('-netdev', `user,id=mgmt,hostfwd=tcp:127.0.0.1:${rec.sshPort}-:22`);
  a.push('-device', `virtio-net-pci,netdev=mgmt,mac=${rec.mgmtMac}`);
  if (rec.segment) {
    const s = segmentEndpoint(i.rootDir, rec.segment);
    a.push('-netdev', `socket,id=seg,mcast=${s.group}:${s.port},localaddr=127.0.0.1`);
    a.push('-device', `virtio-net-pci,netdev=seg,mac=${rec.segmentMac}`);
  }
  a.push('-device', 'virtio-rng-pci');
  shares.forEach((sh, n) => {
    a.push('-chardev', `socket,id=vfs${n},path=${optValue(sh.socket)}`);
    a.push('-device', `vhost-user-fs-pci,chardev=vfs${n},tag=${sh.tag}`);
  });
  if (rec.disk) {
    a.push('-drive', `file=${optValue(rec.disk)},if=none,id=disk0,format=qcow2,discard=unmap`);
    a.push('-device', `virtio-blk-pci,drive=disk0${rec.kernel ? '' : ',bootindex=1'}`);
  }
  if (i.seedIso) {
    a.push('-drive', `file=${optValue(i.seedIso)},if=none,id=seed,format=raw,readonly=on`);
    a.push('-device', 'virtio-blk-pci,drive=seed');
  }
  if (rec.kernel && i.hostKeyFile) a.push('-fw_cfg', `name=${HOST_KEY_FW_CFG},file=${optValue(i.hostKeyFile)}`);
  if (rec.kernel) {
    a.push('-kernel', rec.kernel);
    if (rec.initrd) a.push('-initrd', rec.initrd);
    a.push('-append', guestCmdline(rec, shares));
  }
  return a;
}

/** QEMU's `query-status` run states mapped onto the port's power states. */
export function powerStateFromQmp(status: string): 'running' | 'suspended' | 'starting' | 'stopping' {
  switch (status) {
    case 'running':
    case 'debug':
      return 'running';
    case 'paused':
    case 'suspended':
    case 'save-vm':
    case 'restore-vm':
      return 'suspended';
    case 'prelaunch':
    case 'inmigrate':
    case 'finish-migrate':
    case 'postmigrate':
      return 'starting';
    default:
      // shutdown, guest-panicked, internal-error, io-error, watchdog …: on its way out (-no-reboot).
      return 'stopping';
  }
}

/**
 * A new ed25519 host key in dropbear's key-file format (string "ssh-ed25519", string seed‖public),
 * the format `dropbear -r` reads.
 */
export function dropbearEd25519Key(): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  if (seed.length !== 32 || pub.length !== 32) throw new Error('unexpected ed25519 key length');
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.concat([seed, pub]))]);
}
