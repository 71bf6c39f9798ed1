// A representative subset of the example lab's add-ons, taken verbatim from specs/addons/ (only
// spec.cluster pointed at the test's converged sim cluster): the dev cluster's metrics-server, Istio
// base/istiod, demo apps and autoscaling; the platform's local-path-provisioner (with the lab's
// StorageClass override) and Jenkins. All reach Ready=True with the real helm, and the real kubectl,
// given the cluster's kubeconfig, lists the add-ons' pods (`kubectl get pods -A`) and finds the
// metrics-server ClusterRole whose name holds ':'. (The whole lab takes ~90 s; see the Addon README.)
import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { testBinaries } from '../../src/adapters/tools/test-binaries.js';
import { waitFor } from '../fixtures/wait-for.js';
import { startAddonLab, type AddonLab } from './fixtures.js';

const run = promisify(execFile);
const repo = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const SUBSET = ['dev-metrics-server', 'dev-istio-base', 'dev-istiod', 'dev-demo-apps', 'dev-autoscaling', 'platform-local-path-provisioner', 'platform-jenkins'];

function labAddons(): string {
  const docs = ['specs/addons/dev.yaml', 'specs/addons/platform.yaml'].flatMap((f) => parseAllDocuments(readFileSync(repo(f), 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; spec: { cluster: string } }));
  const picked = docs.filter((d) => SUBSET.includes(d.metadata.name));
  expect(picked.map((d) => d.metadata.name).sort()).toEqual([...SUBSET].sort());
  return picked.map((d) => `---\n${JSON.stringify({ ...d, spec: { ...d.spec, cluster: 'sim' } })}\n`).join('');
}

describe('the lab\'s add-ons on a converged cluster, seen by the real kubectl', () => {
  let lab: AddonLab;
  beforeAll(async () => {
    // The lab's Jenkins values pin the controller to platform-worker2.
    lab = await startAddonLab(4, { nodes: ['dev-worker1', 'platform-worker2'] });
  }, 30_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('every add-on of the subset is Ready and kubectl get pods -A shows their workloads', async () => {
    cpSync(repo('manifests'), `${lab.root}/manifests`, { recursive: true });
    lab.write('specs/addons.yaml', labAddons());
    const notReady = () => SUBSET.filter((n) => lab.ready(n).status !== 'True');
    const { kubectl131, kubectl135 } = await testBinaries();
    const env = { ...process.env, KUBECONFIG: lab.kubeconfig };
    await waitFor(() => notReady().length === 0, 150_000, 'every add-on Ready', 100).catch(async (err: Error) => {
      const seen = await run(kubectl135, ['get', 'pods,pvc,sc', '-A'], { env }).then((r) => r.stdout, (e: Error) => e.message);
      throw new Error(`${err.message}: ${notReady().map((n) => `${n} ${JSON.stringify(lab.ready(n))}`).join('; ')}\n${seen}`);
    });

    for (const kubectl of [kubectl131, kubectl135]) {
      const { stdout } = await run(kubectl, ['get', 'pods', '-A', '--no-headers'], { env });
      const running = stdout.split('\n').filter((l) => /\sRunning\s/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join('/'));
      for (const want of [/^kube-system\/dev-metrics-server-/, /^istio-system\/istiod-/, /^demo\/nginx-web-/, /^demo\/httpbin-/, /^local-path-storage\/local-path-provisioner-/, /^jenkins\/platform-jenkins-0$/]) {
        expect(running, `${kubectl}: a Running pod matching ${want}`).toEqual(expect.arrayContaining([expect.stringMatching(want)]));
      }
      const role = await run(kubectl, ['get', 'clusterrole', 'system:dev-metrics-server', '-o', 'name'], { env });
      expect(role.stdout.trim()).toBe('clusterrole.rbac.authorization.k8s.io/system:dev-metrics-server');
    }
    // Jenkins' PVC bound through the lab's default StorageClass (the override of the upstream one).
    const pvc = await run(kubectl135, ['get', 'pvc', '-n', 'jenkins', '-o', 'jsonpath={.items[*].status.phase}'], { env });
    expect(pvc.stdout).toBe('Bound');
    const hpa = await run(kubectl135, ['get', 'hpa', '-n', 'demo', '-o', 'name'], { env });
    expect(hpa.stdout).toMatch(/horizontalpodautoscaler\.autoscaling\/nginx-web/);
  }, 200_000);
});
