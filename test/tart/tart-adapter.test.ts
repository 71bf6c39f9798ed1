// The tart adapter against the tart CLI simulator, run as a separate process exactly like tart.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIM_TART, makeSimHome, waitFor, type SimHome } from '../../hack/tart-sim/testing.js';
import { TartProvider, type TartProviderOptions } from '../../src/adapters/tart/index.js';
import { ProviderError, type VmCreateRequest } from '../../src/ports/vm-provider.js';

const IMAGE = 'ghcr.io/cirruslabs/ubuntu:latest';
const HERE = path.dirname(fileURLToPath(import.meta.url));

let sim: SimHome;
let commands: { cmd: string; ms: number; ok: boolean }[];

beforeEach(() => {
  sim = makeSimHome({ TART_SIM_IP_POLL_MS: '100' });
  commands = [];
});
afterEach(() => sim.cleanup());

function provider(opts: TartProviderOptions = {}, env: Record<string, string> = {}): TartProvider {
  return new TartProvider({
    tartPath: SIM_TART,
    env: { ...sim.env, ...env },
    startGraceMs: 400,
    stopTimeoutSeconds: 5,
    listReuseMs: 0, // these tests change VMs behind the adapter's back and look at once
    onCommand: (cmd, ms, ok) => commands.push({ cmd, ms, ok }),
    ...opts,
  });
}

function req(name: string, over: Partial<VmCreateRequest> = {}): VmCreateRequest {
  return { name, image: IMAGE, cpu: 2, memoryMiB: 2048, diskGiB: 30, network: { mode: 'shared' }, ...over };
}

const logFile = (name: string) => path.join(sim.home, 'logs', `${name}.log`);

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ProviderError);
    return e as ProviderError;
  }
  throw new Error('expected a rejection');
}

