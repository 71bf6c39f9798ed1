// TART_HOME layout, VM directories, OCI cache, the "running" state and the simulated DHCP leases.
// tart computes state from an fcntl lock on vms/<name>/config.json (reference/tart.md §3). Node has
// no fcntl, so the simulator keeps the same semantics with a run file holding the `tart run` PID
// plus its kernel start time: the VM is running exactly while that process is alive (a SIGKILLed
// runner is not running any more, a recycled PID does not count). The one exception is made on
// purpose: `crashRun` reproduces what a host crash leaves behind (seed 003 BUG-009) — `tart list`
// keeps saying running while no `tart run` process exists and `tart ip` finds nothing.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const RUN_FILE = '.tart-sim-run.json';

export interface VmConfig {
  version: number;
  os: 'darwin' | 'linux';
  arch: 'arm64' | 'amd64';
  ecid?: string;
  hardwareModel?: string;
  cpuCountMin: number;
  cpuCount: number;
  memorySizeMin: number;
  memorySize: number;
  macAddress: string;
  display: { width: number; height: number; unit?: 'pt' | 'px' };
  displayRefit?: boolean;
  diskFormat: 'raw' | 'asif';
}

export interface ProcRef {
  pid: number;
  start: string;
}

export interface RunState extends ProcRef {
  mac: string;
  ip: string;
  /** Epoch ms from which the guest "has an address" (boot delay). */
  ipFrom: number;
  network: 'shared' | 'softnet' | 'bridged' | 'host';
  os: 'darwin' | 'linux';
  suspendable: boolean;
  guest?: ProcRef;
  /** Set by crashRun: the runner is gone but the VM still shows running (a host crash's leftover). */
  stale?: boolean;
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Kernel start time of a process (field 22 of /proc/PID/stat); '' where /proc is unavailable. */
export function procStart(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

function procState(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
  } catch {
    return '';
  }
}

export function self(): ProcRef {
  return { pid: process.pid, start: procStart(process.pid) };
}

/** Alive, not a zombie, and the same process (start time) that wrote the reference. */
export function alive(ref: ProcRef | undefined): boolean {
  if (!ref || !Number.isInteger(ref.pid) || ref.pid <= 0) return false;
  try {
    process.kill(ref.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = procState(ref.pid);
  if (st === 'Z' || st === 'X') return false;
  if (ref.start && fs.existsSync('/proc/self/stat')) return procStart(ref.pid) === ref.start;
  return true;
}

export function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfc) | 0x02; // locally administered, unicast
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Foundation's JSONEncoder pretty printing: 2-space indent, `"key" : value`, escaped slashes. */
export function foundationJson(value: unknown): string {
  const s = JSON.stringify(value, null, 2);
  if (s === '[]') return '[\n\n]';
  if (s === '{}') return '{\n\n}';
  return s.replace(/^(\s*"(?:[^"\\]|\\.)*"): /gm, '$1 : ').replace(/\//g, '\\/');
}

// ---------------------------------------------------------------------------------------------
// Remote (OCI) names: grammar from Sources/tart/OCI/Reference/Reference.g4.

export interface RemoteName {
  host: string;
  namespace: string;
  /** `:tag` or `@sha256:hex`. */
  reference: string;
}

const NAME = '[A-Za-z0-9]+';
const HOST_C = `${NAME}(?:-${NAME})*`;
const HOST = `${HOST_C}(?:\\.${HOST_C})*(?::[0-9]+)?`;
const NS_C = `(?:${NAME}[._-]?)+`;
const NS = `${NS_C}(?:/${NS_C})*`;
const REF = `(?::${NAME}(?:[._-]${NAME})*|@${NAME}:${NAME})`;
const REMOTE_RE = new RegExp(`^(${HOST})/(${NS})(${REF})?$`);

export function parseRemote(name: string): RemoteName | undefined {
  const m = REMOTE_RE.exec(name);
  if (!m) return undefined;
  return { host: m[1], namespace: m[2], reference: m[3] ?? ':latest' };
}

export function remoteString(r: RemoteName): string {
  return `${r.host}/${r.namespace}${r.reference}`;
}

// ---------------------------------------------------------------------------------------------

export class Home {
  readonly root: string;
  readonly vms: string;
  readonly ocis: string;
  readonly tmp: string;
  readonly sim: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.root = env.TART_HOME ? path.resolve(env.TART_HOME) : path.join(os.homedir(), '.tart');
    this.vms = path.join(this.root, 'vms');
    this.ocis = path.join(this.root, 'cache', 'OCIs');
    this.tmp = path.join(this.root, 'tmp');
    this.sim = path.join(this.root, '.tart-sim');
    try {
      for (const d of [this.root, this.vms, this.ocis, this.tmp, this.sim]) fs.mkdirSync(d, { recursive: true });
    } catch (e) {
      throw new Error(`TART_HOME is invalid: ${(e as Error).message}`);
    }
  }

  vmDir(name: string): VmDir {
    return new VmDir(path.join(this.vms, name), name);
  }

  ociPath(r: RemoteName): string {
    return path.join(this.ocis, r.host, ...r.namespace.split('/'), r.reference.slice(1));
  }

  /** Global lock (tart: flock on TART_HOME) serializing clone and run start. */
  lockGlobal(): () => void {
    const file = path.join(this.sim, 'global.lock');
    const me = self();
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, JSON.stringify(me));
        fs.closeSync(fd);
        return () => {
          const holder = readJson<ProcRef>(file);
          if (holder?.pid === me.pid) fs.rmSync(file, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = readJson<ProcRef>(file);
        if (holder && !alive(holder)) {
          fs.rmSync(file, { force: true });
          continue;
        }
        if (!holder) {
          // Being written right now, or a leftover without content.
          try {
            if (Date.now() - fs.statSync(file).mtimeMs > 2000) fs.rmSync(file, { force: true });
          } catch {
            /* gone */
          }
        }
        if (Date.now() > deadline) throw new Error('tart-sim: timed out waiting for the TART_HOME lock');
        sleepSync(10);
      }
    }
  }

