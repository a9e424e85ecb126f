// The strictest dist check: delete dist/, rebuild from scratch, and fail if
// git sees any difference, including new untracked chunk files (and in the
// command line's flags, regenerated from the action.yml files by the build).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}scripts/build.mjs`], { cwd: root, stdio: "inherit" });
const status = execFileSync("git", ["status", "--porcelain", "--", "dist/", "src/cli/action-inputs.json"], {
  cwd: root,
  encoding: "utf8",
});
if (status.trim() !== "") {
  console.error(`dist/ is out of date with src/. Run \`npm run build\` and commit dist/:\n${status}`);
  execFileSync("git", ["--no-pager", "diff", "--stat", "--", "dist/"], { cwd: root, stdio: "inherit" });
  process.exit(1);
}
console.log("dist/ matches a fresh build.");
