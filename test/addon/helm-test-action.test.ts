// The helm `test` action (spec.test.enable) with the real helm (3.17.3 and 4.1.4) against the
// simulated API server: after install, hostplane runs the chart's test hook (the Jenkins stand-in's
// UI test pod) and reports it in the TestSuccess condition — True when the pod succeeds, False
// naming the hook when it fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const JENKINS = { repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15' };

describe.each([3, 4] as const)('helm %i test action', (major) => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(major);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const condition = (name: string, type: string) => lab.addon(name)?.status?.conditions?.find((c) => c.type === type);

  it.each([
    ['passes: TestSuccess=True, Ready=True', 'jt-pass', 0, 'True', 'TestSucceeded', /Helm test succeeded: 1 test hooks completed/],
    ['fails: TestSuccess=False naming the hook, Ready=False', 'jt-fail', 1, 'False', 'TestFailed', /Helm test failed: jt-fail-ui-test Failed/],
  ] as const)('a chart whose test pod %s', async (_what, name, exitCode, status, reason, message) => {
    lab.write(`specs/${name}.yaml`, addonDoc(name, { helm: JENKINS, namespace: name, wait: 'none', values: { persistence: { enabled: false }, helmtest: { simExitCode: exitCode } }, test: { enable: true, timeout: '60s' } }));
    await waitFor(() => condition(name, 'TestSuccess')?.status === status, 40_000, `Addon ${name} TestSuccess=${status}`, 20);
    const c = condition(name, 'TestSuccess')!;
    expect([c.reason, c.message]).toEqual([reason, expect.stringMatching(message)]);
    // The release first (helm's `upgrade --install`), then `helm test` on it.
    const mine = lab.writes().filter((w) => w.endsWith(`${name}/${name}`) || w.endsWith(`${name}/${name} FAILED`));
    expect(mine.slice(0, 2)).toEqual([`upgrade ${name}/${name}`, `test ${name}/${name}${exitCode === 0 ? '' : ' FAILED'}`]);
    if (status === 'True') await lab.waitReady(name, 'True', undefined, 20_000);
    else await lab.waitReady(name, 'False', undefined, 20_000);
    expect(lab.ready(name).message).toMatch(status === 'True' ? /.*/ : /test/i);
    // The hook pod ran in the cluster with the chart's image.
    const pod = await lab.kube.get({ apiVersion: 'v1', kind: 'Pod', namespace: name, name: `${name}-ui-test` });
    expect((pod?.status as { phase?: string } | undefined)?.phase).toBe(exitCode === 0 ? 'Succeeded' : 'Failed');
  }, 80_000);
});
