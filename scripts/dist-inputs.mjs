// What dist/ was built from: a SHA-256 over the build's inputs (every file
// under src/, the bundled (non-dev) packages of package-lock.json, tsconfig.json
// and scripts/build.mjs with the ascii-bundle.mjs and bundle-licenses.mjs it runs), recorded by a full `npm run build` in
// dist/build-inputs.json and compared by the test harness's global setup, so
// that `npm test` never checks a build of other sources than the ones in src/.
// File contents, not mtimes: a fresh clone has no meaningful mtimes.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const RECORD = "dist/build-inputs.json";

function filesUnder(root, dir) {
  const out = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(root, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** The lock file's bundled packages only: a devDependency (vitest, the emulator's) changes no bundle. */
function bundledPackages(root) {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const packages = Object.entries(lock.packages ?? {})
    .filter(([path, p]) => path !== "" && !p.dev)
    .map(([path, p]) => [path, p.version ?? null, p.integrity ?? null])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(packages);
}

/** The SHA-256 (hex) of the build's inputs under `root`. */
export function distInputsHash(root) {
  const hash = createHash("sha256");
  const files = [
    ...filesUnder(root, "src"),
    "tsconfig.json",
    "scripts/build.mjs",
    "scripts/ascii-bundle.mjs",
    "scripts/bundle-licenses.mjs",
  ].sort();
  for (const file of files) {
    const content = readFileSync(join(root, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  hash.update("package-lock.json\0").update(bundledPackages(root));
  return hash.digest("hex");
}

export function recordDistInputs(root) {
  writeFileSync(join(root, RECORD), `${JSON.stringify({ sha256: distInputsHash(root) }, null, 2)}\n`);
}

/** Undefined when dist/ was built from the current inputs, else what is wrong and what to do. */
export function staleDistMessage(root) {
  const fix = "Run `npm run build` (all bundles), then rerun the tests.";
  if (!existsSync(join(root, RECORD))) {
    return `dist/ has no ${RECORD}, so it cannot be shown to be a build of src/. ${fix}`;
  }
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(join(root, RECORD), "utf8")).sha256;
  } catch (error) {
    return `${RECORD} is not readable JSON (${String(error)}). ${fix}`;
  }
  if (recorded !== distInputsHash(root)) {
    return `dist/ was built from other sources than the current src/ (or package-lock.json, tsconfig.json, scripts/build.mjs): the end-to-end tests would check the previous build. ${fix}`;
  }
  return undefined;
}