  /** tart's Config().gc(): drop tmp/ entries no live process owns. */
  gc(): void {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(this.tmp);
    } catch {
      return;
    }
    for (const e of entries) {
      const dir = path.join(this.tmp, e);
      const owner = readJson<ProcRef>(path.join(dir, '.tart-sim-owner'));
      if (owner && alive(owner)) continue;
      try {
        if (!owner && Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue;
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        /* raced */
      }
    }
  }

  temporaryDir(): string {
    const dir = path.join(this.tmp, randomBytes(16).toString('hex').toUpperCase());
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '.tart-sim-owner'), JSON.stringify(self()));
    return dir;
  }

  localVms(): VmDir[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.vms);
    } catch {
      return [];
    }
    return names
      .map((n) => this.vmDir(n))
      .filter((d) => d.initialized())
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** OCI cache entries: tag symlinks (`host/ns:tag`) and digest dirs (`host/ns@sha256:…`). */
  ociVms(): VmDir[] {
    const out: VmDir[] = [];
    const walk = (dir: string, rel: string[]) => {
      let ents: fs.Dirent[] = [];
      try {
        ents = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of ents) {
        const full = path.join(dir, e.name);
        if (e.isSymbolicLink() || (e.isDirectory() && e.name.startsWith('sha256:'))) {
          if (rel.length < 2) continue;
          const host = rel[0];
          const ns = rel.slice(1).join('/');
          const name = e.name.startsWith('sha256:') ? `${host}/${ns}@${e.name}` : `${host}/${ns}:${e.name}`;
          const vd = new VmDir(full, name);
          if (vd.initialized()) out.push(vd);
        } else if (e.isDirectory()) {
          walk(full, [...rel, e.name]);
        }
      }
    };
    walk(this.ocis, []);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // -- simulated DHCP server (bootpd): leases keyed by MAC ------------------------------------

  private leasesFile(): string {
    return path.join(this.sim, 'dhcpd_leases.json');
  }

  readLeases(): Lease[] {
    return readJson<Lease[]>(this.leasesFile()) ?? [];
  }

  writeLeases(leases: Lease[]): void {
    writeAtomic(this.leasesFile(), JSON.stringify(leases, null, 1));
  }

  /** Forgets every lease of a MAC (bootpd's table after a host crash). */
  dropLeases(mac: string): void {
    this.writeLeases(this.readLeases().filter((l) => l.mac !== mac));
  }

  /** The unexpired lease for a MAC that the guest has already obtained. */
  leaseFor(mac: string, now = Date.now()): Lease | undefined {
    return this.readLeases()
      .filter((l) => l.mac === mac && l.from <= now && l.expires > now)
      .sort((a, b) => b.from - a.from)[0];
  }
}

