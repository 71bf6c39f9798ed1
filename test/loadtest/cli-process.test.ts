// The LoadTest verbs as a user runs them: `hostplane run|runs|results|abort loadtest/NAME` as a
// separate process against the API of a running manager (in this test process, holding the state
// dir's lock as `up` does), on the sim host time-scaled ×40.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApi, type ServedApi } from '../../src/server/server.js';
import { loadtestModule } from '../../src/reconcilers/loadtest/module.js';
import { METRIC_COLUMNS } from '../../src/reconcilers/loadtest/csv.js';
import { startLoadTestLab, type LoadTestLab } from './fixtures.js';

const ROOT = join(import.meta.dirname, '../..');

function hostplane(args: string[], timeoutMs = 25_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/hostplane.mjs'), ...args], { env: { ...process.env, HOSTPLANE_FROM_SOURCE: '1', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`hostplane ${args.join(' ')} did not end within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

let l: LoadTestLab;
let api: ServedApi;
let common: string[];
beforeAll(async () => {
  l = await startLoadTestLab({ scale: 40 });
  const m = l.manager;
  api = await serveApi(
    {
      store: m.store, registry: m.registry, events: m.events, metrics: m.metrics, specsDir: l.lab.specsDir, stateDir: l.lab.stateDir,
      reconcileNow: (k) => m.reconcileNow(k), reconcileInfo: (k) => m.reconcileInfo(k),
      hostCapacity: () => ({ cpu: 64, memoryMiB: 65536, requestedCpu: 0, requestedMemoryMiB: 0 }), secretValues: () => [], kinds: [loadtestModule],
    },
    { listen: '127.0.0.1:0' },
  );
  common = ['--specs', l.lab.specsDir, '--state', l.lab.stateDir.root];
}, 30_000);
afterAll(async () => {
  await api?.close();
  await l?.stop();
});

describe('hostplane LoadTest verbs as a process', () => {
  // dev-strict-sla's p95 lands on either side of its 500 ms threshold (465–764 ms measured, it depends on how
  // the modelled load meets the pods), so the test checks that the verdict, the exit code and the CSV follow the
  // measured p95 and name each threshold — the preset "passes or fails by its thresholds and says which".
  it('run --wait: progress on stderr, the result on stdout, exit 1 when the thresholds are crossed (0 when passed)', async () => {
    const r = await hostplane([...common, 'run', 'loadtest/dev-strict-sla', '--wait', '--api', api.url]);
    expect(r.stderr).toMatch(/run \d{8}-\d{6}-\w+: \d+% \(/);
    expect(r.stdout).toMatch(/http: p95 [\d.]+ ms, p99 [\d.]+ ms, [\d.]+ req\/s, error rate 0\.00%/);
    const p95 = Number(/http: p95 ([\d.]+) ms/.exec(r.stdout)![1]);
    if (p95 >= 500) {
      expect(r.stdout).toMatch(/^run \d{8}-\d{6}-\w+: Failed \(Thresholds crossed: p95 [\d.]+ms >= 500ms; passed: errorRate 0% < 1%\)/);
      expect(r.code).toBe(1);
    } else {
      expect(r.stdout).toMatch(/^run \d{8}-\d{6}-\w+: Succeeded \(k6 exit 0: the run passed; All thresholds passed: p95 [\d.]+ms < 500ms, errorRate 0% < 1%\)/);
      expect(r.code).toBe(0);
    }
  }, 45_000);

  it('results -o csv prints the run\'s metrics row; runs lists it', async () => {
    const [csv, runs] = await Promise.all([
      hostplane([...common, 'results', 'loadtest/dev-strict-sla', '-o', 'csv', '--api', api.url]),
      hostplane([...common, 'runs', 'lt/dev-strict-sla', '--api', api.url]),
    ]);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toBe(METRIC_COLUMNS.join(','));
    expect(rows).toHaveLength(2);
    const row = rows[1]!.split(',');
    expect(row[1]).toBe('dev-strict-sla');
    const crossed = Number(row[METRIC_COLUMNS.indexOf('p95_ms')]) >= 500;
    expect([row[4], row[5]]).toEqual(crossed ? ['Failed', '99'] : ['Succeeded', '0']);
    expect(runs.code).toBe(0);
    const lines = runs.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(crossed ? /^\d{8}-\d{6}-\w+\s+Failed\s/ : /^\d{8}-\d{6}-\w+\s+Succeeded\s/);
  }, 45_000);

  it('without a running up it says so and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostplane-noup-'));
    try {
      const r = await hostplane(['--specs', dir, '--state', join(dir, '.hostplane'), 'run', 'loadtest/x']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/hostplane up is not running on .*\.hostplane/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 45_000);
});
