// One licenses.txt per bundle, listing the packages of every chunk. ncc's
// license plugin writes one notice per chunk (license-webpack-plugin's default),
// each under the file name it is given: with `--license licenses.txt` every
// chunk overwrote the one before, so a bundle with chunks (evidence-mask's
// Secrets Manager, STS and artifact clients, every bundle's @actions/core) kept
// only its last chunk's packages. build.mjs asks ncc for `licenses-[id].txt`
// (one per chunk) and merges them here, in the plugin's own format: per package,
// its name, its license type and its license text; sorted by name.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The `name` of every package.json under node_modules (nested node_modules too): where each notice starts. */
export function installedPackages(root) {
  const names = new Set();
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      if (entry.name.startsWith("@")) {
        walk(join(dir, entry.name));
        continue;
      }
      const pkg = join(dir, entry.name, "package.json");
      if (existsSync(pkg)) {
        try {
          const { name } = JSON.parse(readFileSync(pkg, "utf8"));
          if (typeof name === "string") names.add(name);
        } catch {
          // Not a package's manifest: no notice starts with it.
        }
      }
      walk(join(dir, entry.name, "node_modules"));
    }
  };
  walk(join(root, "node_modules"));
  return names;
}

/**
 * The notices of several per-chunk files as one: a notice starts at a line
 * that is a package's name (in `packages`) at the start of the file or after a
 * blank line, after the previous notice's name in sort order (the plugin sorts
 * them, so a license text's line that happens to name a package is not taken for
 * one), and runs to the next; a package in several chunks is listed once.
 */
export function mergeLicenses(texts, packages) {
  const notices = new Map();
  for (const text of texts) {
    const lines = text.split("\n");
    let start = -1;
    const close = (end) => {
      if (start < 0) return;
      const notice = lines.slice(start, end).join("\n").trimEnd();
      if (!notices.has(lines[start])) notices.set(lines[start], notice);
    };
    for (let i = 0; i < lines.length; i++) {
      const after = start < 0 || lines[start] < lines[i];
      if ((i === 0 || lines[i - 1] === "") && after && packages.has(lines[i])) {
        close(i);
        start = i;
      } else if (start < 0 && lines[i].trim() !== "") {
        throw new Error(`a license notice does not start with a package name: '${lines[i]}'`);
      }
    }
    close(lines.length);
  }
  const names = [...notices.keys()].sort((a, b) => (a < b ? -1 : 1));
  return names.length === 0 ? "" : `${names.map((n) => notices.get(n)).join("\n\n")}\n`;
}
