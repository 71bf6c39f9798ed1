// Contract of the tart CLI simulator: command line → exit code, stdout, stderr, as tart 2.x
// behaves (reference/tart.md). The simulator runs as a separate process, exactly like tart.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIM_TART, makeSimHome, waitFor, type SimHome } from './testing.js';

const IMAGE = 'ghcr.io/cirruslabs/ubuntu:latest';
const MACOS = 'ghcr.io/cirruslabs/macos-sequoia-base:latest';

let sim: SimHome;
const runs: ChildProcess[] = [];

beforeEach(() => {
  sim = makeSimHome();
});
afterEach(() => {
  for (const c of runs.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  sim.cleanup();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startRun(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(SIM_TART, ['run', ...args], { env: { ...process.env, ...sim.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  runs.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

function state(name: string): string | undefined {
  const r = sim.tart(['list', '--format', 'json']);
  return (JSON.parse(r.stdout) as { Name: string; State: string }[]).find((v) => v.Name === name)?.State;
}

async function runUntilRunning(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  const run = startRun([name, '--no-graphics', ...args], env);
  await waitFor(() => state(name) === 'running' || run.child.exitCode !== null);
  expect(run.child.exitCode, run.stderr()).toBeNull();
  return run;
}

function clone(name: string, image = IMAGE): void {
  const r = sim.tart(['clone', image, name]);
  expect(r.status, r.stderr).toBe(0);
}

describe('tart-sim CLI contract: argument errors (exit 64) and error styles', () => {
  const usageCases: { title: string; args: string[]; stderr: string }[] = [
    {
      title: 'run --config is an unknown option, exit 64 (seed 001 BUG-001)',
      args: ['run', 'dev-master', '--config', 'user-data=./cloud-init-configs/dev-master.yaml', '--no-graphics'],
      stderr: "Error: Unknown option '--config'\nUsage: tart run [<options>] <name>\n  See 'tart run --help' for more information.\n",
    },
    {
      title: 'unknown subcommand is an unexpected argument of the root command',
      args: ['frobnicate', 'x'],
      stderr: "Error: Unexpected argument 'frobnicate'\nUsage: tart <subcommand>\n  See 'tart --help' for more information.\n",
    },
    {
      title: 'misspelled option gets a suggestion',
      args: ['ip', 'vm', '--wiat', '3'],
      stderr: "Error: Unknown option '--wiat'. Did you mean '--wait'?\nUsage: tart ip <name> [--wait <wait>] [--resolver <resolver>]\n  See 'tart ip --help' for more information.\n",
    },
    {
      title: 'non-numeric --cpu is an invalid value with a Help line',
      args: ['set', 'vm', '--cpu', 'abc'],
      stderr:
        "Error: The value 'abc' is invalid for '--cpu <cpu>'\nHelp:  --cpu <cpu>  Number of VM CPUs\nUsage: tart set <name> [--cpu <cpu>] [--memory <memory>] [--display <display>] [--display-refit] [--no-display-refit] [--random-mac] [--random-serial] [--disk <path>] [--disk-size <disk-size>]\n  See 'tart set --help' for more information.\n",
    },
    {
      title: 'disk size beyond UInt16 is invalid',
      args: ['set', 'vm', '--disk-size', '70000'],
      stderr: "Error: The value '70000' is invalid for '--disk-size <disk-size>'",
    },
    {
      title: 'missing VM name',
      args: ['run'],
      stderr: "Error: Missing expected argument '<name>'\nHelp:  <name>  VM name\nUsage: tart run [<options>] <name>\n",
    },
    {
      title: 'list --source outside local|oci',
      args: ['list', '--source', 'remote'],
      stderr: "Error: 'remote' is not a valid <source>\nUsage: tart list [--source <source>] [--format <format>] [--quiet]\n",
    },
    {
      title: 'list --format outside text|json lists the choices',
      args: ['list', '--format', 'yaml'],
      stderr: "Error: The value 'yaml' is invalid for '--format <format>'. Please provide one of 'text' and 'json'.\n",
    },
    {
      title: 'ip --resolver outside dhcp|arp|agent',
      args: ['ip', 'vm', '--resolver', 'mdns'],
      stderr: "Please provide one of 'dhcp', 'arp' or 'agent'.",
    },
    {
      title: 'clone into a remote name',
      args: ['clone', IMAGE, 'ghcr.io/me/vm:latest'],
      stderr: "Error: <new-name> should be a local name\nUsage: tart clone <source-name> <new-name> [--insecure] [--concurrency <concurrency>] [--prune-limit <n>]\n",
    },
    {
      title: 'flag given a value',
      args: ['run', 'vm', '--no-graphics=yes'],
      stderr: "Error: The option '--no-graphics' does not take any value, but 'yes' was specified.\n",
    },
    {
      title: 'option missing its value',
      args: ['ip', 'vm', '--wait'],
      stderr: "Error: Missing value for '--wait <wait>'\nHelp:  --wait <wait>  Number of seconds to wait for a potential VM booting\n",
    },
    {
      title: 'two extra positionals',
      args: ['stop', 'a', 'b', 'c'],
      stderr: "Error: 2 unexpected arguments: 'b', 'c'\n",
    },
  ];
  for (const c of usageCases) {
    it(`${c.title} → 64`, () => {
      const r = sim.tart(c.args);
      expect(r.status).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(c.stderr);
      expect(r.stderr.startsWith('Error: ')).toBe(true);
    });
  }

  it('network flags are mutually exclusive → 64 (validate runs before the VM lookup)', () => {
    clone('vm');
    const r = sim.tart(['run', 'vm', '--net-softnet', '--net-bridged=en0']);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/^Error: --net-bridged, --net-softnet and --net-host are mutually exclusive\nUsage: tart run \[<options>\] <name>/);
    const r2 = sim.tart(['run', 'vm', '--net-softnet-allow=0.0.0.0/0', '--net-host']);
    expect(r2.status).toBe(64);
  });

  it('an unknown bridge interface → 64 listing the available ones', () => {
    clone('vm');
    const r = sim.tart(['run', 'vm', '--no-graphics', '--net-bridged=en9']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('Error: no bridge interfaces matched "["en9"]", available interfaces: ["en0 (or \\"Ethernet\\")", "en1 (or \\"Wi-Fi\\")"]');
  });

  it('run of a missing VM fails in validate: "Error:" prefix and exit 1, while ip of it exits 2 without prefix', () => {
    const run = sim.tart(['run', 'missing-vm']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('Error: the specified VM "missing-vm" does not exist\n');
    const ip = sim.tart(['ip', 'missing-vm']);
    expect(ip.status).toBe(2);
    expect(ip.stderr).toBe('the specified VM "missing-vm" does not exist\n');
  });

  it('a VM directory missing disk.img is not listed and cannot run', () => {
    clone('vm');
    fs.rmSync(path.join(sim.env.TART_HOME, 'vms', 'vm', 'disk.img'));
    expect(sim.tart(['list', '-q', '--source', 'local']).stdout).toBe('');
    const r = sim.tart(['run', 'vm']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('Error: VM is missing some of its files (config.json, disk.img or nvram.bin)\n');
  });

  it('--version prints the bare version; TART_SIM_VERSION overrides it', () => {
    expect(sim.tart(['--version'])).toMatchObject({ status: 0, stdout: '2.31.0\n', stderr: '' });
    expect(sim.tart(['--version'], { TART_SIM_VERSION: '2.20.0' }).stdout).toBe('2.20.0\n');
  });

  it('subcommands tart has but the simulator does not simulate fail loudly, not silently', () => {
    const r = sim.tart(['push', 'vm', 'ghcr.io/me/vm:latest']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not simulated');
  });
});

describe('tart-sim CLI contract: clone, set, get, list, delete', () => {
  it('clone of an OCI name pulls it once into cache/OCIs (tag symlink + digest dir), then uses the cache', () => {
    const first = sim.tart(['clone', IMAGE, 'a']);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('pulling manifest...\npulling disk (4.0 GB compressed)...\npulling NVRAM...\n');
    const second = sim.tart(['clone', IMAGE, 'b']);
    expect(second).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const oci = sim.tart(['list', '--source', 'oci', '-q']).stdout.split('\n').filter(Boolean);
    expect(oci).toHaveLength(2);
    expect(oci[0]).toBe(IMAGE);
    expect(oci[1]).toMatch(/^ghcr\.io\/cirruslabs\/ubuntu@sha256:[0-9a-f]{64}$/);
  });

  it('clone of an image that does not exist → exit 1 with the registry error', () => {
    const r = sim.tart(['clone', 'ghcr.io/cirruslabs/does-not-exist:latest', 'x']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('pulling manifest...\n');
    expect(r.stderr).toMatch(/^Error: UnexpectedHTTPStatusCode\(when: "pulling manifest", code: 404/);
    expect(sim.tart(['list', '-q']).stdout).toBe('');
  });

  it('clone from a missing local VM → exit 2', () => {
    const r = sim.tart(['clone', 'nope', 'x']);
    expect(r).toMatchObject({ status: 2, stderr: 'the specified VM "nope" does not exist\n' });
  });

  it('clone silently overwrites an existing target; MAC kept only by the first clone of an image', () => {
    const mac = (n: string) => JSON.parse(fs.readFileSync(path.join(sim.env.TART_HOME, 'vms', n, 'config.json'), 'utf8')).macAddress as string;
    clone('a');
    clone('b');
    expect(mac('a')).not.toBe(mac('b'));
    sim.tart(['set', 'a', '--cpu', '7']);
    const again = sim.tart(['clone', IMAGE, 'a']);
    expect(again).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(sim.tart(['get', 'a', '--format', 'json']).stdout).CPU).toBe(4);
    // local → local always regenerates (the source's MAC is in use by the source)
    clone('c', 'b');
    expect(mac('c')).not.toBe(mac('b'));
  });

  it('set --disk-size only grows: shrink → exit 1 with the exact message, equal is a no-op', () => {
    clone('vm');
    const shrink = sim.tart(['set', 'vm', '--disk-size', '10']);
    expect(shrink).toMatchObject({ status: 1, stdout: '', stderr: 'new disk size of 10 GB should be larger than the current disk size of 20 GB\n' });
    expect(sim.tart(['set', 'vm', '--disk-size', '20']).status).toBe(0);
    expect(sim.tart(['set', 'vm', '--disk-size', '64']).status).toBe(0);
    expect(JSON.parse(sim.tart(['get', 'vm', '--format', 'json']).stdout).Disk).toBe(64);
  });

  it('set --cpu/--memory (MiB) change config.json; --random-mac changes the MAC', () => {
    clone('vm');
    const before = JSON.parse(fs.readFileSync(path.join(sim.env.TART_HOME, 'vms', 'vm', 'config.json'), 'utf8'));
    expect(sim.tart(['set', 'vm', '--cpu', '2', '--memory', '3072', '--random-mac']).status).toBe(0);
    const after = JSON.parse(fs.readFileSync(path.join(sim.env.TART_HOME, 'vms', 'vm', 'config.json'), 'utf8'));
    expect(after).toMatchObject({ cpuCount: 2, memorySize: 3072 * 1024 * 1024 });
    expect(after.macAddress).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(after.macAddress).not.toBe(before.macAddress);
  });

  it('set below the macOS minimum → "Error: LessThanMinimalResourcesError…" exit 1; set of a missing VM → 2', () => {
    clone('mac', MACOS);
    const r = sim.tart(['set', 'mac', '--cpu', '2']);
    expect(r).toMatchObject({ status: 1, stderr: 'Error: LessThanMinimalResourcesError: VM should have 4 CPU cores at minimum (requested 2)\n' });
    expect(sim.tart(['set', 'nope', '--cpu', '2']).status).toBe(2);
  });

  it('list --format json (2.31.0): exact keys in order, Foundation pretty-printing, escaped slashes', () => {
    clone('vm');
    const r = sim.tart(['list', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"Name" : "ghcr.io\\/cirruslabs\\/ubuntu:latest"');
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(Object.keys(rows[0])).toEqual(['Source', 'Name', 'Disk', 'Size', 'Accessed', 'Running', 'State']);
    expect(rows[0]).toMatchObject({ Source: 'local', Name: 'vm', Disk: 20, Running: false, State: 'stopped' });
    expect(rows[0].Accessed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows.map((x) => x.Source)).toEqual(['local', 'OCI', 'OCI']);
  });

  it('list --format json follows the 2.x field changes (2.0.0 no Disk, 2.15–2.30 SizeOnDisk, 1.x no State)', () => {
    clone('vm');
    const keys = (v: string) => Object.keys((JSON.parse(sim.tart(['list', '--format', 'json'], { TART_SIM_VERSION: v }).stdout) as object[])[0]);
    expect(keys('2.0.0')).toEqual(['Source', 'Name', 'Size', 'Running', 'State']);
    expect(keys('2.20.0')).toEqual(['Source', 'Name', 'Disk', 'Size', 'SizeOnDisk', 'Running', 'State']);
    expect(keys('1.7.0')).toEqual(['Source', 'Name', 'Disk', 'Size', 'Running'].filter((k) => k !== 'Disk'));
  });

  it('list text: padded columns without Running; empty list prints one blank line and -q prints nothing', () => {
    expect(sim.tart(['list'])).toMatchObject({ status: 0, stdout: '\n' });
    expect(sim.tart(['list', '-q'])).toMatchObject({ status: 0, stdout: '' });
    clone('vm');
    const lines = sim.tart(['list', '--source', 'local']).stdout.split('\n');
    // TextTable pads every cell; only the end of the whole table is trimmed.
    expect(lines[0]).toMatch(/^Source Name Disk Size Accessed +State +$/);
    expect(lines[1]).toMatch(/^local  vm {3}20 {3}0 {4}\d+ seconds? ago +stopped$/);
    expect(lines[0]).not.toContain('Running');
  });

  it('get --format json: Memory in MiB, Size as a string', () => {
    clone('vm');
    const r = sim.tart(['get', 'vm', '--format', 'json']);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o)).toEqual(['OS', 'CPU', 'Memory', 'Disk', 'DiskFormat', 'Size', 'Display', 'Running', 'State']);
    expect(o).toMatchObject({ OS: 'linux', CPU: 4, Memory: 4096, Disk: 20, DiskFormat: 'raw', Display: '1024x768', Running: false, State: 'stopped' });
    expect(typeof o.Size).toBe('string');
  });

  it('delete: missing → 2 stopping at the first error, stopped → 0, several names in order', () => {
    clone('a');
    clone('b');
    const r = sim.tart(['delete', 'a', 'nope', 'b']);
    expect(r).toMatchObject({ status: 2, stderr: 'the specified VM "nope" does not exist\n' });
    expect(sim.tart(['list', '-q', '--source', 'local']).stdout).toBe('b\n');
    expect(sim.tart(['delete', 'b']).status).toBe(0);
  });

  it('stop of a stopped VM → 2 "is not running"', () => {
    clone('vm');
    expect(sim.tart(['stop', 'vm'])).toMatchObject({ status: 2, stderr: 'VM "vm" is not running\n' });
  });

  it('ip --wait 1 of a VM that is not running → exit 1 after about a second', () => {
    clone('vm');
    const t0 = Date.now();
    const r = sim.tart(['ip', 'vm', '--wait', '1']);
    const ms = Date.now() - t0;
    expect(r).toMatchObject({ status: 1, stdout: '', stderr: 'no IP address found, is your VM running?\n' });
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(5000);
    expect(sim.tart(['ip', 'vm', '--resolver', 'arp']).stderr).toBe(
      'no IP address found, is your VM running? (not all Linux distributions are compatible with the ARP resolver)\n',
    );
  });
});

describe('tart-sim CLI contract: run, stop and the running state', () => {
  it('run blocks and holds the VM running; ip gives a 127.x address; stop ends the run with exit 0', async () => {
    clone('vm');
    const run = await runUntilRunning('vm');
    const ip = sim.tart(['ip', 'vm', '--wait', '5']);
    expect(ip.status, ip.stderr).toBe(0);
    expect(ip.stdout).toMatch(/^127\.\d+\.\d+\.\d+\n$/);
    expect(ip.stdout).not.toBe('127.0.0.1\n');
    expect(JSON.parse(sim.tart(['get', 'vm', '--format', 'json']).stdout)).toMatchObject({ Running: true, State: 'running' });
    expect(sim.tart(['ip', 'vm']).stdout).toBe(ip.stdout); // stable for the VM's life
    const stop = sim.tart(['stop', 'vm']);
    expect(stop).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toBe('Stopping VM...\n');
    expect(state('vm')).toBe('stopped');
  });

  it('a second run of a running VM → exit 2 "already running!"; delete of it → exit 1 "is running"', async () => {
    clone('vm');
    await runUntilRunning('vm');
    const again = sim.tart(['run', 'vm', '--no-graphics']);
    expect(again).toMatchObject({ status: 2, stdout: '', stderr: 'VM "vm" is already running!\n' });
    const del = sim.tart(['delete', 'vm']);
    expect(del).toMatchObject({ status: 1, stderr: 'VM "vm" is running\n' });
    expect(state('vm')).toBe('running');
  });

  it('running VMs get distinct 127.x addresses', async () => {
    clone('a');
    clone('b');
    await runUntilRunning('a');
    await runUntilRunning('b');
    const a = sim.tart(['ip', 'a', '--wait', '5']).stdout;
    const b = sim.tart(['ip', 'b', '--wait', '5']).stdout;
    expect(a).toMatch(/^127\./);
    expect(b).toMatch(/^127\./);
    expect(a).not.toBe(b);
  });

  it('SIGKILLed tart run leaves no stale "running" (stop --timeout 0 kills at once; seed 003 BUG-009)', async () => {
    clone('vm');
    const run = await runUntilRunning('vm');
    expect(sim.tart(['stop', 'vm', '--timeout', '0']).status).toBe(0);
    // SIGINT and SIGKILL are sent back to back: the runner dies from one or the other.
    const ended = await run.exit;
    expect(ended.signal === 'SIGKILL' || ended.code === 0).toBe(true);
    expect(state('vm')).toBe('stopped');
    expect(sim.tart(['delete', 'vm']).status).toBe(0);
  });

  it('a host crash (sim.crash) leaves a stale "running": list says running, ip finds nothing, run refuses; stop clears it (seed 003 BUG-009)', async () => {
    clone('vm');
    const run = await runUntilRunning('vm');
    // The lease appears a boot time after "running" (as with tart's DHCP), so wait for it once.
    expect(sim.tart(['ip', 'vm', '--wait', '5']).stdout).toMatch(/^127\./);
    sim.crash('vm');
    const ended = await run.exit;
    expect(ended.signal).toBe('SIGKILL');
    expect(state('vm')).toBe('running');
    expect(JSON.parse(sim.tart(['get', 'vm', '--format', 'json']).stdout).State).toBe('running');
    const ip = sim.tart(['ip', 'vm']);
    expect([ip.status, ip.stdout, ip.stderr]).toEqual([1, '', 'no IP address found\n']);
    const again = sim.tart(['run', 'vm', '--no-graphics']);
    expect([again.status, again.stderr]).toEqual([2, 'VM "vm" is already running!\n']);
    expect(sim.tart(['stop', 'vm']).status).toBe(0);
    expect(state('vm')).toBe('stopped');
    const rerun = await runUntilRunning('vm');
    expect(state('vm')).toBe('running');
    rerun.child.kill('SIGINT');
    await rerun.exit;
  });

  it('SIGTERM is not handled: tart run dies by the signal and the VM is stopped', async () => {
    clone('vm');
    const run = await runUntilRunning('vm');
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(state('vm')).toBe('stopped');
  });

  it('SIGUSR2 asks the guest to shut down: both messages, exit 0', async () => {
    clone('vm');
    const run = await runUntilRunning('vm');
    run.child.kill('SIGUSR2');
    expect((await run.exit).code).toBe(0);
    expect(run.stdout()).toBe('Requesting guest OS to stop...\nguest has stopped the virtual machine\n');
  });

  it('the dhcp resolver still returns a stopped VM\'s unexpired lease (#172); --random-mac loses it', async () => {
    clone('vm');
    const run = await runUntilRunning('vm');
    const ip = sim.tart(['ip', 'vm', '--wait', '5']).stdout;
    sim.tart(['stop', 'vm']);
    await run.exit;
    expect(sim.tart(['ip', 'vm'])).toMatchObject({ status: 0, stdout: ip });
    sim.tart(['set', 'vm', '--random-mac']);
    expect(sim.tart(['ip', 'vm'], { TART_SIM_IP_POLL_MS: '10' }).status).toBe(1);
  });

  it('a third macOS VM hits the limit after briefly holding the lock: exit 1, no "Error:" prefix', async () => {
    for (const n of ['m1', 'm2', 'm3']) clone(n, MACOS);
    await runUntilRunning('m1');
    await runUntilRunning('m2');
    const third = startRun(['m3', '--no-graphics']);
    const { code } = await third.exit;
    expect(code).toBe(1);
    expect(third.stderr()).toBe('The number of VMs exceeds the system limit (other running VMs: m1, m2, m3)\n');
    expect(state('m3')).toBe('stopped');
    // Linux VMs do not count.
    clone('l1');
    await runUntilRunning('l1');
  });

  it('softnet without root privileges: tart run exits 1 with RuntimeFailed', async () => {
    clone('vm');
    const run = startRun(['vm', '--no-graphics', '--net-softnet-allow=0.0.0.0/0'], { TART_SIM_SOFTNET: 'noprivs' });
    expect((await run.exit).code).toBe(1);
    expect(run.stderr()).toContain('RuntimeFailed(why: "Softnet process terminated prematurely")\n');
  });

  it('softnet allow-all, bridged and --dir are accepted (seed 003 BUG-003 fix line)', async () => {
    clone('a');
    clone('b');
    const shared = fs.mkdtempSync(path.join(sim.home, 'share-'));
    await runUntilRunning('a', ['--net-softnet-allow=0.0.0.0/0', `--dir=src:${shared}:ro`]);
    await runUntilRunning('b', ['--net-bridged=en0']);
    // bridged VMs have no NAT lease: dhcp finds nothing, arp does
    expect(sim.tart(['ip', 'b'], { TART_SIM_IP_POLL_MS: '10' }).status).toBe(1);
    expect(sim.tart(['ip', 'b', '--resolver', 'arp', '--wait', '5']).stdout).toMatch(/^127\./);
  });

  it('suspend: a --suspendable macOS VM writes state.vzvmsave and exits 0; stop discards the snapshot', async () => {
    clone('mac', MACOS);
    const run = await runUntilRunning('mac', ['--suspendable']);
    expect(sim.tart(['suspend', 'mac']).status).toBe(0);
    expect((await run.exit).code).toBe(0);
    expect(run.stdout()).toBe('pausing VM to take a snapshot...\ncreating a snapshot...\nsnapshot created successfully! shutting down the VM...\n');
    expect(state('mac')).toBe('suspended');
    expect(sim.tart(['stop', 'mac']).status).toBe(0);
    expect(state('mac')).toBe('stopped');
    expect(sim.tart(['suspend', 'mac'])).toMatchObject({ status: 2, stderr: 'VM "VM "mac" is not running" is not running\n' });
  });
});

describe('tart-sim guests (TART_SIM_GUESTS=1)', () => {
  function fakeGuest(): { bin: string; log: string } {
    const bin = path.join(sim.home, 'fake-guest.mjs');
    const log = path.join(sim.home, 'guest.log');
    fs.writeFileSync(
      bin,
      `#!/usr/bin/env node
import fs from 'node:fs';
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');
process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(log)}, 'SIGTERM\\n'); process.exit(0); });
setInterval(() => {}, 1000);
console.log('READY');
`,
    );
    fs.chmodSync(bin, 0o755);
    return { bin, log };
  }

  it('run starts the guest sandbox on the VM address and stop terminates it', async () => {
    clone('vm');
    const g = fakeGuest();
    const run = await runUntilRunning('vm', [], { TART_SIM_GUESTS: '1', TART_SIM_GUEST_BIN: g.bin });
    await waitFor(() => fs.existsSync(g.log));
    const ip = sim.tart(['ip', 'vm', '--wait', '5']).stdout.trim();
    const argv = JSON.parse(fs.readFileSync(g.log, 'utf8').split('\n')[0]) as string[];
    expect(argv).toEqual(['--name', 'vm', '--address', ip, '--port', '22', '--state-dir', path.join(sim.env.TART_HOME, 'vms', 'vm', 'guest'), '--hostname', 'vm']);
    expect(sim.tart(['stop', 'vm']).status).toBe(0);
    expect((await run.exit).code).toBe(0);
    expect(fs.readFileSync(g.log, 'utf8')).toContain('SIGTERM');
  });

  it('a missing guest sandbox degrades to a VM without a guest, with a warning', async () => {
    clone('vm');
    const run = await runUntilRunning('vm', [], { TART_SIM_GUESTS: '1', TART_SIM_GUEST_BIN: path.join(sim.home, 'nope') });
    await waitFor(() => run.stderr().includes('not found'));
    expect(state('vm')).toBe('running');
  });
});
