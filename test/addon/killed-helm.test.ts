// A helm process killed mid-upgrade (SIGKILL, as when `up` itself is killed) leaves the release
// pending-upgrade. The Addon waits spec.timeout (the helm may still be running), then unlocks the
// revision (Flux #149: marks it failed) and upgrades. Real helm 3.17.3 and 4.1.4.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelmCli } from '../../src/adapters/helm/helm-cli.js';
import { helmBinaries } from '../../src/adapters/tools/test-binaries.js';
import { OWNER_LABEL } from '../../src/reconcilers/addon/release-state.js';
import { waitFor } from '../fixtures/wait-for.js';
import { addonDoc, startAddonLab, type AddonLab } from './fixtures.js';

const GATEWAY = { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'gateway', version: '1.24.2' };
const VALUES = { service: { type: 'ClusterIP' } };

describe.each([3, 4] as const)('helm %i', (major) => {
  let lab: AddonLab;
  beforeAll(async () => {
    lab = await startAddonLab(major);
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('unlocks a release left pending-upgrade by a SIGKILLed helm after spec.timeout, then upgrades', async () => {
    const target = { kubeconfig: lab.kubeconfig, namespace: 'killed', release: 'killed' };
    lab.write('specs/k.yaml', addonDoc('killed', { helm: GATEWAY, namespace: 'killed', values: VALUES, timeout: '30s' }));
    await lab.waitReady('killed', 'True', 'InstallSucceeded');
    // A shorter timeout changes no values: in sync, no helm call, but the lock wait gets short.
    lab.write('specs/k.yaml', addonDoc('killed', { helm: GATEWAY, namespace: 'killed', values: VALUES, timeout: '6s' }));
    await waitFor(() => lab.addon('killed')?.status?.observedGeneration === 2, 10_000, 'generation 2 observed');

    // hostplane's own helm, killed mid-upgrade while it waits for something that never gets ready:
    // helm 3's waiter for a LoadBalancer address; helm 4's watcher for pods that cannot be scheduled.
    const never = major === 3 ? { service: { type: 'LoadBalancer' } } : { ...VALUES, nodeSelector: { nowhere: 'true' } };
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    const killable = await createHelmCli({ binary: bin, helmHome: join(lab.root, 'helm'), abortKillSignal: 'SIGKILL' });
    const abort = new AbortController();
    const chart = await lab.manager.opts.ports.kubernetes.charts.resolve(GATEWAY);
    const upgrading = killable.upgrade(target, chart, { values: never, wait: true, timeoutMs: 60_000, labels: { [OWNER_LABEL]: 'killed' }, signal: abort.signal }).catch((e: Error) => e);
    await waitFor(async () => (await lab.helm.history(target)).some((h) => h.revision === 2 && h.status === 'pending-upgrade'), 20_000, 'revision 2 pending-upgrade');
    abort.abort();
    expect(await upgrading).toBeInstanceOf(Error);
    expect((await lab.helm.history(target)).at(-1)?.status).toBe('pending-upgrade');

    const before = lab.writes().length;
    lab.manager.reconcileNow('Addon/killed');
    await waitFor(async () => (await lab.helm.history(target)).some((h) => h.revision === 3 && h.status === 'deployed'), 25_000, 'revision 3 deployed').catch(async (e: Error) => {
      throw new Error(`${e.message}; history ${JSON.stringify(await lab.helm.history(target))}; Ready ${JSON.stringify(lab.ready('killed'))}; writes ${lab.writes().slice(before).join(', ')}`);
    });
    const history = await lab.helm.history(target);
    expect(history.find((h) => h.revision === 2)?.description).toMatch(/unlocked from stale 'pending-upgrade'/);
    expect(lab.writes().slice(before)).toEqual(['upgrade killed/killed']);
    await lab.waitReady('killed', 'True');
  }, 50_000);
});