export interface Lease {
  mac: string;
  ip: string;
  /** When the guest obtained it (epoch ms); invisible before that. */
  from: number;
  expires: number;
}

/** A VM's IP in 127.0.0.0/8 derived from its MAC: 127.(1..254).x.(1..254), never 127.0.0.1. */
export function ipFromMac(mac: string, bump = 0): string {
  const o = mac.split(':').map((h) => parseInt(h, 16) || 0);
  let n = ((o[3] % 254) * 256 + o[4]) * 254 + (o[5] % 254) + bump;
  n %= 254 * 256 * 254;
  const z = (n % 254) + 1;
  n = Math.floor(n / 254);
  const y = n % 256;
  const x = Math.floor(n / 256) + 1;
  return `127.${x}.${y}.${z}`;
}

export class VmDir {
  constructor(
    readonly dir: string,
    readonly name: string,
  ) {}

  get configPath(): string {
    return path.join(this.dir, 'config.json');
  }
  get diskPath(): string {
    return path.join(this.dir, 'disk.img');
  }
  get nvramPath(): string {
    return path.join(this.dir, 'nvram.bin');
  }
  get statePath(): string {
    return path.join(this.dir, 'state.vzvmsave');
  }
  get runPath(): string {
    return path.join(this.dir, RUN_FILE);
  }

  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  initialized(): boolean {
    return fs.existsSync(this.configPath) && fs.existsSync(this.diskPath) && fs.existsSync(this.nvramPath);
  }

  config(): VmConfig {
    return JSON.parse(fs.readFileSync(this.configPath, 'utf8')) as VmConfig;
  }