describe('tart adapter lifecycle against the simulator', () => {
  it('create → start → endpoint → stop → delete, with exactly the tart calls the contract prescribes', async () => {
    const p = provider();
    await p.create(req('web-1'));
    const created = sim.tart(['get', 'web-1', '--format', 'json']);
    expect(JSON.parse(created.stdout)).toMatchObject({ CPU: 2, Memory: 2048, Disk: 33, State: 'stopped' });

    await p.start({ name: 'web-1', network: { mode: 'shared' }, logFile: logFile('web-1') });
    expect((await p.list()).find((v) => v.name === 'web-1')?.state).toBe('running');
    const ep = await p.endpoint('web-1', { waitSeconds: 10 });
    expect(ep?.host).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(ep?.port).toBe(22);
    expect(await p.ip('web-1')).toBe(ep?.host);

    await p.stop('web-1', { timeoutSeconds: 5 });
    expect((await p.list()).find((v) => v.name === 'web-1')?.state).toBe('stopped');
    await p.delete('web-1');
    expect(await p.list()).toEqual([]);

    const calls = sim.calls().map((a) => a.join(' '));
    expect(calls).toEqual([
      '--version',
      'get web-1 --format json', // no list of ours yet says the name is free, and TART_HOME has no vms/ yet
      `clone ${IMAGE} web-1`,
      'set web-1 --random-mac --cpu 2 --memory 2048 --disk-size 33', // one set: MAC and size
      'get web-1 --format json', // the test's own check
      'run web-1 --no-graphics',
      'list --format json', // no get: it boots with the cpu/memory create set (issue 14 item 17)
      'ip web-1 --wait 60', // one shared background waiter; ip() then answers from it
      'stop web-1 --timeout 5',
      'list --format json',
      'get web-1 --format json', // power state changed: sizes read again
      'delete web-1',
      'list --format json',
    ]);
    expect(fs.readFileSync(logFile('web-1'), 'utf8')).toMatch(/^--- hostplane .*: \S+ run web-1 --no-graphics\nStopping VM...\n$/);
  });

  it('stop asks the guest OS to shut down first (SIGUSR2 to our tart run) instead of tart stop\'s hard power-off', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs') });
    await p.create(req('web-2'));
    await p.start({ name: 'web-2', network: { mode: 'shared' }, logFile: logFile('web-2') });
    expect(fs.existsSync(path.join(sim.home, 'runs', 'web-2.json'))).toBe(true);
    // The sim's run has its signal handlers once it says running (a slow start on a loaded host).
    await waitFor(() => JSON.parse(sim.tart(['get', 'web-2', '--format', 'json']).stdout).State === 'running');
    const before = sim.calls().length;
    await p.stop('web-2', { timeoutSeconds: 10 });
    // it watches its own tart run process end, not tart: no `tart get` every 250 ms
    expect(sim.calls().slice(before).filter((a) => a[0] !== 'run')).toEqual([]); // a `tart run` logs itself late under load
    expect((await p.list()).find((v) => v.name === 'web-2')?.state).toBe('stopped');
    const log = fs.readFileSync(logFile('web-2'), 'utf8');
    expect(log).toContain('Requesting guest OS to stop...');
    expect(log).not.toContain('Stopping VM...');
    expect(sim.calls().some((a) => a[0] === 'stop')).toBe(false);
    expect(fs.existsSync(path.join(sim.home, 'runs', 'web-2.json'))).toBe(false);
  });

  it('tart --version is checked once, lazily, and reported through onCommand', async () => {
    const p = provider();
    expect(sim.calls()).toEqual([]);
    await p.list();
    await p.list();
    expect(sim.calls().filter((a) => a[0] === '--version')).toHaveLength(1);
    expect(commands.map((c) => [c.cmd, c.ok])).toEqual([
      ['--version', true],
      ['list', true],
      ['list', true],
    ]);
    expect(commands.every((c) => c.ms > 0)).toBe(true);
  });

  it('list() is one `tart list --format json` for all VMs; a foreign VM is listed but never touched', async () => {
    for (const n of ['a', 'b', 'c']) expect(sim.tart(['clone', IMAGE, n]).status).toBe(0);
    expect(sim.tart(['clone', IMAGE, 'someone-elses-vm']).status).toBe(0);
    const p = provider();
    await p.create(req('mine'));
    const before = sim.calls().length;
    const vms = await p.list();
    // tart list has no CPU/memory: ours are known from create; VMs that are not ours are never
    // opened (tart get bumps the access date tart prune goes by) …
    expect(sim.calls().slice(before)).toEqual([['list', '--format', 'json']]);
    expect(vms.find((v) => v.name === 'mine')).toMatchObject({ cpu: 2, memoryMiB: 2048 });
    expect(vms.find((v) => v.name === 'someone-elses-vm')?.cpu).toBeUndefined();
    // … and every later resync is one tart list.
    const again = sim.calls().length;
    await p.list();
    expect(sim.calls().slice(again)).toEqual([['list', '--format', 'json']]);
    expect(vms.map((v) => v.name)).toEqual(['a', 'b', 'c', 'mine', 'someone-elses-vm']);
    expect(vms.every((v) => v.state === 'stopped' && v.details?.source === 'local')).toBe(true);
    await p.start({ name: 'mine', network: { mode: 'shared' }, logFile: logFile('mine') });
    await p.stop('mine');
    await p.delete('mine');
    await p.list();
    const touchedForeign = sim.calls().slice(before).filter((a) => a.includes('someone-elses-vm'));
    expect(touchedForeign).toEqual([]);
  });

  it('reads cpu and memory again when a VM changes power state, so a `tart set` made by hand is seen once it boots', async () => {
    const p = provider();
    await p.create(req('mine'));
    expect((await p.list()).find((v) => v.name === 'mine')).toMatchObject({ cpu: 2, memoryMiB: 2048 });
    expect(sim.tart(['set', 'mine', '--cpu', '5', '--memory', '3072']).status).toBe(0); // by hand, behind hostplane's back
    await p.start({ name: 'mine', network: { mode: 'shared' }, logFile: logFile('mine') });
    const before = sim.calls().length;
    expect((await p.list()).find((v) => v.name === 'mine')).toMatchObject({ state: 'running', cpu: 5, memoryMiB: 3072 });
    expect(sim.calls().slice(before).filter((a) => a[0] !== 'run')).toEqual([['list', '--format', 'json'], ['get', 'mine', '--format', 'json']]); // `tart run` logs itself late under load
    // Same state again: the cached sizes hold and a resync is one tart list.
    const again = sim.calls().length;
    await p.list();
    expect(sim.calls().slice(again)).toEqual([['list', '--format', 'json']]);
    await p.stop('mine');
  });

  it('create refuses an existing name instead of letting tart clone overwrite it silently', async () => {
    expect(sim.tart(['clone', IMAGE, 'precious']).status).toBe(0);
    sim.tart(['set', 'precious', '--cpu', '7']);
    const e = await rejection(provider().create(req('precious')));
    expect(e.code).toBe('AlreadyExists');
    // after the test's own clone + set: only the version check and the existence check
    expect(sim.calls().slice(2)).toEqual([['--version'], ['get', 'precious', '--format', 'json']]);
    expect(JSON.parse(sim.tart(['get', 'precious', '--format', 'json']).stdout).CPU).toBe(7);
  });

  it('create of an image that does not exist → NotFound naming the image; nothing left behind', async () => {
    const e = await rejection(provider().create(req('x', { image: 'ghcr.io/cirruslabs/does-not-exist:latest' })));
    expect(e.code).toBe('NotFound');
    expect(e.message).toContain('ghcr.io/cirruslabs/does-not-exist:latest');
    expect(e.message).toContain('UnexpectedHTTPStatusCode');
    expect(await provider().list()).toEqual([]);
  });

  it('create asking for a smaller disk than the image keeps the image\'s disk (disks only grow) and applies the rest', async () => {
    const p = provider();
    await p.create(req('small', { diskGiB: 10 }));
    expect(JSON.parse(sim.tart(['get', 'small', '--format', 'json']).stdout)).toMatchObject({ CPU: 2, Memory: 2048, Disk: 20, State: 'stopped' });
    // the VM reports the disk it really has, so the reconciler can say it was kept
    expect((await p.list()).find((v) => v.name === 'small')).toMatchObject({ diskGiB: 18, cpu: 2, memoryMiB: 2048 });
    expect(sim.calls().some((a) => a[0] === 'delete')).toBe(false);
  });

  it('configure changes a stopped VM and only grows the disk', async () => {
    const p = provider();
    await p.create(req('vm'));
    await p.configure('vm', { cpu: 6, memoryMiB: 6144, diskGiB: 60 });
    expect(JSON.parse(sim.tart(['get', 'vm', '--format', 'json']).stdout)).toMatchObject({ CPU: 6, Memory: 6144, Disk: 65 });
    expect((await rejection(p.configure('vm', { diskGiB: 40 }))).code).toBe('InvalidArgument');
    const n = sim.calls().length;
    await p.configure('vm', {});
    expect(sim.calls().length).toBe(n);
  });

  it('stop of a stopped VM and delete of a missing VM are no-ops; delete of a running VM → AlreadyRunning', async () => {
    const p = provider();
    await p.create(req('vm'));
    await p.stop('vm');
    await p.delete('never-existed');
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    const e = await rejection(p.delete('vm'));
    expect(e.code).toBe('AlreadyRunning');
    expect(e.message).toContain('VM "vm" is running');
  });
});

