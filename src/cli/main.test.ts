import { describe, expect, it } from 'vitest';
import { buildProgram, main } from './main.js';

describe('-f per command', () => {
  it('reads -f as --follow for logs and as --filename for every other verb', () => {
    const program = buildProgram({ out() {}, err() {} }, () => {});
    const short = (verb: string) => program.commands.find((c) => c.name() === verb)!.options.find((o) => o.short === '-f')?.long;
    expect(short('logs')).toBe('--follow');
    expect(short('apply')).toBe('--filename');
    expect(short('get')).toBeUndefined();
  });
});

describe('hostplane --help', () => {
  it('documents the watch and follow flags', async () => {
    let text = '';
    expect(await main(['--help'], (s) => (text += s))).toBe(0);
    expect(text).toMatch(/get KIND \[NAME\].*-w\|--watch.*--watch-only/);
    expect(text).toMatch(/logs vm\/NAME \[-f\|--follow\] \[--tail N\]/);
  });
});

describe('hostplane up flags', () => {
  // A zero period would turn the poll or the resync into a busy loop; it is refused before anything starts.
  it.each([
    [['--poll', '0s'], /--poll must be at least 1s/],
    [['--poll', '500ms'], /--poll must be at least 1s/],
    [['--resync', '0s'], /--resync must be at least 1m/],
    [['--resync', '30s'], /--resync must be at least 1m/],
    [['--resync', 'soon'], /"soon" is not a duration/],
    [['--listen', 'bogus'], /--listen must be host:port/],
  ])('refuses up %j with exit 2', async (flags, message) => {
    let errText = '';
    const code = await main(['up', '--specs', '/nonexistent-hostplane-specs', ...flags], () => {}, (s) => (errText += s));
    expect(code).toBe(2);
    expect(errText).toMatch(message);
  });
});

describe('hostplane stop/start', () => {
  it('refuses a kind without spec.powerState and leaves its file as it was', async () => {
    const { cpSync, mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'hostplane-stop-kind-'));
    cpSync(join(import.meta.dirname, '../../specs'), join(dir, 'specs'), { recursive: true });
    const file = join(dir, 'specs', 'addons', 'dev.yaml');
    const before = readFileSync(file, 'utf8');
    let errText = '';
    const code = await main(['stop', 'addon/dev-autoscaling', '--specs', join(dir, 'specs')], () => {}, (s) => (errText += s));
    expect(code).toBe(2);
    expect(errText).toMatch(/stop works on kinds with spec.powerState/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('hostplane stop/start twice', () => {
  it('says "unchanged (already …)" and leaves the file alone when the spec already has that powerState', async () => {
    const { cpSync, mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'hostplane-stop-twice-'));
    cpSync(join(import.meta.dirname, '../../specs'), join(dir, 'specs'), { recursive: true });
    const { openView } = await import('./view.js');
    const view = await openView(join(dir, 'specs'), join(dir, '.hostplane'));
    const file = join(dir, 'specs', view.store.sourceOf('VirtualMachine', 'dev-worker1')!.file);
    const original = readFileSync(file, 'utf8');
    const steps: [string, RegExp, 'same' | 'changed' | 'original'][] = [
      ['start', /^virtualmachine\/dev-worker1 unchanged \(already Running\)\n$/, 'original'],
      ['stop', /^virtualmachine\/dev-worker1 powerState set to Stopped in /, 'changed'],
      ['stop', /^virtualmachine\/dev-worker1 unchanged \(already Stopped\)\n$/, 'same'],
      ['start', /^virtualmachine\/dev-worker1 powerState set to Running in /, 'original'],
      ['start', /^virtualmachine\/dev-worker1 unchanged \(already Running\)\n$/, 'original'],
    ];
    for (const [verb, said, file_] of steps) {
      const before = readFileSync(file, 'utf8');
      let out = '';
      const code = await main([verb, 'vm/dev-worker1', '--specs', join(dir, 'specs'), '--state', join(dir, '.hostplane')], (s) => (out += `${s}\n`), () => {});
      expect([verb, code, out]).toEqual([verb, 0, expect.stringMatching(said)]);
      const after = readFileSync(file, 'utf8');
      if (file_ === 'same') expect(after).toBe(before);
      else if (file_ === 'original') expect(after).toBe(original);
      else expect(after).not.toBe(before);
    }
  });
});

describe('hostplane apply', () => {
  const doc = (cpu: number) => `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: n1\nspec:\n  image: ghcr.io/cirruslabs/ubuntu:latest\n  cpu: ${cpu}\n`;
  it.each([
    ['the same object twice', `${doc(2)}---\n${doc(4)}`, /VirtualMachine\/n1 appears twice; nothing was applied/],
    ['no documents at all', '\n# only a comment\n', /no documents to apply/],
  ])('refuses %s with exit 1 and writes nothing', async (_what, input, message) => {
    const { mkdtempSync, mkdirSync, readdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'hostplane-apply-'));
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'in.yaml'), input);
    let errText = '';
    const code = await main(['apply', '-f', join(dir, 'in.yaml'), '--specs', join(dir, 'specs')], () => {}, (s) => (errText += s));
    expect(code).toBe(1);
    expect(errText).toMatch(message);
    expect(readdirSync(join(dir, 'specs'))).toEqual([]);
  });
});

