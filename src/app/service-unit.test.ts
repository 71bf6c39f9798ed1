// The login service `hostplane service install` writes, per platform: where it goes, what it runs
// (absolute node, bin and specs paths), how it restarts, and the commands that enable it.
import { describe, expect, it } from 'vitest';
import { renderServiceUnit, ServiceUnitError, shellLine, type ServiceUnitInput } from './service-unit.js';

const base: ServiceUnitInput = { platform: 'linux', node: '/usr/bin/node', bin: '/opt/hostplane/bin/hostplane.mjs', specsDir: '/home/ann/lab/specs', home: '/home/ann', path: '/usr/local/bin:/usr/bin', uid: 1000 };

describe('renderServiceUnit', () => {
  it.each([
    ['linux', base, '/home/ann/.config/systemd/user/hostplane.service', [/^ExecStart="\/usr\/bin\/node" "\/opt\/hostplane\/bin\/hostplane\.mjs" "up" "--specs" "\/home\/ann\/lab\/specs"$/m, /^Restart=on-failure$/m, /^WantedBy=default\.target$/m, /^Environment="PATH=\/usr\/local\/bin:\/usr\/bin"$/m], [['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', 'hostplane']], [['systemctl', '--user', 'disable', '--now', 'hostplane']]],
    ['darwin', { ...base, platform: 'darwin' as const, home: '/Users/ann', specsDir: '/Users/ann/lab/specs', uid: 501 }, '/Users/ann/Library/LaunchAgents/dev.hostplane.up.plist', [/<key>Label<\/key>\n {2}<string>dev\.hostplane\.up<\/string>/, /<array>\n {4}<string>\/usr\/bin\/node<\/string>\n {4}<string>\/opt\/hostplane\/bin\/hostplane\.mjs<\/string>\n {4}<string>up<\/string>\n {4}<string>--specs<\/string>\n {4}<string>\/Users\/ann\/lab\/specs<\/string>\n {2}<\/array>/, /<key>RunAtLoad<\/key>\n {2}<true\/>/, /<key>KeepAlive<\/key>\n {2}<true\/>/], [['launchctl', 'bootstrap', 'gui/501', '/Users/ann/Library/LaunchAgents/dev.hostplane.up.plist']], [['launchctl', 'bootout', 'gui/501/dev.hostplane.up']]],
  ] as const)('%s', (_p, input, file, patterns, enable, disable) => {
    const u = renderServiceUnit(input);
    expect(u.file).toBe(file);
    for (const p of patterns) expect(u.content).toMatch(p);
    expect(u.enable).toEqual(enable);
    expect(u.disable).toEqual(disable);
  });

  it.each([
    ['linux: quotes, %-specifiers and $ are escaped', { ...base, specsDir: '/home/ann/my "lab" 100%/$specs' }, /^ExecStart=.* "\/home\/ann\/my \\"lab\\" 100%%\/\$\$specs"$/m],
    ['darwin: XML special characters are escaped', { ...base, platform: 'darwin' as const, specsDir: '/Users/ann/R&D <lab>' }, /<string>\/Users\/ann\/R&amp;D &lt;lab&gt;<\/string>/],
  ])('%s', (_what, input, pattern) => {
    expect(renderServiceUnit(input).content).toMatch(pattern);
  });

  it.each([
    ['a relative specs dir', { ...base, specsDir: 'specs' }, /specs directory path must be absolute/],
    ['a relative node', { ...base, node: 'node' }, /node path must be absolute/],
    ['a line break in a path', { ...base, specsDir: '/a\nb' }, /line break/],
  ])('refuses %s', (_what, input, message) => {
    expect(() => renderServiceUnit(input)).toThrow(ServiceUnitError);
    expect(() => renderServiceUnit(input)).toThrow(message);
  });

  it('prints commands as a person types them', () => {
    expect(shellLine(['launchctl', 'bootstrap', 'gui/501', "/Users/a b/it's.plist"])).toBe(`launchctl bootstrap gui/501 '/Users/a b/it'\\''s.plist'`);
  });
});
