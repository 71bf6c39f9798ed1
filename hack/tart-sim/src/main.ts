// tart 2.x command-line simulator: entry point and the short-lived subcommands.
// Behaviour and messages follow /work/shared/reference/tart.md (tart 2.32.1 sources).
//
// Knobs (environment):
//   TART_HOME                 storage root (default ~/.tart)
//   TART_SIM_VERSION          version printed by --version and shape of list/get (default 2.31.0)
//   TART_SIM_CALL_LOG         append every invocation's argv (JSON, one per line) to this file
//   TART_SIM_PULL_FAIL        substring of OCI names that do not exist (default "does-not-exist")
//   TART_SIM_BOOT_MS          delay before a started VM has an IP (default 300)
//   TART_SIM_IP_POLL_MS       sleep between `tart ip` attempts (default 1000, tart's 1 s)
//   TART_SIM_SOFTNET          ok | noprivs | missing (default ok)
//   TART_SIM_BRIDGE_IFS       bridgeable interfaces, "en0=Ethernet,en1=Wi-Fi" (default)
//   TART_SIM_GUESTS=1         `tart run` starts hack/guest-sandbox as the guest (sshd on the VM IP)
//   TART_SIM_GUEST_BIN        guest launcher path (default ../../guest-sandbox/bin/guest-sandbox)

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CleanExit, PlainError, RuntimeError, UsageError, one, opt, parse, renderHelp, renderUsageError, usageBlock, type CommandSpec, type Parsed } from './args.js';
import { runCommand } from './run.js';
import { NOT_SIMULATED, ROOT, SPECS } from './specs.js';
import {
  Home,
  VmDir,
  alive,
  byteCount,
  foundationJson,
  ipFromMac,
  parseRemote,
  randomMac,
  remoteString,
  sleep,
  syntheticImage,
  writeVmFiles,
  type RemoteName,
} from './storage.js';

export const out = (s: string) => process.stdout.write(s);
export const err = (s: string) => process.stderr.write(s);

export function simVersion(): string {
  return process.env.TART_SIM_VERSION || '2.31.0';
}

/** true when the simulated version is >= v (e.g. "2.6.1"). */
export function versionAtLeast(v: string): boolean {
  const a = simVersion().split('.').map((x) => parseInt(x, 10) || 0);
  const b = v.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** VMStorageLocal.open: missing dir → VMDoesNotExist, incomplete → VMMissingFiles. */
export function openLocal(home: Home, name: string): VmDir {
  const vd = home.vmDir(name);
  if (!vd.exists() || parseRemote(name)) throw new RuntimeError(`the specified VM "${name}" does not exist`, 2);
  if (!vd.initialized()) throw new RuntimeError('VM is missing some of its files (config.json, disk.img or nvram.bin)', 1);
  vd.touchAccess();
  return vd;
}

// ---------------------------------------------------------------------------------------------

function pullFails(r: RemoteName): boolean {
  const needle = process.env.TART_SIM_PULL_FAIL ?? 'does-not-exist';
  return needle !== '' && remoteString(r).includes(needle);
}

/** Implicit or explicit pull of a synthetic image into cache/OCIs (no network). */
function pull(home: Home, r: RemoteName, explicit: boolean): void {
  out('pulling manifest...\n');
  if (pullFails(r)) {
    // Registry.pullManifest on HTTP 404 (message shape inferred from RegistryError's Swift description).
    throw new PlainError(
      `UnexpectedHTTPStatusCode(when: "pulling manifest", code: 404, details: "{\\"errors\\":[{\\"code\\":\\"MANIFEST_UNKNOWN\\",\\"message\\":\\"manifest unknown\\"}]}")`,
    );
  }
  const img = syntheticImage(r);
  const tagPath = home.ociPath(r);
  const parent = path.dirname(tagPath);
  const digestDir = path.join(parent, img.digest);
  const digestName = `${r.host}/${r.namespace}@${img.digest}`;
  if (fs.existsSync(digestDir)) {
    let linked = false;
    try {
      linked = fs.readlinkSync(tagPath) === img.digest;
    } catch {
      /* not a link */
    }
    if (linked) {
      out(`${digestName} image is already cached and linked!\n`);
      return;
    }
    out(`${digestName} image is already cached! creating a symlink...\n`);
  } else {
    out(`pulling disk (${(img.diskGB * 0.2).toFixed(1)} GB compressed)...\n`);
    out('pulling NVRAM...\n');
    const tmp = home.temporaryDir();
    writeVmFiles(tmp, img.config, img.diskGB * 1e9);
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify({ schemaVersion: 2, name: remoteString(r) }));
    fs.rmSync(path.join(tmp, '.tart-sim-owner'), { force: true });
    fs.mkdirSync(parent, { recursive: true });
    fs.renameSync(tmp, digestDir);
  }
  if (r.reference.startsWith(':')) {
    fs.rmSync(tagPath, { force: true });
    fs.symlinkSync(img.digest, tagPath);
  } else if (explicit) {
    fs.writeFileSync(path.join(digestDir, '.explicitly-pulled'), '');
  }
}

