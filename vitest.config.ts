import { availableParallelism } from "node:os";
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
    // End-to-end tests spend most of their time waiting (on the emulator's
    // provisioning and health checks, on spawned bundles, on PostgreSQL):
    // with one worker per core the suite kept 2 cores only 56 % busy
    // (user+sys 457 s over 409 s). Two workers per core overlap those waits:
    // on 2 cores, 4 workers ran the same suite in 244 s (README, Development).
    maxWorkers: Math.max(2, availableParallelism() * 2),
    minWorkers: 1,
    reporters: ["default", "./test/harness/plain-summary-reporter.ts"],
    projects: [
      { extends: true, test: { name: "suite", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, FAULTS] } },
      { extends: true, test: { name: "faults", include: [FAULTS] } },
    ],
  },
});
