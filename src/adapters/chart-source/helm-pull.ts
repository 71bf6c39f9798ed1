// The chart source of real hosts: `helm pull` from https:// repositories and oci:// registries
// into a content-addressed cache (<cacheDir>/sha256/<hex>.tgz), with an index of what was asked
// (repo, chart, version → digest). A reference already in the index is served from disk without
// contacting the repository, so restarts and re-installs work offline; it is pulled again only when
// repo, chart or version change. Manifest URLs are fetched once into the same cache.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { type ChartRequest, ChartSourceError, type ChartSourceErrorKind, type ChartSourcePort, type ResolvedChart, type ResolvedManifest } from '../../ports/chart-source.js';
import { classify } from '../helm/errors.js';

export interface HelmPullOptions {
  /** helm binary (adapters/tools resolveTool). */
  helm: string;
  /** Cache root, e.g. <stateDir>/charts. */
  cacheDir: string;
  /** Pull timeout, ms. Default 2 min. */
  timeoutMs?: number;
  /** Injected for tests; default global fetch. */
  fetch?: typeof fetch;
}

interface ChartEntry {
  repo: string;
  chart: string;
  version: string;
  digest: string;
  name: string;
  appVersion?: string;
  ociDigest?: string;
  pulledAt: string;
}

interface ManifestEntry {
  url: string;
  digest: string;
  fetchedAt: string;
}

interface Index {
  charts: Record<string, ChartEntry>;
  manifests: Record<string, ManifestEntry>;
}

function hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function chartKey(req: ChartRequest): string {
  return JSON.stringify([req.repo.replace(/\/+$/, ''), req.chart, req.version.replace(/^v/, '')]);
}

// helm says `chart "x" version "y" not found` both for a missing chart and a missing version.
function kindOf(helmKind: string): ChartSourceErrorKind {
  if (helmKind === 'RepoUnreachable' || helmKind === 'KubeUnreachable') return 'RepoUnreachable';
  if (helmKind === 'ChartNotFound') return 'ChartNotFound';
  return 'Unknown';
}

