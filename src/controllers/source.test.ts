import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeRegistry, vmYaml } from '../../test/fixtures/fake-registry.js';
import { waitFor } from '../../test/fixtures/wait-for.js';
import { MemoryPersistence, ObjectStore } from './store.js';
import { SpecSource, type EventSink, type SpecSourceOptions } from './source.js';
import type { SpecValidator } from './spec-parse.js';

type Ev = Parameters<EventSink['record']>[0];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hp-source-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

interface Lab {
  root: string;
  dir: string;
  store: ObjectStore;
  persistence: MemoryPersistence;
  events: Ev[];
  src: SpecSource;
  write(rel: string, text: string): void;
  rm(rel: string): void;
  spec(name: string): Record<string, unknown> | undefined;
  deleting(name: string): boolean;
}

function lab(opts: Partial<SpecSourceOptions> & { files?: Record<string, string>; persistence?: MemoryPersistence; registry?: SpecValidator } = {}): Lab {
  const root = tempDir();
  const dir = join(root, 'specs');
  mkdirSync(dir);
  const persistence = opts.persistence ?? new MemoryPersistence();
  const store = new ObjectStore(persistence);
  const events: Ev[] = [];
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  for (const [f, t] of Object.entries(opts.files ?? {})) write(f, t);
  const src = new SpecSource({
    registry: opts.registry ?? fakeRegistry(),
    graceMs: 150,
    debounceMs: 20,
    rootCheckMs: 40,
    ...opts,
    specsDir: dir,
    store,
    events: { record: (e) => events.push(e) },
  });
  cleanups.push(() => src.stop());
  return {
    root,
    dir,
    store,
    persistence,
    events,
    src,
    write,
    rm: (rel) => unlinkSync(join(dir, rel)),
    spec: (name) => store.get('VirtualMachine', name)?.spec,
    deleting: (name) => !!store.get('VirtualMachine', name)?.metadata.deletionTimestamp,
  };
}

/**
 * The source has read every change so far, and nothing deletes these objects unless a file changes
 * again: none is deleting, and none waits for deletion (or deletion is paused, which only a file
 * event or a confirmation ends).
 */
async function kept(l: Lab, names: string[]): Promise<void> {
  await waitFor(() => l.src.isIdle(), 3000, 'the source to read every change');
  const paused = !!l.src.status().deletionPaused;
  for (const n of names) {
    expect(l.deleting(n), `${n} is being deleted`).toBe(false);
    if (!paused) expect(l.src.pendingDeletions(), `${n} waits for deletion`).not.toContain(`VirtualMachine/${n}`);
  }
}

/** Open fs.watch handles of this process. */
const watchHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;

/** A store that already knows objects, as after a restart (the state dir remembered them). */
function remembered(names: string[]): MemoryPersistence {
  const p = new MemoryPersistence();
  const s = new ObjectStore(p);
  for (const n of names) s.applySpec({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: n }, spec: { cpu: 2, powerState: 'Running' } });
  return p;
}

