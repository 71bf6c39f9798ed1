#!/usr/bin/env node
// Part of `npm run build`: copies what the compiled code reads at run time but tsc does not emit —
// the sim host's stand-in Helm charts (src/sim/charts/<chart>/…) — into dist/, so the built
// package runs with no sources beside it (seed 003 BUG-007).
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = process.argv[2] ?? `${root}dist`;
cpSync(`${root}src/sim/charts`, `${outDir}/sim/charts`, {
  recursive: true,
  filter: (src) => !/\.ts$/.test(src),
});
