import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { applyObject, applyObjects, defaultSpecFile, planApplyObjects, deleteObject, resolveSpecPath, setSpecField, SpecEditError, SpecPathError } from './spec-files.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function specs(files: Record<string, string> = {}): { dir: string; read(f: string): string } {
  const root = mkdtempSync(join(tmpdir(), 'hp-specfiles-'));
  dirs.push(root);
  const dir = join(root, 'specs');
  mkdirSync(dir);
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), t);
  }
  return { dir, read: (f) => readFileSync(join(dir, f), 'utf8') };
}

const DEV = `# The dev lab. Keep this header.
apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata: {name: dev-master, labels: {cluster: dev}}  # the master
spec:
  # sizing
  cpu: 2        # two is enough
  memory: 4Gi
  powerState: Running
  network:
    allow:
    - 0.0.0.0/0
---
# the worker
apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: dev-worker1
spec:
  cpu: 4
  image: "ghcr.io/x:latest"   # pinned later
`;

function docsOf(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

describe('setSpecField', () => {
  it('setSpecField keeps comments and key order (only the value changes)', () => {
    const s = specs({ 'dev.yaml': DEV });
    const r = setSpecField(s.dir, { file: 'dev.yaml' }, 'VirtualMachine', 'dev-master', ['spec', 'powerState'], 'Stopped');
    expect(r).toEqual({ file: 'dev.yaml', action: 'updated' });
    expect(s.read('dev.yaml')).toBe(DEV.replace('powerState: Running', 'powerState: Stopped'));
  });

  it.each([
    ['a comment before the first item of an unindented list', 'metadata:\n  # who\n  name: lay\nspec:\n  cpu: 2\n  provision:\n    packages:\n    # the tools\n    - jq\n    - curl\n', '  powerState: Stopped\n'],
    ['a comment between a key and its first child', 'metadata:\n    # who\n    name: lay\nspec:\n    # sizing\n    cpu: 2\n    provision:\n        packages:\n            - jq\n', '    powerState: Stopped\n'],
  ])('keeps the layout of a document with %s when a field is added', (_what, body, added) => {
    const text = `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\n${body}`;
    const s = specs({ 'lay.yaml': text });
    setSpecField(s.dir, { file: 'lay.yaml' }, 'VirtualMachine', 'lay', ['spec', 'powerState'], 'Stopped');
    expect(s.read('lay.yaml')).toBe(text + added);
  });

  it.each([
    ['a path relative to spec', ['cpu'], 8, '  cpu: 8        # two is enough'],
    ['a dotted string path', 'spec.cpu', 8, '  cpu: 8        # two is enough'],
    ['a string that would read as a number', ['spec', 'memory'], '8', '  memory: "8"'],
    ['a quoted scalar keeps its quotes', ['spec', 'image'], 'ghcr.io/y:1', '  image: "ghcr.io/y:1"   # pinned later'],
  ])('sets %s and leaves the rest byte for byte', (_n, path, value, line) => {
    const s = specs({ 'dev.yaml': DEV });
    const name = line.includes('image') ? 'dev-worker1' : 'dev-master';
    setSpecField(s.dir, { file: 'dev.yaml' }, 'VirtualMachine', name, path as string[], value);
    const out = s.read('dev.yaml');
    expect(out).toContain(`${line}\n`);
    expect(out.split('\n').length).toBe(DEV.split('\n').length);
    const changed = out.split('\n').filter((l, i) => l !== DEV.split('\n')[i]);
    expect(changed).toHaveLength(1);
  });

  it('creates intermediate maps for a new field and keeps every comment', () => {
    const s = specs({ 'dev.yaml': DEV });
    setSpecField(s.dir, { file: 'dev.yaml' }, 'VirtualMachine', 'dev-worker1', ['spec', 'provision', 'packages'], ['conntrack']);
    const out = s.read('dev.yaml');
    for (const c of ['# The dev lab. Keep this header.', '# the master', '# sizing', '# two is enough', '# the worker', '# pinned later']) expect(out).toContain(c);
    expect(docsOf(out)[1]).toEqual({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'dev-worker1' }, spec: { cpu: 4, image: 'ghcr.io/x:latest', provision: { packages: ['conntrack'] } } });
    // The other document is untouched byte for byte.
    expect(out.startsWith(DEV.slice(0, DEV.indexOf('---\n') + 4))).toBe(true);
  });

  it('removes a field when the value is undefined; unchanged values write nothing', () => {
    const s = specs({ 'dev.yaml': DEV });
    const before = statSync(join(s.dir, 'dev.yaml')).ino;
    expect(setSpecField(s.dir, { file: 'dev.yaml' }, 'VirtualMachine', 'dev-master', ['spec', 'cpu'], 2).action).toBe('unchanged');
    expect(statSync(join(s.dir, 'dev.yaml')).ino).toBe(before);
    setSpecField(s.dir, { file: 'dev.yaml' }, 'VirtualMachine', 'dev-master', ['spec', 'memory'], undefined);
    expect((docsOf(s.read('dev.yaml'))[0] as { spec: object }).spec).toEqual({ cpu: 2, powerState: 'Running', network: { allow: ['0.0.0.0/0'] } });
  });

  it('writes atomically and keeps the file mode', () => {
    const s = specs({ 'dev.yaml': DEV });
    chmodSync(join(s.dir, 'dev.yaml'), 0o600);
    const ino = statSync(join(s.dir, 'dev.yaml')).ino;
    setSpecField(s.dir, { file: 'dev.yaml' }, 'VirtualMachine', 'dev-master', ['spec', 'powerState'], 'Stopped');
    const st = statSync(join(s.dir, 'dev.yaml'));
    expect(st.ino).not.toBe(ino); // a new file renamed over the old one
    expect(st.mode & 0o777).toBe(0o600);
  });

  it.each([
    ['the object is not in the file', 'dev.yaml', 'nope', /has no VirtualMachine named "nope"/],
    ['the file does not exist', 'gone.yaml', 'dev-master', /does not exist/],
    ['the file does not parse', 'bad.yaml', 'dev-master', /bad\.yaml:\d+:\d+: cannot edit the file, it does not parse/],
  ])('refuses with a clear error when %s', (_n, file, name, msg) => {
    const s = specs({ 'dev.yaml': DEV, 'bad.yaml': 'kind: VirtualMachine\nmetadata: {name: dev-master\n' });
    expect(() => setSpecField(s.dir, { file }, 'VirtualMachine', name, ['spec', 'cpu'], 3)).toThrow(msg);
    expect(() => setSpecField(s.dir, { file }, 'VirtualMachine', name, ['spec', 'cpu'], 3)).toThrow(SpecEditError);
  });
});

