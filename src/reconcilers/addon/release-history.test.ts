import { describe, expect, it } from 'vitest';
import { actionOf, buildHistory } from './release-history.js';
import type { HelmHistoryEntry } from './release-state.js';

// Shaped like `helm history NAME -o json` (reference §2.2): revision int, updated, status, chart, app_version, description.
const h = (revision: number, status: string, description: string, chart = 'jenkins-5.7.15'): HelmHistoryEntry => ({ revision, updated: `2026-12-06T04:0${revision}:00.123456789Z`, status, chart, app_version: '2.479.2', description });

describe('release history in status', () => {
  it.each([
    ['Install complete', 'install'],
    ['Upgrade complete', 'upgrade'],
    ['Rollback to 2', 'rollback'],
    ['Upgrade "jenkins" failed: context deadline exceeded', 'upgrade'],
    ['Release "jenkins" failed: timed out waiting for the condition', undefined],
    ['Initial install underway', 'install'],
    ['Release unlocked from stale \'pending-upgrade\' state', 'upgrade'], // the unlocked revision came from an upgrade
  ])('action of %j is %s', (d, a) => {
    expect(actionOf(d)).toBe(a);
  });

  it('goes newest first back to the previous successful revision', () => {
    const hist = [h(1, 'superseded', 'Install complete'), h(2, 'superseded', 'Upgrade complete'), h(3, 'failed', 'Upgrade "jenkins" failed: x'), h(4, 'deployed', 'Rollback to 2')];
    const s = buildHistory(hist, { 2: 'sha256:aa', 4: 'sha256:aa' });
    expect(s.map((x) => [x.revision, x.status, x.action, x.configDigest])).toEqual([
      [4, 'deployed', 'rollback', 'sha256:aa'],
      [3, 'failed', 'upgrade', undefined],
      [2, 'superseded', 'upgrade', 'sha256:aa'],
    ]);
    expect(s[0]).toMatchObject({ chartName: 'jenkins', chartVersion: '5.7.15', appVersion: '2.479.2', deployedAt: '2026-12-06T04:04:00.123Z' });
  });

  it('also reads the Go time layout helm prints elsewhere', () => {
    expect(buildHistory([{ ...h(1, 'deployed', 'Install complete'), updated: '2026-12-06 05:00:00.5 +0100 CET' }])[0]!.deployedAt).toBe('2026-12-06T04:00:00.000Z');
  });

  it('a first install is one entry; the bound is kept', () => {
    expect(buildHistory([h(1, 'deployed', 'Install complete')])).toHaveLength(1);
    const failures = Array.from({ length: 20 }, (_, i) => h(i + 1, 'failed', 'Upgrade "jenkins" failed'));
    expect(buildHistory(failures, {}, 5).map((x) => x.revision)).toEqual([20, 19, 18, 17, 16]);
  });
});
