import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderProvisionSteps } from '../../reconcilers/virtualmachine/provision.js';
import { readVmSpec } from '../../reconcilers/virtualmachine/spec.js';
import { SimShell, newGuestState, type SimGuestState } from './sim-shell.js';

/** Runs what hostplane would send for `provision` against a fresh simulated guest. */
function provisioned(provision: Record<string, unknown>): SimGuestState {
  const st = newGuestState('ubuntu');
  for (const step of renderProvisionSteps(readVmSpec({ image: 'img', provision }), 'inc')) {
    const a = step.action;
    if (a.kind === 'upload') st.files[a.path] = { content: a.content, mode: a.mode, owner: 'root' };
    if (a.kind === 'script') {
      for (const f of a.files ?? []) st.files[f.path] = { content: f.content, mode: f.mode, owner: 'root' };
      expect(new SimShell(st).run(a.script)).toMatchObject({ code: 0, stderr: '' });
    }
  }
  return st;
}

describe('the sim guest interprets what hostplane sends', () => {
  it('sets the hostname in the system, /etc/hostname and /etc/hosts, once', () => {
    const st = provisioned({ hostname: 'web-1' });
    expect(st.hostname).toBe('web-1');
    expect(st.files['/etc/hostname']!.content).toBe('web-1\n');
    expect(st.files['/etc/hosts']!.content).toBe('127.0.0.1 localhost\n127.0.1.1 web-1\n');
    const [step] = renderProvisionSteps(readVmSpec({ image: 'i', provision: { hostname: 'web-1' } }), 'again');
    const again = new SimShell(st).run((step!.action as { script: string }).script);
    expect(again.code).toBe(0);
    expect(st.files['/etc/hosts']!.content.match(/web-1/g)).toHaveLength(1); // the hosts check answered from state
  });

  it('creates users with groups, sudo and their authorized keys', () => {
    const st = provisioned({ users: [{ name: 'alice', sudo: true, groups: ['docker'], authorizedKeys: ['ssh-ed25519 AAAA alice'] }] });
    expect(st.users.alice).toMatchObject({ home: '/home/alice', groups: ['alice', 'docker'] });
    expect(st.files['/etc/sudoers.d/90-hostplane-alice']).toEqual({ content: 'alice ALL=(ALL) NOPASSWD:ALL\n', mode: 0o440, owner: 'root' });
    expect(st.files['/home/alice/.ssh/authorized_keys']).toEqual({ content: 'ssh-ed25519 AAAA alice\n', mode: 0o600, owner: 'alice' });
    expect(Object.keys(st.files).some((p) => p.startsWith('/var/tmp/hostplane-authorized-keys-'))).toBe(false); // the staged copy is gone
  });

  it('installs only the missing packages', () => {
    const st = provisioned({ packages: ['curl', 'jq'] });
    expect(st.packages).toEqual(['curl', 'jq']);
  });

  it.each<[string, string, number, string?]>([
    ['a probe of a file that exists', 'test -f /etc/hostname', 0],
    ['a probe of a file that does not', 'test -f /etc/nope', 1],
    ['[ … ] and !', '[ ! -f /etc/nope ]', 0],
    ['a package that is not installed', 'dpkg -s nginx >/dev/null 2>&1', 1],
    ['&& and || as sh has them', 'false && echo no || echo yes', 0, 'yes\n'],
    ['set -e stops at the first failure', 'set -e\nfalse\necho after', 1, ''],
    ['set -e does not stop inside a condition', 'set -e\nif false; then echo a; else echo b; fi', 0, 'b\n'],
    ['a pipeline and command substitution', 'h=$(getent passwd root | cut -d: -f6)\necho "$h"', 0, '/root\n'],
    ['a for loop with field splitting', 'x="a b"\nfor i in $x c; do printf "%s," "$i"; done', 0, 'a,b,c,'],
    ['a command the sim does not know', 'curl -fsSL https://example.com', 127],
    ['a syntax error', 'if true; then echo', 2],
  ])('%s', (_what, script, code, stdout) => {
    const r = new SimShell(newGuestState('ubuntu')).run(script);
    expect(r.code).toBe(code);
    if (stdout !== undefined) expect(r.stdout).toBe(stdout);
  });

  it('answers a probe from what an earlier command left, and never touches the host', () => {
    const st = newGuestState('ubuntu');
    const marker = `/tmp/hostplane-sim-${process.pid}-marker`;
    expect(new SimShell(st).run(`test -f ${marker}`).code).toBe(1);
    expect(new SimShell(st).run(`printf done > ${marker}`).code).toBe(0);
    expect(new SimShell(st).run(`test -f ${marker}`).code).toBe(0);
    expect(st.files[marker]!.content).toBe('done');
    expect(existsSync(marker)).toBe(false);
  });

  it('keeps services it was told to start', () => {
    const st = newGuestState('ubuntu');
    expect(new SimShell(st).run('systemctl is-active nginx').code).toBe(3);
    new SimShell(st).run('apt-get install -y nginx && systemctl enable --now nginx');
    expect(new SimShell(st).run('systemctl is-active nginx')).toMatchObject({ code: 0, stdout: 'active\n' });
  });
});
