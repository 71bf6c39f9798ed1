// The chart source of the sim host: chart references resolve to the stand-in charts of this
// library, packed into deterministic archives in a cache directory; manifest URLs resolve to the
// library's stand-in files. Nothing is downloaded. The real helm binary installs what this returns.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { type ChartRequest, ChartSourceError, type ChartSourcePort, type ResolvedChart, type ResolvedManifest } from '../../ports/chart-source.js';
import { STAND_IN_CHARTS, STAND_IN_MANIFESTS, libraryRoot, normalizeRepo } from './library.js';
import { packChart } from './tgz.js';

export interface SimChartSourceOptions {
  /** Where packed archives are written. Default <tmp>/hostplane-sim-charts. */
  cacheDir?: string;
  /** Library root override (tests). */
  root?: string;
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode: 0o644 });
  await fs.rename(tmp, file);
}

export class SimChartSource implements ChartSourcePort {
  private readonly cacheDir: string;
  private readonly root: string;

  constructor(opts: SimChartSourceOptions = {}) {
    this.cacheDir = opts.cacheDir ?? path.join(os.tmpdir(), 'hostplane-sim-charts');
    this.root = opts.root ?? libraryRoot();
  }

  async resolve(req: ChartRequest): Promise<ResolvedChart> {
    const ref = `${req.repo} ${req.chart}@${req.version}`;
    const byName = STAND_IN_CHARTS.filter((c) => c.chart === req.chart);
    if (byName.length === 0) {
      throw new ChartSourceError(
        'ChartNotFound',
        `the sim host has no stand-in chart "${req.chart}" (asked: ${ref}); it has ${STAND_IN_CHARTS.map((c) => `${c.chart}@${c.version}`).join(', ')} in src/sim/charts/`,
        ref,
      );
    }
    const want = req.version.replace(/^v/, '');
    const sameRepo = byName.filter((c) => req.repo.startsWith('oci://') || normalizeRepo(c.repo) === normalizeRepo(req.repo));
    const hit = (sameRepo.length ? sameRepo : byName).find((c) => c.version === want);
    if (!hit) {
      throw new ChartSourceError(
        'VersionNotFound',
        `chart "${req.chart}" version "${req.version}" not found in the sim host's stand-ins (it has ${byName.map((c) => c.version).join(', ')})`,
        ref,
      );
    }
    const dir = path.join(this.root, hit.dir);
    const meta = YAML.parse(await fs.readFile(path.join(dir, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion?: string };
    const data = await packChart(dir, meta.name);
    const digest = sha256(data);
    await fs.mkdir(this.cacheDir, { recursive: true });
    const file = path.join(this.cacheDir, `${meta.name}-${meta.version}-${digest.slice(7, 19)}.tgz`);
    const cached = await fs.stat(file).then(
      () => true,
      () => false,
    );
    if (!cached) await writeAtomic(file, data);
    return { path: file, digest, version: String(meta.version), name: meta.name, appVersion: meta.appVersion === undefined ? undefined : String(meta.appVersion), cached };
  }

  async fetchManifest(url: string): Promise<ResolvedManifest> {
    const rel = STAND_IN_MANIFESTS[url];
    if (!rel) {
      throw new ChartSourceError(
        'ChartNotFound',
        `the sim host has no stand-in for manifest URL ${url}; known: ${Object.keys(STAND_IN_MANIFESTS).join(', ')}`,
        url,
      );
    }
    const file = path.join(this.root, rel);
    const text = await fs.readFile(file);
    return { url, path: file, digest: sha256(text), cached: true };
  }
}
