// The Cluster kind end to end on the sim host: kubeadm runs in the simulated guests, each cluster's
// API server listens on its control-plane VM's 127.64.x address, Cilium goes in through the real
// helm, and the real kubectl reads the stored kubeconfig.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTool } from '../../src/adapters/tools/resolve.js';
import { clusterCondition, exampleLabFiles, makeLab, startClusterSim, waitClusterReady, type ClusterLab, type Lab } from '../fixtures/lab.js';
import { runCli } from '../fixtures/cli.js';

const exec = promisify(execFile);
let lab: Lab | undefined;
let sim: ClusterLab | undefined;

afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

describe('Cluster on the sim host', () => {
  it("brings the example lab's four clusters to Ready=True in parallel; kubectl with `hostplane kubeconfig dev` lists 2 Ready nodes", async () => {
    lab = makeLab(exampleLabFiles());
    const t0 = Date.now();
    sim = await startClusterSim(lab);
    await waitClusterReady(sim.manager, ['dev', 'staging', 'prod', 'platform'], 80_000);
    const elapsed = Date.now() - t0;
    console.log(`four clusters Ready in ${elapsed} ms`);
    expect(sim.clusters.initRuns()).toBe(4);
    const dev = sim.manager.store.get('Cluster', 'dev')!.status!;
    expect(dev.phase).toBe('Running');
    expect(dev.readyNodes).toBe('2/2');
    expect(dev.endpoint).toMatch(/^https:\/\/127\.64\.\d+\.\d+:6443$/);
    const path = String(dev.kubeconfigPath);
    expect(path).toBe(join(lab.stateDir.root, 'clusters', 'dev', 'kubeconfig'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const t of ['InfrastructureReady', 'NodesPrepared', 'ControlPlaneInitialized', 'KubeconfigAvailable', 'CNIReady', 'WorkersJoined', 'NodeAddressesStable', 'Available']) expect(clusterCondition(sim.manager, 'dev', t)?.status, t).toBe('True');

    const cli = await runCli(['--state', lab.stateDir.root, 'kubeconfig', 'dev']);
    expect(cli.stdout.trim()).toBe(path);
    const kubectl = await resolveTool('kubectl');
    const { stdout } = await exec(kubectl.path, ['--kubeconfig', cli.stdout.trim(), 'get', 'nodes', '--no-headers'], { timeout: 20_000 });
    const rows = stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1]]).sort()).toEqual([['dev-master', 'Ready'], ['dev-worker1', 'Ready']]);
    const raw = await runCli(['--state', lab.stateDir.root, 'kubeconfig', 'dev', '--raw']);
    expect(raw.stdout.trimEnd()).toBe(readFileSync(path, 'utf8').trimEnd());
  }, 90_000);
});
