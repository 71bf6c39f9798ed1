// The QEMU adapter against real qemu-system-x86_64 VMs booted from the hostplane guest image
// (hack/qemu/build-guest-image.sh, cached). Boots 4 VMs in total (about 5 s each under TCG).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, type VmCreateRequest } from '../../src/ports/vm-provider.js';
import { QemuProvider, buildGuestImage, type GuestImage, type KvmVerdict } from '../../src/adapters/qemu/index.js';

const PORTS: [number, number] = [23100, 23599];

const which = (bin: string) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
};
const missing = ['qemu-system-x86_64', 'qemu-img', 'ssh', 'ssh-keygen', 'apt-get', 'dpkg'].filter((b) => !which(b));
const skipReason = missing.length ? `needs ${missing.join(', ')} (apt-get install -y qemu-system-x86 qemu-utils openssh-client)` : '';
if (skipReason) console.warn(`[qemu tests] skipped: ${skipReason}`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hpq-'));
const stateDir = path.join(tmp, 's');
const keyFile = path.join(tmp, 'id_ed25519');
let image: GuestImage;
let pubKey = '';
let p: QemuProvider;
let verdict: KvmVerdict;

async function ssh(port: number, user: string, cmd: string, knownHosts: string, timeoutMs = 30_000) {
  return execa(
    'ssh',
    [
      '-p', String(port), '-i', keyFile,
      '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${path.join(tmp, knownHosts)}`,
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR',
      `${user}@127.0.0.1`, cmd,
    ],
    { reject: false, timeout: timeoutMs, stdin: 'ignore' },
  );
}

const req = (name: string, over: Partial<VmCreateRequest> = {}): VmCreateRequest => ({
  name,
  image: image.dir,
  cpu: 1,
  memoryMiB: 256,
  diskGiB: 1,
  network: { mode: 'shared' },
  guest: { authorizedKeys: [pubKey] },
  ...over,
});

async function expectProviderError(pr: Promise<unknown>, code: string, text?: RegExp) {
  const e = await pr.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  expect((e as ProviderError).code).toBe(code);
  if (text) expect((e as ProviderError).message).toMatch(text);
}

/** Kill every qemu whose command line mentions our temp dir (only ours: the dir is unique). */
function killOurQemus() {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.startsWith('qemu-system') || cmd.includes('/qemu-system')) {
        if (cmd.includes(tmp)) process.kill(Number(pid), 'SIGKILL');
      }
    } catch {
      /* gone */
    }
  }
}

