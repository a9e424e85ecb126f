import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../harness/runner";

/** The README policy blocks are the single source of truth's copies: they must not drift. */
describe.each(["ephemeral-alb", "register-fargate-targets"])("%s README", (name) => {
  const readme = readFileSync(join(ROOT, "actions", name, "README.md"), "utf8");

  it("shows exactly iam-policy.json", () => {
    const block = /<!-- iam-policy:begin -->\n```json\n([\s\S]*?)\n```\n<!-- iam-policy:end -->/.exec(readme)?.[1];
    const file = readFileSync(join(ROOT, "src/actions", name, "iam-policy.json"), "utf8").trimEnd();
    expect(block).toBe(file);
  });

  it("documents every input and output of action.yml", () => {
    const action = parse(readFileSync(join(ROOT, "actions", name, "action.yml"), "utf8")) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
      runs: Record<string, string>;
    };
    for (const key of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
      expect(readme, key).toContain(`| \`${key}\` |`);
    }
    expect(action.runs).toMatchObject({
      using: "node24",
      main: `../../dist/${name}/index.js`,
      post: `../../dist/${name}-post/index.js`,
      "post-if": "always()",
    });
  });
});
