// `tart run`: validates like Run.validate(), takes the VM's "lock" (the run file), blocks until the
// VM stops, and handles signals the way Commands/Run.swift does (reference/tart.md §1, "Signal
// handling inside tart run"). With TART_SIM_GUESTS=1 the guest is a hack/guest-sandbox process
// running a real sshd on the VM's 127.x address.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PlainError, RuntimeError, UsageError, one, opt, type Parsed } from './args.js';
import { err, openLocal, out } from './main.js';
import { alive, ipFromMac, procStart, randomMac, self, sleep, writeAtomic, type Home, type RunState, type VmDir } from './storage.js';

/** Swift's description of [String]: ["a", "b \"c\""]. */
function swiftArray(xs: string[]): string {
  return `[${xs.map((x) => `"${x.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(', ')}]`;
}

function bridgeInterfaces(): { id: string; display?: string }[] {
  const raw = process.env.TART_SIM_BRIDGE_IFS ?? 'en0=Ethernet,en1=Wi-Fi';
  return raw
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const [id, display] = s.split('=');
      return { id, display };
    });
}

interface DirShare {
  name?: string;
  path: string;
  readOnly: boolean;
  tag: string;
}

/** DirectoryShare(parseFrom:) from Run.swift. */
function parseDir(raw: string): DirShare {
  const parts = raw.split(':');
  const options = (parts[parts.length - 1] ?? '').split(',');
  let readOnly = false;
  let tag = 'com.apple.virtio-fs.automount';
  let found = false;
  for (const o of options) {
    if (o === 'ro') {
      readOnly = true;
      found = true;
    } else if (o.startsWith('tag=')) {
      tag = o.slice(4);
      found = true;
    }
  }
  if (found) parts.pop();
  const rest = parts.join(':');
  if (rest.startsWith('http:') || rest.startsWith('https:')) return { path: rest, readOnly, tag };
  const i = rest.indexOf(':');
  return i >= 0 ? { name: rest.slice(0, i), path: rest.slice(i + 1), readOnly, tag } : { path: rest, readOnly, tag };
}

function guestBinary(): string {
  if (process.env.TART_SIM_GUEST_BIN) return process.env.TART_SIM_GUEST_BIN;
  const root = process.env.TART_SIM_ROOT ?? path.resolve(path.dirname(process.argv[1] ?? '.'), '..');
  return path.resolve(root, '..', 'guest-sandbox', 'bin', 'guest-sandbox');
}