describe('SpecSource: initial scan', () => {
  it('start() resolves after every document of every file is in the store, with positions', async () => {
    const l = lab({ files: { 'a.yaml': `${vmYaml('a')}---\n${vmYaml('b')}`, 'sub/dir/c.yml': `# c\n${vmYaml('c')}` } });
    await l.src.start();
    expect(l.store.list().map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(l.store.sourceOf('VirtualMachine', 'b')).toEqual({ file: 'a.yaml', line: 8, col: 1 });
    expect(l.store.sourceOf('VirtualMachine', 'c')).toEqual({ file: 'sub/dir/c.yml', line: 2, col: 1 });
    expect(l.spec('a')).toEqual({ cpu: 2, powerState: 'Running' }); // defaulted by the registry
    expect(l.src.status()).toEqual({ files: 2, objects: 3, errors: 0 });
  });

  it.each([
    ['a dotfile', '.hidden.yaml'],
    ['a file in a dot directory', '.git/x.yaml'],
    ['node_modules', 'node_modules/pkg/x.yaml'],
    ['a vim swap file', '.a.yaml.swp'],
    ['a backup file', 'a.yaml~'],
    ['a non-YAML file', 'a.json'],
  ])('ignores %s', async (_n, rel) => {
    const l = lab({ files: { [rel]: vmYaml('ignored'), 'real.yaml': vmYaml('real') } });
    await l.src.start();
    l.write(rel, vmYaml('ignored', 'cpu: 3'));
    l.write('real.yaml', vmYaml('real', 'cpu: 3'));
    await waitFor(() => l.spec('real')?.cpu === 3, 3000, 'real.yaml edit');
    expect(l.store.get('VirtualMachine', 'ignored')).toBeUndefined();
  });

  it('scanOnce parses without a watcher and never deletes', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') }, persistence: remembered(['gone']), graceMs: 0 });
    l.store.restore();
    const handles = watchHandles();
    await l.src.scanOnce();
    expect(l.spec('a')).toBeDefined();
    expect(l.deleting('gone')).toBe(false);
    // No watcher was opened and no timer armed: nothing can read the edit or delete later.
    expect(watchHandles()).toBe(handles);
    expect(l.src.isIdle()).toBe(true);
    l.write('a.yaml', vmYaml('a', 'cpu: 5'));
    expect(l.spec('a')?.cpu).toBe(2);
  });
});

describe('SpecSource: edits', () => {
  it('applies an edit to a watched file', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('a.yaml', vmYaml('a', 'cpu: 4'));
    await waitFor(() => l.spec('a')?.cpu === 4, 3000, 'edit applied');
    expect(l.store.get('VirtualMachine', 'a')?.metadata.generation).toBe(2);
  });

  it('does not lose an edit made inside the watcher\'s per-file throttle window', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('a.yaml', vmYaml('a', 'cpu: 3'));
    await waitFor(() => l.spec('a')?.cpu === 3, 3000, 'first edit');
    l.write('a.yaml', vmYaml('a', 'cpu: 4')); // within ~50 ms of the first: chokidar drops its event
    await waitFor(() => l.spec('a')?.cpu === 4, 3000, 'second edit');
  });

  it('picks up a new file in a new directory', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('clusters/dev/vms.yaml', vmYaml('n'));
    await waitFor(() => l.spec('n'), 3000, 'new file');
    expect(l.store.sourceOf('VirtualMachine', 'n')?.file).toBe('clusters/dev/vms.yaml');
  });

  it('saves by rename (write temp, rename over) are picked up', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('.a.yaml.tmp', vmYaml('a', 'cpu: 6'));
    renameSync(join(l.dir, '.a.yaml.tmp'), join(l.dir, 'a.yaml'));
    await waitFor(() => l.spec('a')?.cpu === 6, 3000, 'renamed-over file');
    await kept(l, ['a']);
  });

  it("saves by rename (vim-style: move to backup~, write new, remove backup) are picked up", async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    renameSync(join(l.dir, 'a.yaml'), join(l.dir, 'a.yaml~'));
    l.write('a.yaml', vmYaml('a', 'cpu: 7'));
    l.rm('a.yaml~');
    await waitFor(() => l.spec('a')?.cpu === 7, 3000, 'vim save');
    await kept(l, ['a']);
  });

  it('a delete followed by a create of the same file is an edit, not a deletion', async () => {
    // A grace period far longer than the test: the file comes back within it however slow the machine.
    const l = lab({ files: { 'a.yaml': vmYaml('a'), 'b.yaml': vmYaml('b'), 'c.yaml': vmYaml('c') }, graceMs: 60_000 });
    await l.src.start();
    l.rm('a.yaml');
    await waitFor(() => l.src.pendingDeletions().includes('VirtualMachine/a'), 3000, 'the unlink seen alone');
    l.write('a.yaml', vmYaml('a', 'cpu: 8'));
    await waitFor(() => l.spec('a')?.cpu === 8, 3000, 'recreated');
    await kept(l, ['a']);
    expect(l.store.get('VirtualMachine', 'a')?.metadata.generation).toBe(2);
  });
});

