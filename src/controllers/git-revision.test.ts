// The source records, per object, the git commit its spec came from and whether its file was dirty,
// against real git in temp repositories; git runs only when HEAD moved or a spec file changed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeRegistry, vmYaml } from '../../test/fixtures/fake-registry.js';
import { waitFor } from '../../test/fixtures/wait-for.js';
import { GitRevisions, type GitRunner } from './git-revision.js';
import { MemoryPersistence, ObjectStore } from './store.js';
import { SpecSource } from './source.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A repo whose specs live in `specs/` (not at the top, as in a lab repo), with one commit. */
function repo(files: Record<string, string>): { root: string; specs: string; write(rel: string, text: string): void; commit(msg: string): string } {
  const root = mkdtempSync(join(tmpdir(), 'hp-git-rev-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const specs = join(root, 'specs');
  mkdirSync(specs);
  git(root, 'init', '-q', '-b', 'main');
  const write = (rel: string, text: string) => writeFileSync(join(specs, rel), text);
  const commit = (msg: string) => {
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', msg);
    return git(root, 'rev-parse', 'HEAD');
  };
  for (const [f, t] of Object.entries(files)) write(f, t);
  return { root, specs, write, commit };
}

function source(specsDir: string, run?: GitRunner): { store: ObjectStore; src: SpecSource; status: (name: string) => Record<string, unknown> | undefined } {
  const store = new ObjectStore(new MemoryPersistence());
  const warnings: string[] = [];
  const src = new SpecSource({ specsDir, store, registry: fakeRegistry(), debounceMs: 20, rootCheckMs: 40, gitRevisions: run ? { run } : true, logger: { warn: (m) => warnings.push(m) } });
  cleanups.push(() => src.stop());
  return { store, src, status: (name) => store.get('VirtualMachine', name)?.status };
}

describe('git revision of specs', () => {
  it('records the commit, marks an uncommitted edit dirty, and moves to the next commit', async () => {
    const r = repo({ 'a.yaml': vmYaml('a'), 'b.yaml': vmYaml('b') });
    const first = r.commit('first');
    const { src, status, store } = source(r.specs);
    await src.start();
    expect(status('a')).toEqual({ lastAppliedRevision: `main@sha1:${first}`, dirty: false });

    // A status write by a reconciler keeps it.
    store.updateStatus('VirtualMachine', 'a', { phase: 'Running' });
    expect(status('a')).toEqual({ phase: 'Running', lastAppliedRevision: `main@sha1:${first}`, dirty: false });

    r.write('a.yaml', vmYaml('a', 'cpu: 4'));
    await waitFor(() => status('a')?.dirty === true, 5000, 'a dirty after an uncommitted edit');
    expect(store.get('VirtualMachine', 'a')!.spec.cpu).toBe(4);
    expect(status('a')).toMatchObject({ phase: 'Running', lastAppliedRevision: `main@sha1:${first}` });
    expect(status('b')).toEqual({ lastAppliedRevision: `main@sha1:${first}`, dirty: false });

    const second = r.commit('second');
    await waitFor(() => status('a')?.lastAppliedRevision === `main@sha1:${second}`, 5000, 'the new commit');
    expect(status('a')).toMatchObject({ dirty: false });
    expect(status('b')).toEqual({ lastAppliedRevision: `main@sha1:${second}`, dirty: false });

    // A new file nobody added yet is dirty too; a detached HEAD has no branch.
    r.write('c.yaml', vmYaml('c'));
    await waitFor(() => status('c')?.dirty === true, 5000, 'untracked c dirty');
    git(r.root, 'checkout', '-q', '--detach');
    await waitFor(() => status('b')?.lastAppliedRevision === `sha1:${second}`, 5000, 'detached HEAD');
  });

  it('follows a linked worktree (.git is a file) and its own HEAD', async () => {
    const r = repo({ 'a.yaml': vmYaml('a') });
    const first = r.commit('first');
    const wt = join(r.root, '..', `${r.root.split('/').pop()}-wt`);
    git(r.root, 'worktree', 'add', '-q', '-b', 'feature', wt);
    cleanups.push(() => rmSync(wt, { recursive: true, force: true }));
    const { src, status } = source(join(wt, 'specs'));
    await src.start();
    expect(status('a')).toEqual({ lastAppliedRevision: `feature@sha1:${first}`, dirty: false });
    writeFileSync(join(wt, 'specs', 'a.yaml'), vmYaml('a', 'cpu: 3'));
    git(wt, '-c', 'user.name=t', 'commit', '-qam', 'in the worktree');
    const next = git(wt, 'rev-parse', 'HEAD');
    await waitFor(() => status('a')?.lastAppliedRevision === `feature@sha1:${next}`, 5000, 'worktree commit');
  });

  it.each([
    ['not a checkout', false, undefined],
    ['git missing', true, (async () => {
      throw Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' });
    }) as GitRunner],
    ['a repository without a commit', true, undefined],
  ])('%s: no revision field and no error', async (_what, init, run) => {
    const root = mkdtempSync(join(tmpdir(), 'hp-git-none-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    if (init) git(root, 'init', '-q');
    writeFileSync(join(root, 'a.yaml'), vmYaml('a'));
    const { src, status, store } = source(root, run);
    await src.start();
    await src.revisionsSettled();
    expect(store.get('VirtualMachine', 'a')).toBeDefined();
    expect(status('a')).toBeUndefined();
  });

  it('runs git only when HEAD moved or a spec file changed, never per object per poll (bounded cost, measured)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`vm${i}.yaml`] = vmYaml(`vm${i}`);
    const r = repo(files);
    r.commit('many');
    let calls = 0;
    const counting: GitRunner = async (args, cwd) => {
      calls++;
      return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
    };
    const { src, status } = source(r.specs, counting);
    await src.start();
    expect(calls).toBe(2); // rev-parse + one status for all 200 files
    // Quiet: 25 HEAD checks (every 40 ms) and no git at all.
    const quietFrom = Date.now();
    const checks = new GitRevisions({ specsDir: r.specs, run: counting, onChange: () => {} });
    await checks.poll();
    const afterFirst = calls;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await checks.poll();
    const perCheckUs = Number(process.hrtime.bigint() - t0) / 1000 / 1000;
    expect(calls).toBe(afterFirst);
    await waitFor(() => Date.now() - quietFrom > 1000, 2000, 'a second of polls');
    expect(src.gitCalls()).toBe(2);
    // One edited file: one `git status` for that file.
    r.write('vm7.yaml', vmYaml('vm7', 'cpu: 5'));
    await waitFor(() => status('vm7')?.dirty === true, 5000, 'vm7 dirty');
    expect(src.gitCalls()).toBeLessThanOrEqual(4); // its first read, and chokidar's possible second look
    // A commit: two calls whatever the number of objects.
    const before = src.gitCalls();
    const sha = r.commit('edit');
    await waitFor(() => status('vm199')?.lastAppliedRevision === `main@sha1:${sha}`, 5000, 'new revision on every object');
    expect(src.gitCalls() - before).toBe(2);
    console.log(`git revision cost: ${perCheckUs.toFixed(1)} µs per HEAD check; git calls: 2 at start, 2 per commit, ≤2 per edited file, 0 per quiet poll (200 objects)`);
  });
});
