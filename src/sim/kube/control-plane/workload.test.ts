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

  it('pulls an image once per node (Pulling/Pulled), then finds it present; a missing tag gives ErrImagePull then ImagePullBackOff', () => {
    sim = makeSim({ workload: new DefaultWorkload({ unpullableImages: /:doesnotexist$/ }) });
    sim.until(() => nodeReady(sim!.get('nodes', undefined, 'worker1')) === 'True');
    sim.apply('pods', pod('a', 'nginx:1.27'));
    sim.until(() => sim!.get('pods', 'default', 'a')?.status?.phase === 'Running');
    sim.apply('pods', pod('b', 'nginx:1.27'));
    sim.until(() => sim!.get('pods', 'default', 'b')?.status?.phase === 'Running');
    const pulled = sim.events('Pulled').filter((e) => e.involvedObject.namespace === 'default');
    expect(pulled.find((e) => e.involvedObject.name === 'a')!.message).toMatch(/^Successfully pulled image "nginx:1\.27" in \d+\.\d{3}s \(\d+\.\d{3}s including waiting\)\. Image size: \d+ bytes\.$/);
    expect(pulled.find((e) => e.involvedObject.name === 'b')!.message).toBe('Container image "nginx:1.27" already present on machine');

    sim.apply('pods', pod('bad', 'nginx:doesnotexist'));
    sim.clock.advance(1500); // bound at once, pull attempted after the 1 s start delay
    const st = () => sim!.get('pods', 'default', 'bad')!.status.containerStatuses[0].state.waiting;
    expect(st().reason).toBe('ErrImagePull');
    expect(st().message).toBe('rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:doesnotexist": failed to resolve reference "docker.io/library/nginx:doesnotexist": docker.io/library/nginx:doesnotexist: not found');
    sim.clock.advance(1000);
    expect(st()).toMatchObject({ reason: 'ImagePullBackOff', message: expect.stringMatching(/^Back-off pulling image "nginx:doesnotexist": ErrImagePull: rpc error/) });
    expect(sim.events('Failed').map((e) => e.message)).toEqual(expect.arrayContaining(['Error: ErrImagePull', 'Error: ImagePullBackOff']));
    sim.clock.advance(60_000);
    expect(sim.get('pods', 'default', 'bad')!.status.phase).toBe('Pending');
    expect(sim.events('Failed').find((e) => e.message === 'Error: ErrImagePull')!.count).toBeGreaterThanOrEqual(3);
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
