#!/usr/bin/env node
// Builds the dashboard into ui/dist: type-check (tsc -p ui/tsconfig.json), then vite build.
// Usage: node ui/build.mjs   (what `npm run build:ui` runs)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const uiDir = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${uiDir}tsconfig.json`], { stdio: 'inherit' });
} catch {
  console.error('ui: type errors (above); not building');
  process.exit(1);
}
const { build } = await import('vite');
await build({ configFile: `${uiDir}vite.config.ts`, logLevel: process.env.HOSTPLANE_UI_QUIET ? 'warn' : 'info' });
