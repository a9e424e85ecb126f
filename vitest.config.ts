import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // Installs the pinned Node 24 the bundles run under (scripts/node24.ts).
    globalSetup: ["test/harness/node24-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // End-to-end tests spawn bundles, sample apps and a PostgreSQL server:
    // two cores, so keep the fan-out modest.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default", "./test/harness/plain-summary-reporter.ts"],
  },
});
