// `hostplane get -w` and `hostplane logs -f` as a user runs them: separate processes, stopped with Ctrl-C.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';
import { SpecSource } from '../../src/controllers/source.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { getCondition } from '../../src/api/conditions.js';
import { runCli, startCli, startUp, type UpProcess } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { holdsFor, waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let procs: UpProcess[] = [];

afterEach(async () => {
  for (const p of procs) await p.stop();
  procs = [];
  lab?.cleanup();
  lab = undefined;
});

function cli(args: string[]): UpProcess {
  const p = startCli(args);
  procs.push(p);
  return p;
}

function persisted(l: Lab): ObjectStore {
  const store = new ObjectStore(new StateDirPersistence(l.stateDir, true));
  store.restore();
  return store;
}

/** The rows printed for one object, ages cut off (the last column), in order. */
function rowsOf(stdout: string, name: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(name + ' '))
    .map((l) => l.replace(/\s+\S+$/, ''));
}

function noRepeats(rows: string[]): boolean {
  return rows.every((r, i) => i === 0 || r !== rows[i - 1]);
}

describe('hostplane get -w', () => {
  it('with up running: prints the table, nothing while nothing changes, a Stopped row after stop vm/web, and exits 0 on SIGINT', async () => {
    lab = makeLab({ 'vms.yaml': [vmDoc('web'), vmDoc('db')].join('---\n') });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    procs.push(startUp([...args, '--provider', 'sim', '--listen', 'off', '--sim-scale', '0.2', '--poll', '1s']));
    await waitFor(() => {
      const s = persisted(l);
      return ['web', 'db'].every((n) => s.get('VirtualMachine', n)?.status?.phase === 'Running' && getCondition(s.get('VirtualMachine', n)?.status?.conditions, 'Ready')?.status === 'True');
    }, 40_000, 'both VMs Running and Ready');

    const w = cli(['get', 'vm', '-w', ...args]);
    await waitFor(() => /^web\s+True\s+Running/m.test(w.stdout()) && /^db\s+True\s+Running/m.test(w.stdout()), 20_000, 'the initial table');
    expect(w.stdout()).toMatch(/^NAME\s+READY\s+PHASE\s+IP\s+CPU\s+MEMORY\s+AGE\n/);
    const initial = w.stdout();
    // up keeps reconciling (poll 1s) and rewriting status: none of it changes a row.
    await holdsFor(() => w.stdout() === initial, 2_500, 'no new rows while nothing visible changes');

    expect((await runCli(['stop', 'vm/web', ...args])).code).toBe(0);
    await waitFor(() => /^web\s+\S+\s+Stopped/m.test(w.stdout()), 30_000, 'a Stopped row for web');
    const webRows = rowsOf(w.stdout(), 'web');
    expect(webRows.length).toBeGreaterThan(1);
    expect(noRepeats(webRows)).toBe(true);
    expect(rowsOf(w.stdout(), 'db')).toHaveLength(1); // db never changed
    expect(w.stdout().match(/^NAME\s/gm)).toHaveLength(1);

    expect(await w.interrupt()).toBe(0);
    expect(w.stderr()).toBe('');
  }, 120_000);

  it('without up: follows status records written to the state dir and spec edits, prints deletions, -o json one object per change, --watch-only only the changes', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b') });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    // Status records as a previous `up` left them.
    const store = new ObjectStore(new StateDirPersistence(l.stateDir));
    await new SpecSource({ specsDir: l.specsDir, store, registry: loadSchemaRegistry() }).scanOnce();
    store.updateStatus('VirtualMachine', 'a', { phase: 'Provisioning' });
    store.updateStatus('VirtualMachine', 'b', { phase: 'Running' });

    const w = cli(['get', 'vms', '--watch', ...args]);
    const json = cli(['get', 'vm', 'a', '-w', '-o', 'json', ...args]);
    const only = cli(['get', 'vm', '--watch-only', ...args]);
    await waitFor(() => /^a\s+Unknown\s+Provisioning/m.test(w.stdout()) && /^b\s+Unknown\s+Running/m.test(w.stdout()), 20_000, 'the initial table');
    await waitFor(() => json.stdout().includes('"phase": "Provisioning"'), 20_000, 'the initial object as JSON');
    // --watch-only prints nothing until something changes; the others are up too by then.
    await holdsFor(() => only.stdout() === '', 1_000, '--watch-only silent at first');

    store.updateStatus('VirtualMachine', 'a', { phase: 'Running' });
    await waitFor(() => /^a\s+Unknown\s+Running/m.test(w.stdout()), 10_000, 'a Running row for a');
    await waitFor(() => /^a\s+Unknown\s+Running/m.test(only.stdout()), 10_000, 'the change under --watch-only');
    expect(only.stdout()).toMatch(/^NAME\s+READY\s+PHASE[^\n]*\na\s+Unknown\s+Running[^\n]*\n$/);
    await waitFor(() => json.stdout().includes('"phase": "Running"'), 10_000, 'the changed object as JSON');
    const docs = json.stdout().split(/^\}$/m).filter((d) => d.trim());
    expect(docs.map((d) => JSON.parse(d + '}').status.phase)).toEqual(['Provisioning', 'Running']);

    l.write('a.yaml', vmDoc('a', { cpu: 4 })); // a spec edit shows too (CPU column)
    await waitFor(() => /^a\s+Unknown\s+Running\s+<none>\s+4\s/m.test(w.stdout()), 10_000, 'the CPU change from the spec');

    l.remove('b.yaml');
    l.stateDir.remove('objects/VirtualMachine/b.json');
    await waitFor(() => /^b \(deleted\)\s+Unknown\s+Running/m.test(w.stdout()), 10_000, 'a deleted row for b');
    expect(noRepeats(rowsOf(w.stdout(), 'a'))).toBe(true);
    const bRows = rowsOf(w.stdout(), 'b');
    expect(bRows).toHaveLength(2); // as first read, then deleted: removing its spec first changed nothing visible
    expect(bRows[1]).toMatch(/^b \(deleted\)/);

    for (const p of [w, json, only]) expect(await p.interrupt()).toBe(0);
  }, 90_000);

  it('refuses a name that does not exist (exit 4) and a bad -o (exit 2) instead of waiting', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const args = ['--specs', lab.specsDir, '--state', lab.stateDir.root];
    expect((await runCli(['get', 'vm', 'nope', '-w', ...args])).code).toBe(4);
    expect((await runCli(['get', 'vm', '-w', '-o', 'name', ...args])).code).toBe(2);
  });
});

