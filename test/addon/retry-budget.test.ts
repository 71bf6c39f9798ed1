// An Addon out of retries with the real helm: a change of target (namespace, release name, cluster)
// is a new attempt with fresh retries, and `hostplane reconcile addon/NAME` (a reconcile request)
// resets the retry budget for the same inputs. One helm major is enough: the logic is ours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markReconcileRequested } from '../../src/controllers/object-requests.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const JENKINS = { repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15' };
// The chart's schema rejects this value: every install fails the same way.
const REJECTED = { persistence: { enabled: false }, controller: { adminPassword: 'x' } };

describe('an Addon out of retries', () => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(4);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const spec = (over: Record<string, unknown>) => addonDoc('bad-jenkins', { helm: JENKINS, values: REJECTED, wait: 'none', install: { remediation: { retries: 0 } }, ...over });
  // helm upgrade --install: the log names every attempt "upgrade".
  const attempts = (release: string) => lab.writes().filter((w) => w.startsWith(`upgrade ${release} `)).length;

  it('tries again on a new namespace or release name, and once more on a reconcile request', async () => {
    lab.write('specs/bad.yaml', spec({ namespace: 'a' }));
    await lab.waitReady('bad-jenkins', 'False', 'RetriesExceeded', 30_000);
    expect(lab.ready('bad-jenkins').message).toContain('hostplane reconcile addon/bad-jenkins');
    const inA = attempts('a/bad-jenkins');

    lab.write('specs/bad.yaml', spec({ namespace: 'b' }));
    await waitFor(() => attempts('b/bad-jenkins') > 0, 20_000, 'an install attempt in namespace b');
    await lab.waitReady('bad-jenkins', 'False', 'RetriesExceeded', 20_000);
    expect(lab.addon('bad-jenkins')!.status!.lastAttemptedTarget).toBe('sim/b/bad-jenkins');

    lab.write('specs/bad.yaml', spec({ namespace: 'b', helm: { ...JENKINS, releaseName: 'other' } }));
    await waitFor(() => attempts('b/other') > 0, 20_000, 'an install attempt of release other');
    await lab.waitReady('bad-jenkins', 'False', 'RetriesExceeded', 20_000);

    // hostplane reconcile addon/bad-jenkins: the CLI and the API both leave this mark, then queue it.
    const before = lab.writes().length;
    markReconcileRequested(new StateDir(`${lab.root}/.hostplane`), 'Addon/bad-jenkins');
    lab.manager.reconcileNow('Addon/bad-jenkins');
    await waitFor(() => lab.writes().length > before, 20_000, 'an install attempt after the reconcile request');
    await lab.waitReady('bad-jenkins', 'False', 'RetriesExceeded', 20_000);
    expect(lab.writes().slice(before)).toEqual(['upgrade b/other FAILED']);
    expect(attempts('a/bad-jenkins')).toBe(inA);
  }, 90_000);
});