describe('SpecSource: invalid edits keep the last valid spec', () => {
  it('keeps the last valid spec when a file stops parsing', async () => {
    const l = lab({ files: { 'a.yaml': `${vmYaml('a')}---\n${vmYaml('b')}` } });
    await l.src.start();
    l.write('a.yaml', `${vmYaml('a', 'cpu: 9')}---\nkind: "VirtualMachine\n`);
    await waitFor(() => l.store.specErrors().length, 3000, 'syntax error reported');
    const [err] = l.store.specErrors();
    expect(err).toMatchObject({ file: 'a.yaml', line: 9, field: '' });
    expect(err.message).toMatch(/YAML syntax error/);
    // Neither document is applied nor deleted, also after the grace period.
    await kept(l, ['a', 'b']);
    expect(l.spec('a')?.cpu).toBe(2);
    expect(l.events.filter((e) => e.reason === 'SpecInvalid').map((e) => [e.object, e.type])).toEqual([['File/a.yaml', 'Warning']]);
    expect(l.src.status().errors).toBe(1);
    // Fixed: errors clear and the edit applies.
    l.write('a.yaml', `${vmYaml('a', 'cpu: 9')}---\n${vmYaml('b')}`);
    await waitFor(() => l.spec('a')?.cpu === 9, 3000, 'fixed file applied');
    expect(l.store.specErrors()).toEqual([]);
  });

  it('keeps the last valid spec of a schema-invalid document and attaches the error to the object', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('a.yaml', `# now broken\n${vmYaml('a', 'cpu: -1')}`);
    await waitFor(() => l.store.specErrorsFor('VirtualMachine', 'a').length, 3000, 'schema error');
    expect(l.store.specErrorsFor('VirtualMachine', 'a')).toEqual([{ file: 'a.yaml', line: 7, col: 8, field: 'spec.cpu', message: 'must be an integer >= 1', object: 'VirtualMachine/a' }]);
    const ev = l.events.find((e) => e.reason === 'SpecInvalid');
    expect(ev).toEqual({ object: 'VirtualMachine/a', type: 'Warning', reason: 'SpecInvalid', message: 'a.yaml:7:8 spec.cpu: must be an integer >= 1' });
    await kept(l, ['a']);
    expect(l.spec('a')?.cpu).toBe(2);
  });

  it('a typo in kind keeps the object (the file no longer says which objects it holds)', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('a.yaml', vmYaml('a').replace('kind: VirtualMachine', 'kind: VirtualMachin'));
    await waitFor(() => l.store.specErrors().some((e) => e.field === 'kind'), 3000, 'kind error');
    await kept(l, ['a']);
    expect(l.spec('a')).toBeDefined();
  });

  it('does not repeat a SpecInvalid event while the error is unchanged', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a', 'cpu: 0'), 'b.yaml': vmYaml('b') } });
    await l.src.start();
    expect(l.events.filter((e) => e.reason === 'SpecInvalid')).toHaveLength(1);
    l.write('a.yaml', `# comment moves the line\n${vmYaml('a', 'cpu: 0')}`);
    l.write('b.yaml', vmYaml('b', 'cpu: 3'));
    await waitFor(() => l.spec('b')?.cpu === 3, 3000, 'b edited');
    await waitFor(() => l.store.specErrors()[0]?.line === 7, 3000, 'a re-read');
    expect(l.events.filter((e) => e.reason === 'SpecInvalid')).toHaveLength(1);
    l.write('a.yaml', vmYaml('a', 'cpu: 0.5'));
    await waitFor(() => l.store.specErrors()[0]?.line === 6, 3000, 'same error');
    expect(l.events.filter((e) => e.reason === 'SpecInvalid').map((e) => e.message)).toEqual(['a.yaml:6:8 spec.cpu: must be an integer >= 1']);
    l.write('a.yaml', vmYaml('a', 'cpu: 2\n  network: {allow: [x]}'));
    await waitFor(() => l.events.filter((e) => e.reason === 'SpecInvalid').length === 2, 3000, 'a new error is told');
  });
});

