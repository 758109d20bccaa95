import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file uses its own databases; two workers keep both cores busy without starving the servers.
          maxWorkers: 2,
          // Runs after the unit project (vitest requires distinct groups when maxWorkers differ).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
