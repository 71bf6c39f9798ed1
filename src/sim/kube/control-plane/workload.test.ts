import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../object-store.js';
import { makeSim, nodeReady, type Sim } from './testing/harness.js';
import { DefaultWorkload, WorkloadRouter, type ContainerContext, type ContainerHandle } from './workload.js';

let sim: Sim | undefined;
afterEach(() => sim?.cp.stop());

const pod = (name: string, image: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] },
});

describe('workload models', () => {
  it('default: a plain container runs until deleted and prints nothing; run-seconds/exit-code annotations end it', () => {
    sim = makeSim();
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.apply('pods', pod('idle', 'nginx'));
    sim.apply('pods', pod('short', 'busybox', { 'sim.hostplane.dev/run-seconds': '3', 'sim.hostplane.dev/exit-code': '0' }));
    sim.clock.advance(60_000);
    expect(sim.get('pods', 'default', 'idle')!.status.phase).toBe('Running');
    expect(sim.cp.logs.read('default', 'idle', {}).text).toBe('');
    expect(sim.get('pods', 'default', 'short')!.status.phase).toBe('Succeeded');
    const m = sim.cp.metrics.pods('default').find((p) => p.name === 'idle')!;
    expect(m.containers[0].usage).toEqual({ cpu: '1m', memory: '8192Ki' });
  });

  it('a router sends matching containers to their own model (k6-like output and exit code) and the rest to the default', () => {
    const k6 = {
      startDelayMs: () => 200,
      usage: () => ({ cpuMilli: 900, memoryBytes: 64 << 20 }),
      start(ctx: ContainerContext, h: ContainerHandle) {
        h.log('running (0m10.0s), 00/10 VUs, 1200 complete and 0 interrupted iterations');
        ctx.clock.setTimeout(() => h.exit(99), 10_000); // thresholds crossed
      },
    };
    sim = makeSim({ workload: new WorkloadRouter([{ match: (ctx) => /grafana\/k6/.test(ctx.container.image), model: k6 }], new DefaultWorkload()) });
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.apply('pods', pod('load', 'grafana/k6:0.54.0'));
    sim.apply('pods', pod('web', 'nginx'));
    sim.until(() => sim!.get('pods', 'default', 'load')?.status?.phase === 'Running');
    expect(sim.cp.metrics.pods('default').find((p) => p.name === 'load')!.containers[0].usage.cpu).toBe('900m');
    sim.until(() => sim!.get('pods', 'default', 'load')?.status?.phase === 'Failed', 30_000);
    expect(sim.get('pods', 'default', 'load')!.status.containerStatuses[0].state.terminated.exitCode).toBe(99);
    expect(sim.cp.logs.read('default', 'load', {}).text).toContain('1200 complete');
    expect(sim.get('pods', 'default', 'web')!.status.phase).toBe('Running');
  });
});