describe('SpecSource: duplicates', () => {
  it('a duplicate name in a second file is reported with both locations', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('x', 'cpu: 1') } });
    await l.src.start();
    l.write('b.yaml', `# copy\n${vmYaml('x', 'cpu: 5')}`);
    await waitFor(() => l.store.specErrors().length, 3000, 'duplicate error');
    const [e] = l.store.specErrors();
    expect(e).toMatchObject({ file: 'b.yaml', line: 5, col: 9, field: 'metadata.name', object: 'VirtualMachine/x' });
    expect(e.message).toContain('a.yaml:4:9');
    expect(e.message).toContain('b.yaml:5:9');
    expect(l.spec('x')?.cpu).toBe(1);
    // The first owner goes away: the duplicate takes over at once, nothing is deleted.
    l.rm('a.yaml');
    await waitFor(() => l.spec('x')?.cpu === 5, 3000, 'second file takes over');
    expect(l.store.specErrors()).toEqual([]);
    expect(l.store.sourceOf('VirtualMachine', 'x')?.file).toBe('b.yaml');
    await kept(l, ['x']);
  });

  it('at start-up the lexically first path owns a duplicate; an edit does not steal ownership', async () => {
    const l = lab({ files: { 'z.yaml': vmYaml('x', 'cpu: 3'), 'm/a.yaml': vmYaml('x', 'cpu: 1') } });
    await l.src.start();
    expect(l.spec('x')?.cpu).toBe(1);
    expect(l.store.specErrors().map((e) => [e.file, e.line])).toEqual([['z.yaml', 4]]);
    // The comment moves z.yaml's duplicate error a line down: proof that its edit was read too.
    l.write('z.yaml', `# edited\n${vmYaml('x', 'cpu: 4')}`);
    l.write('m/a.yaml', vmYaml('x', 'cpu: 2'));
    await waitFor(() => l.spec('x')?.cpu === 2, 3000, 'owner edit applied');
    await waitFor(() => l.store.specErrors().find((e) => e.file === 'z.yaml')?.line === 5, 3000, 'z.yaml edit read');
    await kept(l, ['x']);
    expect(l.spec('x')?.cpu).toBe(2);
  });

  it('a duplicate within one file is reported with both lines', async () => {
    const l = lab({ files: { 'a.yaml': `${vmYaml('x', 'cpu: 1')}---\n${vmYaml('x', 'cpu: 2')}` } });
    await l.src.start();
    expect(l.spec('x')?.cpu).toBe(1);
    const errs = l.store.specErrors();
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ line: 11, field: 'metadata.name' });
    expect(errs[0].message).toContain('a.yaml:4:9');
    expect(errs[0].message).toContain('a.yaml:11:9');
  });
});

