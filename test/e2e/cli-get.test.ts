// `get`, `describe` and `delete` as a kubectl user types them: selectors, output forms, several kinds,
// one refusal of an unknown kind everywhere, and status from a state dir no `up` keeps current.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { SpecSource } from '../../src/controllers/source.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SPECS = join(ROOT, 'specs');
const KINDS = 'kinds: virtualmachine (vm), cluster (cl), addon (ad), loadtest (lt)';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hp-cli-get-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (s: string) => s.split('\n').filter(Boolean);
// Each CLI run is a process (≈1.5 s of CPU); the machine is shared, so allow for queueing.
const SLOW = { timeout: 120_000 };

describe('hostplane get as kubectl', () => {
  it('selects by label (equality and set-based) and field, and prints name, jsonpath, custom-columns, labels', SLOW, async () => {
    const state = join(tmp, 'st-none');
    const g = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'get', ...a]);
    const [setBased, names, jsonpath, range, columns, labelCol, byPhase] = await Promise.all([
      g('vms', '-l', 'hostplane.dev/cluster in (dev,prod),hostplane.dev/role!=worker', '--show-labels'),
      g('vms,clusters', '--field-selector', 'metadata.name=dev-master', '-o', 'name'),
      g('vms', '-l', 'hostplane.dev/cluster=dev', '-o', 'jsonpath={.items[*].metadata.name}'),
      g('vm', 'dev-master', 'prod-master', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.memory}{"\\n"}{end}'),
      g('vms', '-l', '!hostplane.dev/cluster,hostplane.dev/role', '-o', 'custom-columns=NAME:.metadata.name,MEM:.spec.memory', '--sort-by', '{.spec.memory}'),
      g('vms', '-l', 'hostplane.dev/cluster notin (dev,prod,platform)', '-L', 'hostplane.dev/role'),
      g('vms', '--field-selector', 'status.phase=Running'),
    ]);
    expect(setBased.code).toBe(0);
    expect(setBased.stderr).toBe('');
    expect(lines(setBased.stdout).map((l) => [l.split(/\s+/)[0], l.split(/\s+/).pop()])).toEqual([
      ['NAME', 'LABELS'],
      ['dev-master', 'hostplane.dev/cluster=dev,hostplane.dev/role=control-plane'],
      ['prod-master', 'hostplane.dev/cluster=prod,hostplane.dev/role=control-plane'],
    ]);
    expect(names).toEqual({ code: 0, stdout: 'virtualmachine/dev-master\n', stderr: '' });
    expect(jsonpath).toEqual({ code: 0, stdout: 'dev-master dev-worker1\n', stderr: '' });
    expect(range).toEqual({ code: 0, stdout: 'dev-master\t4Gi\nprod-master\t3Gi\n\n', stderr: '' });
    // Every example VM carries a cluster label, so `!cluster` selects none: the custom table is empty.
    expect(columns).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(labelCol.code).toBe(0);
    expect(lines(labelCol.stdout)[0]).toMatch(/^NAME\s+READY.*AGE\s+ROLE$/);
    expect(lines(labelCol.stdout).slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['staging-master', 'staging-worker1']);
    expect(lines(labelCol.stdout)[1]).toMatch(/\scontrol-plane$/);
    expect(byPhase).toEqual({ code: 0, stdout: 'No virtualmachines found matching the selector in the specs.\n', stderr: '' });
  });

  it('lists several kinds (a comma list, all) with KIND/NAME names, sorted and in custom columns', SLOW, async () => {
    const state = join(tmp, 'st-none');
    const g = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'get', ...a]);
    const [all, two, sorted] = await Promise.all([
      g('all', '-o', 'name'),
      g('vms,clusters', '-l', 'hostplane.dev/cluster=dev'),
      g('vms', '-o', 'custom-columns=NAME:.metadata.name,MEM:.spec.memory', '--sort-by', '.spec.memory', '--field-selector', 'metadata.name!=platform-worker2'),
    ]);
    expect(all.code).toBe(0);
    const kinds = new Set(lines(all.stdout).map((l) => l.split('/')[0]));
    expect([...kinds]).toEqual(['virtualmachine', 'cluster', 'addon', 'loadtest']);
    expect(lines(all.stdout)).toContain('cluster/dev');
    expect(two.code).toBe(0);
    const blocks = two.stdout.trimEnd().split('\n\n');
    expect(blocks).toHaveLength(1); // the clusters carry no cluster label: no empty second table
    expect(lines(blocks[0]!).slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['virtualmachine/dev-master', 'virtualmachine/dev-worker1']);
    expect(sorted.code).toBe(0);
    const rows = lines(sorted.stdout).map((l) => l.split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'MEM']);
    expect(rows[1]).toEqual(['prod-master', '3Gi']); // by size, not as text: 3Gi < 4Gi < 8Gi < 12Gi
    expect(rows.at(-1)).toEqual(['platform-worker1', '12Gi']);
    expect(rows.map((r) => r[0])).not.toContain('platform-worker2');
  });

  it('refuses an unknown kind with the same words and exit code in every command, and a bad selector or format', SLOW, async () => {
    const state = join(tmp, 'st-none');
    const c = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, ...a]);
    const refusals = await Promise.all([c('get', 'vmz'), c('describe', 'vmz/a'), c('delete', 'vmz', 'a'), c('events', 'vmz'), c('wait', 'vmz/a', '--for=condition=Ready'), c('logs', 'vmz/a'), c('stop', 'vmz/a'), c('get', 'vms,vmz')]);
    for (const r of refusals) expect(r).toEqual({ code: 2, stdout: '', stderr: `error: the server doesn't have a resource type "vmz"; ${KINDS}\n` });
    const [badSel, badField, badOut, missing, deleteMissing] = await Promise.all([
      c('get', 'vms', '-l', 'a in (b'),
      c('get', 'vms', '--field-selector', 'spec.cpu=2'),
      c('get', 'vms', '-o', 'table'),
      c('apply', '-f', '/missing.yaml'),
      c('delete', '-f', '/missing.yaml'),
    ]);
    expect(badSel.code).toBe(2);
    expect(badSel.stderr).toMatch(/^error: unable to parse requirement: .*"a in \(b"/);
    expect(badField).toEqual({ code: 2, stdout: '', stderr: 'error: field label not supported: spec.cpu (supported: metadata.name, metadata.namespace, status.phase)\n' });
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toMatch(/^error: unable to match a printer suitable for the output format "table", allowed formats are: wide, yaml, json, name, jsonpath=/);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'error: the path "/missing.yaml" does not exist\n' });
    expect(deleteMissing).toEqual({ code: 1, stdout: '', stderr: 'error: the path "/missing.yaml" does not exist\n' });
  });

  it('describes by selector and deletes by selector and by file', SLOW, async () => {
    const specs = join(tmp, 'specs-del');
    cpSync(SPECS, specs, { recursive: true });
    const state = join(tmp, 'st-del');
    const c = (...a: string[]) => runCli(['--specs', specs, '--state', state, ...a]);
    const file = join(tmp, 'prod-workers.yaml');
    writeFileSync(file, 'apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata: {name: prod-worker1}\n---\nkind: vm\nmetadata: {name: prod-worker2}\n');
    // Read first, then edit: describe must not race the deletes of the same objects.
    const [described, noName] = await Promise.all([c('describe', 'vms', '-l', 'hostplane.dev/role=control-plane,hostplane.dev/cluster in (dev,staging)'), c('delete', 'vms')]);
    const [bySelector, byFile] = await Promise.all([c('delete', 'vms', '-l', 'hostplane.dev/cluster=staging'), c('delete', '-f', file)]);
    expect(described.code).toBe(0);
    expect(described.stdout.match(/^Name: +(\S+)$/gm)).toEqual(['Name:                dev-master', 'Name:                staging-master']);
    expect(noName).toEqual({ code: 2, stdout: '', stderr: 'error: resource(s) were provided, but no name was specified: name the objects, or select them with -l\n' });
    expect(bySelector.code).toBe(0);
    expect(lines(bySelector.stdout).map((l) => l.split(' ')[0])).toEqual(['virtualmachine/staging-master', 'virtualmachine/staging-worker1']);
    expect(byFile.code).toBe(0);
    expect(lines(byFile.stdout).map((l) => l.split(' ')[0])).toEqual(['virtualmachine/prod-worker1', 'virtualmachine/prod-worker2']);
    expect(existsSync(join(specs, 'vms', 'staging.yaml'))).toBe(false);
    const prod = readFileSync(join(specs, 'vms', 'prod.yaml'), 'utf8');
    expect(prod).toMatch(/name: prod-master/);
    expect(prod).not.toMatch(/name: prod-worker/);
  });
});

