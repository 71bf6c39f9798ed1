// Accelerator choice. KVM is used only after a smoke boot under `-accel kvm` proved it boots a
// guest to userspace: on some hosts /dev/kvm opens and KVM_CREATE_VM succeeds but guests never
// boot (e.g. the kvm_pvm software hypervisor). The verdict is cached per host kernel + qemu build.
import { constants, statSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Accelerator } from './args.js';

export interface KvmVerdict {
  accelerator: Accelerator;
  /** Why: 'kvm smoke boot passed', 'no /dev/kvm', 'kvm smoke boot failed: …', … */
  reason: string;
  /** True when this verdict came from a smoke boot (now or cached), false when decided without one. */
  probed: boolean;
  cacheKey?: string;
  probedAt?: string;
  probeMs?: number;
}

export interface SmokeGuest {
  kernel: string;
  initrd?: string;
  /** Console text that proves the guest reached userspace; default `init: READY` (hostplane guest image). */
  marker?: string;
  /** Extra kernel command line; default `hp.smoke=1` (the hostplane guest powers off at once). */
  append?: string;
  timeoutMs?: number;
}

async function qemuVersion(qemu: string): Promise<string> {
  const r = await execa(qemu, ['-version'], { reject: false, timeout: 10_000 });
  return (r.stdout.split('\n')[0] ?? '').trim();
}

export async function kvmUsable(): Promise<string | undefined> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no /dev/kvm' : `/dev/kvm not accessible (${(e as NodeJS.ErrnoException).code})`;
  }
}

export async function kvmCacheKey(qemu: string): Promise<string> {
  let rdev = 'none';
  try {
    rdev = String(statSync('/dev/kvm').rdev);
  } catch {
    /* none */
  }
  return `${os.release()}|${await qemuVersion(qemu)}|${rdev}`;
}

/** Boots `guest` once under KVM with a hard timeout; passes when the marker shows on the console. */
export async function kvmSmokeBoot(qemu: string, guest: SmokeGuest): Promise<{ ok: boolean; detail: string; ms: number; interrupted?: boolean }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hostplane-kvm-smoke-'));
  const log = path.join(dir, 'console.log');
  const marker = guest.marker ?? 'init: READY';
  const timeoutMs = guest.timeoutMs ?? 30_000;
  const t0 = Date.now();
  const args = ['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host', '-smp', '1', '-m', '256'];
  args.push('-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot');
  args.push('-kernel', guest.kernel);
  if (guest.initrd) args.push('-initrd', guest.initrd);
  args.push('-append', `console=ttyS0 panic=-1 ${guest.append ?? 'hp.smoke=1'}`);
  args.push('-serial', `file:${log}`);
  try {
    // Own process group: a Ctrl-C aimed at hostplane must not end the probe and be cached as "KVM broken".
    const child = execa(qemu, args, { reject: false, stdin: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL', all: true, detached: true });
    // Stop early once the marker shows: some broken KVM setups keep running after it.
    let seen = false;
    const poll = setInterval(() => {
      readFile(log, 'utf8')
        .then((t) => {
          if (!seen && t.includes(marker)) {
            seen = true;
            setTimeout(() => child.kill('SIGKILL'), 2000);
          }
        })
        .catch(() => undefined);
    }, 200);
    const r = await child;
    clearInterval(poll);
    const consoleText = await readFile(log, 'utf8').catch(() => '');
    const ms = Date.now() - t0;
    if (consoleText.includes(marker)) return { ok: true, detail: `reached '${marker}' in ${ms} ms`, ms };
    const why = r.timedOut ? `no '${marker}' within ${timeoutMs} ms` : `qemu exited ${r.exitCode ?? r.signal}: ${(r.all ?? '').trim().split('\n').slice(-2).join(' ')}`;
    // Killed by a signal (not our timeout) or told to terminate: no verdict about KVM at all.
    // (SIGABRT is qemu's own failed assertion under a broken KVM: that is a verdict.)
    const interrupted = (!r.timedOut && ['SIGINT', 'SIGTERM', 'SIGHUP'].includes(r.signal ?? '')) || /terminating on signal/.test(r.all ?? '');
    return { ok: false, detail: why.slice(0, 300), ms, ...(interrupted ? { interrupted: true } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The accelerator for the next VM start. `mode` forces one; 'auto' uses KVM only when a smoke boot
 * (cached in `cacheFile`) proved it. With no smoke guest available it stays on TCG, uncached.
 */
export async function chooseAccelerator(opts: {
  qemu: string;
  mode: 'auto' | 'kvm' | 'tcg';
  cacheFile: string;
  smoke?: SmokeGuest;
}): Promise<KvmVerdict> {
  if (opts.mode === 'tcg') return { accelerator: 'tcg', reason: 'forced by configuration', probed: false };
  if (opts.mode === 'kvm') return { accelerator: 'kvm', reason: 'forced by configuration', probed: false };
  const unusable = await kvmUsable();
  if (unusable) return { accelerator: 'tcg', reason: unusable, probed: false };
  const key = await kvmCacheKey(opts.qemu);
  try {
    const cached = JSON.parse(await readFile(opts.cacheFile, 'utf8')) as KvmVerdict;
    if (cached.cacheKey === key && (cached.accelerator === 'kvm' || cached.accelerator === 'tcg')) return { ...cached, probed: true };
  } catch {
    /* no cache yet */
  }
  if (!opts.smoke) return { accelerator: 'tcg', reason: 'kvm unproven: no smoke-boot kernel known yet', probed: false };
  const r = await kvmSmokeBoot(opts.qemu, opts.smoke);
  const verdict: KvmVerdict = {
    accelerator: r.ok ? 'kvm' : 'tcg',
    reason: r.ok ? `kvm smoke boot passed (${r.detail})` : `kvm smoke boot failed: ${r.detail}`,
    probed: true,
    cacheKey: key,
    probedAt: new Date().toISOString(),
    probeMs: r.ms,
  };
  if (r.interrupted) return { ...verdict, reason: `kvm unproven: the smoke boot was interrupted (${r.detail})`, probed: false }; // try again next time
  await mkdir(path.dirname(opts.cacheFile), { recursive: true });
  await writeFile(opts.cacheFile, JSON.stringify(verdict, null, 2) + '\n');
  return verdict;
}