describe('SpecSource: deletion', () => {
  it('deletes an object only after the grace period when its document is removed', async () => {
    const l = lab({ files: { 'a.yaml': `${vmYaml('a')}---\n${vmYaml('b')}`, 'c.yaml': vmYaml('c'), 'd.yaml': vmYaml('d') } });
    await l.src.start();
    const t0 = Date.now();
    l.write('a.yaml', vmYaml('a'));
    await waitFor(() => l.src.pendingDeletions().length, 3000, 'pending deletion');
    expect(l.deleting('b')).toBe(false);
    await waitFor(() => l.deleting('b'), 3000, 'b deleted');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(l.deleting('a')).toBe(false);
    expect(l.events.some((e) => e.object === 'VirtualMachine/b' && e.reason === 'SpecRemoved')).toBe(true);
  });

  it('treats a rename within the grace period as a move', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a'), 'b.yaml': vmYaml('b'), 'c.yaml': vmYaml('c') }, graceMs: 60_000 });
    await l.src.start();
    const uid = l.store.get('VirtualMachine', 'a')?.metadata.uid;
    mkdirSync(join(l.dir, 'moved'));
    renameSync(join(l.dir, 'a.yaml'), join(l.dir, 'moved', 'renamed.yaml'));
    await waitFor(() => l.store.sourceOf('VirtualMachine', 'a')?.file === 'moved/renamed.yaml', 3000, 'source moved');
    await kept(l, ['a']);
    expect(l.src.pendingDeletions()).toEqual([]);
    expect(l.store.get('VirtualMachine', 'a')?.metadata.uid).toBe(uid);
  });

  it('deletes objects restored from the state dir that no file defines, after the grace period', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a'), 'b.yaml': vmYaml('b'), 'c.yaml': vmYaml('c') }, persistence: remembered(['a', 'b', 'c', 'old']) });
    l.store.restore();
    await l.src.start();
    expect(l.deleting('old')).toBe(false);
    expect(l.src.pendingDeletions()).toEqual(['VirtualMachine/old']);
    await waitFor(() => l.deleting('old'), 3000, 'old deleted');
    expect(l.deleting('a')).toBe(false);
  });

  it('keeps restored objects while a file that may define them does not parse', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a'), 'broken.yaml': `${vmYaml('old')}  bad: : x\n` }, persistence: remembered(['a', 'old']) });
    l.store.restore();
    await l.src.start();
    await kept(l, ['old']);
    expect(l.src.pendingDeletions()).toEqual([]);
    l.write('broken.yaml', vmYaml('other'));
    await waitFor(() => l.spec('other'), 3000, 'fixed');
    await waitFor(() => l.deleting('old'), 3000, 'old deleted once the file is known not to define it');
  });

  it('pauses deletion when most specs vanish at once, resumes with nothing deleted when they come back', async () => {
    const files: Record<string, string> = {};
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) files[`${n}.yaml`] = vmYaml(n);
    const l = lab({ files });
    await l.src.start();
    for (const n of ['a', 'b', 'c', 'd', 'e']) l.rm(`${n}.yaml`);
    await waitFor(() => l.src.status().deletionPaused, 3000, 'deletion paused');
    expect(l.src.status().deletionPaused).toEqual({ count: 5, reason: expect.stringContaining('5 of 6 objects') });
    const ev = l.events.find((e) => e.reason === 'DeletionPaused');
    expect(ev?.type).toBe('Warning');
    expect(ev?.message).toMatch(/5 object\(s\).*confirm-deletions/);
    await kept(l, ['a', 'b', 'c', 'd', 'e', 'f']);
    for (const n of ['a', 'b', 'c', 'd', 'e']) l.write(`${n}.yaml`, vmYaml(n));
    await waitFor(() => !l.src.status().deletionPaused, 3000, 'resumed');
    expect(l.events.some((e) => e.reason === 'DeletionResumed')).toBe(true);
    await waitFor(() => l.src.pendingDeletions().length === 0, 3000, 'every file read back');
    await kept(l, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('confirmDeletions() deletes what the guard paused', async () => {
    const files: Record<string, string> = {};
    for (const n of ['a', 'b', 'c', 'd', 'e']) files[`${n}.yaml`] = vmYaml(n);
    const l = lab({ files });
    await l.src.start();
    for (const n of ['a', 'b', 'c', 'd']) l.rm(`${n}.yaml`);
    await waitFor(() => l.src.status().deletionPaused?.count === 4, 3000, 'paused');
    expect(l.src.confirmDeletions()).toBe(4);
    expect(['a', 'b', 'c', 'd'].every((n) => l.deleting(n))).toBe(true);
    expect(l.deleting('e')).toBe(false);
    expect(l.src.status().deletionPaused).toBeUndefined();
  });

  it.each([
    ['below the minimum count', 3, 0.5, false],
    ['at most the fraction', 2, 0.5, false],
    ['above the fraction and the minimum', 3, 0.25, true],
  ])('the guard with 3 of 6 vanishing, %s', async (_n, min, fraction, paused) => {
    const files: Record<string, string> = {};
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) files[`${n}.yaml`] = vmYaml(n);
    const l = lab({ files, massDeleteMinObjects: min + (paused ? 0 : 1), massDeleteFraction: fraction });
    await l.src.start();
    for (const n of ['a', 'b', 'c']) l.rm(`${n}.yaml`);
    if (paused) {
      await waitFor(() => l.src.status().deletionPaused, 3000, 'paused');
      expect(l.deleting('a')).toBe(false);
    } else {
      await waitFor(() => l.deleting('a') && l.deleting('b') && l.deleting('c'), 3000, 'deleted');
      expect(l.src.status().deletionPaused).toBeUndefined();
    }
  });

  it('pauses deletion when the specs directory itself disappears, and recovers when it is back', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    const moved = join(l.root, 'elsewhere');
    renameSync(l.dir, moved);
    await waitFor(() => l.src.status().deletionPaused, 3000, 'paused for a missing directory');
    expect(l.src.status().deletionPaused).toEqual({ count: 1, reason: expect.stringMatching(/missing or unreadable/) });
    await kept(l, ['a']);
    renameSync(moved, l.dir);
    await waitFor(() => !l.src.status().deletionPaused, 3000, 'resumed');
    expect(l.deleting('a')).toBe(false);
    // And the watcher works again.
    l.write('a.yaml', vmYaml('a', 'cpu: 3'));
    await waitFor(() => l.spec('a')?.cpu === 3, 3000, 'watching again');
  });

  it('a specs directory missing at start pauses the deletion of remembered objects', async () => {
    const l = lab({ persistence: remembered(['a']) });
    rmSync(l.dir, { recursive: true });
    l.store.restore();
    await l.src.start();
    await waitFor(() => l.src.status().deletionPaused, 3000, 'paused');
    await kept(l, ['a']);
    expect(existsSync(l.dir)).toBe(false);
  });
});