describe('hostplane logs -f', () => {
  it('waits for a log file that does not exist yet, prints lines as they are appended, and exits 0 on SIGINT', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    const file = l.stateDir.path('logs', 'VirtualMachine', 'a.console.log');
    const f = cli(['logs', 'vm/a', '-f', ...args]);
    await f.waitForOutput('No logs yet; waiting for them');
    expect(f.stdout()).toBe('');

    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, 'boot 1\n');
    await waitFor(() => f.stdout().includes('boot 1\n'), 10_000, 'the first line of a file that appeared');
    appendFileSync(file, 'boot 2\nlogin: ');
    await waitFor(() => f.stdout().includes('boot 2\n'), 10_000, 'an appended line');
    appendFileSync(file, 'root\n');
    await waitFor(() => f.stdout().includes('login: root\n'), 10_000, 'a line finished by a later write');
    expect(f.stdout()).toBe(`==> console (${file}) <==\nboot 1\nboot 2\nlogin: root\n`);
    expect(await f.interrupt()).toBe(0);

    // --tail counts from the end, with or without -f.
    const tail = await runCli(['logs', 'vm/a', '--tail', '1', ...args]);
    expect(tail.stdout).toBe(`==> console (${file}) <==\nlogin: root\n`);
    const t2 = cli(['logs', 'vm/a', '--follow', '--tail=2', ...args]);
    await t2.waitForOutput('login: root\n');
    expect(t2.stdout()).toBe(`==> console (${file}) <==\nboot 2\nlogin: root\n`);
    appendFileSync(file, 'after\n');
    await waitFor(() => t2.stdout().endsWith('login: root\nafter\n'), 10_000, 'a line appended after --tail');
    expect(await t2.interrupt()).toBe(0);
  }, 60_000);
});
