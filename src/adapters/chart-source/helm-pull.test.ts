// The real-host chart source against a chart repository served on 127.0.0.1 (index.yaml + .tgz,
// built from a stand-in chart), with the real helm 3.17.3 doing the pulls.
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimChartSource } from '../../sim/charts/sim-chart-source.js';
import { testBinaries } from '../tools/test-binaries.js';
import { HelmPullChartSource } from './helm-pull.js';

let tmp: string;
let server: http.Server;
let base: string;
const hits: string[] = [];
let tgz: Buffer;
const MANIFEST = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n';

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-pull-'));
  const chart = await new SimChartSource({ cacheDir: path.join(tmp, 'sim') }).resolve({ repo: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', version: '3.12.2' });
  tgz = await fs.readFile(chart.path);
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/charts/index.yaml') {
      res.setHeader('content-type', 'application/yaml');
      res.end(
        `apiVersion: v1\nentries:\n  metrics-server:\n    - name: metrics-server\n      version: 3.12.2\n      appVersion: 0.7.2\n      apiVersion: v2\n      urls: [${base}/charts/metrics-server-3.12.2.tgz]\n      digest: x\n      created: "2026-01-01T00:00:00Z"\ngenerated: "2026-01-01T00:00:00Z"\n`,
      );
    } else if (req.url === '/charts/metrics-server-3.12.2.tgz') {
      res.end(tgz);
    } else if (req.url === '/deploy/ns.yaml') {
      res.end(MANIFEST);
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('HelmPullChartSource', () => {
  it('pulls once into the content-addressed cache, then serves it offline', async () => {
    const { helm3 } = await testBinaries();
    const cacheDir = path.join(tmp, 'cache');
    const src = new HelmPullChartSource({ helm: helm3, cacheDir });
    hits.length = 0;
    const first = await src.resolve({ repo: `${base}/charts/`, chart: 'metrics-server', version: '3.12.2' });
    expect(first).toMatchObject({ name: 'metrics-server', version: '3.12.2', appVersion: '0.7.2', cached: false });
    expect(first.path).toBe(path.join(cacheDir, 'sha256', `${first.digest.slice(7)}.tgz`));
    expect(Buffer.compare(await fs.readFile(first.path), tgz)).toBe(0);
    expect(hits).toEqual(['/charts/index.yaml', '/charts/metrics-server-3.12.2.tgz']);
    // A new instance (a restart) with the repository gone: served from the cache, no request.
    hits.length = 0;
    const again = await new HelmPullChartSource({ helm: helm3, cacheDir }).resolve({ repo: `${base}/charts`, chart: 'metrics-server', version: '3.12.2' });
    expect(again).toMatchObject({ digest: first.digest, path: first.path, cached: true });
    expect(hits).toEqual([]);
  });

  it('pulls again when the cached archive was damaged', async () => {
    const { helm3 } = await testBinaries();
    const cacheDir = path.join(tmp, 'cache-damaged');
    const src = new HelmPullChartSource({ helm: helm3, cacheDir });
    const first = await src.resolve({ repo: `${base}/charts`, chart: 'metrics-server', version: '3.12.2' });
    await fs.writeFile(first.path, 'garbage');
    hits.length = 0;
    const again = await src.resolve({ repo: `${base}/charts`, chart: 'metrics-server', version: '3.12.2' });
    expect(again).toMatchObject({ digest: first.digest, cached: false });
    expect(hits).toContain('/charts/metrics-server-3.12.2.tgz');
  });

  it.each([
    [{ chart: 'metrics-server', version: '9.9.9' }, 'ChartNotFound', /version "9\.9\.9" not found/],
    [{ chart: 'nope', version: '1.0.0' }, 'ChartNotFound', /chart "nope"/],
  ])('reports %o as %s naming it', async (ask, kind, msg) => {
    const { helm3 } = await testBinaries();
    const err = await new HelmPullChartSource({ helm: helm3, cacheDir: path.join(tmp, 'cache-err') }).resolve({ repo: `${base}/charts`, ...ask }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind });
    expect((err as Error).message).toMatch(msg);
  });

  it('reports an unreachable repository and a bad reference', async () => {
    const { helm3 } = await testBinaries();
    const src = new HelmPullChartSource({ helm: helm3, cacheDir: path.join(tmp, 'cache-err') });
    await expect(src.resolve({ repo: 'https://127.0.0.1:1/charts', chart: 'x', version: '1.0.0' })).rejects.toMatchObject({ kind: 'RepoUnreachable' });
    await expect(src.resolve({ repo: 'oci://127.0.0.1:1/charts', chart: 'x', version: '1.0.0' })).rejects.toMatchObject({ kind: 'RepoUnreachable' });
    await expect(src.resolve({ repo: 'ftp://x', chart: 'x', version: '1.0.0' })).rejects.toMatchObject({ kind: 'InvalidRef' });
  });

  it('fetches a manifest URL once and serves it offline afterwards; a 404 is ChartNotFound', async () => {
    const { helm3 } = await testBinaries();
    const cacheDir = path.join(tmp, 'cache-m');
    hits.length = 0;
    const m = await new HelmPullChartSource({ helm: helm3, cacheDir }).fetchManifest(`${base}/deploy/ns.yaml`);
    expect(await fs.readFile(m.path, 'utf8')).toBe(MANIFEST);
    expect(m.cached).toBe(false);
    const again = await new HelmPullChartSource({ helm: helm3, cacheDir }).fetchManifest(`${base}/deploy/ns.yaml`);
    expect(again).toMatchObject({ cached: true, digest: m.digest });
    expect(hits).toEqual(['/deploy/ns.yaml']);
    await expect(new HelmPullChartSource({ helm: helm3, cacheDir }).fetchManifest(`${base}/deploy/missing.yaml`)).rejects.toMatchObject({ kind: 'ChartNotFound' });
    await expect(new HelmPullChartSource({ helm: helm3, cacheDir }).fetchManifest('http://127.0.0.1:1/x.yaml')).rejects.toMatchObject({ kind: 'RepoUnreachable' });
  });
});
