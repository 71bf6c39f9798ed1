// Dashboard build: `node ui/build.mjs` (type-checks with ui/tsconfig.json, then `vite build --config ui/vite.config.ts`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [solid()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  // `vite --config ui/vite.config.ts` for UI work against a running `hostplane up`.
  server: { proxy: { '/api': 'http://127.0.0.1:7780', '/metrics': 'http://127.0.0.1:7780' } },
});
