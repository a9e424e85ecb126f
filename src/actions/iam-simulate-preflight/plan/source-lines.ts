/**
 * Where a plan's resource is declared, for annotations: Terraform plan JSON
 * carries no line numbers, so the `.tf` files of the workspace are searched
 * for the resource block (`resource "aws_ecs_task_definition" "app" {`).
 * Bounded: a few directory levels and files, no symlinks, never outside the
 * workspace.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SKIP = new Set([".git", ".terraform", "node_modules", "dist"]);
const MAX_DEPTH = 6;
const MAX_FILES = 400;

function tfFiles(workspace: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      if (out.length >= MAX_FILES) return;
      const path = join(dir, name);
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (!stat || stat.isSymbolicLink()) continue;
      if (stat.isDirectory() && !SKIP.has(name)) walk(path, depth + 1);
      else if (stat.isFile() && name.endsWith(".tf") && stat.size < 1 << 20) out.push(path);
    }
  };
  walk(workspace, 0);
  return out;
}

export type Locate = (address: string) => { file: string; line: number } | undefined;

/** A locator of Terraform resource blocks in the workspace's `.tf` files (the last `type.name` of the address). */
export function terraformLocator(workspace: string): Locate {
  let files: { path: string; lines: string[] }[] | undefined;
  return (address) => {
    const m = /(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?$/.exec(address);
    if (!m) return undefined;
    files ??= tfFiles(workspace).map((path) => ({ path, lines: readFileSync(path, "utf8").split("\n") }));
    const block = new RegExp(`^\\s*${m[1] ? "data" : "resource"}\\s+"${m[2]}"\\s+"${m[3]}"\\s*\\{`);
    for (const f of files) {
      const i = f.lines.findIndex((l) => block.test(l));
      if (i >= 0) return { file: relative(workspace, f.path), line: i + 1 };
    }
    return undefined;
  };
}