  saveConfig(c: VmConfig): void {
    // Key order of VMConfig.encode(to:).
    const ordered: Record<string, unknown> = { version: c.version, os: c.os, arch: c.arch };
    if (c.ecid !== undefined) ordered.ecid = c.ecid;
    if (c.hardwareModel !== undefined) ordered.hardwareModel = c.hardwareModel;
    Object.assign(ordered, {
      cpuCountMin: c.cpuCountMin,
      cpuCount: c.cpuCount,
      memorySizeMin: c.memorySizeMin,
      memorySize: c.memorySize,
      macAddress: c.macAddress,
      display: c.display,
    });
    if (c.displayRefit !== undefined) ordered.displayRefit = c.displayRefit;
    ordered.diskFormat = c.diskFormat;
    writeAtomic(this.configPath, foundationJson(ordered).replace(/\\\//g, '/'));
  }

  runState(): RunState | undefined {
    return readJson<RunState>(this.runPath);
  }

  /** The live runner, if any (tart: PID from F_GETLK on config.json), or a crashed one left stale. */
  runner(): RunState | undefined {
    const st = this.runState();
    return st && (alive(st) || st.stale) ? st : undefined;
  }

  running(): boolean {
    return this.runner() !== undefined;
  }

  state(): 'running' | 'suspended' | 'stopped' {
    if (this.running()) return 'running';
    if (fs.existsSync(this.statePath)) return 'suspended';
    return 'stopped';
  }

  /** VMStorageLocal.open bumps the directory's access date. */
  touchAccess(): void {
    try {
      const st = fs.statSync(this.dir);
      fs.utimesSync(this.dir, new Date(), st.mtime);
    } catch {
      /* best effort, like tart */
    }
  }

  accessDate(): Date {
    return fs.statSync(this.dir).atime;
  }

  private files(): string[] {
    return [this.configPath, this.diskPath, this.nvramPath];
  }

  sizeBytes(): number {
    return this.files().reduce((n, f) => n + fs.statSync(f).size, 0);
  }

  allocatedBytes(): number {
    return this.files().reduce((n, f) => n + fs.statSync(f).blocks * 512, 0);
  }

  diskBytes(): number {
    return fs.statSync(this.diskPath).size;
  }
}

/** Deterministic synthetic content for an OCI image: name → digest, MAC, OS, sizes. */
export function syntheticImage(r: RemoteName): { digest: string; config: VmConfig; diskGB: number } {
  const key = `${r.host}/${r.namespace}`;
  const digest = 'sha256:' + createHash('sha256').update(`${key}${r.reference}`).digest('hex');
  const h = createHash('sha256').update(`mac:${key}${r.reference}`).digest();
  h[0] = (h[0] & 0xfc) | 0x02;
  const mac = [...h.subarray(0, 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
  const darwin = /macos/i.test(r.namespace);
  const config: VmConfig = darwin
    ? {
        version: 1,
        os: 'darwin',
        arch: 'arm64',
        ecid: createHash('sha256').update(`ecid:${key}`).digest('base64').slice(0, 24),
        hardwareModel: 'YnBsaXN0MDDTAQIDBAUGXxAZRGF0YVJlcHJlc2VudGF0aW9uVmVyc2lvbg==',
        cpuCountMin: 4,
        cpuCount: 4,
        memorySizeMin: 8 * 1024 ** 3,
        memorySize: 8 * 1024 ** 3,
        macAddress: mac,
        display: { width: 1024, height: 768 },
        diskFormat: 'raw',
      }
    : {
        version: 1,
        os: 'linux',
        arch: 'arm64',
        cpuCountMin: 1,
        cpuCount: 4,
        memorySizeMin: 512 * 1024 ** 2,
        memorySize: 4 * 1024 ** 3,
        macAddress: mac,
        display: { width: 1024, height: 768 },
        diskFormat: 'raw',
      };
  return { digest, config, diskGB: darwin ? 50 : 20 };
}

/** Writes config.json, a sparse disk.img of the given length and nvram.bin into dir. */
export function writeVmFiles(dir: string, config: VmConfig, diskBytes: number): void {
  const vd = new VmDir(dir, path.basename(dir));
  vd.saveConfig(config);
  const fd = fs.openSync(vd.diskPath, 'w');
  fs.ftruncateSync(fd, diskBytes);
  fs.closeSync(fd);
  fs.writeFileSync(vd.nvramPath, Buffer.alloc(0));
}

/** ByteCountFormatter (countStyle .file, adaptive): "20 GB", "20.5 GB", "1.23 TB". */
export function byteCount(bytes: number): string {
  if (bytes === 0) return 'Zero KB';
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  const digits = [0, 1, 2, 2, 2];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  const f = Number(v.toFixed(digits[u]));
  return `${f.toLocaleString('en-US', { maximumFractionDigits: digits[u] })} ${units[u]}`;
}

/**
 * A host crash as tart is left with it (seed 003 BUG-009): the VM's `tart run` process and guest
 * are gone without cleaning up, `tart list`/`get` still say running, `tart ip` finds no address
 * and `tart run` says it is already running, until `tart stop` clears the leftover.
 */
export function crashRun(home: Home, name: string): void {
  const vd = home.vmDir(name);
  const st = vd.runState();
  if (!st || !alive(st)) throw new Error(`crashRun: VM "${name}" is not running`);
  for (const ref of [st.guest, st]) {
    if (!ref) continue;
    for (const target of [-ref.pid, ref.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* not a group leader / gone */
      }
    }
  }
  writeAtomic(vd.runPath, JSON.stringify({ ...st, stale: true }));
  home.dropLeases(vd.config().macAddress);
}
