// `hostplane service install|uninstall` as a process, HOME in a temp dir: the unit is written
// where systemd (or launchd) looks, runs `up` with absolute paths, and goes away on uninstall.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../fixtures/cli.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function setup() {
  root = mkdtempSync(join(tmpdir(), 'hostplane-service-'));
  const home = join(root, 'home');
  const specs = join(root, 'lab', 'specs');
  mkdirSync(home, { recursive: true });
  mkdirSync(specs, { recursive: true });
  return { home, specs };
}

describe('hostplane service', () => {
  it('install writes a systemd user unit running up with absolute paths and prints how to enable it; uninstall removes it', async () => {
    const { home, specs } = setup();
    const unit = join(home, '.config', 'systemd', 'user', 'hostplane.service');
    const dry = await runCli(['service', 'install', '--specs', specs, '--dry-run', '--platform', 'linux'], { HOME: home });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`# ${unit}`);
    expect(existsSync(unit)).toBe(false);

    const r = await runCli(['service', 'install', '--specs', specs, '--platform', 'linux'], { HOME: home });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`wrote ${unit}`);
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now hostplane');
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`ExecStart="${process.execPath}" "${BIN}" "up" "--specs" "${specs}"`);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(readdirSync(join(home, '.config', 'systemd', 'user'))).toEqual(['hostplane.service']); // no temp file left

    const u = await runCli(['service', 'uninstall', '--platform', 'linux'], { HOME: home });
    expect(u.code).toBe(0);
    expect(u.stdout).toContain(`removed ${unit}`);
    expect(existsSync(unit)).toBe(false);
  }, 60_000);

  it('install writes a launchd agent under ~/Library/LaunchAgents on macOS', async () => {
    const { home, specs } = setup();
    const r = await runCli(['service', 'install', '--specs', specs, '--platform', 'darwin'], { HOME: home });
    expect(r.code).toBe(0);
    const plist = join(home, 'Library', 'LaunchAgents', 'dev.hostplane.up.plist');
    expect(r.stdout).toMatch(/launchctl bootstrap gui\/\d+ /);
    expect(readFileSync(plist, 'utf8')).toContain(`<string>${specs}</string>`);
  }, 60_000);

  it.each([
    ['an unknown action', ['service', 'restart'], 2, /install or uninstall/],
    ['a specs directory that does not exist', ['service', 'install', '--specs', '/nonexistent/specs', '--platform', 'linux'], 1, /\/nonexistent\/specs does not exist/],
  ])('refuses %s', async (_what, args, code, message) => {
    const { home } = setup();
    const r = await runCli(args, { HOME: home });
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  }, 60_000);
});