describe('SpecSource with the real CRDs (src/api/schema.ts, crds/)', async () => {
  const { loadSchemaRegistry } = await import('../api/schema.js');
  const real = loadSchemaRegistry();
  const VM = (cpu: string) => `apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: dev-master
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: ${cpu}
  memory: 4Gi
`;

  it('applies defaulted specs and keeps the last valid one through a schema-invalid edit', async () => {
    const l = lab({ files: { 'vms/dev.yaml': VM('2') }, registry: real });
    await l.src.start();
    expect(l.spec('dev-master')).toMatchObject({ cpu: 2, memory: '4Gi' });
    l.write('vms/dev.yaml', VM('two'));
    await waitFor(() => l.store.specErrorsFor('VirtualMachine', 'dev-master').length, 3000, 'schema error');
    expect(l.store.specErrorsFor('VirtualMachine', 'dev-master')[0]).toMatchObject({ file: 'vms/dev.yaml', line: 7, col: 8, field: 'spec.cpu' });
    expect(l.events.find((e) => e.reason === 'SpecInvalid')?.message).toMatch(/^vms\/dev\.yaml:7:8 spec\.cpu: /);
    await kept(l, ['dev-master']);
    expect(l.spec('dev-master')?.cpu).toBe(2);
  });
});

describe('SpecSource: deletion safety for small labs and half-written files (issue 14 item 1)', () => {
  it.each([
    ['0 bytes', ''],
    ['only whitespace', '\n  \n'],
  ])('a file emptied to %s keeps its objects like a file that stops parsing, and warns', async (_what, text) => {
    const l = lab({ files: { 'ab.yaml': `${vmYaml('a')}---\n${vmYaml('b')}`, 'c.yaml': vmYaml('c'), 'd.yaml': vmYaml('d'), 'e.yaml': vmYaml('e'), 'f.yaml': vmYaml('f') } });
    await l.src.start();
    l.write('ab.yaml', text);
    await waitFor(() => l.events.some((e) => e.reason === 'SpecInvalid' && /ab\.yaml.*empty/.test(e.message)), 3000, 'a warning about the empty file');
    await kept(l, ['a', 'b']);
    expect(l.src.pendingDeletions()).toEqual([]);
    l.write('ab.yaml', vmYaml('a', 'cpu: 3'));
    await waitFor(() => l.spec('a')?.cpu === 3, 3000, 'the file parses again');
    await waitFor(() => l.deleting('b'), 3000, 'b deleted once the file is known not to define it');
  });

  it.each([
    ['every object of a small lab (3 of 3)', ['a', 'b', 'c'], ['a', 'b', 'c']],
    ['the only object (1 of 1)', ['a'], ['a']],
    ['more than half, two of three', ['a', 'b', 'c'], ['a', 'b']],
  ])('pauses deletion when a change would delete %s', async (_what, names, removed) => {
    const files: Record<string, string> = {};
    for (const n of names) files[`${n}.yaml`] = vmYaml(n);
    const l = lab({ files });
    await l.src.start();
    for (const n of removed) l.rm(`${n}.yaml`);
    await waitFor(() => l.src.status().deletionPaused, 3000, 'deletion paused');
    expect(l.src.status().deletionPaused?.count).toBe(removed.length);
    expect(l.events.find((e) => e.reason === 'DeletionPaused')?.message).toMatch(/confirm-deletions/);
    await kept(l, names);
    expect(l.src.confirmDeletions()).toBe(removed.length);
  });

  it('removing one document of three from a file that still parses deletes it after the grace period', async () => {
    const l = lab({ files: { 'lab.yaml': `${vmYaml('a')}---\n${vmYaml('b')}---\n${vmYaml('c')}` } });
    await l.src.start();
    l.write('lab.yaml', `${vmYaml('a')}---\n${vmYaml('c')}`);
    await waitFor(() => l.deleting('b'), 3000, 'b deleted');
    expect(l.src.status().deletionPaused).toBeUndefined();
  });

  it('starting on an empty specs directory against a state dir that holds objects pauses deletion', async () => {
    const l = lab({ persistence: remembered(['a', 'b', 'c']) });
    l.store.restore();
    await l.src.start();
    await waitFor(() => l.src.status().deletionPaused, 3000, 'paused');
    expect(l.src.status().deletionPaused?.reason).toMatch(/all 3 objects/);
    await kept(l, ['a', 'b', 'c']);
  });

  it('pauses when a moved file would delete VMs a Cluster that stays still uses, or every VM of the lab', async () => {
    const cluster = `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: dev\nspec:\n  controlPlane:\n    vm: a\n`;
    const rules = (kind: string) => (kind === 'Cluster' ? [{ path: 'spec.controlPlane.vm', kind: 'VirtualMachine' as const }] : []);
    const others: Record<string, string> = {};
    for (const n of ['e', 'f', 'g']) others[`${n}.yaml`] = vmYaml(n);
    const l = lab({ files: { 'vms.yaml': `${vmYaml('a')}---\n${vmYaml('b')}`, 'cluster.yaml': cluster, ...others }, referenceRules: rules });
    await l.src.start();
    l.rm('vms.yaml');
    await waitFor(() => l.src.status().deletionPaused, 3000, 'deletion paused');
    expect(l.src.status().deletionPaused?.reason).toMatch(/VirtualMachine\/a would be deleted while Cluster\/dev still uses it \(spec\.controlPlane\.vm\)/);
    await kept(l, ['a', 'b']);
    expect(l.src.confirmDeletions()).toBe(2);
  });

  it('a deletion announced by `hostplane delete` goes ahead even when it removes the only object', async () => {
    const intended = new Set<string>();
    const l = lab({ files: { 'a.yaml': vmYaml('a') }, deletionIntents: { intended: (k) => intended.has(k), done: (k) => intended.delete(k) } });
    await l.src.start();
    intended.add('VirtualMachine/a');
    l.rm('a.yaml');
    await waitFor(() => l.deleting('a'), 3000, 'a deleted');
    expect(l.src.status().deletionPaused).toBeUndefined();
    expect(intended.size).toBe(0);
  });
});