describe('tart adapter start()', () => {
  it('uses only options tart has: the simulator (strict like tart, exit 64 on unknown ones) accepts every start (seed 001 BUG-001)', async () => {
    const p = provider();
    await p.create(req('a'));
    await p.create(req('b'));
    const share = fs.mkdtempSync(path.join(sim.home, 'share-'));
    await p.start({ name: 'a', network: { mode: 'softnet', allow: ['0.0.0.0/0'] }, dirs: [{ name: 'src', path: share, readOnly: true }], logFile: logFile('a') });
    await p.start({ name: 'b', network: { mode: 'bridged', bridgeInterface: 'en0' }, logFile: logFile('b') });
    // `tart run` logs its call when its process is up, which on a loaded machine is after start() returned.
    await waitFor(() => sim.calls().filter((a) => a[0] === 'run').length === 2, 15_000);
    const runs = sim.calls().filter((a) => a[0] === 'run');
    expect(runs).toEqual([
      ['run', 'a', '--no-graphics', '--net-softnet-allow=0.0.0.0/0', `--dir=src:${share}:ro`],
      ['run', 'b', '--no-graphics', '--net-bridged=en0'],
    ]);
    expect(runs.flat().some((x) => x.startsWith('--config'))).toBe(false);
    expect((await p.list()).filter((v) => v.state === 'running').map((v) => v.name)).toEqual(['a', 'b']);
  });

  it('VM↔VM networking: softnet with allow 0.0.0.0/0 is passed through and both VMs get distinct IPs (seed 003 BUG-003)', async () => {
    const p = provider();
    const net = { mode: 'softnet' as const, allow: ['0.0.0.0/0'] };
    await p.create(req('m', { network: net }));
    await p.create(req('w', { network: net }));
    await p.start({ name: 'm', network: net, logFile: logFile('m') });
    await p.start({ name: 'w', network: net, logFile: logFile('w') });
    const [m, w] = [await p.ip('m', { waitSeconds: 10 }), await p.ip('w', { waitSeconds: 10 })];
    expect(m).toMatch(/^127\./);
    expect(w).toMatch(/^127\./);
    expect(m).not.toBe(w);
    expect(sim.calls().filter((a) => a[0] === 'run').every((a) => a.includes('--net-softnet-allow=0.0.0.0/0'))).toBe(true);
  });

  it('bridged VMs are resolved with --resolver arp (the dhcp lease file knows nothing about them)', async () => {
    const p = provider();
    await p.create(req('br'));
    await p.start({ name: 'br', network: { mode: 'bridged', bridgeInterface: 'en0' }, logFile: logFile('br') });
    expect(await p.ip('br', { waitSeconds: 10 })).toMatch(/^127\./);
    expect(sim.calls().find((a) => a[0] === 'ip')).toEqual(['ip', 'br', '--wait', '60', '--resolver', 'arp']);
  });

  it('a restarted hostplane still resolves a bridged VM with --resolver arp (the network is kept with the run)', async () => {
    const runs = path.join(sim.home, 'runs');
    await provider({ runPidDir: runs }).create(req('br2'));
    await provider({ runPidDir: runs }).start({ name: 'br2', network: { mode: 'bridged', bridgeInterface: 'en0' }, logFile: logFile('br2') });
    const fresh = provider({ runPidDir: runs }); // a new adapter instance: nothing in memory
    expect(await fresh.ip('br2', { waitSeconds: 10 })).toMatch(/^127\./);
    expect(sim.calls().filter((a) => a[0] === 'ip').at(-1)).toEqual(['ip', 'br2', '--wait', '60', '--resolver', 'arp']);
  });

  it('a failing tart run is reported with its own words, not hidden (seed 001 BUG-003 sent them to /dev/null): softnet without root → NeedsPrivileges', async () => {
    const p = provider({ startGraceMs: 8000 }, { TART_SIM_SOFTNET: 'noprivs' });
    await p.create(req('vm'));
    const e = await rejection(p.start({ name: 'vm', network: { mode: 'softnet', allow: ['0.0.0.0/0'] }, logFile: logFile('vm') }));
    expect(e.code).toBe('NeedsPrivileges');
    expect(e.message).toContain('Softnet process terminated prematurely');
    expect(e.message).toContain('chmod u+s');
    expect(e.message).toContain(logFile('vm'));
    expect(fs.readFileSync(logFile('vm'), 'utf8')).toContain('root privileges are required');
  });

  it('a tart run failing after start() returned (no worker waits for it) is reported by the next start with its own words', async () => {
    const p = provider({ startGraceMs: 1, lateFailureMs: 120_000 }, { TART_SIM_SOFTNET: 'noprivs' });
    const name = `late-${process.pid}`;
    await p.create(req(name));
    await p.start({ name, network: { mode: 'softnet', allow: ['0.0.0.0/0'] }, logFile: logFile(name) });
    await waitFor(() => fs.readFileSync(logFile(name), 'utf8').includes('root privileges are required'));
    // the failed tart run process has exited (not only written its last words)
    await waitFor(() => spawnSync('pgrep', ['-f', `run ${name} --no-graphics`]).status === 1);
    // …and the adapter has taken in its exit (pgrep blocks the event loop, so the exit event may still be queued)
    await waitFor(() => (p as unknown as { lateFailures: Map<string, unknown> }).lateFailures.has(name));
    const runs = () => sim.calls().filter((a) => a[0] === 'run').length;
    const before = runs();
    const e = await rejection(p.start({ name, network: { mode: 'softnet', allow: ['0.0.0.0/0'] }, logFile: logFile(name) }));
    expect([e.code, runs()]).toEqual(['NeedsPrivileges', before]);
    expect(e.message).toContain('Softnet process terminated prematurely');
  });

  it('starting a running VM → AlreadyRunning; a third macOS VM → VmLimitReached', async () => {
    const p = provider({ startGraceMs: 1500 });
    await p.create(req('vm'));
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    // failures are detected within the grace period; a long one keeps this robust on a busy host
    const patient = provider({ startGraceMs: 8000 });
    expect((await rejection(patient.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') }))).code).toBe('AlreadyRunning');
    const mac = (n: string) => req(n, { image: 'ghcr.io/cirruslabs/macos-sequoia-base:latest', cpu: 4, memoryMiB: 8192, diskGiB: 50 });
    for (const n of ['m1', 'm2', 'm3']) await p.create(mac(n));
    await p.start({ name: 'm1', network: { mode: 'shared' }, logFile: logFile('m1') });
    await p.start({ name: 'm2', network: { mode: 'shared' }, logFile: logFile('m2') });
    const e = await rejection(patient.start({ name: 'm3', network: { mode: 'shared' }, logFile: logFile('m3') }));
    expect(e.code).toBe('VmLimitReached');
    expect(e.message).toContain('other running VMs: m1, m2, m3');
  });

  it('start of a missing VM → NotFound', async () => {
    const e = await rejection(provider({ startGraceMs: 8000 }).start({ name: 'ghost', network: { mode: 'shared' }, logFile: logFile('ghost') }));
    expect(e.code).toBe('NotFound');
    expect(e.message).toContain('the specified VM "ghost" does not exist');
  });

  it('a VM started by the adapter keeps running after the adapter\'s process exits on its own', async () => {
    const p = provider();
    await p.create(req('survivor'));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'start-and-exit.ts'), SIM_TART, 'survivor', logFile('survivor')], {
      env: { ...process.env, TART_TEST_ENV: JSON.stringify(sim.env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect(code, err).toBe(0); // exited by itself: the detached tart run does not hold it
    expect(out).toBe('started survivor\n');
    await new Promise((r) => setTimeout(r, 300));
    expect((await p.list()).find((v) => v.name === 'survivor')?.state).toBe('running');
    expect(await p.ip('survivor', { waitSeconds: 10 })).toMatch(/^127\./);
    await p.stop('survivor');
    expect((await p.list())[0].state).toBe('stopped');
  });
});

describe('tart adapter: state and addresses', () => {
  it('a SIGKILLed tart run shows stopped and has no endpoint, although tart ip still has its stale lease (seed 003 BUG-009, #172)', async () => {
    const p = provider();
    await p.create(req('vm'));
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    expect(await p.ip('vm', { waitSeconds: 10 })).toMatch(/^127\./);
    const run = JSON.parse(fs.readFileSync(path.join(sim.env.TART_HOME, 'vms', 'vm', '.tart-sim-run.json'), 'utf8')) as { pid: number };
    process.kill(run.pid, 'SIGKILL');
    await waitFor(() => JSON.parse(sim.tart(['get', 'vm', '--format', 'json']).stdout).State === 'stopped');
    expect(sim.tart(['ip', 'vm']).stdout).toMatch(/^127\./); // tart itself returns the stale lease
    expect((await p.list())[0].state).toBe('stopped');
    expect(await p.endpoint('vm')).toBeUndefined();
  });

  it('at rest a running VM whose tart run and address are known costs only the poll\'s tart list; a restart reads the address once', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs') });
    await p.create(req('vm'));
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    await p.list();
    const first = await p.endpoint('vm', { waitSeconds: 10 });
    expect(first?.host).toMatch(/^127\./);
    const before = sim.calls().length;
    for (let i = 0; i < 3; i++) {
      await p.list();
      expect(await p.endpoint('vm')).toEqual(first);
      expect(await p.ip('vm')).toBe(first?.host);
    }
    expect(sim.calls().slice(before)).toEqual(Array(3).fill(['list', '--format', 'json']));
    await p.stop('vm');
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    await p.list();
    const again = sim.calls().length;
    expect((await p.endpoint('vm', { waitSeconds: 10 }))?.host).toMatch(/^127\./);
    expect(await p.ip('vm')).toBeDefined();
    expect(sim.calls().slice(again).map((a) => a[0])).toEqual(['ip']);
  });

  it('a VM whose tart run we started is known running without a tart get, however old the last list (a loaded host lists seldom)', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs') });
    await p.create(req('slow'));
    await p.start({ name: 'slow', network: { mode: 'shared' }, logFile: logFile('slow') });
    const before = sim.calls().length;
    const realNow = Date.now;
    Date.now = () => realNow() + 60_000; // the last list is a minute old
    try {
      await p.ip('slow');
    } finally {
      Date.now = realNow;
    }
    expect(sim.calls().slice(before).filter((a) => a[0] === 'get')).toEqual([]);
  });

  it('create asks tart whether the name exists only when TART_HOME/vms has an entry of that name, however old the last list (issue 14 item 17)', async () => {
    expect(sim.tart(['clone', IMAGE, 'other']).status).toBe(0); // TART_HOME/vms exists
    const p = provider({ createCheckMaxAgeMs: 0 }); // no list of ours answers for the name
    await p.create(req('fresh'));
    expect(sim.calls().slice(1).map((a) => a[0])).toEqual(['--version', 'clone', 'set']);
    fs.mkdirSync(path.join(sim.env.TART_HOME, 'vms', 'half')); // something is there: tart decides
    await p.create(req('half')).catch(() => undefined); // whatever tart makes of an empty directory
    expect((await rejection(p.create(req('other')))).code).toBe('AlreadyExists');
    expect(sim.calls().filter((a) => a[0] === 'get')).toEqual([['get', 'half', '--format', 'json'], ['get', 'other', '--format', 'json']]);
  });

  it('known(): a VM we started a moment ago whose tart run lives is what a list would say, without a tart call; once its run is gone, a list is needed', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs') });
    expect(sim.tart(['clone', IMAGE, 'foreign']).status).toBe(0);
    await p.create(req('vm'));
    expect(p.known('vm')).toBeUndefined(); // created, not started by us: the list says
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    const before = sim.calls().length;
    expect(p.known('vm')).toMatchObject({ name: 'vm', state: 'running', cpu: 2, memoryMiB: 2048, runId: expect.stringMatching(/^tart run \d+$/) });
    expect(p.known('foreign')).toBeUndefined();
    expect(sim.calls().length).toBe(before);
    await waitFor(() => JSON.parse(sim.tart(['get', 'vm', '--format', 'json']).stdout).State === 'running'); // the sim's run is up
    sim.crash('vm'); // its tart run dies; tart still says running
    await waitFor(() => p.known('vm') === undefined, 5_000); // once the dead child is reaped
  });

  it('a create as the reconciler drives it costs clone, set, run and one address read: no size read, it boots with the sizes it set (issue 14 item 17)', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs') });
    await p.list(); // the reconciler observes before it creates
    const before = sim.calls().length;
    await p.create(req('vm'));
    await p.list();
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    await p.list();
    let ep: Awaited<ReturnType<typeof p.endpoint>>;
    for (let i = 0; i < 100 && !(ep = await p.endpoint('vm')); i++) {
      await new Promise((r) => setTimeout(r, 50)); // a requeue: nobody waits inside the adapter
      await p.list();
    }
    expect(ep!.host).toMatch(/^127\./);
    expect(await p.ip('vm')).toBe(ep!.host);
    const tartCalls = sim.calls().slice(before).filter((a) => a[0] !== 'list').map((a) => a[0]);
    expect(tartCalls).toEqual(['clone', 'set', 'run', 'ip']);
  });

  it('an image disk larger than asked is kept and read once at create, so a VM known without a list still reports its real disk (issue 14 item 14)', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs') });
    await p.list();
    const before = sim.calls().length;
    await p.create(req('big', { diskGiB: 10 })); // the simulator's image has a 20 GB disk
    await p.start({ name: 'big', network: { mode: 'shared' }, logFile: logFile('big') });
    const calls = sim.calls().slice(before).map((a) => a.join(' '));
    expect(calls.filter((c) => !c.startsWith('list') && !c.startsWith('run'))).toEqual([
      `clone ${IMAGE} big`,
      'set big --random-mac --cpu 2 --memory 2048 --disk-size 11', // refused: disks only grow
      'set big --random-mac --cpu 2 --memory 2048',
      'get big --format json', // the kept disk, once
    ]);
    expect(p.known('big')).toMatchObject({ state: 'running', diskGiB: 18 });
    expect((await p.list()).find((vm) => vm.name === 'big')?.diskGiB).toBe(18);
  });

  it('a host crash\'s stale running VM (tart says running, our tart run gone, no address) is reported once it lasts; stop then start recovers it (seed 003 BUG-009)', async () => {
    const p = provider({ runPidDir: path.join(sim.home, 'runs'), staleRunAfterMs: 300 });
    await p.create(req('vm'));
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    await p.list();
    expect(await p.ip('vm', { waitSeconds: 10 })).toMatch(/^127\./);
    sim.crash('vm');
    let vm = (await p.list())[0];
    expect(vm.state).toBe('running');
    expect(vm.staleRun).toBeUndefined();
    expect(await p.ip('vm')).toBeUndefined();
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 > 400, 2_000);
    vm = (await p.list())[0];
    expect(vm.staleRun).toMatch(/tart says VM "vm" is running, but the `tart run` process hostplane started for it \(pid \d+\) is gone and it has had no address for \d+ s/);
    await p.stop('vm');
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    vm = (await p.list())[0];
    expect([vm.state, vm.staleRun]).toEqual(['running', undefined]);
    expect(await p.ip('vm', { waitSeconds: 10 })).toMatch(/^127\./);
  });

  it('lists within listReuseMs answer from the last tart list plus what the adapter did since (a burst of creates shares one tart list)', async () => {
    const p = provider({ listReuseMs: 60_000 });
    expect(sim.tart(['clone', IMAGE, 'other']).status).toBe(0);
    expect((await p.list()).map((v) => v.name)).toEqual(['other']);
    await p.create(req('vm'));
    expect((await p.list()).map((v) => [v.name, v.state, v.cpu])).toEqual([['other', 'stopped', undefined], ['vm', 'stopped', 2]]);
    await p.start({ name: 'vm', network: { mode: 'shared' }, logFile: logFile('vm') });
    expect((await p.list()).find((v) => v.name === 'vm')?.state).toBe('running');
    await p.stop('vm');
    expect((await p.list()).find((v) => v.name === 'vm')?.state).toBe('stopped');
    await p.delete('vm');
    expect((await p.list()).map((v) => v.name)).toEqual(['other']);
    expect(sim.calls().filter((a) => a[0] === 'list')).toHaveLength(1);
    // concurrent callers share one tart list
    const fresh = provider();
    await Promise.all([fresh.list(), fresh.list(), fresh.list()]);
    expect(sim.calls().filter((a) => a[0] === 'list')).toHaveLength(2);
  });

  it('ip of a running VM that has no address yet → undefined after the wait; ip of a missing VM → NotFound', async () => {
    const p = provider({}, { TART_SIM_BOOT_MS: '60000' });
    await p.create(req('slow'));
    await p.start({ name: 'slow', network: { mode: 'shared' }, logFile: logFile('slow') });
    const t0 = Date.now();
    expect(await p.ip('slow', { waitSeconds: 1 })).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990); // timers may fire a millisecond early by Date.now()
    expect((await rejection(p.ip('ghost'))).code).toBe('NotFound');
  });
});

