// Measures the guest image build (cold, cached) and boot-to-SSH under the QEMU adapter vs a bare
// qemu-system-x86_64 command line of the same image, in one run. Prints a JSON summary.
//   npx tsx hack/qemu/measure-boot.ts [--rounds N] [--skip-cold]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { QemuProvider } from '../../src/providers/qemu/qemu-provider.js';
import { buildGuestImage } from '../../src/providers/qemu/guest-image.js';
import { portFree, readPid, sleep } from '../../src/providers/qemu/proc.js';

const argv = process.argv.slice(2);
const rounds = Number(argv[argv.indexOf('--rounds') + 1]) || 3;
const skipCold = argv.includes('--skip-cold');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hpm-'));
const key = path.join(tmp, 'key');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
const pub = readFileSync(`${key}.pub`, 'utf8').trim();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function sshHostname(port: number, kh: string): Promise<string> {
  const r = await execa('ssh', ['-p', String(port), '-i', key, '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${path.join(tmp, kh)}`,
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', 'hostname'], { reject: false, timeout: 10_000, stdin: 'ignore' });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

async function main() {
  const out: Record<string, unknown> = {};
  if (!skipCold) {
    const cache = path.join(tmp, 'cold-cache');
    let t = Date.now();
    await buildGuestImage({ env: { HOSTPLANE_CACHE_DIR: cache } });
    out.imageBuildColdMs = Date.now() - t; // includes apt-get download of ~38 MB of .debs
    t = Date.now();
    await buildGuestImage({ env: { HOSTPLANE_CACHE_DIR: cache }, force: true });
    out.imageBuildDebsCachedMs = Date.now() - t;
    t = Date.now();
    const c = await buildGuestImage({ env: { HOSTPLANE_CACHE_DIR: cache } });
    out.imageBuildCachedMs = Date.now() - t;
    out.cachedReused = c.cached;
    rmSync(cache, { recursive: true, force: true });
  }
  const image = await buildGuestImage();
  const p = new QemuProvider({ stateDir: path.join(tmp, 's'), kvmSmokeGuest: { kernel: image.kernel, initrd: image.initrd, timeoutMs: 20_000 } });
  const verdict = await p.accelerator();
  out.accelerator = verdict.accelerator;
  out.acceleratorReason = verdict.reason;
  const adapterMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Adapter: start() → endpoint(wait) → first successful `ssh hostname`.
    const name = `m${i}`;
    await p.create({ name, image: image.dir, cpu: 1, memoryMiB: 256, diskGiB: 0, network: { mode: 'shared' }, guest: { authorizedKeys: [pub] } });
    let t = Date.now();
    await p.start({ name, network: { mode: 'shared' }, logFile: '' });
    const ep = await p.endpoint(name, { waitSeconds: 60 });
    let h = '';
    while (ep && h !== name && Date.now() - t < 60_000) h = await sshHostname(ep.port, `kh-${name}`);
    if (h !== name) throw new Error(`adapter boot ${name} failed`);
    adapterMs.push(Date.now() - t);
    await p.delete(name);

    // Bare: the same image and machine, qemu in the foreground, wait for the READY marker, then ssh.
    let port = 23000 + i;
    while (!(await portFree(port))) port++;
    const log = path.join(tmp, `bare${i}.log`);
    const pidFile = path.join(tmp, `bare${i}.pid`);
    t = Date.now();
    const q = spawn('qemu-system-x86_64', ['-name', `bare${i}`, '-machine', 'q35', '-accel', 'tcg,tb-size=64', '-cpu', 'max', '-smp', '1', '-m', '256',
      '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-pidfile', pidFile,
      '-kernel', image.kernel, '-initrd', image.initrd,
      '-append', `console=ttyS0 quiet panic=-1 hostname=bare${i} net0=10.0.2.15/24,10.0.2.2 sshkey=${Buffer.from(pub + '\n').toString('base64')}`,
      '-serial', `file:${log}`, '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, '-device', 'virtio-net-pci,netdev=n0', '-device', 'virtio-rng-pci'],
    { stdio: 'ignore' });
    try {
      while (Date.now() - t < 60_000 && !(existsSync(log) && readFileSync(log, 'utf8').includes('init: READY'))) await sleep(50);
      h = '';
      while (h !== `bare${i}` && Date.now() - t < 60_000) h = await sshHostname(port, `kh-bare${i}`);
      if (h !== `bare${i}`) throw new Error(`bare boot ${i} failed`);
      bareMs.push(Date.now() - t);
    } finally {
      q.kill('SIGKILL');
      const pid = readPid(pidFile);
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  out.adapterBootToSshMs = adapterMs;
  out.bareBootToSshMs = bareMs;
  out.adapterMedianMs = median(adapterMs);
  out.bareMedianMs = median(bareMs);
  console.log(JSON.stringify(out, null, 2));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(tmp, { recursive: true, force: true }));
