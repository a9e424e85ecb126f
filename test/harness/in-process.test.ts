/**
 * runInProcess (test/harness/in-process.ts) stands in for the bundles only
 * while each of its entries is the same call as the action's own main.ts or
 * post.ts, and only if a step leaves the test process as it found it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IN_PROCESS_ENTRIES, runInProcess } from "./in-process";
import { ROOT } from "./runner";

const HARNESS = readFileSync(join(ROOT, "test/harness/in-process.ts"), "utf8");
const squash = (s: string) => s.replace(/\s+/g, "");

/** Every src/actions/<dir>/{main,post}.ts with the bundle name it builds (post.ts → `<dir>-post`). */
const ENTRY_FILES = readdirSync(join(ROOT, "src/actions")).flatMap((dir) =>
  (["main", "post"] as const)
    .filter((kind) => readdirSync(join(ROOT, "src/actions", dir)).includes(`${kind}.ts`))
    .map((kind) => ({ name: kind === "main" ? dir : `${dir}-post`, dir, file: `src/actions/${dir}/${kind}.ts` })),
);

/** The body of ENTRIES[name] in in-process.ts. */
function entryBody(name: string): string {
  const start = HARNESS.indexOf(`"${name}": async () => {`);
  expect(start, `no entry "${name}" in in-process.ts`).toBeGreaterThanOrEqual(0);
  return HARNESS.slice(start, HARNESS.indexOf("\n  },", start));
}

describe("runInProcess", () => {
  it("knows every bundle but the command line", () => {
    const bundles = readdirSync(join(ROOT, "dist"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== "cli")
      .map((e) => e.name);
    expect([...IN_PROCESS_ENTRIES].sort()).toEqual(bundles.sort());
    expect(ENTRY_FILES.map((e) => e.name).sort()).toEqual(bundles.sort());
  });

  it.each(ENTRY_FILES)("$name runs the same call, with the same imports, as $file", ({ name, dir, file }) => {
    const source = readFileSync(join(ROOT, file), "utf8");
    const body = entryBody(name);
    const statement = source
      .split("\n")
      .filter((l) => !l.startsWith("import ") && l.trim() !== "")
      .join("\n");
    expect(squash(body)).toContain(squash(statement));
    for (const m of source.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
      const from = m[2] as string;
      const module = from.startsWith("./") ? `../../src/actions/${dir}/${from.slice(2)}` : `../../src/${from.slice(6)}`;
      for (const imported of (m[1] as string).split(",").map((s) => s.trim()))
        expect(body, `${imported} from ${from}`).toMatch(
          new RegExp(`const \\{[^}]*\\b${imported}\\b[^}]*\\} = await import\\("${module.replace(/[.]/g, "\\.")}"\\)`),
        );
    }
  });

  it("a step leaves the test process's environment, directory, exit code and error handlers as they were", async () => {
    const env = { ...process.env };
    const cwd = process.cwd();
    const exitCode = process.exitCode;
    const listeners = process.listeners("unhandledRejection").length;
    const result = await runInProcess("evidence-mask", { inputs: { mode: "neither" } });
    expect(result.code).toBe(1);
    expect(result.annotations.map((a) => a.message).join("\n")).toContain("mode");
    expect(process.env).toEqual(env);
    expect(process.cwd()).toBe(cwd);
    expect(process.exitCode).toBe(exitCode);
    expect(process.listeners("unhandledRejection").length).toBe(listeners);
  });
});
