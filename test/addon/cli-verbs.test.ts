// `hostplane reconcile|suspend|resume KIND/NAME` run as a process against a running manager: the
// requests go through the state dir (the spec files stay untouched) and the manager acts on them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const cm = (name: string, v: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  k: ${v}\n`;

describe('hostplane reconcile|suspend|resume', () => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(4);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const cli = (...args: string[]) => runCli([...args, '--specs', lab.specsDir]);
  const data = async () => ((await lab.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }))?.data as { k?: string } | undefined)?.k;

  it('reconcile re-applies at once; suspend holds changes back without editing the spec; resume applies them', async () => {
    lab.write('manifests/c.yaml', cm('c', 'one'));
    lab.write('specs/c.yaml', addonDoc('c', { manifests: ['manifests/c.yaml'] }));
    await lab.waitReady('c', 'True', 'Applied');
    const specText = readFileSync(join(lab.specsDir, 'c.yaml'), 'utf8');

    // Removed behind hostplane's back; the interval (10m) is far off, the request is not.
    await lab.kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' });
    const r = await cli('reconcile', 'addon/c');
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/Addon\/c queued for reconcile/)]);
    await waitFor(async () => (await data()) === 'one', 10_000, 'ConfigMap c applied again');

    const s = await cli('suspend', 'ad', 'c');
    expect(s.code).toBe(0);
    await lab.waitReady('c', 'True', 'Suspended', 10_000);
    expect(lab.addon('c')!.status!.phase).toBe('Suspended');
    lab.write('manifests/c.yaml', cm('c', 'two'));
    await lab.manager.idle();
    expect(await data()).toBe('one');

    expect((await cli('resume', 'addon/c')).code).toBe(0);
    await waitFor(async () => (await data()) === 'two', 10_000, 'the held-back change applied after resume');
    await lab.waitReady('c', 'True', 'Applied');
    expect(readFileSync(join(lab.specsDir, 'c.yaml'), 'utf8')).toBe(specText);
  }, 90_000);
});
