/**
 * Where a plan's resource is declared, for annotations: Terraform plan JSON
 * carries no line numbers, so the `.tf` files of the workspace are searched
 * for the resource block (`resource "aws_ecs_task_definition" "app" {`).
 * Bounded: a few directory levels and files, no symlinks, never outside the
 * workspace.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type HclBlock, HclUnsupported, parseHclFile } from "./hcl";

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

/** A resource block found in the workspace, parsed. */
export interface SourceBlock {
  /** Workspace-relative path of the `.tf` file. */
  file: string;
  block: HclBlock;
  /** The `locals` of the block's directory (its module), by name. */
  locals: () => Map<string, { file: string; text: string; line: number }>;
}

export type FindBlocks = (address: string) => SourceBlock[];

/**
 * Every `resource`/`data` block of the workspace's `.tf` files that can be
 * the one of `address` (same type and name; several when modules repeat
 * names: the caller tells them apart by the plan's references). Files the
 * reader cannot parse are left out.
 */
export function terraformBlocks(workspace: string): FindBlocks {
  let parsed: { file: string; dir: string; blocks: HclBlock[] }[] | undefined;
  const load = () =>
    (parsed ??= tfFiles(workspace).flatMap((path) => {
      try {
        return [
          { file: relative(workspace, path), dir: dirname(path), blocks: parseHclFile(readFileSync(path, "utf8")) },
        ];
      } catch (error) {
        if (error instanceof HclUnsupported) return [];
        throw error;
      }
    }));
  const localsOf = (dir: string) => {
    const out = new Map<string, { file: string; text: string; line: number }>();
    for (const f of load().filter((x) => x.dir === dir)) {
      for (const b of f.blocks.filter((x) => x.type === "locals")) {
        for (const [name, a] of b.attributes) out.set(name, { file: f.file, ...a });
      }
    }
    return out;
  };
  return (address) => {
    const m = /(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?$/.exec(address);
    if (!m) return [];
    const type = m[1] ? "data" : "resource";
    return load().flatMap((f) =>
      f.blocks
        .filter((b) => b.type === type && b.labels[0] === m[2] && b.labels[1] === m[3])
        .map((block) => ({ file: f.file, block, locals: () => localsOf(f.dir) })),
    );
  };
}
