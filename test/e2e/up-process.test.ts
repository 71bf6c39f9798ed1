// `hostplane up` as a user runs it: a separate process, killed with -9 and restarted.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';
import { loadWorld } from '../../src/sim/host/sim-world.js';
import { getCondition } from '../../src/api/conditions.js';
import { VmRecords } from '../../src/reconcilers/virtualmachine/records.js';
import { spawn } from 'node:child_process';
import { BIN, cliEnv, runCli, startUp, type UpProcess } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let procs: UpProcess[] = [];

afterEach(async () => {
  for (const p of procs) await p.stop();
  procs = [];
  lab?.cleanup();
  lab = undefined;
});

const NAMES = ['n1', 'n2', 'n3', 'n4'];

function persisted(l: Lab) {
  const store = new ObjectStore(new StateDirPersistence(l.stateDir, true));
  store.restore();
  return store;
}

function allReady(l: Lab): boolean {
  const store = persisted(l);
  return NAMES.every((n) => getCondition(store.get('VirtualMachine', n)?.status?.conditions, 'Ready')?.status === 'True');
}

function up(l: Lab, listen = 'off'): UpProcess {
  const p = startUp(['--specs', l.specsDir, '--state', l.stateDir.root, '--provider', 'sim', '--listen', listen, '--sim-scale', '0.3', '--grace', '500ms', '--poll', '1s']);
  procs.push(p);
  return p;
}

/** Resolves once the `up` behind `apiUrl` has finished a reconcile of every VM in `names`. */
async function reconciledOnce(apiUrl: string, names: string[]): Promise<void> {
  await waitFor(
    async () => {
      const infos = await Promise.all(names.map(async (n) => (await (await fetch(`${apiUrl}/api/v1/virtualmachines/${n}/reconcile`)).json()) as { lastReconcile: unknown }));
      return infos.every((i) => i.lastReconcile !== null);
    },
    30_000,
    `a finished reconcile of ${names.join(', ')}`,
  );
}

describe('hostplane up (separate process, sim host)', () => {
  it('survives kill -9 mid-create and at rest: same uids, exactly one VM per spec', async () => {
    lab = makeLab({ 'vms.yaml': NAMES.map((n) => vmDoc(n)).join('---\n') });
    const l = lab;
    const first = up(l);
    await first.waitForOutput('SIM HOST');
    // Kill while creates are in flight: at least one create-pending marker or created VM exists.
    await waitFor(() => new VmRecords(l.stateDir).all().length > 0, 20_000, 'a create to start');
    await first.kill9();

    const second = up(l);
    await waitFor(() => allReady(l), 30_000, 'all Ready after restart');
    const uids = NAMES.map((n) => persisted(l).get('VirtualMachine', n)!.metadata.uid);
    const incarnations = NAMES.map((n) => loadWorld(l.stateDir).vms[n].incarnation);
    await second.kill9();

    // The restarted process must have looked at every VM before "nothing changed" means anything.
    const third = up(l, '127.0.0.1:0');
    await third.waitForOutput(/api: +http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
    const apiUrl = /api: +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(third.output())![1]!;
    await reconciledOnce(apiUrl, NAMES);
    expect(NAMES.map((n) => persisted(l).get('VirtualMachine', n)!.metadata.uid)).toEqual(uids);
    const world = loadWorld(l.stateDir);
    expect(Object.keys(world.vms).sort()).toEqual(NAMES);
    expect(NAMES.map((n) => world.vms[n].incarnation)).toEqual(incarnations);
    expect(NAMES.every((n) => world.vms[n].state === 'running')).toBe(true);
    expect(await third.stop()).toBe(0);
  }, 90_000);

  it('refuses a second up on the same state dir with a clear message', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const first = up(lab);
    await first.waitForOutput('reconciling');
    const second = await runCli(['up', '--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim', '--listen', 'off']);
    expect(second.code).toBe(3);
    expect(second.stdout + second.stderr).toMatch(/in use by hostplane process \d+/);
  });

  it('ends get -w quietly with exit 0 when the reader of its output goes away (| head)', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const child = spawn(process.execPath, [BIN, 'get', 'vms', '-w', '--specs', lab.specsDir, '--state', lab.stateDir.root], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await new Promise<void>((r) => child.stdout!.once('data', () => r()));
      child.stdout!.destroy(); // like head after its lines
      // Changes make it write again, into the closed pipe.
      for (let i = 0; i < 50 && child.exitCode === null; i++) {
        lab.write('a.yaml', vmDoc('a', { cpu: (i % 4) + 1 }));
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await exited).toBe(0);
      expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 and releases the state dir when its API port is taken, instead of running on without an API', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as AddressInfo).port;
    try {
      const args = ['up', '--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim'];
      const taken = await runCli([...args, '--listen', `127.0.0.1:${port}`], {}, 30_000);
      expect(taken.code).toBe(1);
      expect(taken.stdout + taken.stderr).toMatch(/cannot serve the API on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      // The lock went with it: the next up takes the state dir.
      const next = up(lab);
      await next.waitForOutput('reconciling');
    } finally {
      busy.close();
    }
  });

  it('get, describe and events read the lab while up is not running; a sim kill is repaired', async () => {
    lab = makeLab({ 'vms.yaml': NAMES.map((n) => vmDoc(n)).join('---\n') });
    const l = lab;
    const p = up(l);
    await waitFor(() => allReady(l), 30_000, 'all Ready');
    const bootedAt = loadWorld(l.stateDir).vms.n2.startedAt;
    expect((await runCli(['sim', 'kill', 'n2', '--state', l.stateDir.root])).code).toBe(0);
    await waitFor(() => {
      const w = loadWorld(l.stateDir);
      // Ready again, not only running: the address and SSH checks follow the start as requeues.
      return w.vms.n2?.state === 'running' && w.vms.n2.startedAt !== bootedAt && persisted(l).get('VirtualMachine', 'n2')?.status?.state === 'running' && allReady(l);
    }, 40_000, 'n2 started again and Ready');
    expect(await p.stop()).toBe(0);

    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    const get = await runCli(['get', 'vms', ...args]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+READY\s+PHASE/m);
    expect(get.stdout).toMatch(/^n1\s+True\s+Running/m);
    const json = JSON.parse((await runCli(['get', 'virtualmachine', '-o', 'json', ...args])).stdout);
    expect(json.kind).toBe('List');
    expect(json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(NAMES);
    const desc = await runCli(['describe', 'vm', 'n2', ...args]);
    expect(desc.stdout).toMatch(/Conditions:[\s\S]*Ready\s+True/);
    expect(desc.stdout).toContain('VMStoppedUnexpectedly');
    const missing = await runCli(['describe', 'vm', 'nope', ...args]);
    expect(missing.code).toBe(4);
  }, 90_000);
});
