import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'hack/**/*.test.ts', 'ui/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: contract and end-to-end tests start real processes, so keep file parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
