// Vitest global setup: the end-to-end tests run the bundles under the pinned
// Node 24 (see scripts/node24.ts), so make sure it is there before any test
// spawns one. In CI a failed install fails the run; elsewhere the runner falls
// back to the machine's node and says so.
import { installNode24 } from "../../scripts/node24";

export default function setup(): void {
  try {
    installNode24();
  } catch (error) {
    if (process.env.CI) throw error;
    process.stderr.write(`warning: could not install Node 24 for the bundles: ${String(error)}\n`);
  }
}
