// Dangling references and dependsOn cycles are reported on Cluster/Addon/LoadTest objects as soon
// as they are loaded, whatever controller exists for their kind (issue 14 item 10).
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Kind } from '../../src/api/types.js';
import { getCondition } from '../../src/api/conditions.js';
import { makeLab, startSim, vmDoc, type Lab, type SimLab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let sim: SimLab | undefined;
afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

const cluster = (name: string, cp: string, workers: string[] = []) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${name}}\nspec:\n  kubernetesVersion: "1.31"\n  controlPlane: {vm: ${cp}}\n  workers: [${workers.map((w) => `{vm: ${w}}`).join(', ')}]\n`;
const addon = (name: string, clusterName: string, dependsOn: string[] = []) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: Addon\nmetadata: {name: ${name}}\nspec:\n  cluster: ${clusterName}\n  helm: {repo: "https://example.com/charts", chart: ${name}, version: 1.0.0}\n  dependsOn: [${dependsOn.join(', ')}]\n`;
const loadTest = (name: string, clusterName: string, dependsOn: string[] = []) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: LoadTest\nmetadata: {name: ${name}}\nspec:\n  cluster: ${clusterName}\n  type: cpu\n  dependsOn: [${dependsOn.join(', ')}]\n`;

function ready(kind: Kind, name: string) {
  return getCondition(sim!.manager.store.get(kind, name)?.status?.conditions, 'Ready');
}

describe('reference checks on load', () => {
  it('reports a dangling reference on a Cluster, an Addon and a LoadTest, and clears it once the object exists', async () => {
    lab = makeLab({
      'vms.yaml': vmDoc('cp'),
      'cluster.yaml': cluster('dev', 'cp', ['w1']),
      'addons.yaml': addon('metrics', 'nope'),
      'lt.yaml': loadTest('load', 'dev', ['ghost']),
    });
    sim = await startSim(lab);
    await waitFor(() => ready('Cluster', 'dev')?.reason === 'InvalidReference', 5_000, 'Cluster InvalidReference');
    expect(ready('Cluster', 'dev')).toMatchObject({ status: 'False', message: expect.stringMatching(/spec\.workers\[0\]\.vm names VirtualMachine "w1", which does not exist/) });
    expect(getCondition(sim.manager.store.get('Cluster', 'dev')!.status?.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidReference' });
    await waitFor(() => ready('Addon', 'metrics')?.reason === 'InvalidReference', 5_000, 'Addon InvalidReference');
    expect(ready('Addon', 'metrics')!.message).toMatch(/spec\.cluster names Cluster "nope"/);
    await waitFor(() => ready('LoadTest', 'load')?.reason === 'InvalidReference', 5_000, 'LoadTest InvalidReference');
    expect(ready('LoadTest', 'load')!.message).toMatch(/spec\.dependsOn\[0\] names Addon "ghost"/);
    // The missing VM appears: the Cluster is looked at again without any edit of its own.
    lab.write('w1.yaml', vmDoc('w1'));
    await waitFor(() => ready('Cluster', 'dev')?.reason !== 'InvalidReference', 5_000, 'Cluster reference resolved');
    expect(getCondition(sim.manager.store.get('Cluster', 'dev')!.status?.conditions, 'Stalled')).toBeUndefined();
  });

  it('reports a dependsOn cycle on every Addon in it, naming the cycle, and clears it when the cycle is broken', async () => {
    lab = makeLab({
      'vms.yaml': vmDoc('cp'),
      'cluster.yaml': cluster('dev', 'cp'),
      'a.yaml': addon('a', 'dev', ['b']),
      'b.yaml': addon('b', 'dev', ['a']),
      'c.yaml': addon('c', 'dev', ['c']),
    });
    sim = await startSim(lab);
    await waitFor(() => ready('Addon', 'a')?.reason === 'DependencyCycle' && ready('Addon', 'b')?.reason === 'DependencyCycle', 5_000, 'cycle on a and b');
    expect(ready('Addon', 'a')!.message).toMatch(/a → b → a/);
    expect(ready('Addon', 'b')!.message).toMatch(/b → a → b/);
    await waitFor(() => ready('Addon', 'c')?.reason === 'DependencyCycle', 5_000, 'self-cycle on c');
    expect(ready('Addon', 'c')!.message).toMatch(/c → c/);
    lab.write('b.yaml', addon('b', 'dev'));
    await waitFor(() => ready('Addon', 'a')?.reason !== 'DependencyCycle' && ready('Addon', 'b')?.reason !== 'DependencyCycle', 5_000, 'cycle gone from a and b');
  });
});

describe('the CRDs document the reference reasons', () => {
  it.each(['cluster', 'addon', 'loadtest'])('crds/%s.yaml lists InvalidReference and DependencyCycle among its condition reasons', (kind) => {
    const crd = parse(readFileSync(join(import.meta.dirname, '../../crds', `${kind}.yaml`), 'utf8'));
    const doc = crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.description as string;
    expect(doc).toMatch(/\bInvalidReference\b/);
    expect(doc).toMatch(/\bDependencyCycle\b/);
  });
});
