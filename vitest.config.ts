import { configDefaults, defineConfig } from "vitest/config";

// Two projects: `npm test` runs "suite" (everything but test/faults/); the long
// fault campaigns under test/faults/ run in `npm run test:faults` (project
// "faults"). `npx vitest run <file>` runs a single file of either.
const FAULTS = "test/faults/**/*.test.ts";

export default defineConfig({
  test: {
    setupFiles: ["test/setup.ts"],
    // Installs the pinned Node 24 the bundles run under (scripts/node24.ts), and
    // refuses a dist/ built from other sources than src/ (scripts/dist-inputs.mjs).
    globalSetup: ["test/harness/node24-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // End-to-end tests spawn bundles, sample apps and a PostgreSQL server:
    // two cores, so keep the fan-out modest.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default", "./test/harness/plain-summary-reporter.ts"],
    projects: [
      { extends: true, test: { name: "suite", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, FAULTS] } },
      { extends: true, test: { name: "faults", include: [FAULTS] } },
    ],
  },
});
