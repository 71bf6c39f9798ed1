// GitOps revision through a real `hostplane up` process (sim host): a lab whose specs sit in a git
// checkout shows, in `describe` and the API, the commit each object's spec came from and whether
// its file had uncommitted changes.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../fixtures/sshd.js';
import { runCli, startUp, type UpProcess } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd, encoding: 'utf8' }).trim();

describe('hostplane up in a git checkout', () => {
  let lab: Lab;
  let up: UpProcess;
  let base: string;
  const api = async (name: string) => ((await (await fetch(`${base}/api/v1/virtualmachines/${name}`)).json()) as { status?: Record<string, unknown> }).status ?? {};
  const describeVm = (name: string) => runCli(['--specs', lab.specsDir, '--state', lab.stateDir.root, 'describe', 'vm', name]);
  const commit = (msg: string) => {
    git(lab.root, 'add', 'specs');
    git(lab.root, 'commit', '-q', '-m', msg);
    return git(lab.root, 'rev-parse', 'HEAD');
  };

  beforeAll(async () => {
    lab = makeLab({ 'vms.yaml': vmDoc('web'), 'db.yaml': vmDoc('db') });
    git(lab.root, 'init', '-q', '-b', 'main');
    // The state dir is not part of the checkout, as .gitignore has it in a lab repo.
    execFileSync('sh', ['-c', 'echo .hostplane/ > .gitignore'], { cwd: lab.root });
    const port = await freeLoopbackPort();
    base = `http://127.0.0.1:${port}`;
    up = startUp(['--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim', '--listen', `127.0.0.1:${port}`, '--sim-scale', '0.2', '--poll', '1s']);
  }, 30_000);

  afterAll(async () => {
    await up?.stop();
    lab?.cleanup();
  });

  it('records the commit, marks an uncommitted edit dirty, moves to the next commit: describe and the API agree', async () => {
    const first = commit('first');
    await waitFor(async () => (await api('web')).lastAppliedRevision === `main@sha1:${first}`, 60_000, 'first revision in the API');
    expect(await api('db')).toMatchObject({ lastAppliedRevision: `main@sha1:${first}`, dirty: false });
    // The VM reconciler keeps writing status; the revision stays.
    await waitFor(async () => (await api('web')).phase === 'Running', 60_000, 'web running');
    expect(await api('web')).toMatchObject({ lastAppliedRevision: `main@sha1:${first}`, dirty: false });
    const d1 = await describeVm('web');
    expect(d1.code).toBe(0);
    expect(d1.stdout).toMatch(new RegExp(`^Revision: +main@sha1:${first}$`, 'm'));

    lab.write('vms.yaml', vmDoc('web', { cpu: 3 }));
    await waitFor(async () => (await api('web')).dirty === true, 30_000, 'web dirty');
    expect(await api('db')).toMatchObject({ lastAppliedRevision: `main@sha1:${first}`, dirty: false });
    const d2 = await describeVm('web');
    expect(d2.stdout).toMatch(new RegExp(`^Revision: +main@sha1:${first} \\(dirty: the file has uncommitted changes\\)$`, 'm'));

    const second = commit('web: 3 cpus');
    await waitFor(async () => (await api('web')).lastAppliedRevision === `main@sha1:${second}`, 30_000, 'second revision');
    expect(await api('web')).toMatchObject({ dirty: false });
    expect(await api('db')).toMatchObject({ lastAppliedRevision: `main@sha1:${second}`, dirty: false });
    const d3 = await describeVm('web');
    expect(d3.stdout).toMatch(new RegExp(`^Revision: +main@sha1:${second}$`, 'm'));
    expect(d3.stdout).not.toContain('dirty: the file');
  }, 180_000);
});
