// The QEMU adapter of the VM provider port (Linux hosts). Every VM is a daemonized
// qemu-system-x86_64 (own session and process group, survives hostplane) with its state in
// `<stateDir>/qemu/<name>/`:
//   hostplane-vm.json  marker + what create decided (image, resources, SSH port, MACs, segment address)
//   runtime.json       the last start (accelerator, argv, console log and offset)
//   qemu.pid           written by qemu (-pidfile)
//   qmp.sock           QMP control socket
//   console.log        serial console (default; start's logFile wins)
//   disk.qcow2         overlay on the base image when the image is a disk
//   seed.iso           cloud-init NoCloud seed when a disk image boots without boot.kernel
//   ssh_host_ed25519_key  the guest image's SSH host key (dropbear format, 0600; kernel boots), kept
//                      across restarts so a restarted guest presents the key hostplane pinned
//   vfs-<dir>.sock     virtiofsd socket per shared dir (start's `dirs`, mounted at /mnt/<dir> in the guest)
// A new adapter instance adopts running VMs from these files; directories without the marker are
// never listed or touched.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import {
  ProviderError,
  type GuestEndpoint,
  type ObservedVm,
  type VmCreateRequest,
  type VmNetwork,
  type VmProvider,
  type VmResources,
  type VmStartRequest,
} from '../../ports/vm-provider.js';
import {
  buildQemuArgs,
  dropbearEd25519Key,
  guestCmdline,
  macFromSeed,
  MAX_CMDLINE,
  MGMT_GUEST_IP,
  parseCidr,
  powerStateFromQmp,
  type RuntimeRecord,
  type ShareSpec,
  type VmRecord,
} from './args.js';
import { chooseAccelerator, type KvmVerdict, type SmokeGuest } from './accel.js';
import { buildSeedIso, nocloudFiles } from './nocloud.js';
import { withQmp, type QmpStatus } from './qmp.js';
import { findExecutable, isAlive, portFree, readPid, sleep, sshBanner, waitFor } from './proc.js';

export interface QemuProviderOptions {
  /** hostplane's state dir; VMs live in `<stateDir>/qemu/<name>/`. */
  stateDir: string;
  /** Default `qemu-system-x86_64` from PATH. */
  qemuBinary?: string;
  /** Default `qemu-img` from PATH (needed only for disk images). */
  qemuImgBinary?: string;
  /** 'auto' (default): KVM only after a cached smoke boot proved it works; TCG otherwise. */
  accelerator?: 'auto' | 'kvm' | 'tcg';
  /**
   * Guest used for the KVM smoke boot. Default: the kernel/initrd of the first direct-kernel-boot VM
   * started (the hostplane guest image answers `hp.smoke=1` by printing `init: READY` and powering off).
   */
  kvmSmokeGuest?: SmokeGuest;
  /** Where the KVM verdict is cached; default `<stateDir>/qemu/.kvm-probe.json`. */
  kvmProbeCacheFile?: string;
  /** Host ports for the SSH forwards (inclusive); default [22000, 22999]. */
  sshPortRange?: [number, number];
  /** Default graceful-stop timeout in seconds; default 30. */
  stopTimeoutSeconds?: number;
  /** TCG translation-cache size in MiB (smaller = less RSS); default 64. 0 = QEMU's default. */
  tcgTbSizeMiB?: number;
  /** Timeout of one QMP session (connect + command); default 2000 ms. */
  qmpTimeoutMs?: number;
  /** Start timeout (qemu's launcher process until the daemon is up); default 60 s. */
  startTimeoutMs?: number;
  /** virtiofsd for shared dirs; default: /usr/libexec/virtiofsd, /usr/lib/qemu/virtiofsd, PATH. */
  virtiofsdBinary?: string;
}

const MARKER_FILE = 'hostplane-vm.json';
const RUNTIME_FILE = 'runtime.json';
const HOST_KEY_FILE = 'ssh_host_ed25519_key';
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
const READY_MARKER = 'init: READY';
const INSTALL_HINT = 'apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils';
/** sun_path is 108 bytes including the terminator. */
const MAX_UNIX_PATH = 107;

interface VmFiles {
  dir: string;
  marker: string;
  runtime: string;
  pid: string;
  qmp: string;
  console: string;
  disk: string;
}

