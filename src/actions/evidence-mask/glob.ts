import { lstatSync, readdirSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { TEMP_SUFFIX } from "./stream";

/**
 * Glob lines as @actions/glob reads them (`**`, `*`, `?`, `[...]`, `!` to
 * exclude), resolved against the workspace. A pattern that names a directory
 * takes every file under it. Node 20 has no fs.glob, and one small walker is
 * less to trust than another dependency.
 */
export interface GlobResult {
  /** Absolute paths of regular files, sorted. */
  files: string[];
  /** Symbolic links that matched: never followed, never rewritten. */
  symlinks: string[];
  /** Temp files of an earlier killed run (`*.evidence-mask.tmp`). */
  staleTemps: string[];
  /** Hidden files and folders (a name starting with `.`) left out, as actions/upload-artifact >= 4.4 does. */
  hidden: string[];
  /** `.git` entries: never masked or uploaded, whatever the patterns and include-hidden-files say. */
  git: string[];
}

export interface GlobOptions {
  /** Take hidden files and folders too (`include-hidden-files: true`); `.git` stays out regardless. */
  includeHidden?: boolean;
}

interface Found {
  files: string[];
  symlinks: string[];
  hidden: string[];
  git: string[];
}

// The checkout's persisted token lives in .git/config: no input can put .git into an artifact.
const isGit = (name: string) => name === ".git";
const isHidden = (name: string) => name.startsWith(".");

const MAGIC = /[*?[]/;

export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const atSegmentStart = i === 0 || pattern[i - 1] === "/";
        const next = pattern[i + 2];
        if (atSegmentStart && next === "/") {
          re += "(?:.*/)?";
          i += 2;
          continue;
        }
        if (atSegmentStart && next === undefined) {
          re += ".*";
          i += 1;
          continue;
        }
      }
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) {
        re += "\\[";
        continue;
      }
      const body = pattern
        .slice(i + 1, close)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      re += `[${body}]`;
      i = close;
    } else {
      re += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

interface Pattern {
  negate: boolean;
  /** Directory the walk starts from (the part before the first wildcard). */
  base: string;
  regex: RegExp;
}

function parsePattern(line: string, root: string): Pattern {
  const negate = line.startsWith("!");
  let body = negate ? line.slice(1).trim() : line;
  body = body.replace(/\\/g, "/").replace(/\/+$/, "");
  const absolute = isAbsolute(body) ? body : join(root, body).replace(/\\/g, "/");
  const segments = absolute.split("/");
  const firstMagic = segments.findIndex((s) => MAGIC.test(s));
  const base = firstMagic === -1 ? absolute : segments.slice(0, firstMagic).join("/") || "/";
  return { negate, base: resolve(base), regex: globToRegExp(resolve(absolute).replace(/\\/g, "/")) };
}

function walk(dir: string, out: Found, opts: GlobOptions, depth = 0): void {
  if (depth > 64) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (isGit(name)) {
      out.git.push(path);
      continue;
    }
    // A killed run's temp file is hidden too, and must still be found to be removed.
    const staleTemp = st.isFile() && name.endsWith(TEMP_SUFFIX);
    if (isHidden(name) && !opts.includeHidden && !staleTemp) {
      out.hidden.push(path);
      continue;
    }
    if (st.isSymbolicLink()) out.symlinks.push(path);
    else if (st.isDirectory()) walk(path, out, opts, depth + 1);
    else if (st.isFile()) out.files.push(path);
  }
}

/** True when the path, or one of its parent directories, matches. */
function matches(regex: RegExp, path: string): boolean {
  let p = path.replace(/\\/g, "/");
  for (;;) {
    if (regex.test(p)) return true;
    const slash = p.lastIndexOf("/");
    if (slash <= 0) return false;
    p = p.slice(0, slash);
  }
}

export function expandGlobs(lines: readonly string[], root: string, opts: GlobOptions = {}): GlobResult {
  const patterns = lines.map((l) => parsePattern(l, root));
  const candidates: Found = { files: [], symlinks: [], hidden: [], git: [] };
  const walked = new Set<string>();
  for (const p of patterns) {
    if (p.negate) continue;
    // Don't walk a directory twice, nor one inside a directory already walked.
    if ([...walked].some((w) => p.base === w || p.base.startsWith(`${w}${sep}`))) continue;
    const st = lstatSync(p.base, { throwIfNoEntry: false });
    if (!st) continue;
    // A path named outright is judged as @actions/glob judges a search root: by its own name; .git anywhere in it.
    if (relative(resolve(root), p.base).split(sep).some(isGit)) {
      candidates.git.push(p.base);
      continue;
    }
    if (p.base !== resolve(root) && isHidden(basename(p.base)) && !opts.includeHidden) {
      candidates.hidden.push(p.base);
      continue;
    }
    if (st.isSymbolicLink()) candidates.symlinks.push(p.base);
    else if (st.isFile()) candidates.files.push(p.base);
    else if (st.isDirectory()) {
      walked.add(p.base);
      walk(p.base, candidates, opts);
    }
  }
  const selected = (path: string) => {
    let keep = false;
    for (const p of patterns) {
      if (matches(p.regex, path)) keep = !p.negate;
    }
    return keep;
  };
  const unique = (xs: string[]) => [...new Set(xs)].sort();
  const all = unique(candidates.files).filter(selected);
  return {
    files: all.filter((f) => !f.endsWith(TEMP_SUFFIX)),
    symlinks: unique(candidates.symlinks).filter(selected),
    staleTemps: all.filter((f) => f.endsWith(TEMP_SUFFIX)),
    hidden: unique(candidates.hidden).filter(selected),
    git: unique(candidates.git).filter(selected),
  };
}

/** The deepest directory that holds every file: the artifact's root, as actions/upload-artifact picks it. */
export function commonDirectory(files: readonly string[]): string {
  const first = files[0];
  if (first === undefined) return process.cwd();
  let common = resolve(first, "..").split(sep);
  for (const f of files.slice(1)) {
    const parts = resolve(f, "..").split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

export function relativeTo(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}
