// Simulated Kubernetes API server bench scenarios (own process each, like api.ts): object creates
// per second over HTTPS, watch delivery latency to many watchers, memory with many pods.
import { Agent, request } from 'node:https';
import { runScenarioFromArgv } from './scenario-main.js';
import { realClock } from '../../src/controllers/clock.js';
import { MemoryStore } from '../../src/sim/kube/store/index.js';
import { KubeApiServer } from '../../src/sim/kube/server/http-server.js';
import { createClusterPki } from '../../src/sim/kube/server/pki.js';
import type { KubeObject } from '../../src/sim/kube/object-store.js';

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const HOST = '127.0.0.20';
const TOKEN = 'bench';
const pods = { group: '', version: 'v1', resource: 'pods' };

function pod(i: number, withStatus = false): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${i}`, namespace: 'default', labels: { app: 'web', 'pod-template-hash': '5d958467fd' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d958467fd', uid: '00000000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true }] },
    spec: { nodeName: `node-${i % 20}`, containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } } }] },
    ...(withStatus
      ? {
          status: {
            phase: 'Running',
            podIP: `10.244.${i % 250}.${(i >> 8) % 250}`,
            hostIP: '10.0.0.1',
            startTime: '2026-01-01T00:00:00Z',
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: '2026-01-01T00:00:01Z' })),
            containerStatuses: [{ name: 'nginx', ready: true, started: true, restartCount: 0, image: 'nginx:1.27', imageID: 'docker.io/library/nginx@sha256:0', containerID: 'containerd://0', state: { running: { startedAt: '2026-01-01T00:00:01Z' } } }],
          },
        }
      : {}),
  };
}

async function start(store: MemoryStore) {
  const pki = createClusterPki(HOST);
  const server = new KubeApiServer({ store, pki, token: TOKEN });
  const { port } = await server.listen(HOST, 0);
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: pki.ca.certPem });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ host: HOST, port, method, path, agent, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...(text ? { 'Content-Length': Buffer.byteLength(text) } : {}) } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject);
      req.end(text);
    });
  return { server, port, pki, agent, call };
}

/** Pod creates per second: in process (store.create) and over HTTPS (8 concurrent keep-alive connections). */
export async function kubeCreates(n: number): Promise<object> {
  const mem = new MemoryStore({ clock: realClock });
  let t = performance.now();
  for (let i = 0; i < n; i++) mem.create(pods, pod(i));
  const inProcess = n / ((performance.now() - t) / 1000);

  const store = new MemoryStore({ clock: realClock });
  const s = await start(store);
  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const i = next++;
        const r = await s.call('POST', '/api/v1/namespaces/default/pods', pod(i));
        if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.body}`);
      }
    }),
  );
  const overHttps = n / ((performance.now() - t) / 1000);
  s.agent.destroy();
  await s.server.close();
  return { pods: n, createsPerSecondInProcess: round(inProcess, 0), createsPerSecondHttps: round(overHttps, 0), httpsConcurrency: 8 };
}

/** Delivery latency (create → event parsed by the watcher) to W HTTPS watchers, for E creates paced 5 ms apart. */
export async function kubeWatch(watchers: number, events: number): Promise<object> {
  const store = new MemoryStore({ clock: realClock });
  const s = await start(store);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  let received = 0;
  const reqs: ReturnType<typeof request>[] = [];
  let ready = 0;
  await new Promise<void>((resolve) => {
    for (let w = 0; w < watchers; w++) {
      const req = request({ host: HOST, port: s.port, method: 'GET', path: `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${store.currentResourceVersion()}`, headers: { Authorization: `Bearer ${TOKEN}` }, ca: s.pki.ca.certPem, agent: false }, (res) => {
        let buf = '';
        res.on('data', (c) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, i));
            buf = buf.slice(i + 1);
            const at = sentAt.get(ev.object.metadata.name);
            if (at !== undefined) lat.push(performance.now() - at);
            received++;
          }
        });
        if (++ready === watchers) resolve();
      });
      req.end();
      reqs.push(req);
    }
  });
  for (let tries = 0; store.watcherCount() < watchers && tries < 1000; tries++) await new Promise((r) => setTimeout(r, 5));
  for (let e = 0; e < events; e++) {
    const name = `web-${e}`;
    sentAt.set(name, performance.now());
    store.create(pods, pod(e));
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 30_000;
  while (received < watchers * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const r of reqs) r.destroy();
  await s.server.close();
  lat.sort((a, b) => a - b);
  return { watchers, events, delivered: received, expected: watchers * events, p50ms: round(pct(lat, 50), 2), p99ms: round(pct(lat, 99), 2), maxMs: round(lat[lat.length - 1] ?? 0, 2) };
}

/** RSS with N running pods (full status) in the store behind a listening server, and a full LIST over HTTPS. */
export async function kubeRss(n: number): Promise<object> {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const store = new MemoryStore({ clock: realClock });
  for (let i = 0; i < n; i++) store.create(pods, pod(i, true));
  const s = await start(store);
  global.gc?.();
  const rss = process.memoryUsage().rss;
  const t = performance.now();
  const r = await s.call('GET', '/api/v1/pods?limit=500');
  const firstPageMs = performance.now() - t;
  const t2 = performance.now();
  const all = await s.call('GET', '/api/v1/pods');
  const fullListMs = performance.now() - t2;
  const items = JSON.parse(all.body).items.length;
  s.agent.destroy();
  await s.server.close();
  if (r.status !== 200) throw new Error(`list: ${r.status}`);
  return { pods: n, rssMiB: round(rss / 2 ** 20), rssDeltaMiB: round((rss - rss0) / 2 ** 20), listFirst500ms: round(firstPageMs), listAllMs: round(fullListMs), listedItems: items };
}

runScenarioFromArgv({ kubeCreates, kubeWatch, kubeRss });