function openAny(home: Home, name: string): VmDir {
  const r = parseRemote(name);
  if (r) {
    const p = home.ociPath(r);
    const vd = new VmDir(r.reference.startsWith('@') ? path.join(path.dirname(p), r.reference.slice(1)) : p, remoteString(r));
    if (!vd.initialized()) throw new RuntimeError(`the specified VM "${name}" does not exist`, 2);
    return vd;
  }
  return openLocal(home, name);
}

function cmdClone(home: Home, p: Parsed): void {
  const src = one(p, 'source');
  const dst = one(p, 'new');
  if (dst.includes('/')) throw new UsageError('<new-name> should be a local name');
  const conc = opt(p, 'concurrency');
  if (conc !== undefined && Number(conc) < 1) throw new UsageError('network concurrency cannot be less than 1');
  const r = parseRemote(src);
  if (r && !openAnyExists(home, r)) pull(home, r, false);
  const source = openAny(home, src);
  const tmp = home.temporaryDir();
  const unlock = home.lockGlobal();
  try {
    const cfg = source.config();
    const suspended = fs.existsSync(source.statePath) && !source.running();
    const generateMAC = home.localVms().some((v) => safeMac(v) === cfg.macAddress) && !suspended;
    // APFS clone in tart; here a sparse file of the same length (the synthetic disks hold no data).
    writeVmFiles(tmp, generateMAC ? { ...cfg, macAddress: randomMac() } : cfg, source.diskBytes());
    if (!generateMAC && fs.existsSync(source.statePath)) fs.copyFileSync(source.statePath, path.join(tmp, 'state.vzvmsave'));
    fs.rmSync(path.join(tmp, '.tart-sim-owner'), { force: true });
    const target = home.vmDir(dst);
    // FileManager.replaceItemAt: an existing NEW is silently replaced (tart.md §1, #822).
    if (fs.existsSync(target.dir)) {
      const trash = path.join(home.tmp, `replaced-${process.pid}-${Date.now()}`);
      fs.renameSync(target.dir, trash);
      fs.renameSync(tmp, target.dir);
      fs.rmSync(trash, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target.dir);
    }
  } finally {
    unlock();
  }
}

function openAnyExists(home: Home, r: RemoteName): boolean {
  try {
    openAny(home, remoteString(r));
    return true;
  } catch {
    return false;
  }
}

function safeMac(v: VmDir): string | undefined {
  try {
    return v.config().macAddress;
  } catch {
    return undefined;
  }
}

function cmdCreate(home: Home, p: Parsed): void {
  const name = one(p, 'name');
  const ipsw = opt(p, 'from-ipsw');
  const linux = p.flags.has('linux');
  if ((ipsw === undefined) === !linux) throw new UsageError('Please specify either a --from-ipsw or --linux option!');
  if (ipsw !== undefined) throw new PlainError('tart-sim: creating macOS VMs from an IPSW is not simulated; clone a ghcr.io/cirruslabs/macos-* image instead');
  const diskGB = Number(opt(p, 'disk-size') ?? '50');
  const tmp = home.temporaryDir();
  writeVmFiles(
    tmp,
    {
      version: 1,
      os: 'linux',
      arch: 'arm64',
      cpuCountMin: 4,
      cpuCount: 4,
      memorySizeMin: 4096 * 1024 * 1024,
      memorySize: 4096 * 1024 * 1024,
      macAddress: randomMac(),
      display: { width: 1024, height: 768 },
      diskFormat: (opt(p, 'disk-format') as 'raw' | 'asif' | undefined) ?? 'raw',
    },
    diskGB * 1e9,
  );
  fs.rmSync(path.join(tmp, '.tart-sim-owner'), { force: true });
  const target = home.vmDir(name);
  fs.rmSync(target.dir, { recursive: true, force: true });
  fs.renameSync(tmp, target.dir);
}

