/**
 * The committed bundles: one per action entry point, each declaring node24 in
 * its action.yml, and none carrying the emulator's AGPL IAM simulator.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./harness/runner";

const bundles = readdirSync(join(ROOT, "dist")).sort();

describe("dist/", () => {
  it("has a bundle for every main.ts and post.ts, and nothing else", () => {
    const expected: string[] = [];
    for (const name of readdirSync(join(ROOT, "src/actions"))) {
      if (existsSync(join(ROOT, "src/actions", name, "main.ts"))) expected.push(name);
      if (existsSync(join(ROOT, "src/actions", name, "post.ts"))) expected.push(`${name}-post`);
    }
    // The command line (src/cli/main.ts) is bundled like the actions, into dist/cli.
    if (existsSync(join(ROOT, "src/cli/main.ts"))) expected.push("cli");
    expect(bundles).toEqual(expected.sort());
  });

  it.each(bundles)(
    "%s contains no AGPL code (the emulator's @cloud-copilot/iam-simulate stays a devDependency)",
    (name) => {
      const licenses = readFileSync(join(ROOT, "dist", name, "licenses.txt"), "utf8");
      expect(licenses).not.toMatch(/AGPL|@cloud-copilot/);
      expect(readFileSync(join(ROOT, "dist", name, "index.js"), "utf8")).not.toContain("@cloud-copilot");
    },
  );
});