describe('tart adapter: versions and availability', () => {
  it('refuses to create VMs with a tart older than 2.10 (no set --random-mac), saying to upgrade, not that the spec is wrong', async () => {
    const e = await rejection(provider({}, { TART_SIM_VERSION: '2.9.0' }).create(req('old')));
    expect(e.code).toBe('ProviderUnavailable');
    expect(e.message).toMatch(/tart 2\.9\.0 is too old .* 2\.10\.0 or later/);
    expect(sim.calls().filter((a) => a[0] === 'clone')).toEqual([]);
  });

  it('refuses tart 1.x with a clear error before running anything else', async () => {
    const p = provider({}, { TART_SIM_VERSION: '1.7.0' });
    const e = await rejection(p.list());
    expect(e.code).toBe('ProviderUnavailable');
    expect(e.message).toContain('tart 1.7.0');
    expect(e.message).toContain('2.x');
    expect(sim.calls()).toEqual([['--version']]);
  });

  it('works with the list shape of tart 2.0.0 (no Disk) and 2.20.0 (SizeOnDisk)', async () => {
    // VMs made by a current tart; their listing read back through each version's output shape.
    for (const n of ['vm-200', 'vm-2200']) await provider({}, { TART_SIM_VERSION: '2.20.0' }).create(req(n));
    const old = await provider({}, { TART_SIM_VERSION: '2.0.0' }).list();
    expect(old.map((v) => [v.name, v.state, v.diskGiB])).toEqual([
      ['vm-200', 'stopped', undefined],
      ['vm-2200', 'stopped', undefined],
    ]);
    const mid = await provider({}, { TART_SIM_VERSION: '2.20.0' }).list();
    expect(mid[0].diskGiB).toBe(30);
    expect(mid[0].details?.sizeOnDiskGB).toBe(0);
  });

  it('a tart binary that does not exist → ProviderUnavailable', async () => {
    const e = await rejection(provider({ tartPath: path.join(sim.home, 'no-such-tart') }).list());
    expect(e.code).toBe('ProviderUnavailable');
  });
});
