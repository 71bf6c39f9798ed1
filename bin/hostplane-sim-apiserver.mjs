#!/usr/bin/env node
// A simulated Kubernetes API server as its own process (see src/sim/kube/main.ts). Runs the
// compiled code after `npm run build`, else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const compiled = join(root, 'dist', 'sim', 'kube', 'main.js');
let mod;
if (existsSync(compiled) && !process.env.HOSTPLANE_FROM_SOURCE) mod = await import(pathToFileURL(compiled).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(join(root, 'src', 'sim', 'kube', 'main.ts')).href);
}
process.exitCode = await mod.main(process.argv.slice(2));