describe('hostplane apply -f DIR', () => {
  const vm = (name: string) => `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: ${name}\nspec:\n  image: ghcr.io/cirruslabs/ubuntu:latest\n  cpu: 2\n`;
  async function applyDir(flags: string[], build: (dir: string) => void) {
    const { mkdtempSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'hostplane-apply-dir-'));
    mkdirSync(join(dir, 'specs'));
    mkdirSync(join(dir, 'in'));
    build(join(dir, 'in'));
    let out = '';
    let err = '';
    const code = await main(['apply', '-f', join(dir, 'in'), ...flags, '--specs', join(dir, 'specs')], (s) => (out += `${s}\n`), (s) => (err += `${s}\n`));
    const { openView } = await import('./view.js');
    const view = await openView(join(dir, 'specs'), join(dir, '.hostplane'));
    return { code, out, err, names: view.store.list('VirtualMachine').map((o) => o.metadata.name).sort() };
  }
  it.each([
    [[], ['a', 'b', 'c']],
    [['-R'], ['a', 'b', 'c', 'd']],
    [['--recursive'], ['a', 'b', 'c', 'd']],
  ])('apply -f DIR %j applies each .yaml/.yml/.json file in sorted order, a line per object', async (flags, names) => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    let dir = '';
    const r = await applyDir(flags, (d) => {
      dir = d;
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'b.yaml'), vm('b'));
      writeFileSync(join(d, 'a.yml'), vm('a'));
      writeFileSync(join(d, 'c.json'), JSON.stringify({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'c' }, spec: { image: 'x:1', cpu: 1 } }));
      writeFileSync(join(d, 'notes.txt'), 'not a spec');
      writeFileSync(join(d, 'sub', 'd.yaml'), vm('d'));
    });
    expect(dir).not.toBe('');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(names.map((n) => `virtualmachine/${n}`));
    expect(r.names).toEqual(names);
  });

  it('applies the good files of a directory and exits 1 naming the bad ones (invalid, FIFO, too large, symlink leading outside)', async () => {
    const { symlinkSync, writeFileSync, mkdtempSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const outside = join(mkdtempSync(join(tmpdir(), 'hostplane-apply-outside-')), 'secret.yaml');
    writeFileSync(outside, vm('outside'));
    const r = await applyDir([], (d) => {
      writeFileSync(join(d, 'a.yaml'), vm('a'));
      writeFileSync(join(d, 'b-bad.yaml'), vm('b').replace('cpu: 2', 'cpu: lots'));
      execFileSync('mkfifo', [join(d, 'c-fifo.yaml')]);
      writeFileSync(join(d, 'd-big.yaml'), `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
      symlinkSync(outside, join(d, 'e-link.yaml'));
      writeFileSync(join(d, 'z.yaml'), vm('z'));
    });
    expect(r.code).toBe(1);
    expect(r.names).toEqual(['a', 'z']);
    expect(r.out).toMatch(/^virtualmachine\/a created .*\nvirtualmachine\/z created /);
    expect(r.err).toMatch(/b-bad\.yaml.*cpu/);
    expect(r.err).toMatch(/c-fifo\.yaml is a FIFO \(named pipe\), not a regular file/);
    expect(r.err).toMatch(/d-big\.yaml is 1\.0 MiB, above the 1 MiB limit/);
    expect(r.err).toMatch(/e-link\.yaml: a symbolic link leading outside/);
  });

  it('exits 1 for a directory with no spec files', async () => {
    const r = await applyDir([], () => {});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no objects passed to apply/);
  });
});

describe('hostplane get with names that do not all exist', () => {
  const SPECS = new URL('../../specs', import.meta.url).pathname;
  it.each([
    [['vms', 'dev-master', 'nope'], /^NAME .*\ndev-master /, ['nope']],
    [['vm/nope', 'vm/dev-master', 'cluster/gone'], /^NAME .*\nvirtualmachine\/dev-master /, ['nope', 'gone']],
    [['vms', 'dev-master', 'nope', '-o', 'name'], /^virtualmachine\/dev-master\n$/, ['nope']],
    [['vms', 'dev-master', 'nope', '-o', 'json'], /"name": "dev-master"/, ['nope']],
    [['vm', 'nope', '-o', 'yaml'], /^$/, ['nope']],
    [['vm', 'nope'], /^$/, ['nope']],
  ])('get %j prints the objects found and a NotFound line per missing one, exit 4', async (words, stdout, missing) => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const state = mkdtempSync(join(tmpdir(), 'hostplane-get-missing-'));
    let out = '';
    let err = '';
    const code = await main(['get', ...words, '--specs', SPECS, '--state', state, '--no-color'], (s) => (out += `${s}\n`), (s) => (err += `${s}\n`));
    expect(code).toBe(4);
    expect(out).toMatch(stdout);
    expect(out).not.toMatch(/No .* found/);
    const notFound = err.split('\n').filter((l) => l.startsWith('error:'));
    expect(notFound).toEqual(missing.map((n) => expect.stringMatching(new RegExp(`^error: \\w+ "${n}" not found in the specs or the state directory$`))));
  });
});

describe('verbs a kind brings', () => {
  it('are commands beside the built-in ones, with their own flags and help', async () => {
    const { Command } = await import('commander');
    const { KIND_MODULES } = await import('../reconcilers/index.js');
    let ran = '';
    const run = new Command('snapshot-now').summary('start a load test now').argument('<name>').option('--dry-run').action((name: string, f: { dryRun?: boolean }) => {
      ran = `${name}${f.dryRun ? ' (dry run)' : ''}`;
    });
    const kinds = [...KIND_MODULES, { ...KIND_MODULES[3]!, commands: () => [run] }];
    let out = '';
    let code = -1;
    const program = buildProgram({ out: (s) => (out += s), err() {} }, (c) => (code = c), kinds);
    await program.parseAsync(['snapshot-now', 'smoke', '--dry-run'], { from: 'user' });
    expect(ran).toBe('smoke (dry run)');
    expect(code).toBe(-1); // the kind's own action decides; nothing else ran
    out = '';
    program.exitOverride();
    await expect(program.parseAsync(['--help'], { from: 'user' })).rejects.toThrow();
    expect(out).toMatch(/snapshot-now .*start a load test now/);
  });
});

describe('hostplane sim', () => {
  // Every other command takes KIND/NAME; `sim kill vm/a` used to queue a kill for a VM named "vm/a".
  it.each([
    [['kill', 'vm/a'], { op: 'kill', name: 'a' }],
    [['kill', 'virtualmachine/a'], { op: 'kill', name: 'a' }],
    [['kill', 'vm', 'a'], { op: 'kill', name: 'a' }],
    [['delete', 'a'], { op: 'delete', name: 'a' }],
    [['foreign', 'vm/x'], { op: 'create-foreign', name: 'x', running: true }],
  ])('sim %j queues %j for the sim host', async (words, queued) => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { StateDir } = await import('../controllers/state-dir.js');
    const { takeSimRequests } = await import('../sim/host/sim-world.js');
    const state = mkdtempSync(join(tmpdir(), 'hostplane-sim-cli-'));
    let text = '';
    expect(await main(['sim', ...words, '--state', state], (s) => (text += s))).toBe(0);
    expect(takeSimRequests(new StateDir(state))).toEqual([queued]);
    expect(text).toContain(`vm/${queued.name}`);
  });

  it.each([
    [['kill', 'cluster/a'], /sim acts on VMs only/],
    [['kill', 'bogus/a'], /unknown kind "bogus"/],
    [['kill'], /hostplane sim kill\|delete\|foreign vm\/NAME/],
  ])('refuses sim %j with exit 2 and queues nothing', async (words, message) => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { StateDir } = await import('../controllers/state-dir.js');
    const { takeSimRequests } = await import('../sim/host/sim-world.js');
    const state = mkdtempSync(join(tmpdir(), 'hostplane-sim-cli-'));
    let errText = '';
    expect(await main(['sim', ...words, '--state', state], () => {}, (s) => (errText += s))).toBe(2);
    expect(errText).toMatch(message);
    expect(takeSimRequests(new StateDir(state))).toEqual([]);
  });
});