describe('applyObject', () => {
  const obj = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) => ({
    apiVersion: 'hostplane.dev/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec,
  });

  it('writes a new object to <kind plural>/<name>.yaml', () => {
    const s = specs();
    expect(applyObject(s.dir, obj('web', { cpu: 1 }))).toEqual({ file: 'virtualmachines/web.yaml', action: 'created' });
    expect(docsOf(s.read('virtualmachines/web.yaml'))).toEqual([obj('web', { cpu: 1 })]);
    expect(defaultSpecFile('LoadTest', 'x')).toBe('loadtests/x.yaml');
  });

  it('appends a new object as a new document to an existing file, keeping the file', () => {
    const s = specs({ 'dev.yaml': DEV });
    expect(applyObject(s.dir, obj('dev-worker2', { cpu: 4 }), { file: 'dev.yaml' }).action).toBe('created');
    const out = s.read('dev.yaml');
    expect(out.startsWith(DEV)).toBe(true);
    expect(docsOf(out)).toHaveLength(3);
    expect(docsOf(out)[2]).toEqual(obj('dev-worker2', { cpu: 4 }));
  });

  it('rewrites an existing object in place keeping comments of the unchanged parts and key order', () => {
    const s = specs({ 'dev.yaml': DEV });
    const want = obj('dev-master', { cpu: 2, memory: '8Gi', powerState: 'Running', network: { allow: ['0.0.0.0/0'] }, diskSize: '30Gi' }, { cluster: 'dev' });
    expect(applyObject(s.dir, want, { file: 'dev.yaml' }).action).toBe('updated');
    const out = s.read('dev.yaml');
    expect(docsOf(out)[0]).toEqual(want);
    for (const c of ['# The dev lab. Keep this header.', '# the master', '# sizing', '# two is enough', '# the worker', '# pinned later']) expect(out).toContain(c);
    const keys = out.split('---')[0].match(/^ {2}(\w+):/gm)?.map((k) => k.trim());
    expect(keys).toEqual(['cpu:', 'memory:', 'powerState:', 'network:', 'diskSize:']);
    expect(out).toContain('metadata: {name: dev-master, labels: {cluster: dev}}'); // flow style kept
    expect(out).toContain('    - 0.0.0.0/0'); // sequence indentation kept
    expect(out.slice(out.indexOf('---'))).toBe(DEV.slice(DEV.indexOf('---'))); // other document untouched
  });

  it('removes fields the applied object no longer has; applying the same object writes nothing', () => {
    const s = specs({ 'dev.yaml': DEV });
    const want = obj('dev-worker1', { cpu: 4 });
    applyObject(s.dir, want, { file: 'dev.yaml' });
    expect(docsOf(s.read('dev.yaml'))[1]).toEqual(want);
    const ino = statSync(join(s.dir, 'dev.yaml')).ino;
    expect(applyObject(s.dir, want, { file: 'dev.yaml' }).action).toBe('unchanged');
    expect(statSync(join(s.dir, 'dev.yaml')).ino).toBe(ino);
  });

  it('apply keeps each list item\'s comment with its own value when items are inserted before it or removed', () => {
    const text = ['apiVersion: hostplane.dev/v1alpha1', 'kind: VirtualMachine', 'metadata:', '  name: dev', 'spec:', '  provision:', '    packages:', '    - jq # json tool', '    - curl # http', ''].join('\n');
    const s = specs({ 'dev.yaml': text });
    applyObject(s.dir, obj('dev', { provision: { packages: ['git', 'jq', 'curl'] } }), { file: 'dev.yaml' });
    expect(s.read('dev.yaml')).toBe(text.replace('    - jq # json tool', '    - git\n    - jq # json tool'));
    // A removed item takes its comment with it; the kept one keeps its own.
    applyObjects(s.dir, [{ obj: obj('dev', { provision: { packages: ['git', 'curl'] } }), file: 'dev.yaml' }]);
    expect(s.read('dev.yaml')).toBe(text.replace('    - jq # json tool', '    - git'));
  });

  it('apply matches list items that are maps by name, so an entry keeps its comments when another is inserted before it', () => {
    const text = ['apiVersion: hostplane.dev/v1alpha1', 'kind: VirtualMachine', 'metadata:', '  name: dev', 'spec:', '  provision:', '    users:', '    - name: ops # on call', '      sudo: true # needs root', '    - name: dev', ''].join('\n');
    const s = specs({ 'dev.yaml': text });
    applyObject(s.dir, obj('dev', { provision: { users: [{ name: 'ci' }, { name: 'ops', sudo: true }, { name: 'dev', shell: '/bin/zsh' }] } }), { file: 'dev.yaml' });
    const out = s.read('dev.yaml');
    expect((docsOf(out)[0] as { spec: unknown }).spec).toEqual({ provision: { users: [{ name: 'ci' }, { name: 'ops', sudo: true }, { name: 'dev', shell: '/bin/zsh' }] } });
    expect(out).toBe(text.replace('    - name: ops', '    - name: ci\n    - name: ops') + '      shell: /bin/zsh\n');
  });

  it.each([
    ['an unknown kind', { ...obj('a', {}), kind: 'Pod' }, /unknown kind "Pod"/],
    ['a name that is not a DNS label', obj('../../etc', {}), /not a valid name/],
  ])('refuses %s', (_n, o, msg) => {
    const s = specs();
    expect(() => applyObject(s.dir, o)).toThrow(msg);
  });

  it('refuses a target file the watcher would ignore', () => {
    const s = specs();
    expect(() => applyObject(s.dir, obj('a', {}), { file: 'a.json' })).toThrow(/not a file hostplane watches/);
    expect(() => applyObject(s.dir, obj('a', {}), { file: '.hidden/a.yaml' })).toThrow(SpecPathError);
  });
});

