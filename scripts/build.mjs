// Bundles one ncc bundle per action entry point. Entry points are discovered,
// never listed by hand: src/actions/<name>/main.ts -> dist/<name>/index.js and
// src/actions/<name>/post.ts -> dist/<name>-post/index.js.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

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

function build({ input, out }) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "node_modules/@vercel/ncc/dist/ncc/cli.js"),
        "build",
        input,
        "-o",
        out,
        "--license",
        "licenses.txt",
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

// Two at a time: the machines have two cores and ncc is CPU-bound.
const queue = [...entries];
async function worker() {
  for (let e = queue.shift(); e; e = queue.shift()) {
    await build(e);
    console.log(`built ${e.out}/index.js`);
  }
}
await Promise.all([worker(), worker()]);