function cmdSet(home: Home, p: Parsed): void {
  const vd = openLocal(home, one(p, 'name'));
  const cfg = vd.config();
  const cpu = opt(p, 'cpu');
  if (cpu !== undefined) {
    const n = Number(cpu);
    if (cfg.os === 'darwin' && n < cfg.cpuCountMin) {
      throw new PlainError(`LessThanMinimalResourcesError: VM should have ${cfg.cpuCountMin} CPU cores at minimum (requested ${n})`);
    }
    if (n < 1) throw new PlainError(`LessThanMinimalResourcesError: VM should have 1 CPU cores at minimum (requested ${n})`);
    cfg.cpuCount = n;
  }
  const mem = opt(p, 'memory');
  if (mem !== undefined) {
    const bytes = Number(mem) * 1024 * 1024;
    if (cfg.os === 'darwin' && bytes < cfg.memorySizeMin) {
      throw new PlainError(`LessThanMinimalResourcesError: VM should have ${cfg.memorySizeMin} bytes of memory at minimum (requested ${bytes})`);
    }
    const vzMin = 128 * 1024 * 1024;
    if (bytes < vzMin) throw new PlainError(`LessThanMinimalResourcesError: VM should have ${vzMin} bytes of memory at minimum (requested ${bytes})`);
    cfg.memorySize = bytes;
  }
  const display = opt(p, 'display');
  if (display !== undefined) {
    let arg = display;
    let unit: 'pt' | 'px' | undefined;
    if (arg.endsWith('px') || arg.endsWith('pt')) {
      unit = arg.slice(-2) as 'pt' | 'px';
      arg = arg.slice(0, -2);
    }
    const [w, h] = arg.split('x').map((x) => parseInt(x, 10) || 0);
    if (w > 0) cfg.display.width = w;
    if ((h ?? 0) > 0) cfg.display.height = h;
    if (unit) cfg.display.unit = unit;
    else delete cfg.display.unit;
  }
  // Quirk kept from tart: every `set` writes displayRefit from the flag (unset without it).
  if (p.flags.has('display-refit') && p.flags.has('no-display-refit')) {
    throw new UsageError("Value to be set with flag '--no-display-refit' had already been set with flag '--display-refit'");
  }
  cfg.displayRefit = p.flags.has('display-refit') ? true : p.flags.has('no-display-refit') ? false : undefined;
  if (p.flags.has('random-mac')) cfg.macAddress = randomMac();
  vd.saveConfig(cfg);
  const disk = opt(p, 'disk');
  if (disk !== undefined) {
    if (!fs.existsSync(disk)) throw new PlainError(`The file “${path.basename(disk)}” couldn’t be opened because there is no such file.`);
    const tmp = path.join(home.tmp, `set-disk-${Date.now()}`);
    fs.copyFileSync(disk, tmp);
    fs.renameSync(tmp, vd.diskPath);
  }
  const ds = opt(p, 'disk-size');
  if (ds !== undefined) {
    const want = Number(ds) * 1e9;
    const cur = vd.diskBytes();
    if (want < cur) throw new RuntimeError(`new disk size of ${byteCount(want)} should be larger than the current disk size of ${byteCount(cur)}`, 1);
    if (want > cur) fs.truncateSync(vd.diskPath, want);
  }
}