describe.skipIf(!!skipReason)('QemuProvider on real QEMU', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    image = await buildGuestImage();
    console.info(`[qemu tests] guest image ${image.dir} (${image.cached ? 'cached' : 'built'} in ${Date.now() - t0} ms, kernel ${image.kernelVersion})`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hostplane-test', '-f', keyFile]);
    pubKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    // Its own port range: the end-to-end test's hostplane (another state dir, same host) allocates from the
    // default range at the same time, and a port taken meanwhile is legitimately reallocated.
    p = new QemuProvider({ stateDir, sshPortRange: PORTS, kvmSmokeGuest: { kernel: image.kernel, initrd: image.initrd, timeoutMs: 20_000 } });
  }, 300_000);

  afterAll(() => {
    killOurQemus();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('classifies errors without booting anything', async () => {
    const noQemu = new QemuProvider({ stateDir, qemuBinary: '/nonexistent/qemu-system-x86_64' });
    await expectProviderError(noQemu.create(req('x1')), 'ProviderUnavailable', /apt-get install .*qemu-system-x86/);
    await expectProviderError(p.create(req('x2', { image: '/nonexistent/base.qcow2' })), 'InvalidArgument', /not found/);
    await expectProviderError(p.create(req('x3', { image: '', boot: { kernel: '/nonexistent/vmlinuz' } })), 'InvalidArgument', /boot.kernel/);
    await expectProviderError(p.create(req('x4', { image: '' })), 'InvalidArgument', /no image and no boot.kernel/);
    await expectProviderError(p.create(req('../evil')), 'InvalidArgument', /invalid VM name/);
    await expectProviderError(p.create(req('x5', { network: { mode: 'shared', segment: 'lab', address: 'nonsense' } })), 'InvalidArgument', /IPv4/);
    await expectProviderError(p.endpoint('ghost'), 'NotFound');
    await expectProviderError(p.stop('ghost'), 'NotFound');
    // A foreign directory in our root is neither listed nor overwritten nor deleted.
    mkdirSync(path.join(stateDir, 'qemu', 'foreign'), { recursive: true });
    writeFileSync(path.join(stateDir, 'qemu', 'foreign', 'data'), 'keep');
    expect((await p.list()).map((v) => v.name)).not.toContain('foreign');
    await expectProviderError(p.create(req('foreign')), 'AlreadyExists', /not a hostplane VM/);
    await p.delete('foreign'); // not ours (no marker): nothing to delete, and nothing is deleted
    expect(readFileSync(path.join(stateDir, 'qemu', 'foreign', 'data'), 'utf8')).toBe('keep');
    expect(await p.list()).toEqual([]);
  });

  it('reports the accelerator from a (cached) KVM smoke boot', async (ctx) => {
    verdict = await p.accelerator();
    console.info(`[qemu tests] accelerator: ${verdict.accelerator} (${verdict.reason})`);
    expect(['kvm', 'tcg']).toContain(verdict.accelerator);
    if (existsSync('/dev/kvm') && verdict.reason !== 'no /dev/kvm' && !verdict.reason.startsWith('/dev/kvm not accessible')) {
      expect(verdict.probed).toBe(true);
      // Cached: a second adapter does not boot again.
      const again = await new QemuProvider({ stateDir }).accelerator();
      expect(again.accelerator).toBe(verdict.accelerator);
      expect(again.probedAt).toBe(verdict.probedAt);
    }
    if (verdict.accelerator !== 'kvm') ctx.skip(`KVM not usable here: ${verdict.reason}; VMs run under TCG`);
  }, 60_000);

  it('two VMs on one segment: SSH with hostname, one-pass list, ping and TCP between them, provisioning basics', async () => {
    await p.create(req('a', { network: { mode: 'shared', segment: 'lab', address: '10.77.0.11/24' }, guest: { authorizedKeys: [pubKey], user: 'dev' } }));
    await p.create(req('b', { network: { mode: 'shared', segment: 'lab', address: '10.77.0.12/24' }, guest: { hostname: 'bee', authorizedKeys: [pubKey] } }));
    expect((await p.list()).map((v) => [v.name, v.state])).toEqual([
      ['a', 'stopped'],
      ['b', 'stopped'],
    ]);
    await expectProviderError(p.create(req('a')), 'AlreadyExists');
    const t0 = Date.now();
    await Promise.all([
      p.start({ name: 'a', network: { mode: 'shared', segment: 'lab', address: '10.77.0.11/24' }, logFile: path.join(tmp, 'logs', 'a.log') }),
      p.start({ name: 'b', network: { mode: 'shared', segment: 'lab', address: '10.77.0.12/24' }, logFile: path.join(tmp, 'logs', 'b.log') }),
    ]);
    await expectProviderError(p.start({ name: 'a', network: { mode: 'shared', segment: 'lab' }, logFile: '' }), 'AlreadyRunning');
    const [ea, eb] = await Promise.all([p.endpoint('a', { waitSeconds: 90 }), p.endpoint('b', { waitSeconds: 90 })]);
    console.info(`[qemu tests] two VMs ssh-ready in ${Date.now() - t0} ms`);
    expect(ea?.host).toBe('127.0.0.1');
    expect(eb?.host).toBe('127.0.0.1');
    expect(ea!.port).not.toBe(eb!.port);

    const ha = await ssh(ea!.port, 'root', 'hostname', 'kh-a1');
    expect(ha.stderr).toBe('');
    expect(ha.stdout.trim()).toBe('a');
    expect((await ssh(eb!.port, 'root', 'hostname', 'kh-b1')).stdout.trim()).toBe('bee');

    const vms = await p.list();
    expect(vms.map((v) => v.name)).toEqual(['a', 'b']);
    for (const v of vms) {
      expect(v.state).toBe('running');
      expect(v.details?.accelerator).toBe(verdict?.accelerator ?? 'tcg');
      expect(v.details?.qmpStatus).toBe('running');
      expect(typeof v.details?.pid).toBe('number');
      expect(v.cpu).toBe(1);
      expect(v.memoryMiB).toBe(256);
    }
    expect(await p.ip('a')).toBe('10.77.0.11');
    expect(await p.ip('b')).toBe('10.77.0.12');
    expect(readFileSync(path.join(tmp, 'logs', 'a.log'), 'utf8')).toContain('init: READY');

    // L2 between the VMs: ping, then TCP (busybox nc; its listener needs a stdin that stays open).
    const ping = await ssh(ea!.port, 'root', 'ping -c 2 -W 3 10.77.0.12', 'kh-a1');
    expect(ping.stdout).toMatch(/2 packets received|2 received/);
    const listen = await ssh(eb!.port, 'root', '(sleep 15 | nc -l -p 5555 > /tmp/got) </dev/null >/dev/null 2>&1 & echo started', 'kh-b1');
    expect(listen.stdout.trim()).toBe('started');
    let sent = '';
    for (let i = 0; i < 20 && !sent.includes('hello-over-l2'); i++) {
      await ssh(ea!.port, 'root', 'echo hello-over-l2 | nc -w 2 10.77.0.12 5555', 'kh-a1');
      sent = (await ssh(eb!.port, 'root', 'cat /tmp/got 2>/dev/null', 'kh-b1')).stdout;
    }
    expect(sent.trim()).toBe('hello-over-l2');

    // What provisioning needs: a sudo-capable user from the kernel command line, useradd, file writes.
    const prov = await ssh(
      ea!.port,
      'dev',
      'id -un; sudo -n id -u; echo provisioned | sudo -n tee /etc/hostplane-test >/dev/null; cat /etc/hostplane-test; sudo -n useradd -m kube && id -u kube; echo "echo via-stdin; id -u" | sudo -n bash -s',
      'kh-a1',
    );
    expect(prov.stderr).toBe('');
    expect(prov.stdout.trim().split('\n')).toEqual(['dev', '0', 'provisioned', '1001', 'via-stdin', '0']);
  }, 180_000);

  it('a new adapter instance adopts the running VMs', async () => {
    const p2 = new QemuProvider({ stateDir, sshPortRange: PORTS });
    const before = await p.list();
    const adopted = await p2.list();
    expect(adopted.map((v) => [v.name, v.state, v.details?.pid, v.incarnation])).toEqual(before.map((v) => [v.name, v.state, v.details?.pid, v.incarnation]));
    const eb = await p2.endpoint('b', { waitSeconds: 10 });
    expect((await ssh(eb!.port, 'root', 'hostname', 'kh-b1')).stdout.trim()).toBe('bee');
  }, 60_000);

  it('kill -9 of qemu: list shows stopped; start again keeps port and address', async () => {
    const before = (await p.list()).find((v) => v.name === 'a')!;
    const pid = before.details!.pid as number;
    const port = before.details!.sshPort;
    process.kill(pid, 'SIGKILL');
    let state = '';
    for (let i = 0; i < 50 && state !== 'stopped'; i++) {
      state = (await p.list()).find((v) => v.name === 'a')!.state;
      if (state !== 'stopped') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('stopped');
    expect((await p.list()).find((v) => v.name === 'b')!.state).toBe('running');
    expect(await p.endpoint('a')).toBeUndefined();
    expect(await p.ip('a')).toBeUndefined();
    await p.stop('a'); // stopping a stopped VM is a no-op, as with tart

    const t0 = Date.now();
    await p.start({ name: 'a', network: { mode: 'shared', segment: 'lab', address: '10.77.0.11/24' }, logFile: path.join(tmp, 'logs', 'a.log') });
    const ea = await p.endpoint('a', { waitSeconds: 60 });
    console.info(`[qemu tests] restart after kill -9: ssh-ready in ${Date.now() - t0} ms`);
    expect(ea?.port).toBe(port);
    const after = (await p.list()).find((v) => v.name === 'a')!;
    expect(after.state).toBe('running');
    expect(after.details?.pid).not.toBe(pid);
    expect(after.incarnation).toBe(before.incarnation);
    const r = await ssh(ea!.port, 'root', 'hostname; ip -4 addr show dev eth1 | grep -o "inet [0-9./]*"; ping -c 1 -W 3 10.77.0.12 >/dev/null && echo ping-ok', 'kh-a2');
    expect(r.stdout.trim().split('\n')).toEqual(['a', 'inet 10.77.0.11/24', 'ping-ok']);
  }, 120_000);

  it('stop powers off gracefully through QMP; delete removes the dir', async () => {
    const t0 = Date.now();
    await p.stop('a', { timeoutSeconds: 20 });
    const ms = Date.now() - t0;
    console.info(`[qemu tests] graceful stop (system_powerdown → exit) in ${ms} ms`);
    expect(ms).toBeLessThan(20_000); // the guest powered off; no escalation to quit needed
    expect(readFileSync(path.join(tmp, 'logs', 'a.log'), 'utf8')).toContain('power button');
    expect((await p.list()).find((v) => v.name === 'a')!.state).toBe('stopped');
    const dir = p.vmDir('a');
    expect(existsSync(dir)).toBe(true);
    await p.delete('a');
    expect(existsSync(dir)).toBe(false);
    // b is stopped by another adapter instance, then deleted.
    await new QemuProvider({ stateDir, sshPortRange: PORTS }).stop('b', { timeoutSeconds: 20 });
    await p.delete('b');
    expect((await p.list()).map((v) => v.name)).toEqual([]);
  }, 60_000);

  it('a disk image without a kernel boots through firmware with a cloud-init NoCloud seed attached and kept for the VM\'s life (seed 001 BUG-004 removed user-data before tart run had read it)', async (ctx) => {
    if (!which('genisoimage') && !which('xorriso') && !which('cloud-localds')) ctx.skip('needs genisoimage (apt-get install genisoimage)');
    const base = path.join(tmp, 'cloud.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '1G']); // blank: SeaBIOS finds nothing to boot, the VM still runs
    await p.create(req('d', { image: base, network: { mode: 'shared', segment: 'lab' }, guest: { hostname: 'dee', user: 'ops', authorizedKeys: [pubKey] } }));
    await p.start({ name: 'd', network: { mode: 'shared', segment: 'lab' }, logFile: '' });
    const dir = p.vmDir('d');
    const rt = JSON.parse(readFileSync(path.join(dir, 'runtime.json'), 'utf8')) as { argv: string[] };
    expect(rt.argv).toContain(`file=${path.join(dir, 'seed.iso')},if=none,id=seed,format=raw,readonly=on`);
    expect(rt.argv).not.toContain('-kernel');
    expect(execFileSync('isoinfo', ['-d', '-i', path.join(dir, 'seed.iso')], { encoding: 'utf8' })).toMatch(/Volume id: cidata/);
    const vm = (await p.list()).find((v) => v.name === 'd')!;
    expect(vm.state).toBe('running');
    expect(vm.details?.address).toBe('10.77.0.11/24'); // first free address on the segment, allocated and kept
    await p.stop('d', { timeoutSeconds: 1 }); // no guest to honour the power button: escalates to quit
    expect((await p.list()).find((v) => v.name === 'd')!.state).toBe('stopped');
    // The seed outlives the boot that read it: a restart attaches the same file again.
    const seed = path.join(dir, 'seed.iso');
    expect(existsSync(seed)).toBe(true);
    await p.start({ name: 'd', network: { mode: 'shared', segment: 'lab' }, logFile: '' });
    const again = JSON.parse(readFileSync(path.join(dir, 'runtime.json'), 'utf8')) as { argv: string[] };
    expect(again.argv).toContain(`file=${seed},if=none,id=seed,format=raw,readonly=on`);
    expect((await p.list()).find((v) => v.name === 'd')!.state).toBe('running');
    await p.stop('d', { timeoutSeconds: 1 });
    await p.delete('d');
    expect(existsSync(seed)).toBe(false);
  }, 60_000);

  it('qcow2 overlay on a base image: created, grown, attached as /dev/vda; virtiofs share; delete of a running VM', async () => {
    const base = path.join(tmp, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '1G']);
    await p.create(req('c', { image: base, diskGiB: 2, boot: { kernel: image.kernel, initrd: image.initrd } }));
    const disk = path.join(p.vmDir('c'), 'disk.qcow2');
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', disk], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(info['backing-filename']).toBe(base);
    expect(info['virtual-size']).toBe(2 * 1024 ** 3);
    await expectProviderError(p.configure('c', { diskGiB: 1 }), 'InvalidArgument', /only grows/);
    await p.configure('c', { diskGiB: 3, cpu: 2, memoryMiB: 320 });
    const grown = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', disk], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(grown['virtual-size']).toBe(3 * 1024 ** 3);

    const share = path.join(tmp, 'share');
    mkdirSync(share);
    writeFileSync(path.join(share, 'from-host.txt'), 'host-data');
    await expectProviderError(
      p.start({ name: 'c', network: { mode: 'shared' }, logFile: '', dirs: [{ name: 'data', path: path.join(tmp, 'nope') }] }),
      'InvalidArgument',
      /not a directory/,
    );
    await p.start({ name: 'c', network: { mode: 'shared' }, logFile: '', dirs: [{ name: 'data', path: share }] });
    await expectProviderError(p.configure('c', { cpu: 1 }), 'AlreadyRunning');
    const ec = await p.endpoint('c', { waitSeconds: 60 });
    expect(ec).toBeDefined();
    const r = await ssh(ec!.port, 'root', 'hostname; cat /sys/block/vda/size; nproc; grep MemTotal /proc/meminfo', 'kh-c');
    const [host, sectors, nproc] = r.stdout.trim().split('\n');
    expect(host).toBe('c');
    expect(Number(sectors) * 512).toBe(3 * 1024 ** 3);
    expect(nproc).toBe('2');
    expect(await p.ip('c')).toBe('10.0.2.15');
    // virtiofs share: read the host's file, write one back.
    const fs = await ssh(ec!.port, 'root', 'cat /mnt/data/from-host.txt && echo guest-data > /mnt/data/from-guest.txt && echo ok', 'kh-c');
    expect(fs.stdout.trim()).toBe('host-dataok');
    expect(readFileSync(path.join(share, 'from-guest.txt'), 'utf8')).toBe('guest-data\n');
    const listed = (await p.list()).find((v) => v.name === 'c')!;
    expect([listed.cpu, listed.memoryMiB, listed.diskGiB]).toEqual([2, 320, 3]);

    const rt = JSON.parse(readFileSync(path.join(p.vmDir('c'), 'runtime.json'), 'utf8')) as { virtiofsdPids: number[] };
    expect(rt.virtiofsdPids).toHaveLength(1);
    await p.delete('c'); // running: hard stop, then remove
    expect(existsSync(p.vmDir('c'))).toBe(false);
    const vfsState = () => {
      try {
        return readFileSync(`/proc/${rt.virtiofsdPids[0]}/stat`, 'utf8').split(') ')[1]?.[0];
      } catch {
        return 'gone';
      }
    };
    // a killed virtiofsd may sit a moment in D (uninterruptible, tearing down its FUSE session) before it is gone
    for (let i = 0; i < 50 && !['gone', 'Z'].includes(vfsState() ?? ''); i++) await new Promise((r) => setTimeout(r, 100));
    expect(['gone', 'Z']).toContain(vfsState());
    expect(existsSync(base)).toBe(true);
    expect(await p.list()).toEqual([]);
  }, 120_000);
});
