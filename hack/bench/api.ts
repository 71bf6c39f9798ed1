// API bench scenarios (own process each, like scenarios.ts): list latency with many objects and
// watch fan-out to many SSE clients, over real HTTP on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarioFromArgv } from './scenario-main.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { serveApi, type ApiContext } from '../../src/server/server.js';
import { EventRecorder } from '../../src/controllers/events.js';
import { Registry } from '../../src/controllers/metrics.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { MemoryPersistence, ObjectStore } from '../../src/controllers/store.js';

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function lab(n: number) {
  const root = mkdtempSync(join(tmpdir(), 'hostplane-apibench-'));
  const store = new ObjectStore(new MemoryPersistence());
  const now = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    store.applySpec({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: `vm-${i}` }, spec: { image: 'ghcr.io/cirruslabs/ubuntu:latest', cpu: 2, memory: '4Gi', diskSize: '30Gi', powerState: 'Running' } });
    store.updateStatus('VirtualMachine', `vm-${i}`, {
      phase: 'Running',
      ip: `192.168.${64 + Math.floor(i / 250)}.${(i % 250) + 2}`,
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'VM is running', lastTransitionTime: now, observedGeneration: 1 }],
    });
  }
  const ctx: ApiContext = {
    store,
    registry: loadSchemaRegistry(),
    events: new EventRecorder(),
    metrics: new Registry(),
    specsDir: root,
    stateDir: new StateDir(join(root, '.hostplane')),
    reconcileNow: () => false,
    reconcileInfo: () => ({ lastReconcile: null, inFlight: false }),
    hostCapacity: () => ({ cpu: 64, memoryMiB: 262_144, requestedCpu: 2 * n, requestedMemoryMiB: 4096 * n }),
    secretValues: () => [],
  };
  return { root, store, ctx };
}

export async function listObjects(n: number, requests: number): Promise<object> {
  const { root, ctx } = lab(n);
  const api = await serveApi(ctx, { listen: '127.0.0.1:0' });
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const res = await fetch(`${api.url}/api/v1/virtualmachines`);
    const body = await res.text();
    samples.push(performance.now() - t0);
    bytes = body.length;
    if (!res.ok) throw new Error(`list answered ${res.status}`);
  }
  await api.close();
  rmSync(root, { recursive: true, force: true });
  samples.sort((a, b) => a - b);
  return { objects: n, requests, p50Ms: round(pct(samples, 50)), p99Ms: round(pct(samples, 99)), responseMiB: round(bytes / 2 ** 20, 2) };
}

/** Change → delivery latency for every (client, change) pair, over HTTP SSE. */
export async function watchFanout(clients: number, changes: number): Promise<object> {
  const { root, store, ctx } = lab(100);
  const api = await serveApi(ctx, { listen: '127.0.0.1:0', heartbeatMs: 60_000 });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const received = new Array<number>(clients).fill(0);
  const ac = new AbortController();
  const since = store.resourceVersion;
  const readers = Array.from({ length: clients }, async (_, c) => {
    const res = await fetch(`${api.url}/api/v1/watch?resourceVersion=${since}`, { signal: ac.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = /^id: (\d+)$/m.exec(frame)?.[1];
          if (id && /^event: MODIFIED$/m.test(frame)) {
            const t = sentAt.get(Number(id));
            if (t !== undefined) {
              latencies.push(performance.now() - t);
              received[c]++;
            }
          }
        }
      }
    } catch {
      /* aborted at the end */
    }
  });
  await new Promise((r) => setTimeout(r, 500)); // every client connected
  for (let i = 0; i < changes; i++) {
    const name = `vm-${i % 100}`;
    const obj = store.get('VirtualMachine', name)!;
    sentAt.set(store.resourceVersion + 1, performance.now());
    store.updateStatus('VirtualMachine', name, { ...obj.status, phase: `Tick${i}` });
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 10_000;
  while (received.some((n) => n < changes) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await Promise.allSettled(readers);
  await api.close();
  rmSync(root, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return { clients, changes, delivered: latencies.length, expected: clients * changes, p50Ms: round(pct(latencies, 50)), p99Ms: round(pct(latencies, 99)), maxMs: round(latencies[latencies.length - 1]) };
}

runScenarioFromArgv({ listObjects, watchFanout });
