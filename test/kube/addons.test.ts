// The sim host's stand-in add-on charts (src/sim/charts) installed by the real helm on a
// simulated cluster: cilium makes the nodes Ready (CNI), metrics-server makes metrics.k8s.io
// Available so `kubectl top` works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBinaries } from '../../src/adapters/tools/test-binaries.js';
import { startSimEnv, type SimEnv } from './harness.js';

describe('stand-in add-on charts on a simulated cluster', () => {
  let sim: SimEnv;
  let bins: Awaited<ReturnType<typeof testBinaries>>;

  beforeAll(async () => {
    bins = await testBinaries();
    sim = await startSimEnv({ host: '127.0.0.15', cni: false });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('cilium (helm 3) makes the nodes Ready; metrics-server (helm 4, --wait) makes kubectl top work', async () => {
    const before = await sim.run(bins.kubectl131, ['get', 'nodes']);
    expect(before.stdout).toMatch(/sim-worker1\s+NotReady/);
    const cilium = await sim.run(bins.helm3, ['install', 'cilium', 'src/sim/charts/cilium', '-n', 'kube-system', '--wait', '--timeout', '20s']);
    expect(cilium.stdout).toContain('STATUS: deployed');
    const ready = await sim.run(bins.kubectl131, ['wait', '--for=condition=Ready', 'node', '--all', '--timeout=20s']);
    expect(ready.stdout).toContain('node/sim-worker1 condition met');

    const ms = await sim.run(bins.helm4, ['install', 'metrics-server', 'src/sim/charts/metrics-server', '-n', 'kube-system', '--wait', '--timeout', '20s']);
    expect(ms.stderr).toBe('');
    expect(ms.stdout).toContain('STATUS: deployed');
    const api = await sim.run(bins.kubectl131, ['wait', '--for=condition=Available', 'apiservice/v1beta1.metrics.k8s.io', '--timeout=20s']);
    expect(api.stdout).toContain('condition met');
    const top = await sim.run(bins.kubectl131, ['top', 'nodes']);
    expect(top.stdout).toMatch(/^sim-worker1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
  });
});