function listFields(vd: VmDir, source: 'local' | 'OCI', json: boolean): Record<string, unknown> {
  const f: Record<string, unknown> = { Source: source, Name: vd.name };
  if (versionAtLeast('2.6.1')) f.Disk = Math.floor(vd.sizeBytes() / 1e9);
  f.Size = Math.floor(vd.allocatedBytes() / 1e9);
  if (versionAtLeast('2.15.0') && !versionAtLeast('2.31.0')) f.SizeOnDisk = Math.floor(vd.allocatedBytes() / 1e9);
  if (versionAtLeast('2.31.0')) f.Accessed = json ? vd.accessDate().toISOString().replace(/\.\d{3}Z$/, 'Z') : relative(vd.accessDate());
  const running = vd.running();
  f.Running = running;
  if (versionAtLeast('1.8.0')) f.State = vd.state();
  return f;
}

/** RelativeDateTimeFormatter, full units style. */
function relative(d: Date): string {
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  const units: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [sec, name] of units) {
    if (Math.abs(s) >= sec || sec === 1) {
      const n = Math.floor(Math.abs(s) / sec);
      const w = `${n} ${name}${n === 1 ? '' : 's'}`;
      return s >= 0 ? `${w} ago` : `in ${w}`;
    }
  }
  return 'now';
}

/** TextTable's Plain style: left-justified, single-space separated, trimmed as a whole. */
function textTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]).filter((k) => k !== 'Running');
  const cells = [cols, ...rows.map((r) => cols.map((c) => String(r[c])))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row) => row.map((c, i) => c.padEnd(widths[i])).join(' '))
    .join('\n')
    .trim();
}

function cmdList(home: Home, p: Parsed): void {
  const source = opt(p, 'source');
  if (source !== undefined && source !== 'local' && source !== 'oci') throw new UsageError(`'${source}' is not a valid <source>`);
  const json = opt(p, 'format') === 'json';
  const rows: Record<string, unknown>[] = [];
  if (source === undefined || source === 'local') rows.push(...home.localVms().map((v) => listFields(v, 'local', json)));
  if (source === undefined || source === 'oci') rows.push(...home.ociVms().map((v) => listFields(v, 'OCI', json)));
  if (p.flags.has('quiet')) {
    for (const r of rows) out(`${String(r.Name)}\n`);
    return;
  }
  out(`${json ? foundationJson(rows) : textTable(rows)}\n`);
}

function cmdGet(home: Home, p: Parsed): void {
  const vd = openLocal(home, one(p, 'name'));
  const c = vd.config();
  const f: Record<string, unknown> = {};
  if (versionAtLeast('2.8.0')) f.OS = c.os;
  f.CPU = c.cpuCount;
  f.Memory = Math.floor(c.memorySize / 1024 / 1024);
  f.Disk = Math.floor(vd.sizeBytes() / 1e9);
  if (versionAtLeast('2.28.0')) f.DiskFormat = c.diskFormat;
  if (versionAtLeast('2.6.1')) f.Size = (vd.allocatedBytes() / 1e9).toFixed(3);
  f.Display = `${c.display.width}x${c.display.height}${c.display.unit ?? ''}`;
  f.Running = vd.running();
  f.State = vd.state();
  out(`${opt(p, 'format') === 'json' ? foundationJson(f) : textTable([f])}\n`);
}

/** One resolver attempt (tart IP.resolveIP's loop body). */
function resolveOnce(home: Home, vd: VmDir, resolver: string): string | undefined {
  const cfg = vd.config();
  const now = Date.now();
  if (resolver === 'dhcp') {
    // Reads the lease file, not the VM: a stopped VM with an unexpired lease still resolves (#172).
    return home.leaseFor(cfg.macAddress, now)?.ip;
  }
  const r = vd.runner();
  if (!r || r.mac !== cfg.macAddress || r.ipFrom > now) return undefined;
  if (resolver === 'agent' && cfg.os !== 'darwin') return undefined;
  return r.ip;
}