describe('applyObjects (all or nothing)', () => {
  const obj = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name }, spec });
  const BROKEN = 'kind: VirtualMachine\nmetadata: {name: old\n';

  it('writes nothing when a later target file does not parse', () => {
    const s = specs({ 'dev.yaml': DEV, 'old.yaml': BROKEN });
    const items = [
      { obj: obj('fresh', { cpu: 1 }) },
      { obj: obj('dev-worker2', { cpu: 4 }), file: 'dev.yaml' },
      { obj: obj('old', { cpu: 2 }), file: 'old.yaml' },
    ];
    expect(() => applyObjects(s.dir, items)).toThrow(SpecEditError);
    expect(() => applyObjects(s.dir, items)).toThrow(/old\.yaml:\d+:\d+: cannot edit the file, it does not parse/);
    expect(existsSync(join(s.dir, 'virtualmachines', 'fresh.yaml'))).toBe(false);
    expect(existsSync(join(s.dir, 'virtualmachines'))).toBe(false);
    expect(s.read('dev.yaml')).toBe(DEV);
    expect(s.read('old.yaml')).toBe(BROKEN);
  });

  it('writes nothing when a later item is refused (bad name, path outside the specs directory)', () => {
    const s = specs({ 'dev.yaml': DEV });
    expect(() => applyObjects(s.dir, [{ obj: obj('dev-worker2', { cpu: 4 }), file: 'dev.yaml' }, { obj: obj('Bad_Name', {}) }])).toThrow(/not a valid name/);
    expect(() => applyObjects(s.dir, [{ obj: obj('dev-worker2', { cpu: 4 }), file: 'dev.yaml' }, { obj: obj('x', {}), file: '../x.yaml' }])).toThrow(SpecPathError);
    expect(s.read('dev.yaml')).toBe(DEV);
  });

  it('lands several documents in one file, each edit building on the one before', () => {
    const s = specs({ 'dev.yaml': DEV });
    const master = obj('dev-master', { cpu: 8 });
    const res = applyObjects(s.dir, [
      { obj: obj('a', { cpu: 1 }), file: 'lab.yaml' },
      { obj: obj('b', { cpu: 2 }), file: 'lab.yaml' },
      { obj: obj('a', { cpu: 3 }), file: 'lab.yaml' },
      { obj: obj('dev-worker2', { cpu: 4 }), file: 'dev.yaml' },
      { obj: master, file: 'dev.yaml' },
    ]);
    expect(res).toEqual([
      { file: 'lab.yaml', action: 'created' },
      { file: 'lab.yaml', action: 'created' },
      { file: 'lab.yaml', action: 'updated' },
      { file: 'dev.yaml', action: 'created' },
      { file: 'dev.yaml', action: 'updated' },
    ]);
    expect(docsOf(s.read('lab.yaml'))).toEqual([obj('a', { cpu: 3 }), obj('b', { cpu: 2 })]);
    const dev = docsOf(s.read('dev.yaml'));
    expect(dev).toHaveLength(3);
    expect(dev[0]).toEqual(master);
    expect(dev[2]).toEqual(obj('dev-worker2', { cpu: 4 }));
    expect(s.read('dev.yaml')).toContain('# the worker');
  });

  it('planApplyObjects computes the new texts without writing', () => {
    const s = specs({ 'dev.yaml': DEV });
    const plan = planApplyObjects(s.dir, [{ obj: obj('web', { cpu: 1 }) }, { obj: obj('dev-worker1', { cpu: 4, image: 'ghcr.io/x:latest' }), file: 'dev.yaml' }]);
    expect(plan.results).toEqual([
      { file: 'virtualmachines/web.yaml', action: 'created' },
      { file: 'dev.yaml', action: 'unchanged' },
    ]);
    expect(plan.files).toHaveLength(1);
    expect(plan.files[0]).toMatchObject({ file: 'virtualmachines/web.yaml', created: true });
    expect(docsOf(plan.files[0].text)).toEqual([obj('web', { cpu: 1 })]);
    expect(existsSync(join(s.dir, 'virtualmachines'))).toBe(false);
  });
});