export class HelmPullChartSource implements ChartSourcePort {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: HelmPullOptions) {}

  private get indexFile(): string {
    return path.join(this.opts.cacheDir, 'index.json');
  }
  private blob(digestHex: string, ext: string): string {
    return path.join(this.opts.cacheDir, 'sha256', `${digestHex}${ext}`);
  }

  private async readIndex(): Promise<Index> {
    try {
      const raw = JSON.parse(await fs.readFile(this.indexFile, 'utf8')) as Partial<Index>;
      return { charts: raw.charts ?? {}, manifests: raw.manifests ?? {} };
    } catch {
      return { charts: {}, manifests: {} };
    }
  }

  /** Index updates are serialised within the process and written atomically. */
  private update(fn: (idx: Index) => void): Promise<void> {
    const next = this.chain.then(async () => {
      const idx = await this.readIndex();
      fn(idx);
      const tmp = `${this.indexFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await fs.writeFile(tmp, JSON.stringify(idx, null, 2));
      await fs.rename(tmp, this.indexFile);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The cached blob when its bytes still match the recorded digest. */
  private async verified(file: string, digestHex: string): Promise<boolean> {
    try {
      return hex(await fs.readFile(file)) === digestHex;
    } catch {
      return false;
    }
  }

  async resolve(req: ChartRequest, o: { signal?: AbortSignal } = {}): Promise<ResolvedChart> {
    const ref = `${req.repo} ${req.chart}@${req.version}`;
    if (!/^(https?|oci):\/\//.test(req.repo)) throw new ChartSourceError('InvalidRef', `chart repository must be https://… or oci://…, got ${JSON.stringify(req.repo)}`, ref);
    if (!req.version) throw new ChartSourceError('InvalidRef', `chart ${req.chart}: an exact version is required`, ref);
    await fs.mkdir(path.join(this.opts.cacheDir, 'sha256'), { recursive: true });
    const key = chartKey(req);
    const known = (await this.readIndex()).charts[key];
    if (known) {
      const hx = known.digest.replace(/^sha256:/, '');
      const file = this.blob(hx, '.tgz');
      if (await this.verified(file, hx)) {
        return { path: file, digest: known.digest, version: known.version, name: known.name, appVersion: known.appVersion, ociDigest: known.ociDigest, cached: true };
      }
    }
    const tmp = await fs.mkdtemp(path.join(this.opts.cacheDir, '.pull-'));
    try {
      const oci = req.repo.startsWith('oci://');
      const args = oci
        ? ['pull', `${req.repo.replace(/\/+$/, '')}/${req.chart}`, '--version', req.version, '-d', tmp]
        : ['pull', req.chart, '--repo', req.repo, '--version', req.version, '-d', tmp];
      const res = await execa(this.opts.helm, args, {
        reject: false,
        timeout: this.opts.timeoutMs ?? 120_000,
        cancelSignal: o.signal,
        stdin: 'ignore',
        // A private helm home: no shared repositories.yaml, no races with the user's helm.
        env: { HELM_CONFIG_HOME: path.join(tmp, 'h', 'config'), HELM_CACHE_HOME: path.join(tmp, 'h', 'cache'), HELM_DATA_HOME: path.join(tmp, 'h', 'data') },
      });
      if (res.exitCode !== 0) {
        if (res.timedOut) throw new ChartSourceError('RepoUnreachable', `helm pull of ${ref} did not finish in ${this.opts.timeoutMs ?? 120_000} ms`, ref);
        const err = classify(String(res.stderr), { command: 'pull' });
        throw new ChartSourceError(kindOf(err.kind), `cannot pull ${ref}: ${err.stderr.split('\n')[0]}`, ref);
      }
      const tgz = (await fs.readdir(tmp)).find((n) => n.endsWith('.tgz'));
      if (!tgz) throw new ChartSourceError('Unknown', `helm pull of ${ref} wrote no .tgz`, ref);
      const data = await fs.readFile(path.join(tmp, tgz));
      const hx = hex(data);
      const file = this.blob(hx, '.tgz');
      await fs.rename(path.join(tmp, tgz), file);
      const show = await execa(this.opts.helm, ['show', 'chart', file], { reject: false, stdin: 'ignore' });
      const meta = (show.exitCode === 0 ? YAML.parse(String(show.stdout)) : {}) as { name?: string; version?: string; appVersion?: string };
      const ociDigest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${res.stdout}\n${res.stderr}`)?.[1];
      const entry: ChartEntry = {
        repo: req.repo,
        chart: req.chart,
        version: String(meta.version ?? req.version),
        digest: `sha256:${hx}`,
        name: String(meta.name ?? req.chart),
        appVersion: meta.appVersion === undefined ? undefined : String(meta.appVersion),
        ociDigest,
        pulledAt: new Date().toISOString(),
      };
      await this.update((idx) => {
        idx.charts[key] = entry;
      });
      return { path: file, digest: entry.digest, version: entry.version, name: entry.name, appVersion: entry.appVersion, ociDigest, cached: false };
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  async fetchManifest(url: string, o: { signal?: AbortSignal } = {}): Promise<ResolvedManifest> {
    if (!/^https?:\/\//.test(url)) throw new ChartSourceError('InvalidRef', `manifest URL must be http(s)://…, got ${JSON.stringify(url)}`, url);
    await fs.mkdir(path.join(this.opts.cacheDir, 'sha256'), { recursive: true });
    const known = (await this.readIndex()).manifests[url];
    if (known) {
      const hx = known.digest.replace(/^sha256:/, '');
      const file = this.blob(hx, '.yaml');
      if (await this.verified(file, hx)) return { url, path: file, digest: known.digest, cached: true };
    }
    const doFetch = this.opts.fetch ?? fetch;
    let body: Buffer;
    try {
      const signal = o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 120_000)]) : AbortSignal.timeout(this.opts.timeoutMs ?? 120_000);
      const res = await doFetch(url, { signal, redirect: 'follow' });
      if (res.status === 404) throw new ChartSourceError('ChartNotFound', `manifest ${url} not found (HTTP 404)`, url);
      if (!res.ok) throw new ChartSourceError('RepoUnreachable', `manifest ${url}: HTTP ${res.status}`, url);
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (err instanceof ChartSourceError) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ChartSourceError('RepoUnreachable', `cannot fetch manifest ${url}: ${cause}`, url);
    }
    const hx = hex(body);
    const file = this.blob(hx, '.yaml');
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, file);
    await this.update((idx) => {
      idx.manifests[url] = { url, digest: `sha256:${hx}`, fetchedAt: new Date().toISOString() };
    });
    return { url, path: file, digest: `sha256:${hx}`, cached: false };
  }
}