export class QemuProvider implements VmProvider {
  readonly name = 'qemu' as const;
  readonly rootDir: string;
  private readonly qemu: string;
  private readonly qemuImg: string;
  private readonly mode: 'auto' | 'kvm' | 'tcg';
  private readonly kvmCacheFile: string;
  private readonly portRange: [number, number];
  private readonly stopTimeoutSeconds: number;
  private readonly tbSize: number;
  private readonly qmpTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly virtiofsdOpt: string | undefined;
  private smokeGuest: SmokeGuest | undefined;
  private verdict: Promise<KvmVerdict> | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(opts: QemuProviderOptions) {
    if (!opts?.stateDir) throw new ProviderError('InvalidArgument', 'QemuProvider needs a stateDir');
    this.rootDir = path.resolve(opts.stateDir, 'qemu');
    this.qemu = opts.qemuBinary ?? 'qemu-system-x86_64';
    this.qemuImg = opts.qemuImgBinary ?? 'qemu-img';
    this.mode = opts.accelerator ?? 'auto';
    this.kvmCacheFile = opts.kvmProbeCacheFile ?? path.join(this.rootDir, '.kvm-probe.json');
    this.portRange = opts.sshPortRange ?? [22000, 22999];
    this.stopTimeoutSeconds = opts.stopTimeoutSeconds ?? 30;
    this.tbSize = opts.tcgTbSizeMiB ?? 64;
    this.qmpTimeoutMs = opts.qmpTimeoutMs ?? 2000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.smokeGuest = opts.kvmSmokeGuest;
    this.virtiofsdOpt = opts.virtiofsdBinary;
  }

  // ---- port methods -------------------------------------------------------------------------

