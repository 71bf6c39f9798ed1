// `npm run bench`: runs each scenario in its own process and prints one JSON summary.
// Figures are measured here, on this machine, in this run; nothing is asserted.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./scenarios.ts', import.meta.url));
const qemuScript = fileURLToPath(new URL('./qemu.ts', import.meta.url));
const apiScript = fileURLToPath(new URL('./api.ts', import.meta.url));
const kubeScript = fileURLToPath(new URL('./kube.ts', import.meta.url));
const tartScript = fileURLToPath(new URL('./tart.ts', import.meta.url));
const loadtestScript = fileURLToPath(new URL('./loadtest.ts', import.meta.url));
const clusterScript = fileURLToPath(new URL('./cluster.ts', import.meta.url));
const quick = process.argv.includes('--quick');

function run(name: string, ...args: number[]): unknown {
  return runScript(script, name, ...args);
}

function runScript(file: string, name: string, ...args: number[]): unknown {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, name, ...args.map(String)], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20, timeout: 15 * 60_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const started = Date.now();
const result = {
  hostplaneBench: 1,
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  startup: run('loadFiles', quick ? 1_000 : 10_000),
  editToReconcile: run('editLatency', quick ? 40 : 200),
  steadyState: run('steadyState', quick ? 200 : 1_000, 5_000, quick ? 1 : 3),
  // QEMU boot-to-SSH through hostplane vs a bare qemu boot of the same image (hack/bench/qemu.ts).
  qemuBoot: spawnSync('qemu-system-x86_64', ['-version'], { stdio: 'ignore' }).status !== 0
    ? { skipped: 'qemu-system-x86_64 not on PATH (apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils)' }
    : runScript(qemuScript, 'bootToSsh', quick ? 1 : 3),
  // The tart adapter against the tart CLI simulator (one process per tart call, hack/tart-sim).
  tartAtRest: runScript(tartScript, 'atRest', quick ? 5 : 10, 2_000, quick ? 2 : 5),
  tartCreateToSsh: runScript(tartScript, 'createToSsh', 20, 10),
  apiList: runScript(apiScript, 'listObjects', quick ? 1_000 : 10_000, quick ? 10 : 30),
  watchFanout: runScript(apiScript, 'watchFanout', 100, quick ? 20 : 100),
  // The simulated Kubernetes API server (hack/bench/kube.ts).
  kubeCreates: runScript(kubeScript, 'kubeCreates', quick ? 500 : 2_000),
  kubeWatch: runScript(kubeScript, 'kubeWatch', 50, quick ? 50 : 200),
  kubeRss: runScript(kubeScript, 'kubeRss', 2_000),
  // The 13 LoadTest presets one after another on the sim host at ×40 simulated time (hack/bench/loadtest.ts).
  loadtestPresetSweep: runScript(loadtestScript, 'presetSweep', 40),
  // The seed topology (specs/vms + specs/clusters) to every Cluster Ready on the sim host, against its
  // critical path and the seed's sequential phase order (latency model: hack/bench/cluster.ts).
  clusterConverge: runScript(clusterScript, 'clusterConverge', 1),
  benchSeconds: 0,
};
result.benchSeconds = Math.round((Date.now() - started) / 1000);
const json = JSON.stringify(result, null, 2);
writeFileSync('bench-results.json', json + '\n');
process.stdout.write(json + '\n');
