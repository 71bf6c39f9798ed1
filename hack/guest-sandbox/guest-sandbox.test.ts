// The guest sandbox, driven the way hostplane drives a VM: over SSH with the real ssh2 adapter.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { hostname as hostHostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestExec, GuestTarget } from '../../src/ports/guest-exec.js';
import { createSshGuestExec } from '../../src/adapters/ssh/index.js';

const BIN = resolve(import.meta.dirname, 'bin/guest-sandbox');

function check(): string | undefined {
  const r = spawnSync(BIN, ['--check'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? undefined : (r.stdout + r.stderr).trim() || `--check exited ${r.status}`;
}
const skipReason = check();
if (skipReason) console.warn(`skipping guest-sandbox tests: ${skipReason}`);

interface Sandbox {
  name: string;
  address: string;
  stateDir: string;
  proc: ChildProcess;
  readyMs: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const started: Sandbox[] = [];

function randomAddress(): string {
  return `127.${randomInt(100, 200)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;
}

function startSandbox(name: string, address: string, stateDir: string): Promise<Sandbox> {
  const t0 = Date.now();
  const proc = spawn(BIN, ['--name', name, '--address', address, '--port', '22', '--state-dir', stateDir, '--hostname', name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    proc.once('exit', (code, signal) => res({ code, signal, stderr })),
  );
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      proc.kill('SIGTERM');
      rej(new Error(`sandbox ${name} not READY within 30 s; stderr: ${stderr}`));
    }, 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.split('\n').includes('READY')) {
        clearTimeout(timer);
        const sb: Sandbox = { name, address, stateDir, proc, readyMs: Date.now() - t0, exited };
        started.push(sb);
        res(sb);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      rej(new Error(`sandbox ${name} exited ${code} before READY: ${stderr.trim()}`));
    });
  });
}

async function stopSandbox(sb: Sandbox, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  sb.proc.kill(signal);
  const r = await Promise.race([sb.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit within 15 s')), 15_000))]);
  return { code: r.code, ms: Date.now() - t0 };
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = new Socket();
    const done = (v: boolean) => {
      s.destroy();
      res(v);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect(port, host);
  });
}

async function waitFor(fn: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return fn();
}

const hostHas = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

describe('guest-sandbox contract (no privileges needed)', () => {
  it('rejects bad arguments with exit 64 and one line on stderr', () => {
    for (const args of [
      ['--name', 'x', '--address', '10.0.0.1', '--port', '22', '--state-dir', '/tmp/x', '--hostname', 'x'],
      ['--name', 'x', '--address', '127.0.0.300', '--port', '22', '--state-dir', '/tmp/x', '--hostname', 'x'],
      ['--name', 'x', '--address', '127.1.2.3', '--port', '0', '--state-dir', '/tmp/x', '--hostname', 'x'],
      ['--name', 'x', '--address', '127.1.2.3', '--port', '22', '--state-dir', '/tmp/x', '--hostname', 'bad_host!'],
      ['--bogus'],
    ]) {
      const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 10_000 });
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^guest-sandbox: /);
    }
  });
});

describe.skipIf(!!skipReason)('guest-sandbox over SSH', () => {
  let root: string;
  let exec: GuestExec;
  let a: Sandbox;
  let b: Sandbox;
  const hostName = hostHostname();
  const tag = randomBytes(3).toString('hex');
  const target = (sb: Sandbox, incarnation = 'one'): GuestTarget => ({
    vmKey: `VirtualMachine/${sb.name}`,
    incarnation,
    host: sb.address,
    port: 22,
    user: 'admin',
    auth: { password: 'admin' },
  });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hostplane-guest-sandbox-'));
    exec = createSshGuestExec({ knownHostsDir: join(root, 'known-hosts'), connectTimeoutMs: 5_000 });
    let addrA = randomAddress();
    let addrB = randomAddress();
    while (addrB === addrA) addrB = randomAddress();
    [a, b] = await Promise.all([
      startSandbox(`gsa-${tag}`, addrA, join(root, 'a')),
      startSandbox(`gsb-${tag}`, addrB, join(root, 'b')),
    ]);
    console.info(`sandbox start to READY: ${a.readyMs} ms and ${b.readyMs} ms (two in parallel)`);
  });

  afterAll(async () => {
    await exec?.close();
    for (const sb of started) {
      if (sb.proc.exitCode === null && sb.proc.signalCode === null) await stopSandbox(sb).catch(() => sb.proc.kill('SIGKILL'));
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('logs in as admin/admin with passwordless sudo, with its own hostname', async () => {
    const t0 = Date.now();
    const r = await exec.run(target(a), 'id -un; hostname; cat /etc/hostname');
    console.info(`ssh connect+first run on a sandbox: ${Date.now() - t0} ms`);
    expect(r).toEqual({ code: 0, stdout: `admin\n${a.name}\n${a.name}\n`, stderr: '' });
    const s = await exec.run(target(a), 'id -u; whoami', { sudo: true });
    expect(s).toEqual({ code: 0, stdout: '0\nroot\n', stderr: '' });
    expect((await exec.run(target(b), 'hostname')).stdout).toBe(`${b.name}\n`);
  });

  it('runs provisioning for real and keeps it inside each guest', async () => {
    const userA = `alice${tag}`;
    const userB = `bob${tag}`;
    const provision = (sb: Sandbox, user: string, newName: string, viaHostnamectl: boolean) =>
      exec.run(
        target(sb),
        [
          'set -euo pipefail',
          viaHostnamectl ? `hostnamectl set-hostname ${newName}` : `hostname ${newName}; echo ${newName} > /etc/hostname`,
          `useradd -m -s /bin/bash ${user}`,
          `usermod -aG sudo ${user}`,
          'mkdir -p /etc/hostplane && printf "%s\\n" "$ROLE" > /etc/hostplane/role',
          `echo hello > /home/${user}/hello.txt`,
          'echo "guest tool" > /usr/local/bin/hostplane-guest-tool && chmod +x /usr/local/bin/hostplane-guest-tool',
          'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq conntrack socat kubelet=1.31.4-1.1',
          'sysctl -w net.ipv4.ip_forward=1 >/dev/null',
          'modprobe br_netfilter',
          'touch /root/.provisioned',
        ].join('\n'),
        { sudo: true, env: { ROLE: `role of ${sb.name}: 'quoted' "$x"` } },
      );
    const [ra, rb] = await Promise.all([provision(a, userA, `${a.name}-new`, true), provision(b, userB, `${b.name}-new`, false)]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);

    const readBack = await exec.run(
      target(a),
      `hostname; hostnamectl hostname; getent passwd ${userA} | cut -d: -f1,6,7; id -nG ${userA}; cat /etc/hostplane/role; cat /home/${userA}/hello.txt; cat /var/lib/guest-sandbox/packages; test -f /root/.provisioned && echo provisioned; getent passwd ${userB} || echo "no ${userB}"`,
      { sudo: true },
    );
    expect(readBack.stdout).toBe(
      [
        `${a.name}-new`,
        `${a.name}-new`,
        `${userA}:/home/${userA}:/bin/bash`,
        `${userA} sudo`,
        `role of ${a.name}: 'quoted' "$x"`,
        'hello',
        'conntrack',
        'kubelet=1.31.4-1.1',
        'socat',
        'provisioned',
        `no ${userB}`,
        '',
      ].join('\n'),
    );
    const readB = await exec.run(target(b), `hostname; cat /etc/hostplane/role; getent passwd ${userA} || echo "no ${userA}"`);
    expect(readB.stdout).toBe(`${b.name}-new\nrole of ${b.name}: 'quoted' "$x"\nno ${userA}\n`);

    // The host saw none of it.
    expect(hostHostname()).toBe(hostName);
    expect(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()).toBe(hostName);
    expect(hostHas('getent', ['passwd', userA])).toBe(false);
    expect(hostHas('getent', ['passwd', userB])).toBe(false);
    for (const p of ['/etc/hostplane/role', `/home/${userA}`, '/usr/local/bin/hostplane-guest-tool', '/var/lib/guest-sandbox', '/root/.provisioned']) {
      expect(existsSync(p), p).toBe(false);
    }
  });

  it('uploads files into the guest only', async () => {
    const path = `/etc/hostplane-upload-${tag}/kubeadm.yaml`;
    await exec.upload(target(a), path, 'kind: InitConfiguration\n', { mode: 0o600, sudo: true });
    expect((await exec.run(target(a), `stat -c '%a %U' ${path}; cat ${path}`, { sudo: true })).stdout).toBe('600 root\nkind: InitConfiguration\n');
    expect(existsSync(path)).toBe(false);
    expect((await exec.run(target(b), `test -e ${path} && echo yes || echo no`)).stdout).toBe('no\n');
  });

  it('tears down on SIGTERM and keeps its disk (hostname, users, host key) across a restart', async () => {
    const stop = await stopSandbox(a);
    console.info(`sandbox SIGTERM to exit: ${stop.ms} ms`);
    expect(stop.code).toBe(0);
    expect(await portOpen(a.address, 22)).toBe(false);
    expect(spawnSync('pgrep', ['-f', `guest-init.sh ${a.name} `]).status).toBe(1);
    exec.forget(target(a).vmKey);

    const again = await startSandbox(a.name, a.address, a.stateDir);
    // Same incarnation: the pinned host key must still match, so the key persisted on the disk.
    const r = await exec.run(target(again), `hostname; getent passwd alice${tag} | cut -d: -f1; cat /etc/hostplane/role`);
    expect(r.stdout).toBe(`${a.name}-new\nalice${tag}\nrole of ${a.name}: 'quoted' "$x"\n`);
    expect((await exec.run(target(again), 'ls -A /tmp | wc -l')).stdout).toBe('0\n');
    a = again;
  });

  it('refuses a second sandbox on the same state dir', async () => {
    const r = spawnSync(BIN, ['--name', 'dup', '--address', randomAddress(), '--port', '22', '--state-dir', a.stateDir, '--hostname', 'dup'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^guest-sandbox: state dir .* is in use/);
  });

  it('tears the guest down when its launcher is killed with SIGKILL', async () => {
    const stop = await stopSandbox(b, 'SIGKILL');
    expect(stop.code).toBe(null);
    expect(await waitFor(async () => !(await portOpen(b.address, 22)), 10_000)).toBe(true);
    expect(await waitFor(() => spawnSync('pgrep', ['-f', `guest-init.sh ${b.name} `]).status === 1, 10_000)).toBe(true);
  });

  it('stops when the guest powers itself off', async () => {
    const sb = await startSandbox(`gsc-${tag}`, randomAddress(), join(root, 'c'));
    await exec.run(target(sb), 'poweroff', { sudo: true }).catch(() => undefined);
    const t0 = Date.now();
    const r = await Promise.race([sb.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit')), 10_000))]);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });
});