describe('SpecSource: files that are too large or not regular files (issue 14 items 7, 8)', () => {
  it('refuses a spec file above the 1 MiB limit with an error naming the file, keeping its objects', async () => {
    const l = lab({ files: { 'big.yaml': vmYaml('a'), 'b.yaml': vmYaml('b'), 'c.yaml': vmYaml('c') } });
    await l.src.start();
    l.write('big.yaml', `${vmYaml('a', 'cpu: 3')}# ${'x'.repeat(1024 * 1024 + 16)}\n`);
    await waitFor(() => l.store.specErrors().some((e) => e.file === 'big.yaml'), 3000, 'size error');
    expect(l.store.specErrors().find((e) => e.file === 'big.yaml')?.message).toMatch(/big\.yaml is 1\.0 MiB, above the 1 MiB limit for spec files/);
    await kept(l, ['a']);
    expect(l.spec('a')?.cpu).toBe(2);
  });

  it.each([
    ['created while watching', false],
    ['present at start', true],
  ])('a FIFO %s is a spec error naming the file, which goes away with the file', async (_when, atStart) => {
    const { execFileSync } = await import('node:child_process');
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    if (atStart) execFileSync('mkfifo', [join(l.dir, 'pipe.yaml')]);
    await l.src.start();
    if (!atStart) execFileSync('mkfifo', [join(l.dir, 'pipe.yaml')]);
    await waitFor(() => l.store.specErrors().some((e) => e.file === 'pipe.yaml'), 3000, 'a spec error for the FIFO');
    expect(l.store.specErrors().find((e) => e.file === 'pipe.yaml')?.message).toMatch(/pipe\.yaml is a FIFO \(named pipe\), not a regular file/);
    expect(l.store.specErrors().find((e) => e.file === 'pipe.yaml')?.message).not.toMatch(/keeping the objects/);
    unlinkSync(join(l.dir, 'pipe.yaml'));
    await waitFor(() => !l.store.specErrors().some((e) => e.file === 'pipe.yaml'), 3000, 'the error gone with the FIFO');
    await kept(l, ['a']);
  });

  it('a brand-new file that is empty or too large says it defines nothing yet, not that it keeps objects', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    l.write('new-empty.yaml', '');
    l.write('new-big.yaml', `# ${'x'.repeat(1024 * 1024 + 16)}\n`);
    await waitFor(() => ['new-empty.yaml', 'new-big.yaml'].every((f) => l.store.specErrors().some((e) => e.file === f)), 3000, 'errors for both new files');
    for (const f of ['new-empty.yaml', 'new-big.yaml']) {
      const message = l.store.specErrors().find((e) => e.file === f)?.message;
      expect(message, f).toMatch(/defines nothing yet/);
      expect(message, f).not.toMatch(/keeping the objects it defined/);
    }
  });

  it('a FIFO created in the specs dir while watching is skipped and does not hang the source', async () => {
    const l = lab({ files: { 'a.yaml': vmYaml('a') } });
    await l.src.start();
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(l.dir, 'pipe.yaml')]);
    l.write('a.yaml', vmYaml('a', 'cpu: 4'));
    await waitFor(() => l.spec('a')?.cpu === 4, 3000, 'the edit next to the FIFO applied');
    await kept(l, ['a']);
  });
});
