/**
 * The README's Development section describes the tree: every module of src/lib by name, and for each action the
 * files of the common shape. A module added, renamed or removed without the README saying so fails here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../harness/runner";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const development = readme.slice(
  readme.indexOf("## Development"),
  readme.indexOf("\n## ", readme.indexOf("## Development") + 1),
);
const ACTIONS = readdirSync(join(ROOT, "src/actions"));

describe("README Development section", () => {
  it("names every module of src/lib, and nothing that is not there", () => {
    const modules = readdirSync(join(ROOT, "src/lib")).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    const list = /- `src\/lib\/`, by module: ([\s\S]*?)\n- /.exec(development)?.[1] ?? "";
    const named = [...list.matchAll(/`([a-z0-9-]+\.ts)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set(modules));
  });

  it.each(ACTIONS)(
    "%s has the common shape: main.ts, deps.ts, inputs.ts, run.ts (and clients.ts when it calls AWS)",
    (name) => {
      const dir = join(ROOT, "src/actions", name);
      for (const file of ["main.ts", "deps.ts", "inputs.ts", "run.ts"])
        expect(existsSync(join(dir, file)), file).toBe(true);
      const reachesAws = readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".ts"))
        .some((f) => /from "@aws-sdk\/client-/.test(readFileSync(join(dir, f), "utf8")));
      // evidence-mask is the one exception the README names: secrets.ts loads its clients only when secrets are listed.
      if (reachesAws && name !== "evidence-mask") expect(existsSync(join(dir, "clients.ts")), "clients.ts").toBe(true);
      if (name === "evidence-mask")
        expect(development).toContain("evidence-mask has none: `secrets.ts` loads its two clients");
      expect(development).toContain("`clients.ts` with what the action reaches outside the runner");
    },
  );
});
