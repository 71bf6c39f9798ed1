// `hostplane reconcile|suspend|resume KIND/NAME` as processes against a running `hostplane up`
// process: the running `up` answers through its API; suspension is a runtime hold kept in the state
// dir (it survives a restart of `up`, shows as a Suspended condition, resume clears it); the spec
// file keeps its bytes and git stays clean.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getCondition } from '../../src/api/conditions.js';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';
import { loadWorld } from '../../src/sim/host/sim-world.js';
import { runCli, startUp, type UpProcess } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let up: UpProcess | undefined;

afterEach(async () => {
  await up?.stop();
  up = undefined;
  lab?.cleanup();
  lab = undefined;
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' } });

describe('hostplane suspend|resume|reconcile against a running up', () => {
  it('holds the object in the state dir across a restart of up, shows Suspended, resume releases it; the spec file and git are untouched', async () => {
    lab = makeLab({ 'lab.yaml': `# keep this comment\n${vmDoc('a')}` });
    const l = lab;
    git(l.specsDir, 'init', '-q');
    git(l.specsDir, 'add', '.');
    git(l.specsDir, 'commit', '-qm', 'lab');
    const specBytes = readFileSync(join(l.specsDir, 'lab.yaml'));
    const port = await freePort();
    const upArgs = ['--specs', l.specsDir, '--state', l.stateDir.root, '--provider', 'sim', '--listen', `127.0.0.1:${port}`, '--sim-scale', '0.2', '--poll', '1s'];
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    const vm = () => {
      const s = new ObjectStore(new StateDirPersistence(l.stateDir, true));
      s.restore();
      return s.get('VirtualMachine', 'a');
    };
    const suspended = () => getCondition(vm()?.status?.conditions, 'Suspended');
    // The last reconcile `up` finished, as its API reports it.
    const lastFinish = async () => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/virtualmachines/a/reconcile`);
      return ((await r.json()) as { lastReconcile: { finishTime: string } | null }).lastReconcile?.finishTime ?? '';
    };
    /** `hostplane reconcile` through the API, then wait until `up` has finished a reconcile after it. */
    const reconcileOnce = async () => {
      const before = await lastFinish();
      const r = await runCli(['reconcile', 'vm/a', ...args]);
      expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/VirtualMachine\/a queued for reconcile \(hostplane up, pid \d+, through its API\)/)]);
      await waitFor(async () => (await lastFinish()) > before, 20_000, 'a reconcile after the request');
    };

    up = startUp(upArgs);
    await up.waitForOutput('api:', 30_000);
    await waitFor(() => loadWorld(l.stateDir).vms.a?.state === 'running', 30_000, 'VM a running');

    const s = await runCli(['suspend', 'vm/a', ...args]);
    expect([s.code, s.stdout]).toEqual([0, expect.stringMatching(/VirtualMachine\/a suspended \(held in the state dir; the spec file is unchanged\) \(hostplane up, pid \d+, through its API\)/)]);
    await waitFor(() => suspended()?.status === 'True', 20_000, 'Suspended=True');
    const described = await runCli(['describe', 'vm/a', ...args]);
    expect(described.stdout).toMatch(/Suspended\s+True\s+Suspended/);

    // Killed behind hostplane's back (the sim applies that at its next observation): a suspended VM is
    // left exactly as it is, even when asked to reconcile — never observed, never started again.
    const bootedAt = loadWorld(l.stateDir).vms.a!.startedAt;
    expect((await runCli(['sim', 'kill', 'vm/a', ...args])).code).toBe(0);
    await reconcileOnce();
    expect(loadWorld(l.stateDir).vms.a!.startedAt).toBe(bootedAt);

    // The hold survives a restart of `up`.
    expect(await up.stop()).toBe(0);
    up = startUp(upArgs);
    await up.waitForOutput('api:', 30_000);
    await reconcileOnce();
    expect(loadWorld(l.stateDir).vms.a!.startedAt).toBe(bootedAt);
    expect(suspended()?.status).toBe('True');

    const r = await runCli(['resume', 'virtualmachine', 'a', ...args]);
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/VirtualMachine\/a resumed .*through its API/)]);
    await waitFor(() => {
      const w = loadWorld(l.stateDir).vms.a;
      return w?.state === 'running' && w.startedAt !== bootedAt;
    }, 40_000, 'VM a killed and started again after resume');
    await waitFor(() => suspended() === undefined, 10_000, 'the Suspended condition cleared');

    expect(readFileSync(join(l.specsDir, 'lab.yaml')).equals(specBytes)).toBe(true);
    expect(git(l.specsDir, 'status', '--porcelain')).toBe('');
  }, 240_000);
});
