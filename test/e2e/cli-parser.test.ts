// The command line as a person meets it: per-command flags and help, one-line refusals of a wrong
// flag with a pointer to the right help, --version, and shell completion from the specs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SPECS = join(ROOT, 'specs');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

describe('hostplane command line', () => {
  it('refuses a flag another command owns, in one line plus where to look, exit 2', async () => {
    const [get, events, unknown] = await Promise.all([
      runCli(['get', 'vms', '--timeout=1s', '--specs', SPECS]),
      runCli(['events', '--for', 'vm/dev-master', '--specs', SPECS]),
      runCli(['bogus']),
    ]);
    expect(get).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--timeout=1s'\nSee 'hostplane get --help'.\n" });
    expect(events).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--for'\nSee 'hostplane events --help'.\n" });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^error: unknown command 'bogus'[^\n]*\nSee 'hostplane --help'\.\n$/);
  });

  it('prints each command\'s own flags and examples, and the version', async () => {
    const [getHelp, eventsHelp, version] = await Promise.all([runCli(['get', '--help']), runCli(['events', '--help']), runCli(['--version'])]);
    expect(getHelp.code).toBe(0);
    expect(getHelp.stderr).toBe('');
    expect(getHelp.stdout).toMatch(/^Usage: hostplane get KIND \[NAME\]/);
    expect(getHelp.stdout).toMatch(/-o, --output <format>/);
    expect(getHelp.stdout).toMatch(/Examples:\n {2}hostplane get vms\n/);
    expect(getHelp.stdout).not.toMatch(/--for|--timeout|--recursive/);
    expect(eventsHelp.stdout).toMatch(/Examples:\n {2}hostplane events\n/);
    expect(eventsHelp.stdout).not.toMatch(/--output/);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('prints completion scripts for bash, zsh and fish, and refuses another shell', async () => {
    const [bash, zsh, fish, tcsh] = await Promise.all(['bash', 'zsh', 'fish', 'tcsh'].map((s) => runCli(['completion', s])));
    expect(bash.code).toBe(0);
    expect(bash.stdout).toMatch(/complete -o default -F _hostplane hostplane/);
    expect(zsh.stdout).toMatch(/^#compdef hostplane/);
    expect(fish.stdout).toMatch(/complete -c hostplane .*__complete/);
    expect(tcsh).toEqual({ code: 2, stdout: '', stderr: 'error: completion: the shell must be bash, zsh, fish (got tcsh)\n' });
  });

  it('completes commands, flags, kinds and object names from the specs', async () => {
    const c = (...words: string[]) => runCli(['--specs', SPECS, '__complete', ...words]).then((r) => r.stdout.split('\n').filter(Boolean));
    const [verbs, kinds, names, slashNames, flags] = await Promise.all([c('de'), c('get', 'c'), c('describe', 'vm', 'dev-'), c('logs', 'vm/prod-w'), c('logs', 'vm/a', '--t')]);
    expect(verbs).toEqual(['delete', 'describe']);
    expect(kinds).toEqual(expect.arrayContaining(['cl', 'cluster', 'clusters']));
    expect(names).toEqual(['dev-master', 'dev-worker1']);
    expect(slashNames).toEqual(['vm/prod-worker1', 'vm/prod-worker2']);
    expect(flags).toEqual(['--tail']);
  });
});
