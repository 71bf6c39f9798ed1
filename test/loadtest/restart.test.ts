// A run recorded as Running when `up` stops (here: the manager stops mid-run, as after kill -9 the
// records are all that is left) is found again by the next manager: followed to its end while its
// Job exists, marked Error naming why when the Job is gone; never left Running.
import { afterAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/sim/kube/control-plane/index.js';
import type { SimCluster } from '../../src/sim/kube/sim-cluster.js';
import { makeLab } from '../fixtures/lab.js';
import { requestRun, startCluster, startLoadTestLab } from './fixtures.js';

const clock = new ScaledClock(40);
const lab = makeLab();
let cluster: SimCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
  lab.cleanup();
});

const finished = (st: Record<string, any>) => st.lastRun && st.lastRun.outcome !== 'Running';
const jobs = { group: 'batch', version: 'v1', resource: 'jobs' };

describe('LoadTest runs across a restart of up', () => {
  it('follows a run that was Running to its end, and marks one whose Job vanished Error', async () => {
    cluster = await startCluster(clock);
    lab.write('clusters/dev.yaml', 'apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: dev\nspec:\n  kubernetesVersion: "1.31"\n  controlPlane:\n    vm: dev-master\n');
    lab.write('addons/dev.yaml', 'apiVersion: hostplane.dev/v1alpha1\nkind: Addon\nmetadata:\n  name: dev-demo-apps\nspec:\n  cluster: dev\n  namespace: demo\n  manifests: [manifests/demo/]\n');
    const lt = (name: string) => `apiVersion: hostplane.dev/v1alpha1\nkind: LoadTest\nmetadata:\n  name: ${name}\nspec:\n  cluster: dev\n  type: http\n  runPolicy: Manual\n  target: {url: "http://nginx-web.demo.svc.cluster.local/"}\n  k6: {vus: 5, duration: 60s}\n  dependsOn: [dev-demo-apps]\n`;
    lab.write('loadtests/a.yaml', lt('survivor') + '---\n' + lt('orphan'));

    const first = await startLoadTestLab({ lab, cluster, clock });
    await requestRun(first, 'survivor');
    await requestRun(first, 'orphan');
    await first.waitStatus('survivor', (s) => s.lastRun?.outcome === 'Running');
    await first.waitStatus('orphan', (s) => s.lastRun?.outcome === 'Running');
    const survivorRun = first.manager.store.get('LoadTest', 'survivor')!.status!.lastRun as { id: string };
    await first.stop();

    // while no manager runs: the orphan's Job is deleted behind hostplane's back
    for (const j of cluster.store.list(jobs, { namespace: 'loadtest' }).items) {
      if (j.metadata.labels?.['hostplane.dev/loadtest'] === 'orphan') cluster.store.delete(jobs, 'loadtest', j.metadata.name!);
    }

    const second = await startLoadTestLab({ lab, cluster, clock });
    try {
      const s = await second.waitStatus('survivor', finished);
      expect(s.lastRun.id).toBe(survivorRun.id);
      expect(s.lastRun.outcome).toBe('Succeeded');
      expect(s.lastRun.http.requests).toBeGreaterThan(0);
      const o = await second.waitStatus('orphan', finished);
      expect(o.lastRun.outcome).toBe('Error');
      expect(o.lastRun.message).toMatch(/^Its Job is gone from namespace loadtest/);
      expect(o.conditions.find((c: { type: string }) => c.type === 'Succeeded')).toMatchObject({ status: 'False', reason: 'RunError' });
    } finally {
      await second.stop();
    }
  });
});
