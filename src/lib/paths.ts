/**
 * The one rule for every path input: it resolves, after symbolic links, inside
 * GITHUB_WORKSPACE, or inside RUNNER_TEMP for reading (a task definition
 * rendered by amazon-ecs-render-task-definition lives there). A fork's pull
 * request controls the checked-out files, so a committed symlink or a `..`
 * must never make a step read, rewrite or upload a file of the runner itself.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError } from "./errors";
import { type InputSource, readString } from "./inputs";

/** `write` for anything an action creates or rewrites; `read` also admits RUNNER_TEMP. */
export type PathAccess = "read" | "write";

export interface PathRoots {
  /** Realpath of GITHUB_WORKSPACE (the working directory when it is not set, as for a local run). */
  workspace: string;
  /** Realpath of RUNNER_TEMP, when set. */
  runnerTemp?: string;
}

export function pathRoots(env: NodeJS.ProcessEnv = process.env): PathRoots {
  const workspace = realOrResolved(env.GITHUB_WORKSPACE || process.cwd());
  return env.RUNNER_TEMP ? { workspace, runnerTemp: realOrResolved(env.RUNNER_TEMP) } : { workspace };
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}

/**
 * The path the file system will really use: the longest existing ancestor with
 * its symlinks resolved, plus the part that does not exist yet. `..` is
 * applied lexically first, and the caller uses the returned path, so what is
 * checked is what is opened.
 */
export function physicalPath(path: string, hops = 0): string {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    if (existsSync(current)) {
      const real = realpathSync(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    }
    // A dangling symlink does not "exist", yet writing through it creates its target: follow it by hand
    // (40 hops, Linux's own limit, ends a loop of links).
    if (isSymlink(current) && hops < 40) {
      const target = physicalPath(resolve(dirname(current), readlinkSync(current)), hops + 1);
      return missing.length === 0 ? target : join(target, ...missing.reverse());
    }
    const parent = dirname(current);
    if (parent === current) return join(current, ...missing.reverse());
    missing.push(basename(current));
    current = parent;
  }
}

/** ENOTDIR (a file where a directory should be) counts as absent: the write fails later, naming the input. */
function entryOf(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

const isSymlink = (path: string) => entryOf(path)?.isSymbolicLink() ?? false;

/** True when something (a file, a directory, even a dangling link) is at the path itself. */
export const entryExists = (path: string) => entryOf(path) !== undefined;

/** True when `path` is `root` or below it. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Which root holds the path, or undefined when it is outside every root the access allows. */
export function rootOf(path: string, roots: PathRoots, access: PathAccess): "workspace" | "runner-temp" | undefined {
  if (isInside(roots.workspace, path)) return "workspace";
  if (access === "read" && roots.runnerTemp !== undefined && isInside(roots.runnerTemp, path)) return "runner-temp";
  return undefined;
}

/**
 * Resolves a path input against the workspace and refuses it, naming the input,
 * when it ends up outside: through `..`, an absolute path, or a symlink on the way.
 */
export function resolveInputPath(input: string, raw: string, access: PathAccess, roots: PathRoots): string {
  const lexical = resolve(roots.workspace, raw);
  const physical = physicalPath(lexical);
  if (rootOf(physical, roots, access) !== undefined) return physical;
  const via =
    physical !== lexical && isInside(roots.workspace, lexical) ? ` (through a symbolic link, to ${physical})` : "";
  const allowed =
    access === "read" && roots.runnerTemp !== undefined
      ? `inside the workspace (${roots.workspace}) or RUNNER_TEMP (${roots.runnerTemp})`
      : `inside the workspace (${roots.workspace})`;
  throw new InputError(
    input,
    `'${raw}' resolves outside the workspace${via}; paths must stay ${allowed}.`,
    access === "write"
      ? "Give a path relative to the workspace, like 'evidence'."
      : "Give a path relative to the workspace; a symbolic link may not point out of it.",
  );
}

/** A path input (with its default), resolved and checked by `resolveInputPath`. */
export function readPathInput(
  get: InputSource,
  name: string,
  access: PathAccess,
  opts: { default: string; env?: NodeJS.ProcessEnv },
): string {
  return resolveInputPath(name, readString(get, name, { default: opts.default }), access, pathRoots(opts.env));
}

/**
 * The `evidence-dir` input every action that writes evidence reads (default
 * `evidence`): where the evidence folder is, inside the workspace, resolved
 * and checked for writing (no link out of it, never RUNNER_TEMP).
 */
export function readEvidenceDir(get: InputSource, env?: NodeJS.ProcessEnv): string {
  return readPathInput(get, "evidence-dir", "write", { default: "evidence", ...(env ? { env } : {}) });
}
