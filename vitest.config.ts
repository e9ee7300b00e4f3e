import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The end-to-end files mostly wait on real processes, timers and sockets, not the CPU: more
    // files at once than the 2 cores keeps the suite within a few minutes.
    maxWorkers: 4,
    reporters: ['default'],
  },
});