describe('deleteObject', () => {
  it('removes one document; the other documents and their comments stay', () => {
    const s = specs({ 'dev.yaml': DEV });
    expect(deleteObject(s.dir, 'dev.yaml', 'VirtualMachine', 'dev-master')).toEqual({ file: 'dev.yaml', action: 'deleted', fileRemoved: false });
    const out = s.read('dev.yaml');
    expect(docsOf(out)).toEqual([{ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'dev-worker1' }, spec: { cpu: 4, image: 'ghcr.io/x:latest' } }]);
    expect(out).toContain('# the worker');
    expect(out).toContain('# pinned later');
    expect(out).not.toContain('# the master');
  });

  it('removing the last document removes the file; deleting what is not there is a no-op', () => {
    const s = specs({ 'dev.yaml': DEV });
    deleteObject(s.dir, 'dev.yaml', 'VirtualMachine', 'dev-worker1');
    expect(deleteObject(s.dir, 'dev.yaml', 'VirtualMachine', 'dev-master')).toMatchObject({ action: 'deleted', fileRemoved: true });
    expect(existsSync(join(s.dir, 'dev.yaml'))).toBe(false);
    expect(deleteObject(s.dir, 'dev.yaml', 'VirtualMachine', 'dev-master').action).toBe('unchanged');
  });
});

