import { defineConfig } from 'vitest/config';

// One config for both layers: co-located unit tests (controls, parsers) and the
// in-process / integration tests under test/. The global setup picks the database.
// vitest reads its configuration from the default export.
export default defineConfig({
  test: {
    include: ['workers/**/*.test.ts', 'api/**/*.test.ts', 'services/**/*.test.ts', 'db/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