export async function runCommand(home: Home, p: Parsed): Promise<number> {
  const name = one(p, 'name');
  const f = (x: string) => p.flags.has(x);

  // ---- Run.validate(): ValidationError → 64; a RuntimeError here prints with "Error:" and exits 1.
  if (f('vnc') && f('vnc-experimental')) throw new UsageError('--vnc and --vnc-experimental are mutually exclusive');
  const softnet = f('net-softnet') || ['net-softnet-allow', 'net-softnet-block', 'net-softnet-expose'].some((o) => opt(p, o) !== undefined);
  const bridged = p.options['net-bridged'] ?? [];
  const netFlags = (bridged.length > 0 ? 1 : 0) + (softnet ? 1 : 0) + (f('net-host') ? 1 : 0);
  if (netFlags > 1) throw new UsageError('--net-bridged, --net-softnet and --net-host are mutually exclusive');
  if (f('graphics') && f('no-graphics')) throw new UsageError('--graphics and --no-graphics are mutually exclusive');
  if ((f('no-graphics') || f('vnc') || f('vnc-experimental')) && f('capture-system-keys')) {
    throw new UsageError('--captures-system-keys can only be used with the default VM view');
  }
  if (f('nested') && process.env.TART_SIM_NESTED === 'unsupported') {
    throw new UsageError('Nested virtualization is available for Mac with the M3 chip, and later.');
  }
  let vd: VmDir;
  try {
    vd = openLocal(home, name);
  } catch (e) {
    if (e instanceof RuntimeError) throw new PlainError(e.message);
    throw e;
  }
  const cfg0 = vd.config();
  const suspendable = f('suspendable') || vd.state() === 'suspended';
  if (suspendable) {
    if (cfg0.os !== 'darwin') throw new UsageError('You can only suspend macOS VMs');
    for (const x of ['no-trackpad', 'no-keyboard', 'no-pointer']) if (f(x)) throw new UsageError(`--${x} cannot be used with --suspendable`);
  }
  if (f('no-trackpad') && cfg0.os !== 'darwin') throw new UsageError('--no-trackpad can only be used with macOS VMs');
  for (const d of p.options.disk ?? []) {
    if (d.endsWith('-amd64.iso')) {
      throw new UsageError("Seems you have a disk targeting x86 architecture (hence amd64 in the name). Please use an 'arm64' version of the disk.");
    }
  }

  // ---- Run.run(): global lock, MAC collision, network, shares, then the VM lock.
  let state: RunState;
  const unlock = home.lockGlobal();
  try {
    const cfg = vd.config();
    const collision = home
      .localVms()
      .some((o) => o.name !== vd.name && o.running() && (() => { try { return o.config().macAddress === cfg.macAddress; } catch { return false; } })());
    if (collision) {
      out('There is already a running VM with the same MAC address!\n');
      out('Resetting VM to assign a new MAC address...\n');
      cfg.macAddress = randomMac();
      fs.rmSync(vd.statePath, { force: true });
      vd.saveConfig(cfg);
    }
    if ((softnet || f('net-host')) && process.env.TART_SIM_SOFTNET === 'missing') {
      throw new PlainError('InitializationFailed(why: "softnet not found in PATH")');
    }
    if (bridged.length > 0) {
      const ifs = bridgeInterfaces();
      for (const b of bridged) {
        if (!ifs.some((i) => i.id === b || i.display === b)) {
          const avail = ifs.map((i) => (i.display ? `${i.id} (or "${i.display}")` : i.id));
          throw new UsageError(`no bridge interfaces matched "${swiftArray(bridged)}", available interfaces: ${swiftArray(avail)}`);
        }
      }
    }
    const shares = (p.options.dir ?? []).map(parseDir);
    const byTag = new Map<string, DirShare[]>();
    for (const s of shares) byTag.set(s.tag, [...(byTag.get(s.tag) ?? []), s]);
    for (const group of byTag.values()) {
      if (group.length > 1 && group.some((s) => s.name === undefined)) {
        throw new UsageError('invalid --dir syntax: for multiple directory shares each one of them should be named');
      }
    }
    for (const s of shares) {
      if (!s.path.startsWith('http') && !fs.existsSync(s.path.replace(/^~(?=\/|$)/, process.env.HOME ?? '~'))) {
        throw new PlainError(`Error Domain=NSCocoaErrorDomain Code=260 "The file “${path.basename(s.path)}” couldn’t be opened because there is no such file."`);
      }
    }
    for (const d of p.options.disk ?? []) {
      const file = d.split(':')[0];
      if (!/^[a-z]+:\/\//.test(d) && !d.includes('/cirruslabs/') && !fs.existsSync(file)) {
        throw new PlainError(`Error Domain=NSCocoaErrorDomain Code=260 "The file “${path.basename(file)}” couldn’t be opened because there is no such file."`);
      }
    }

    // PIDLock.trylock on config.json.
    if (vd.running()) throw new RuntimeError(`VM "${name}" is already running!`, 2);

    const network: RunState['network'] = bridged.length > 0 ? 'bridged' : softnet ? 'softnet' : f('net-host') ? 'host' : 'shared';
    state = { ...self(), mac: cfg.macAddress, ip: '', ipFrom: 0, network, os: cfg.os, suspendable };
    assignAddress(home, state);
    // Signal handlers are in place before the VM shows as running, so `tart stop` is never lost.
    installSignals(vd, state);
    writeAtomic(vd.runPath, JSON.stringify(state));
  } finally {
    unlock();
  }

  const guest = new Guest(vd, state, name);
  current = { vd, state, guest };
  const keepAlive = setInterval(() => {}, 1 << 30);
  void keepAlive;

  if (fs.existsSync(vd.statePath)) {
    out('restoring VM state from a snapshot...\n');
    fs.rmSync(vd.statePath, { force: true });
    out('resuming VM...\n');
  }

  // Virtualization.framework's limit of 2 macOS VMs, hit after the lock was taken (#445).
  if (state.os === 'darwin') {
    const others = home.localVms().filter((o) => o.name !== vd.name && o.running() && o.runState()?.os === 'darwin');
    if (others.length >= 2) {
      await sleep(100);
      const runningNames = home.localVms().filter((o) => o.running()).map((o) => o.name);
      err(`The number of VMs exceeds the system limit (other running VMs: ${runningNames.join(', ')})\n`);
      return finish(1);
    }
  }

  if ((state.network === 'softnet' || state.network === 'host') && process.env.TART_SIM_SOFTNET === 'noprivs') {
    await sleep(50);
    err('root privileges are required to run and passwordless sudo was not available\n');
    err('RuntimeFailed(why: "Softnet process terminated prematurely")\n');
    return finish(1);
  }

  if (process.env.TART_SIM_GUESTS === '1') guest.start();
  return new Promise<number>(() => {
    /* runs until a signal or the guest ends it */
  });
}