describe('paths stay inside the specs directory', () => {
  it.each([
    ['a .. escape', '../outside.yaml', /escapes the specs directory/],
    ['a deeper .. escape', 'vms/../../x.yaml', /escapes the specs directory/],
    ['an absolute path', '/etc/passwd', /is an absolute path/],
    ['the directory itself', '.', /escapes the specs directory/],
    ['an empty name', '', /no spec file given/],
  ])('refuses %s', (_n, file, msg) => {
    const s = specs();
    expect(() => resolveSpecPath(s.dir, file)).toThrow(msg);
    expect(() => setSpecField(s.dir, { file }, 'VirtualMachine', 'a', ['spec', 'cpu'], 1)).toThrow(SpecPathError);
    expect(() => deleteObject(s.dir, file, 'VirtualMachine', 'a')).toThrow(SpecPathError);
  });

  it('refuses symlinks that lead outside, follows those that stay inside', () => {
    const s = specs({ 'real/a.yaml': DEV });
    const outside = mkdtempSync(join(tmpdir(), 'hp-outside-'));
    dirs.push(outside);
    writeFileSync(join(outside, 'x.yaml'), DEV);
    symlinkSync(outside, join(s.dir, 'out'));
    symlinkSync(join(outside, 'x.yaml'), join(s.dir, 'x.yaml'));
    symlinkSync(join(s.dir, 'real'), join(s.dir, 'in'));
    expect(() => applyObject(s.dir, { apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'a' }, spec: {} }, { file: 'out/new.yaml' })).toThrow(/symbolic link .*outside the specs directory/);
    expect(() => setSpecField(s.dir, { file: 'x.yaml' }, 'VirtualMachine', 'dev-master', ['spec', 'cpu'], 9)).toThrow(SpecPathError);
    expect(readFileSync(join(outside, 'x.yaml'), 'utf8')).toBe(DEV);
    expect(existsSync(join(outside, 'new.yaml'))).toBe(false);
    setSpecField(s.dir, { file: 'in/a.yaml' }, 'VirtualMachine', 'dev-master', ['spec', 'cpu'], 9);
    expect(s.read('real/a.yaml')).toContain('cpu: 9');
  });
});
