// Flags checked by hand against `helm upgrade|rollback|uninstall|list --help` of helm 3.17.3 and 4.1.4 (the
// bundled lambda-layer-kubectl-v31 and -v35 binaries): --labels, --take-ownership, --skip-crds, --history-max and
// --cleanup-on-fail exist in both; --wait takes a strategy and --force-replace replaces --force on 4; list -a is 3 only.
import { describe, expect, it } from 'vitest';
import { historyArgs, listArgs, rollbackArgs, statusArgs, testArgs, uninstallArgs, upgradeInstallArgs } from './helm-args.js';
import { withAddonDefaults } from './spec-types.js';

const spec = withAddonDefaults({ cluster: 'platform', helm: { chart: 'jenkins', version: '5.7.15' }, namespace: 'jenkins', timeout: '15m', upgrade: { force: true, cleanupOnFail: true } });
const target = { addonName: 'platform-jenkins', releaseName: 'platform-jenkins', chartRef: 'hostplane-jenkins/jenkins', version: '5.7.15', valuesFile: '/state/addons/platform-jenkins/values.yaml' };

describe('helm argv', () => {
  it('install on helm 4: watcher wait, owner label, JSON output, never --atomic', () => {
    const a = upgradeInstallArgs(target, spec, 4, { action: 'install' });
    expect(a).toEqual([
      'upgrade', '--install', 'platform-jenkins', 'hostplane-jenkins/jenkins', '--namespace', 'jenkins', '--create-namespace', '--version', '5.7.15',
      '--values', '/state/addons/platform-jenkins/values.yaml', '--wait=watcher', '--timeout', '15m', '--history-max', '5',
      '--labels', 'hostplane.dev/addon=platform-jenkins', '--output', 'json',
    ]);
  });

  it.each([
    [3, ['--wait', '--force', '--cleanup-on-fail']],
    [4, ['--wait=watcher', '--force-replace', '--cleanup-on-fail']],
  ] as const)('upgrade on helm %i picks that major\'s flags', (major, flags) => {
    const a = upgradeInstallArgs(target, spec, major, { action: 'upgrade' });
    for (const f of flags) expect(a).toContain(f);
    expect(a).toContain('--skip-crds'); // upgrade.crds defaults to Skip
    expect(a.join(' ')).not.toMatch(/--atomic|--rollback-on-failure/);
  });

  it('adoption adds --take-ownership; wait none omits --wait; legacy on helm 4', () => {
    expect(upgradeInstallArgs(target, spec, 3, { action: 'upgrade', takeOwnership: true })).toContain('--take-ownership');
    expect(upgradeInstallArgs(target, withAddonDefaults({ ...spec, wait: 'none' }), 4, { action: 'install' }).some((a) => a.startsWith('--wait'))).toBe(false);
    expect(upgradeInstallArgs(target, withAddonDefaults({ ...spec, wait: 'legacy' }), 4, { action: 'install' })).toContain('--wait=legacy');
  });

  it('values go by file, never inline', () => {
    const a = upgradeInstallArgs(target, withAddonDefaults({ ...spec, values: { controller: { admin: { password: 'hunter2' } } } }), 4, { action: 'install' });
    expect(a.join(' ')).not.toContain('hunter2');
    expect(a.some((x) => x.startsWith('--set'))).toBe(false);
  });

  it('rollback, uninstall, test, status, history and list', () => {
    expect(rollbackArgs('r', 3, spec, 4)).toEqual(['rollback', 'r', '3', '--namespace', 'jenkins', '--wait=watcher', '--timeout', '15m', '--cleanup-on-fail']);
    expect(uninstallArgs('r', withAddonDefaults({ ...spec, uninstall: { keepHistory: true, timeout: '2m' } }))).toEqual(['uninstall', 'r', '--namespace', 'jenkins', '--wait', '--timeout', '2m', '--keep-history']);
    expect(testArgs('r', spec)).toEqual(['test', 'r', '--namespace', 'jenkins', '--timeout', '15m']);
    expect(statusArgs('r', 'jenkins')).toEqual(['status', 'r', '--namespace', 'jenkins', '--output', 'json']);
    expect(historyArgs('r', 'jenkins', 10)).toEqual(['history', 'r', '--namespace', 'jenkins', '--max', '10', '--output', 'json']);
    expect(listArgs('jenkins', 3)).toContain('--all');
    expect(listArgs('jenkins', 4)).not.toContain('--all');
  });
});