async function cmdIp(home: Home, p: Parsed): Promise<void> {
  const name = one(p, 'name');
  const vd = openLocal(home, name);
  const wait = Number(opt(p, 'wait') ?? '0');
  const resolver = opt(p, 'resolver') ?? 'dhcp';
  const pollMs = Number(process.env.TART_SIM_IP_POLL_MS ?? '1000');
  const until = Date.now() + wait * 1000;
  do {
    const ip = resolveOnce(home, vd, resolver);
    if (ip) {
      out(`${ip}\n`);
      return;
    }
    await sleep(pollMs);
  } while (Date.now() < until);
  let message = 'no IP address found';
  if (!vd.running()) message += ', is your VM running?';
  if (resolver === 'agent') message += ' (also make sure that Guest agent for Tart is running inside of a VM)';
  else if (resolver === 'arp' && vd.config().os === 'linux') message += ' (not all Linux distributions are compatible with the ARP resolver)';
  throw new RuntimeError(message, 1);
}

async function cmdStop(home: Home, p: Parsed): Promise<void> {
  const name = one(p, 'name');
  const vd = openLocal(home, name);
  const st = vd.state();
  if (st === 'suspended') {
    fs.rmSync(vd.statePath, { force: true });
    return;
  }
  const runner = vd.runner();
  if (st === 'stopped' || !runner) throw new RuntimeError(`VM "${name}" is not running`, 2);
  if (runner.stale) {
    // A host crash's leftover (crashRun): nothing to signal; stopping clears the stale state.
    fs.rmSync(vd.runPath, { force: true });
    return;
  }
  try {
    process.kill(runner.pid, 'SIGINT');
  } catch {
    /* racing with a VM that is already shutting down: not an error (Stop.swift) */
  }
  let budget = Number(opt(p, 'timeout') ?? '30') * 1000;
  while (budget > 0) {
    if (!alive(runner)) return;
    await sleep(100);
    budget -= 100;
  }
  if (!alive(runner)) return;
  try {
    process.kill(runner.pid, 'SIGKILL');
  } catch (e) {
    throw new RuntimeError(`failed to forcefully terminate the VM "${name}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 1);
  }
  // The VM dies with its `tart run` process: tear down the simulated guest too.
  if (runner.guest && alive(runner.guest)) {
    try {
      process.kill(runner.guest.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function cmdSuspend(home: Home, p: Parsed): void {
  const name = one(p, 'name');
  const vd = openLocal(home, name);
  const runner = vd.runner();
  if (!runner) throw new RuntimeError(`VM "VM "${name}" is not running" is not running`, 2);
  try {
    process.kill(runner.pid, 'SIGUSR1');
  } catch (e) {
    throw new RuntimeError(`Failed to suspend the VM: failed to send SIGUSR1 signal to the VM process: ${String(e)}`, 1);
  }
}

function cmdDelete(home: Home, p: Parsed): void {
  for (const name of p.positionals.name) {
    const r = parseRemote(name);
    if (r) {
      const vd = (() => {
        try {
          return openAny(home, name);
        } catch {
          return undefined;
        }
      })();
      if (!vd) throw new RuntimeError(`the specified VM "${name}" does not exist`, 2);
      fs.rmSync(vd.dir, { recursive: true, force: true });
      continue;
    }
    const vd = home.vmDir(name);
    // VMDirectory.delete → PIDLock(config.json): ENOENT is VMDoesNotExist (2.18.5+).
    if (!fs.existsSync(vd.configPath)) throw new RuntimeError(`the specified VM "${name}" does not exist`, 2);
    if (vd.running()) throw new RuntimeError(`VM "${name}" is running`, 1);
    fs.rmSync(vd.dir, { recursive: true, force: true });
  }
}

function cmdRename(home: Home, p: Parsed): void {
  const name = one(p, 'name');
  const nw = one(p, 'new');
  if (nw.includes('/')) throw new UsageError('<new-name> should be a local name');
  if (!home.vmDir(name).initialized()) throw new UsageError(`failed to rename a non-existent local VM: ${name}`);
  if (home.vmDir(nw).initialized()) throw new UsageError(`failed to rename VM ${name}, target VM ${nw} already exists, delete it first!`);
  fs.renameSync(home.vmDir(name).dir, home.vmDir(nw).dir);
}

function cmdPull(home: Home, p: Parsed): void {
  const name = one(p, 'remote');
  const r = parseRemote(name);
  if (!r) {
    if (home.vmDir(name).initialized()) {
      out(`"${name}" is a local image, nothing to pull here!\n`);
      return;
    }
    throw new PlainError(`failed to parse remote name: ${name}`);
  }
  out(`pulling ${remoteString(r)}...\n`);
  pull(home, r, true);
}

function cmdFqn(home: Home, p: Parsed): void {
  const name = one(p, 'name');
  const r = parseRemote(name);
  if (!r) {
    out(`${name}\n`);
    return;
  }
  const target = fs.existsSync(home.ociPath(r)) ? fs.readlinkSync(home.ociPath(r)) : syntheticImage(r).digest;
  out(`${r.host}/${r.namespace}@${target}\n`);
}

function cmdExec(home: Home, p: Parsed): void {
  const name = one(p, 'name');
  const vd = openLocal(home, name);
  if (!vd.running()) throw new RuntimeError(`VM "${name}" is not running`, 2);
  throw new PlainError(
    'Failed to connect to the VM using its control socket: tart-sim has no guest agent, is the Tart Guest Agent running?',
  );
}

// ---------------------------------------------------------------------------------------------

function logCall(argv: string[]): void {
  const file = process.env.TART_SIM_CALL_LOG;
  if (!file) return;
  try {
    fs.appendFileSync(file, `${JSON.stringify({ argv, pid: process.pid, t: Date.now() })}\n`);
  } catch {
    /* logging must never change tart's behaviour */
  }
}

export async function main(argv: string[]): Promise<number> {
  // A closed stdout/stderr (e.g. `tart list | head -1`, or a log reader gone) must not crash the
  // simulator mid-command: tart's writes would just fail too.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  logCall(argv);
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(`${renderHelp(ROOT)}\n\nSUBCOMMANDS:\n${Object.keys(SPECS).map((s) => `  ${s}`).join('\n')}\n`);
    return 0;
  }
  if (sub === '--version') {
    out(`${simVersion()}\n`);
    return 0;
  }
  if (NOT_SIMULATED.includes(sub)) {
    err(`Error: tart-sim: "tart ${sub}" is not simulated\n`);
    return 1;
  }
  const spec: CommandSpec | undefined = SPECS[sub];
  if (!spec) {
    err(
      renderUsageError(
        ROOT,
        sub.startsWith('-') ? new UsageError(`Unknown option '${sub.split('=')[0]}'`) : new UsageError(`Unexpected argument '${sub}'`),
        true,
      ),
    );
    return 64;
  }
  try {
    const parsed = parse(spec, rest);
    const home = new Home();
    if (sub !== 'pull' && sub !== 'clone') {
      try {
        home.gc();
      } catch (e) {
        err(`Failed to perform garbage collection: ${String(e)}\n`);
      }
    }
    switch (sub) {
      case 'create':
        cmdCreate(home, parsed);
        break;
      case 'clone':
        cmdClone(home, parsed);
        break;
      case 'run':
        return await runCommand(home, parsed);
      case 'set':
        cmdSet(home, parsed);
        break;
      case 'get':
        cmdGet(home, parsed);
        break;
      case 'list':
        cmdList(home, parsed);
        break;
      case 'ip':
        await cmdIp(home, parsed);
        break;
      case 'stop':
        await cmdStop(home, parsed);
        break;
      case 'suspend':
        cmdSuspend(home, parsed);
        break;
      case 'delete':
        cmdDelete(home, parsed);
        break;
      case 'rename':
        cmdRename(home, parsed);
        break;
      case 'pull':
        cmdPull(home, parsed);
        break;
      case 'fqn':
        cmdFqn(home, parsed);
        break;
      case 'exec':
        cmdExec(home, parsed);
        break;
    }
    return 0;
  } catch (e) {
    return report(spec, e);
  }
}

export function report(spec: CommandSpec, e: unknown): number {
  if (e instanceof CleanExit) {
    out(`${e.text}\n`);
    return 0;
  }
  if (e instanceof UsageError) {
    err(renderUsageError(spec, e));
    return 64;
  }
  if (e instanceof RuntimeError) {
    err(`${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof PlainError) {
    err(`Error: ${e.message}\n`);
    return 1;
  }
  err(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}

export { usageBlock, ipFromMac };