describe('status from the state dir', () => {
  it('keeps one resourceVersion across reads (get, describe) and says the status is a snapshot when up is not running', SLOW, async () => {
    const state = join(tmp, 'st-rv');
    // What `up` leaves behind: a scan of the specs into the state dir's records.
    const store = new ObjectStore(new StateDirPersistence(new StateDir(state)));
    await new SpecSource({ specsDir: SPECS, store, registry: loadSchemaRegistry() }).scanOnce();
    const rv = store.get('VirtualMachine', 'dev-master')!.metadata.resourceVersion;
    const c = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, ...a]);
    const [json1, json2, described, table, events, name] = await Promise.all([
      c('get', 'vm', 'dev-master', '-o', 'json'),
      c('get', 'vm/dev-master', '-o', 'jsonpath={.metadata.resourceVersion}'),
      c('describe', 'vm', 'dev-master'),
      c('get', 'vms'),
      c('events'),
      c('get', 'vms', '-o', 'name'),
    ]);
    expect(JSON.parse(json1.stdout).metadata.resourceVersion).toBe(rv);
    expect(json2).toEqual({ code: 0, stdout: `${rv}\n`, stderr: '' });
    expect(described.stdout).toMatch(new RegExp(`^Resource Version: +${rv}$`, 'm'));
    const note = /^status as of \d\d:\d\d:\d\d; hostplane up is not running\n$/;
    expect(described.stderr).toMatch(note);
    expect(table.stderr).toMatch(note);
    expect(table.code).toBe(0);
    expect(events.stderr).toMatch(note);
    // Output a script parses is left alone.
    expect(json1.stderr).toBe('');
    expect(name.stderr).toBe('');
  });
});
