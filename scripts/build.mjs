// Bundles one ncc bundle per action entry point. Entry points are discovered,
// never listed by hand: src/actions/<name>/main.ts -> dist/<name>/index.js and
// src/actions/<name>/post.ts -> dist/<name>-post/index.js; the command line
// src/cli/main.ts -> dist/cli/index.js (`node scripts/build.mjs cli`), its flags
// regenerated first from every action.yml (scripts/cli-inputs.mjs). A full build
// records what it was built from in dist/build-inputs.json (scripts/dist-inputs.mjs);
// the tests refuse a dist/ whose record does not match src/. Each emitted file's
// non-ASCII characters become escapes (scripts/ascii-bundle.mjs), so that V8
// holds the bundle's source in one byte per character, not two; the license
// notices of its chunks become one licenses.txt (scripts/bundle-licenses.mjs).
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asciiSource } from "./ascii-bundle.mjs";
import { installedPackages, mergeLicenses } from "./bundle-licenses.mjs";
import { recordDistInputs } from "./dist-inputs.mjs";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
const entries = [];
for (const name of readdirSync(join(root, "src/actions")).sort()) {
  if (only.length > 0 && !only.includes(name)) continue;
  for (const [file, suffix] of [
    ["main.ts", ""],
    ["post.ts", "-post"],
  ]) {
    const input = join("src/actions", name, file);
    if (existsSync(join(root, input))) entries.push({ input, out: join("dist", `${name}${suffix}`) });
  }
}

if (only.length === 0 || only.includes("cli")) {
  execFileSync(process.execPath, [join(root, "scripts/cli-inputs.mjs")], { stdio: "inherit" });
  entries.push({ input: "src/cli/main.ts", out: join("dist", "cli") });
}

const CHUNK_LICENSES = "licenses-";
const chunkLicenses = (out) =>
  readdirSync(join(root, out))
    .filter((f) => f.startsWith(CHUNK_LICENSES) && f.endsWith(".txt"))
    .sort()
    .map((f) => join(root, out, f));

function build({ input, out }) {
  // ncc writes into the folder without emptying it: a chunk of an earlier build (chunk ids change with the
  // sources) would stay beside the new ones and be committed, and a notice left by an interrupted build would
  // be merged as if it were this one's. Each bundle's folder is made anew.
  rmSync(join(root, out), { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "node_modules/@vercel/ncc/dist/ncc/cli.js"),
        "build",
        input,
        "-o",
        out,
        // One notice per chunk (merged into licenses.txt below): under one name, each chunk's would replace the last.
        "--license",
        `${CHUNK_LICENSES}[id].txt`,
        "-q",
        // Transpile only: `npm run typecheck` (tsc, strict) checks the types of
        // the whole tree once, so one bundle never waits on another's types.
        "-t",
      ],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
    );
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`ncc failed for ${input} (exit ${code})`))));
  });
}

/** The bundle's and its chunks' non-ASCII characters as escapes (see ascii-bundle.mjs). */
function escapeNonAscii(out) {
  for (const name of readdirSync(join(root, out)).filter((f) => f.endsWith(".js"))) {
    const file = join(root, out, name);
    const before = readFileSync(file, "utf8");
    const { source, kept } = asciiSource(before, join(out, name));
    if (source !== before) writeFileSync(file, source);
    if (kept > 0)
      console.log(`${out}/${name}: ${kept} non-ASCII character(s) kept in tagged templates (two-byte source)`);
  }
}

/** The license notices of the bundle's chunks as one licenses.txt (see bundle-licenses.mjs). */
let packages;
function mergeChunkLicenses(out) {
  const files = chunkLicenses(out);
  if (files.length === 0) return;
  packages ??= installedPackages(root);
  const merged = mergeLicenses(
    files.map((f) => readFileSync(f, "utf8")),
    packages,
  );
  writeFileSync(join(root, out, "licenses.txt"), merged);
  for (const file of files) rmSync(file);
}

// Two at a time: the machines have two cores and ncc is CPU-bound.
const queue = [...entries];
async function worker() {
  for (let e = queue.shift(); e; e = queue.shift()) {
    await build(e);
    escapeNonAscii(e.out);
    mergeChunkLicenses(e.out);
    // The `bin` of package.json: run directly (#!/usr/bin/env node), so executable.
    if (e.out === join("dist", "cli")) chmodSync(join(root, e.out, "index.js"), 0o755);
    console.log(`built ${e.out}/index.js`);
  }
}
await Promise.all([worker(), worker()]);
// Only a build of every bundle stands for all of src/; a partial one leaves the record as it was.
if (only.length === 0) {
  recordDistInputs(root);
  console.log("recorded dist/build-inputs.json");
}
