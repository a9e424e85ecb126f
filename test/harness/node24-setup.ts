// Vitest global setup. The end-to-end tests spawn the dist/ bundles, so first
// refuse a dist/ that is not a build of the current src/ (its record,
// dist/build-inputs.json, is compared with a hash of the build's inputs; see
// scripts/dist-inputs.mjs): after an edit to src/ the tests would otherwise
// check the previous build. Then they run the bundles under the pinned Node 24
// (see scripts/node24.ts), so make sure it is there before any test spawns one.
// In CI a failed install fails the run; elsewhere the runner falls back to the
// machine's node and says so.
import { fileURLToPath } from "node:url";
import { staleDistMessage } from "../../scripts/dist-inputs.mjs";
import { installNode24 } from "../../scripts/node24";

export default function setup(): void {
  const stale = staleDistMessage(fileURLToPath(new URL("../..", import.meta.url)));
  if (stale) throw new Error(stale);
  try {
    installNode24();
  } catch (error) {
    if (process.env.CI) throw error;
    process.stderr.write(`warning: could not install Node 24 for the bundles: ${String(error)}\n`);
  }
}