  async list(): Promise<ObservedVm[]> {
    let entries: string[];
    try {
      entries = await readdir(this.rootDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const observed = await Promise.all(
      entries.filter((n) => NAME_RE.test(n)).map(async (n) => {
        const rec = await this.readRecord(n);
        return rec ? this.observe(rec) : undefined;
      }),
    );
    return observed.filter((o): o is ObservedVm => o !== undefined);
  }

  async create(req: VmCreateRequest): Promise<void> {
    this.checkName(req.name);
    if (!Number.isInteger(req.cpu) || req.cpu < 1) throw new ProviderError('InvalidArgument', `cpu must be a positive integer, got ${req.cpu}`);
    if (!Number.isInteger(req.memoryMiB) || req.memoryMiB < 64) throw new ProviderError('InvalidArgument', `memoryMiB must be an integer ≥ 64, got ${req.memoryMiB}`);
    await this.requireBinary(this.qemu);
    await this.serialized(async () => {
      const f = this.files(req.name);
      if (existsSync(f.dir)) {
        throw new ProviderError(
          'AlreadyExists',
          (await this.readRecord(req.name)) ? `VM ${req.name} already exists` : `${f.dir} exists and is not a hostplane VM; not touching it`,
        );
      }
      this.checkSocketPath(f.qmp);
      const incarnation = randomUUID();
      const rec: VmRecord = {
        kind: 'hostplane-qemu-vm',
        version: 1,
        name: req.name,
        incarnation,
        createdAt: new Date().toISOString(),
        image: req.image ?? '',
        imageKind: 'none',
        cpu: req.cpu,
        memoryMiB: req.memoryMiB,
        diskGiB: req.diskGiB,
        guest: {
          hostname: req.guest?.hostname ?? req.name,
          user: req.guest?.user,
          authorizedKeys: req.guest?.authorizedKeys ?? [],
        },
        sshPort: 0,
        mgmtMac: macFromSeed('52:54:00', `${this.rootDir}/${req.name}/${incarnation}/mgmt`),
        segmentMac: macFromSeed('02:68:70', `${this.rootDir}/${req.name}/${incarnation}/segment`),
      };
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(rec.guest.hostname)) throw new ProviderError('InvalidArgument', `invalid guest hostname '${rec.guest.hostname}'`);
      if (rec.guest.user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(rec.guest.user)) throw new ProviderError('InvalidArgument', `invalid guest user '${rec.guest.user}'`);
      await this.resolveImage(req, rec);
      const others = await this.records();
      rec.sshPort = await this.allocatePort(others, undefined);
      this.applyNetwork(rec, req.network, others);
      if (rec.kernel && guestCmdline(rec).length > MAX_CMDLINE) {
        throw new ProviderError('InvalidArgument', `kernel command line would exceed ${MAX_CMDLINE} bytes (too many or too long authorized keys / append)`);
      }
      const tmp = `${f.dir}.creating-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true });
      try {
        if (rec.imageKind === 'disk' && rec.baseImage) {
          const overlay = path.join(tmp, 'disk.qcow2');
          const size = await this.overlaySize(rec.baseImage, rec.baseFormat ?? 'qcow2', rec.diskGiB);
          await this.run(this.qemuImg, ['create', '-q', '-f', 'qcow2', '-F', rec.baseFormat ?? 'qcow2', '-b', rec.baseImage, overlay, String(size)]);
          rec.disk = f.disk;
        }
        await writeFile(path.join(tmp, MARKER_FILE), JSON.stringify(rec, null, 2) + '\n');
        await rename(tmp, f.dir);
      } catch (e) {
        await rm(tmp, { recursive: true, force: true });
        throw e;
      }
    });
  }

  async start(req: VmStartRequest): Promise<void> {
    this.checkName(req.name);
    await this.requireBinary(this.qemu);
    const f = this.files(req.name);
    let rec = await this.mustRecord(req.name);
    const pid = this.livePid(rec);
    if (pid) throw new ProviderError('AlreadyRunning', `VM ${req.name} is already running (pid ${pid})`);
    for (const p of [rec.kernel, rec.initrd, rec.baseImage]) {
      if (p && !existsSync(p)) throw new ProviderError('InvalidArgument', `VM ${req.name}: ${p} no longer exists (rebuild the guest image or recreate the VM)`);
    }
    const dirs = req.dirs ?? [];
    for (const d of dirs) this.checkShare(req.name, d);
    rec = await this.serialized(async () => {
      const others = (await this.records()).filter((o) => o.name !== rec.name);
      const updated: VmRecord = { ...rec };
      this.applyNetwork(updated, req.network, others);
      // The port of a qemu that just died can take a moment to be released: keep the VM's own port
      // when it frees up quickly, and move only when something else really holds it.
      if (!(await waitFor(() => portFree(updated.sshPort), 3_000, 100))) updated.sshPort = await this.allocatePort(others, updated.sshPort);
      if (JSON.stringify(updated) !== JSON.stringify(rec)) await this.writeRecord(updated);
      return updated;
    });
    if (rec.kernel && !this.smokeGuest) this.smokeGuest = { kernel: rec.kernel, initrd: rec.initrd };
    const verdict = await this.accelerator();
    const logFile = path.resolve(req.logFile || f.console);
    await mkdir(path.dirname(logFile), { recursive: true });
    let logOffset = 0;
    try {
      logOffset = (await stat(logFile)).size;
    } catch {
      /* new log */
    }
    await rm(f.pid, { force: true });
    await rm(f.qmp, { force: true });
    let seedIso: string | undefined;
    if (rec.disk && !rec.kernel) {
      // A cloud image: hand it hostname, user, keys and addresses through a NoCloud seed (rebuilt
      // at every start, since the network may change between starts).
      seedIso = path.join(f.dir, 'seed.iso');
      await rm(seedIso, { force: true });
      await buildSeedIso(seedIso, nocloudFiles(rec));
    }
    let hostKeyFile: string | undefined;
    if (rec.kernel) {
      // One host key per VM, made at its first start (or the first start after an upgrade) and reused.
      hostKeyFile = path.join(f.dir, HOST_KEY_FILE);
      if (!existsSync(hostKeyFile)) {
        const tmpKey = `${hostKeyFile}.tmp-${process.pid}`;
        await writeFile(tmpKey, dropbearEd25519Key(), { mode: 0o600 });
        await rename(tmpKey, hostKeyFile);
      }
    }
    const { shares, pids: virtiofsdPids } = await this.startShares(f, dirs);
    const args = buildQemuArgs({
      rec,
      dir: f.dir,
      rootDir: this.rootDir,
      logFile,
      accelerator: verdict.accelerator,
      tbSizeMiB: verdict.accelerator === 'tcg' && this.tbSize > 0 ? this.tbSize : undefined,
      pidFile: f.pid,
      qmpSocket: f.qmp,
      shares,
      seedIso,
      hostKeyFile,
    });
    const runtime: RuntimeRecord = {
      startedAt: new Date().toISOString(),
      accelerator: verdict.accelerator,
      acceleratorReason: verdict.reason,
      logFile,
      logOffset,
      argv: [this.qemu, ...args],
      virtiofsdPids,
    };
    await writeFile(f.runtime, JSON.stringify(runtime, null, 2) + '\n');
    const errFile = path.join(f.dir, 'qemu.stderr');
    // -daemonize: the launched process forks the VM (setsid: own session and process group,
    // re-parented, independent of hostplane) and exits once it is set up, with exit 1 and a message
    // on errors. So the VM is never our child (nothing to unref); we only await the launcher.
    const child = execa(this.qemu, args, {
      cwd: f.dir,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: { file: errFile },
      detached: true,
      cleanup: false,
      reject: false,
      timeout: this.startTimeoutMs,
      killSignal: 'SIGKILL',
    });
    const r = await child;
    const stderr = (await readFile(errFile, 'utf8').catch(() => '')).trim();
    if (r.exitCode !== 0) {
      this.killHelpers(f, virtiofsdPids);
      throw new ProviderError('CommandFailed', `qemu failed to start VM ${req.name}: ${stderr || (r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`)}`, {
        command: runtime.argv,
        exitCode: r.exitCode,
        stderr,
      });
    }
    const ok = await waitFor(() => this.livePid(rec) !== undefined, 5000, 50);
    if (!ok) throw new ProviderError('CommandFailed', `qemu for VM ${req.name} exited right after start: ${stderr || 'see ' + logFile}`, { command: runtime.argv, stderr });
  }

  async stop(name: string, opts?: { timeoutSeconds?: number }): Promise<void> {
    this.checkName(name);
    const rec = await this.mustRecord(name);
    const f = this.files(name);
    const pid = this.livePid(rec);
    if (!pid) return; // already stopped is the goal state (like tart stop of a stopped VM)
    const timeoutMs = Math.max(0, (opts?.timeoutSeconds ?? this.stopTimeoutSeconds) * 1000);
    const gone = () => !isAlive(pid, f.dir);
    if (timeoutMs > 0) {
      // Graceful: ACPI power button; the guest powers off and qemu exits (-no-reboot).
      const sent = await withQmp(f.qmp, (c) => c.execute('system_powerdown'), this.qmpTimeoutMs).then(
        () => true,
        () => false,
      );
      if (sent && (await waitFor(gone, timeoutMs, 100))) return this.cleanupRun(f);
    }
    await this.hardStop(pid, f);
  }

  async delete(name: string): Promise<void> {
    this.checkName(name);
    const rec = await this.readRecord(name);
    if (!rec) return; // already gone is the goal state
    const f = this.files(name);
    const pid = this.livePid(rec);
    if (pid) await this.hardStop(pid, f);
    // Re-check the marker right before removing: only our own directories are deleted.
    if (!(await this.readRecord(name))) throw new ProviderError('NotFound', `VM ${name} vanished during delete`);
    await rm(f.dir, { recursive: true, force: true });
  }

  async configure(name: string, res: VmResources): Promise<void> {
    this.checkName(name);
    const rec = await this.mustRecord(name);
    if (this.livePid(rec)) throw new ProviderError('AlreadyRunning', `VM ${name} is running; stop it before changing resources`);
    const next = { ...rec };
    if (res.cpu !== undefined) {
      if (!Number.isInteger(res.cpu) || res.cpu < 1) throw new ProviderError('InvalidArgument', `cpu must be a positive integer, got ${res.cpu}`);
      next.cpu = res.cpu;
    }
    if (res.memoryMiB !== undefined) {
      if (!Number.isInteger(res.memoryMiB) || res.memoryMiB < 64) throw new ProviderError('InvalidArgument', `memoryMiB must be an integer ≥ 64, got ${res.memoryMiB}`);
      next.memoryMiB = res.memoryMiB;
    }
    if (res.diskGiB !== undefined && res.diskGiB !== rec.diskGiB) {
      if (res.diskGiB < rec.diskGiB) throw new ProviderError('InvalidArgument', `VM ${name}: disk only grows (${rec.diskGiB} GiB → ${res.diskGiB} GiB refused)`);
      if (rec.disk) {
        const cur = await this.virtualSize(rec.disk, 'qcow2');
        const want = res.diskGiB * 1024 ** 3;
        if (want > cur) await this.run(this.qemuImg, ['resize', '-q', '-f', 'qcow2', rec.disk, String(want)]);
      }
      next.diskGiB = res.diskGiB;
    }
    await this.writeRecord(next);
  }

  async endpoint(name: string, opts?: { waitSeconds?: number }): Promise<GuestEndpoint | undefined> {
    this.checkName(name);
    const end = Date.now() + Math.max(0, opts?.waitSeconds ?? 0) * 1000;
    for (;;) {
      const rec = await this.mustRecord(name);
      if (this.livePid(rec)) {
        // Probe only once the guest says it is up (or always, for images that print no marker).
        const ready = await this.consoleReady(name);
        if (ready !== false && (await sshBanner('127.0.0.1', rec.sshPort, 1500))) return { host: '127.0.0.1', port: rec.sshPort };
      }
      if (Date.now() >= end) return undefined;
      // Reading the console tail is cheap; poll it often so SSH is probed as soon as the guest is up.
      await sleep(Math.min(100, Math.max(1, end - Date.now())));
    }
  }

  async ip(name: string, opts?: { waitSeconds?: number }): Promise<string | undefined> {
    this.checkName(name);
    const end = Date.now() + Math.max(0, opts?.waitSeconds ?? 0) * 1000;
    for (;;) {
      const rec = await this.mustRecord(name);
      if (this.livePid(rec)) {
        const c = rec.segment && rec.address ? parseCidr(rec.address) : undefined;
        return c ? c.ip : MGMT_GUEST_IP;
      }
      if (Date.now() >= end) return undefined;
      await sleep(Math.min(250, Math.max(1, end - Date.now())));
    }
  }

  // ---- extras (not on the port) ---------------------------------------------------------------

  /** The accelerator VMs start with now (runs the KVM smoke boot once, then cached). */
  accelerator(): Promise<KvmVerdict> {
    if (!this.verdict) {
      this.verdict = chooseAccelerator({ qemu: this.qemu, mode: this.mode, cacheFile: this.kvmCacheFile, smoke: this.smokeGuest });
      // An unproven verdict (no smoke guest yet) is not memoized: the next start may bring a kernel.
      void this.verdict.then(
        (v) => {
          if (!v.probed && this.mode === 'auto' && v.reason.startsWith('kvm unproven')) this.verdict = undefined;
        },
        () => {
          this.verdict = undefined;
        },
      );
    }
    return this.verdict;
  }

  /** The VM's directory (for logs and diagnostics). */
  vmDir(name: string): string {
    this.checkName(name);
    return this.files(name).dir;
  }

  // ---- internals -----------------------------------------------------------------------------

  private files(name: string): VmFiles {
    const dir = path.join(this.rootDir, name);
    return {
      dir,
      marker: path.join(dir, MARKER_FILE),
      runtime: path.join(dir, RUNTIME_FILE),
      pid: path.join(dir, 'qemu.pid'),
      qmp: path.join(dir, 'qmp.sock'),
      console: path.join(dir, 'console.log'),
      disk: path.join(dir, 'disk.qcow2'),
    };
  }

  private checkName(name: string): void {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new ProviderError('InvalidArgument', `invalid VM name '${name}': use letters, digits, '.', '_' or '-' (max 63, no leading punctuation)`);
    }
  }

  private checkSocketPath(p: string): void {
    if (Buffer.byteLength(p) > MAX_UNIX_PATH) {
      throw new ProviderError('InvalidArgument', `QMP socket path ${p} is longer than ${MAX_UNIX_PATH} bytes; use a shorter stateDir or VM name`);
    }
  }

  private async requireBinary(bin: string): Promise<string> {
    const found = await findExecutable(bin);
    if (!found) {
      throw new ProviderError('ProviderUnavailable', `${bin} not found${bin.includes('/') ? '' : ' on PATH'}; install QEMU: ${INSTALL_HINT}`);
    }
    return found;
  }

  private async serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async readRecord(name: string): Promise<VmRecord | undefined> {
    try {
      const rec = JSON.parse(await readFile(this.files(name).marker, 'utf8')) as VmRecord;
      return rec.kind === 'hostplane-qemu-vm' && rec.name === name ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  private async mustRecord(name: string): Promise<VmRecord> {
    const rec = await this.readRecord(name);
    if (!rec) throw new ProviderError('NotFound', `VM ${name} not found in ${this.rootDir}`);
    return rec;
  }

  private async writeRecord(rec: VmRecord): Promise<void> {
    const f = this.files(rec.name);
    const tmp = `${f.marker}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n');
    await rename(tmp, f.marker);
  }

  private async records(): Promise<VmRecord[]> {
    let entries: string[];
    try {
      entries = await readdir(this.rootDir);
    } catch {
      return [];
    }
    const recs = await Promise.all(entries.filter((n) => NAME_RE.test(n)).map((n) => this.readRecord(n)));
    return recs.filter((r): r is VmRecord => r !== undefined);
  }

  private livePid(rec: VmRecord): number | undefined {
    const f = this.files(rec.name);
    const pid = readPid(f.pid);
    return pid && isAlive(pid, f.dir) ? pid : undefined;
  }

  private async observe(rec: VmRecord): Promise<ObservedVm> {
    const f = this.files(rec.name);
    const pid = this.livePid(rec);
    const details: Record<string, string | number | boolean> = { sshPort: rec.sshPort, dir: f.dir };
    if (rec.segment) details.segment = rec.segment;
    if (rec.address) details.address = rec.address;
    if (rec.disk) details.disk = rec.disk;
    if (rec.kernel) details.kernel = rec.kernel;
    let state: ObservedVm['state'] = 'stopped';
    const rt = await readFile(f.runtime, 'utf8').then((t) => JSON.parse(t) as RuntimeRecord, () => undefined);
    if (pid) {
      details.pid = pid;
      if (rt) {
        details.accelerator = rt.accelerator;
        details.startedAt = rt.startedAt;
      }
      try {
        const st = await withQmp(f.qmp, (c) => c.execute<QmpStatus>('query-status', undefined, this.qmpTimeoutMs), this.qmpTimeoutMs);
        details.qmpStatus = st.status;
        state = powerStateFromQmp(st.status);
      } catch (e) {
        // Alive but QMP does not answer (just launched, or busy with another client).
        details.qmpError = (e as Error).message.slice(0, 200);
        state = 'running';
      }
    }
    return {
      name: rec.name,
      state,
      cpu: rec.cpu,
      memoryMiB: rec.memoryMiB,
      diskGiB: rec.diskGiB,
      incarnation: rec.incarnation,
      // Without a disk nothing of the guest survives a power cycle (the guest image runs from its
      // initramfs): every start is a new guest to provision.
      ...(!rec.disk && rt ? { bootId: rt.startedAt } : {}),
      details,
    };
  }

  /** true: READY marker seen since start; false: not yet; undefined: this image prints none (probe anyway). */
  private async consoleReady(name: string): Promise<boolean | undefined> {
    const f = this.files(name);
    const rt = await readFile(f.runtime, 'utf8').then((t) => JSON.parse(t) as RuntimeRecord, () => undefined);
    if (!rt) return undefined;
    const rec = await this.readRecord(name);
    if (rec?.imageKind !== 'guest-image-dir' && !rec?.initrd) return undefined;
    try {
      const fh = await open(rt.logFile, 'r');
      try {
        const size = (await fh.stat()).size;
        const len = Math.min(size - rt.logOffset, 1 << 20);
        if (len <= 0) return false;
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, rt.logOffset);
        if (buf.toString('utf8').includes(READY_MARKER)) return true;
      } finally {
        await fh.close();
      }
    } catch {
      return undefined;
    }
    // Images other than ours never print it: after 20 s of uptime, probe regardless.
    return Date.now() - Date.parse(rt.startedAt) > 20_000 ? undefined : false;
  }

  private async hardStop(pid: number, f: VmFiles): Promise<void> {
    const gone = () => !isAlive(pid, f.dir);
    const quit = await withQmp(f.qmp, (c) => c.execute('quit'), this.qmpTimeoutMs).then(
      () => true,
      () => false,
    );
    if (quit && (await waitFor(gone, 5000, 50))) return this.cleanupRun(f);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    if (await waitFor(gone, 3000, 50)) return this.cleanupRun(f);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (!(await waitFor(gone, 5000, 50))) throw new ProviderError('CommandFailed', `qemu pid ${pid} did not exit after SIGKILL`);
    await this.cleanupRun(f);
  }

  private async cleanupRun(f: VmFiles): Promise<void> {
    const rt = await readFile(f.runtime, 'utf8').then((t) => JSON.parse(t) as RuntimeRecord, () => undefined);
    // virtiofsd exits by itself when its VM goes away; make sure of it.
    if (rt?.virtiofsdPids?.length) {
      await waitFor(() => rt.virtiofsdPids!.every((p) => !isAlive(p, f.dir)), 2000, 50);
      this.killHelpers(f, rt.virtiofsdPids);
    }
    await rm(f.pid, { force: true });
    await rm(f.qmp, { force: true });
  }

  private killHelpers(f: VmFiles, pids: number[] | undefined): void {
    for (const pid of pids ?? []) {
      if (!isAlive(pid, f.dir)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  private checkShare(vm: string, d: { name: string; path: string }): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(d.name)) throw new ProviderError('InvalidArgument', `VM ${vm}: invalid shared dir name '${d.name}' (letters, digits, . _ -, max 32)`);
    const src = path.resolve(d.path);
    if (src.includes(',')) throw new ProviderError('InvalidArgument', `VM ${vm}: shared dir path ${src} must not contain ','`);
    let isDir = false;
    try {
      isDir = statSync(src).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) throw new ProviderError('InvalidArgument', `VM ${vm}: shared dir ${d.name}: ${src} is not a directory`);
  }

  private async findVirtiofsd(): Promise<{ bin: string; rust: boolean }> {
    const candidates = this.virtiofsdOpt ? [this.virtiofsdOpt] : ['/usr/libexec/virtiofsd', '/usr/lib/qemu/virtiofsd', 'virtiofsd'];
    for (const c of candidates) {
      const bin = await findExecutable(c);
      if (!bin) continue;
      const help = await execa(bin, ['--help'], { reject: false, timeout: 10_000, all: true });
      return { bin, rust: (help.all ?? '').includes('--shared-dir') };
    }
    throw new ProviderError(
      'ProviderUnavailable',
      `virtiofsd not found (looked for ${candidates.join(', ')}); shared dirs need it: apt-get install -y qemu-system-common (Debian 12) or virtiofsd (Debian 13+)`,
    );
  }

  /** One virtiofsd per shared dir, detached like qemu; it exits when the VM disconnects. */
  private async startShares(f: VmFiles, dirs: { name: string; path: string; readOnly?: boolean }[]): Promise<{ shares: ShareSpec[]; pids: number[] }> {
    if (dirs.length === 0) return { shares: [], pids: [] };
    const { bin, rust } = await this.findVirtiofsd();
    const shares: ShareSpec[] = [];
    const pids: number[] = [];
    try {
      for (const d of dirs) {
        const src = path.resolve(d.path);
        const socket = path.join(f.dir, `vfs-${d.name}.sock`);
        this.checkSocketPath(socket);
        await rm(socket, { force: true });
        const args = rust
          ? [`--socket-path=${socket}`, '--shared-dir', src, '--cache', 'auto', ...(d.readOnly ? ['--readonly'] : [])]
          : [`--socket-path=${socket}`, '-o', `source=${src}`, '-o', 'cache=auto'];
        // Unprivileged: a user+mount namespace with a private /run (C virtiofsd writes /run/virtiofsd/*.pid).
        const [cmd, argv] =
          process.getuid?.() === 0 ? [bin, args] : ['unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs none /run && exec "$0" "$@"', bin, ...args]];
        const log = await open(path.join(f.dir, `virtiofsd-${d.name}.log`), 'w');
        let child;
        try {
          child = spawn(cmd, argv, { cwd: f.dir, detached: true, stdio: ['ignore', log.fd, log.fd] });
        } finally {
          await log.close();
        }
        child.unref();
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.once('error', () => undefined);
        let dead = false;
        void exited.then(() => (dead = true));
        const up = await waitFor(() => dead || existsSync(socket), 5000, 25);
        if (!up || dead || !child.pid) {
          const tail = (await readFile(path.join(f.dir, `virtiofsd-${d.name}.log`), 'utf8').catch(() => '')).trim().split('\n').slice(-2).join(' ');
          throw new ProviderError('CommandFailed', `virtiofsd for shared dir ${d.name} did not start: ${tail || 'no socket within 5 s'}`, { command: [cmd, ...argv] });
        }
        pids.push(child.pid);
        shares.push({ tag: d.name, socket, mountPoint: `/mnt/${d.name}`, readOnly: !!d.readOnly });
      }
    } catch (e) {
      this.killHelpers(f, pids);
      throw e;
    }
    return { shares, pids };
  }

  private async allocatePort(others: VmRecord[], avoid: number | undefined): Promise<number> {
    const taken = new Set(others.map((o) => o.sshPort));
    if (avoid) taken.add(avoid);
    const [lo, hi] = this.portRange;
    const span = hi - lo + 1;
    const startAt = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const port = lo + ((startAt + i) % span);
      if (taken.has(port)) continue;
      if (await portFree(port)) return port;
    }
    throw new ProviderError('VmLimitReached', `no free 127.0.0.1 port in ${lo}-${hi} for SSH forwarding`);
  }

  /** Segment membership and a stable static address (given, or the previous one, or the first free). */
  private applyNetwork(rec: VmRecord, net: VmNetwork | undefined, others: VmRecord[]): void {
    const segment = net?.segment;
    if (!segment) {
      delete rec.segment;
      delete rec.address;
      return;
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(segment)) throw new ProviderError('InvalidArgument', `invalid segment name '${segment}'`);
    let address = net.address;
    if (address !== undefined) {
      const c = parseCidr(address);
      if (!c) throw new ProviderError('InvalidArgument', `network.address '${address}' is not an IPv4 address (IP/PFX)`);
      address = `${c.ip}/${c.prefix}`;
    } else if (rec.segment === segment && rec.address) {
      address = rec.address;
    } else {
      const used = new Set(others.filter((o) => o.segment === segment && o.address).map((o) => parseCidr(o.address!)?.ip));
      for (let h = 11; h < 255 && !address; h++) if (!used.has(`10.77.0.${h}`)) address = `10.77.0.${h}/24`;
      if (!address) throw new ProviderError('VmLimitReached', `segment ${segment}: no free address in 10.77.0.0/24`);
    }
    const clash = others.find((o) => o.segment === segment && o.address && parseCidr(o.address)?.ip === parseCidr(address!)?.ip);
    if (clash) throw new ProviderError('InvalidArgument', `segment ${segment}: address ${address} is already used by VM ${clash.name}`);
    rec.segment = segment;
    rec.address = address;
  }

  private async resolveImage(req: VmCreateRequest, rec: VmRecord): Promise<void> {
    const image = (req.image ?? '').trim();
    let kernel = req.boot?.kernel;
    let initrd = req.boot?.initrd;
    if (image && image !== 'none') {
      const abs = path.resolve(image);
      let st;
      try {
        st = statSync(abs);
      } catch {
        throw new ProviderError(
          'InvalidArgument',
          `image ${image} not found: the qemu adapter takes a qcow2/raw disk path or a guest image dir (hack/qemu/build-guest-image.sh)`,
        );
      }
      if (st.isDirectory()) {
        const k = path.join(abs, 'vmlinuz');
        const i = path.join(abs, 'initrd.img');
        if (!existsSync(k) || !existsSync(i)) throw new ProviderError('InvalidArgument', `image dir ${image} has no vmlinuz + initrd.img (build one with hack/qemu/build-guest-image.sh)`);
        kernel ??= k;
        initrd ??= i;
        rec.imageKind = 'guest-image-dir';
      } else {
        await this.requireBinary(this.qemuImg);
        rec.imageKind = 'disk';
        rec.baseImage = abs;
        rec.baseFormat = await this.imageFormat(abs);
      }
    } else if (!kernel) {
      throw new ProviderError('InvalidArgument', `VM ${req.name}: no image and no boot.kernel; give a disk image path, a guest image dir or boot.kernel`);
    }
    if (kernel) {
      kernel = path.resolve(kernel);
      if (!existsSync(kernel)) throw new ProviderError('InvalidArgument', `boot.kernel ${kernel} not found`);
      rec.kernel = kernel;
    }
    if (initrd) {
      initrd = path.resolve(initrd);
      if (!existsSync(initrd)) throw new ProviderError('InvalidArgument', `boot.initrd ${initrd} not found`);
      rec.initrd = initrd;
    }
    if (req.boot?.append) rec.append = req.boot.append;
  }

  private async imageFormat(file: string): Promise<string> {
    const r = await this.run(this.qemuImg, ['info', '--output=json', file]);
    const info = JSON.parse(r) as { format?: string };
    if (!info.format) throw new ProviderError('InvalidArgument', `cannot tell the format of image ${file}`);
    return info.format;
  }

  private async virtualSize(file: string, format: string): Promise<number> {
    const r = await this.run(this.qemuImg, ['info', '--output=json', '-f', format, file]);
    return (JSON.parse(r) as { 'virtual-size': number })['virtual-size'];
  }

  /** The overlay's size: the request's diskGiB, never smaller than the base. */
  private async overlaySize(base: string, format: string, diskGiB: number): Promise<number> {
    const baseSize = await this.virtualSize(base, format);
    return Math.max(baseSize, Math.round((diskGiB || 0) * 1024 ** 3));
  }

  private async run(bin: string, args: string[]): Promise<string> {
    const r = await execa(bin, args, { reject: false, timeout: 60_000 });
    if (r.exitCode !== 0) {
      if ((r as { code?: string }).code === 'ENOENT') throw new ProviderError('ProviderUnavailable', `${bin} not found; ${INSTALL_HINT}`);
      throw new ProviderError('CommandFailed', `${bin} ${args[0]} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
        command: [bin, ...args],
        exitCode: r.exitCode,
        stderr: r.stderr,
      });
    }
    return r.stdout;
  }
}