/** Picks the VM's address: an unexpired lease for its MAC is reused (DHCP), else one derived from the MAC. */
function assignAddress(home: Home, st: RunState): void {
  const now = Date.now();
  const bootMs = Number(process.env.TART_SIM_BOOT_MS ?? '300');
  const leases = home.readLeases().filter((l) => l.expires > now);
  const taken = new Set<string>();
  for (const l of leases) if (l.mac !== st.mac) taken.add(l.ip);
  for (const o of home.localVms()) {
    const r = o.runner();
    if (r && r.mac !== st.mac && r.ip) taken.add(r.ip);
  }
  const mine = st.network === 'bridged' ? undefined : leases.filter((l) => l.mac === st.mac).sort((a, b) => b.from - a.from)[0];
  if (mine) {
    st.ip = mine.ip;
    st.ipFrom = Math.min(mine.from, now + bootMs);
  } else {
    let bump = 0;
    while (taken.has(ipFromMac(st.mac, bump))) bump++;
    st.ip = ipFromMac(st.mac, bump);
    st.ipFrom = now + bootMs;
  }
  if (st.network !== 'bridged') {
    const leaseSecs = st.network === 'softnet' || st.network === 'host' ? 600 : 86_400;
    const others = leases.filter((l) => l.mac !== st.mac);
    others.push({ mac: st.mac, ip: st.ip, from: st.ipFrom, expires: st.ipFrom + leaseSecs * 1000 });
    home.writeLeases(others);
  }
}

class Guest {
  child?: ChildProcess;
  ready = false;
  stoppingByUs = false;

  constructor(
    readonly vd: VmDir,
    readonly state: RunState,
    readonly name: string,
  ) {}

  start(): void {
    const bin = guestBinary();
    if (!fs.existsSync(bin)) {
      err(`tart-sim: guest sandbox ${bin} not found; the VM runs without a guest (nothing listens on ${this.state.ip}:22)\n`);
      return;
    }
    const stateDir = path.join(this.vd.dir, 'guest');
    fs.mkdirSync(stateDir, { recursive: true });
    let child: ChildProcess;
    try {
      child = spawn(bin, ['--name', this.name, '--address', this.state.ip, '--port', '22', '--state-dir', stateDir, '--hostname', this.name], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
    } catch (e) {
      err(`tart-sim: cannot start guest sandbox: ${String(e)}; the VM runs without a guest\n`);
      return;
    }
    this.child = child;
    child.on('error', (e) => {
      err(`tart-sim: cannot start guest sandbox: ${e.message}; the VM runs without a guest\n`);
      this.child = undefined;
    });
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim() === 'READY') this.ready = true;
        else out(`${line}\n`);
      }
    });
    if (child.pid) {
      this.state.guest = { pid: child.pid, start: procStart(child.pid) };
      writeAtomic(this.vd.runPath, JSON.stringify(this.state));
    }
    child.on('exit', (code, signal) => {
      this.child = undefined;
      if (this.stoppingByUs) return;
      if (!this.ready) {
        err(`tart-sim: guest sandbox exited (${signal ?? code}) before READY; the VM runs without a guest\n`);
        return;
      }
      // The guest powered itself off.
      out('guest has stopped the virtual machine\n');
      void finish(0);
    });
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    this.stoppingByUs = true;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  killNow(): void {
    this.stoppingByUs = true;
    try {
      this.child?.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

let current: { vd: VmDir; state: RunState; guest: Guest } | undefined;
let finishing = false;

function removeRunFile(vd: VmDir, st: RunState): void {
  const onDisk = vd.runState();
  if (onDisk && onDisk.pid === st.pid && onDisk.start === st.start) fs.rmSync(vd.runPath, { force: true });
}

async function finish(code: number): Promise<number> {
  if (finishing) return code;
  finishing = true;
  if (current) {
    await current.guest.stop();
    removeRunFile(current.vd, current.state);
  }
  process.exit(code);
}

function installSignals(vd: VmDir, st: RunState): void {
  // SIGINT (`tart stop`, Ctrl+C): hard power-off, "Stopping VM...", exit 0.
  process.on('SIGINT', () => {
    if (finishing) return;
    out('Stopping VM...\n');
    void finish(0);
  });
  // SIGUSR2: ask the guest OS to shut down; the simulated guest complies at once.
  process.on('SIGUSR2', () => {
    if (finishing) return;
    out('Requesting guest OS to stop...\n');
    void (async () => {
      await current?.guest.stop();
      out('guest has stopped the virtual machine\n');
      await finish(0);
    })();
  });
  // SIGUSR1 (`tart suspend`).
  process.on('SIGUSR1', () => {
    if (finishing) return;
    if (!st.suspendable) {
      out('Failed to suspend the VM: The virtual machine configuration does not support saving and restoring its state.\n');
      void finish(1);
      return;
    }
    out('pausing VM to take a snapshot...\n');
    out('creating a snapshot...\n');
    fs.writeFileSync(vd.statePath, 'tart-sim snapshot\n');
    out('snapshot created successfully! shutting down the VM...\n');
    void finish(0);
  });
  // SIGTERM/SIGHUP are not handled by tart: the process dies by the signal and the VM with it.
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      current?.guest.killNow();
      removeRunFile(vd, st);
      process.removeAllListeners(sig);
      process.kill(process.pid, sig);
    });
  }
}

export { alive };
