// kill -9 of `hostplane up` while kubeadm init is under way, then a new `up`: kubeadm init never
// runs twice on the control plane (the sim host counts init runs in its registry). Whichever
// moment the kill lands in, the cluster then either comes up (init had finished) or stalls with
// ReinitRequired (init was cut short) — never a second init.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { startUp, runCli, type UpProcess } from '../fixtures/cli.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let up: UpProcess | undefined;
afterEach(async () => {
  await up?.kill9().catch(() => {});
  up = undefined;
  lab?.cleanup();
  lab = undefined;
});

const cluster = `apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  kubernetesVersion: "1.31"\n  controlPlane:\n    vm: cp\n  workers: [{vm: w1}]\n  network:\n    podCIDR: 10.30.0.0/16\n    serviceCIDR: 10.98.0.0/16\n`;

describe('kubeadm init once across kill -9', () => {
  it('never runs kubeadm init twice when up is killed during init and started again', async () => {
    lab = makeLab({ 'vms.yaml': ['cp', 'w1'].map((n) => vmDoc(n)).join('---\n'), 'cluster.yaml': cluster });
    const args = ['--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim', '--listen', '127.0.0.1:0', '--sim-scale', '0.3', '--grace', '500ms', '--poll', '1s'];
    const record = join(lab.stateDir.root, 'clusters', 'lab', 'record.json');
    const registry = join(lab.stateDir.root, 'sim', 'clusters', 'registry.json');
    const initRuns = () => (existsSync(registry) ? ((JSON.parse(readFileSync(registry, 'utf8')) as { initRuns: Record<string, number> }).initRuns.cp ?? 0) : 0);
    up = startUp(args);
    // The host-side sentinel is written just before kubeadm init is sent to the guest.
    await waitFor(() => existsSync(record) && (JSON.parse(readFileSync(record, 'utf8')) as { initStartedAt?: string }).initStartedAt, 60_000, 'init started', 20);
    await up.kill9();
    const runsAtKill = initRuns();
    expect(runsAtKill).toBeLessThanOrEqual(1);
    up = startUp(args);
    const ready = async () => {
      const r = await runCli(['get', 'cluster', 'lab', '--state', lab!.stateDir.root, '-o', 'json']);
      const c = (JSON.parse(r.stdout) as { status?: { conditions?: Array<{ type: string; status: string; reason: string }> } }).status?.conditions ?? [];
      const readyC = c.find((x) => x.type === 'Ready');
      const stalled = c.find((x) => x.type === 'Stalled');
      return readyC?.status === 'True' ? 'Ready' : stalled?.reason === 'ReinitRequired' ? 'ReinitRequired' : undefined;
    };
    const outcome = await waitFor(ready, 60_000, 'Ready or ReinitRequired after the restart', 500);
    console.log(`kill -9 after the init-started sentinel: init runs at kill ${runsAtKill}, outcome after restart ${outcome}, init runs ${initRuns()}`);
    expect(initRuns()).toBeLessThanOrEqual(1);
  }, 85_000);
});
