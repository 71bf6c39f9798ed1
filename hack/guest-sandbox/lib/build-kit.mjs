#!/usr/bin/env node
// Builds the guest kit: src/sim/guest/kube-kit-main.ts bundled with esbuild into one self-contained
// file (node-forge, yaml and the simulated API server inside; @kubernetes/client-node stays outside,
// it reads its own files), which guest-sandbox mounts read-only at /opt/hostplane-sim in every guest,
// with the project's node_modules at /opt/hostplane-sim/node_modules. Rebuilt only when an input is newer than the bundle.
//   node build-kit.mjs OUT_DIR     prints nothing on success; one line on stderr and exit 1 otherwise
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const outDir = resolve(process.argv[2] ?? join(here, '..', '.build', 'kit'));
const out = join(outDir, 'kube-kit.mjs');
const inputsFile = join(outDir, 'inputs.json');

function fresh() {
  try {
    const built = statSync(out).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    return inputs.length > 0 && inputs.every((f) => existsSync(join(repo, f)) && statSync(join(repo, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

if (fresh()) {
  // up to date: bump the bundle so the launcher's quick `find -newer` check stays quiet
  const now = new Date();
  utimesSync(out, now, now);
} else {
  try {
    const esbuild = await import(join(repo, 'node_modules', 'esbuild', 'lib', 'main.js'));
    mkdirSync(outDir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp.mjs`;
    const r = await esbuild.build({
      entryPoints: [join(repo, 'src', 'sim', 'guest', 'kube-kit-main.ts')],
      absWorkingDir: repo,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: tmp,
      metafile: true,
      logLevel: 'silent',
      // read at run time from its own files (the API server's OpenAPI models): the guest sees the
      // project's node_modules, mounted read-only at /opt/hostplane-sim/node_modules
      external: ['@kubernetes/client-node'],
      // CommonJS dependencies (node-forge) require node builtins
      banner: { js: "import { createRequire as __kitRequire } from 'node:module'; const require = __kitRequire(import.meta.url);" },
    });
    writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(Object.keys(r.metafile.inputs)));
    mkdirSync(join(outDir, 'node_modules'), { recursive: true }); // mount point for the project's node_modules
    renameSync(tmp, out);
    renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
  } catch (e) {
    process.stderr.write(`guest-sandbox: cannot build the guest kit: ${String(e?.message ?? e).split('\n')[0]}\n`);
    process.exit(1);
  }
}
