// Measures the guest image build (cold, cached) and boot-to-SSH under the QEMU adapter vs a bare
// qemu-system-x86_64 command line of the same image, in one run. Prints a JSON summary.
//   npx tsx hack/qemu/measure-boot.ts [--rounds N] [--skip-cold]
// The bare boot and the ssh probe are exported for the bench (hack/bench/qemu.ts).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { QemuProvider } from '../../src/adapters/qemu/qemu-provider.js';
import { buildGuestImage, type GuestImage } from '../../src/adapters/qemu/guest-image.js';
import type { Accelerator } from '../../src/adapters/qemu/args.js';
import { portFree, readPid, sleep } from '../../src/adapters/qemu/proc.js';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** A fresh ed25519 key pair (ssh-keygen) in `dir`: the private key file and the public line. */
export function makeSshKey(dir: string): { keyFile: string; pub: string } {
  const keyFile = path.join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  return { keyFile, pub: readFileSync(`${keyFile}.pub`, 'utf8').trim() };
}

/** `ssh root@127.0.0.1 -p PORT hostname` with OpenSSH; '' when it does not answer (yet). */
export async function sshHostname(port: number, keyFile: string, knownHostsFile: string): Promise<string> {
  const r = await execa('ssh', ['-p', String(port), '-i', keyFile, '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', 'hostname'], { reject: false, timeout: 10_000, stdin: 'ignore' });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

/**
 * Boots `image` with a bare qemu-system-x86_64 command line (the adapter's machine, in the foreground)
 * and returns the milliseconds from spawn to the first `ssh hostname` answer. The qemu is always killed.
 */
export async function bareBootToSsh(opts: { image: GuestImage; name: string; pub: string; keyFile: string; workDir: string; accelerator?: Accelerator; timeoutMs?: number }): Promise<number> {
  const { image, name, pub, keyFile, workDir } = opts;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let port = 23000 + Math.floor(Math.random() * 900);
  while (!(await portFree(port))) port++;
  const log = path.join(workDir, `${name}.log`);
  const pidFile = path.join(workDir, `${name}.pid`);
  const accel = opts.accelerator === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,tb-size=64', '-cpu', 'max'];
  const t = Date.now();
  const q = spawn('qemu-system-x86_64', ['-name', name, '-machine', 'q35', ...accel, '-smp', '1', '-m', '256',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-pidfile', pidFile,
    '-kernel', image.kernel, '-initrd', image.initrd,
    '-append', `console=ttyS0 quiet panic=-1 hostname=${name} net0=10.0.2.15/24,10.0.2.2 sshkey=${Buffer.from(pub + '\n').toString('base64')}`,
    '-serial', `file:${log}`, '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, '-device', 'virtio-net-pci,netdev=n0', '-device', 'virtio-rng-pci'],
  { stdio: 'ignore' });
  try {
    while (Date.now() - t < timeoutMs && !(existsSync(log) && readFileSync(log, 'utf8').includes('init: READY'))) await sleep(50);
    let h = '';
    while (h !== name && Date.now() - t < timeoutMs) h = await sshHostname(port, keyFile, path.join(workDir, `kh-${name}`));
    if (h !== name) throw new Error(`bare boot ${name} failed`);
    return Date.now() - t;
  } finally {
    q.kill('SIGKILL');
    const pid = readPid(pidFile);
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

async function main(tmp: string, rounds: number, skipCold: boolean) {
  const { keyFile: key, pub } = makeSshKey(tmp);
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
    while (ep && h !== name && Date.now() - t < 60_000) h = await sshHostname(ep.port, key, path.join(tmp, `kh-${name}`));
    if (h !== name) throw new Error(`adapter boot ${name} failed`);
    adapterMs.push(Date.now() - t);
    await p.delete(name);

    // Bare: the same image and machine, qemu in the foreground, wait for the READY marker, then ssh.
    bareMs.push(await bareBootToSsh({ image, name: `bare${i}`, pub, keyFile: key, workDir: tmp, accelerator: verdict.accelerator }));
  }
  out.adapterBootToSshMs = adapterMs;
  out.bareBootToSshMs = bareMs;
  out.adapterMedianMs = median(adapterMs);
  out.bareMedianMs = median(bareMs);
  console.log(JSON.stringify(out, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const rounds = Number(argv[argv.indexOf('--rounds') + 1]) || 3;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hpm-'));
  main(tmp, rounds, argv.includes('--skip-cold'))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => rmSync(tmp, { recursive: true, force: true }));
}
