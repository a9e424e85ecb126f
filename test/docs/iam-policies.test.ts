/**
 * Each action's IAM policy lives in one file, src/actions/<name>/iam-policy.json;
 * the action's README must show exactly that document, so the documentation
 * can never drift from what the enforcement-mode tests prove sufficient.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../harness/runner";

const actions = readdirSync(join(ROOT, "src/actions")).filter((a) =>
  existsSync(join(ROOT, "src/actions", a, "iam-policy.json")),
);

function jsonBlocks(markdown: string): unknown[] {
  const out: unknown[] = [];
  for (const m of markdown.matchAll(/```json\n([\s\S]*?)\n```/g)) {
    try {
      out.push(JSON.parse(m[1] as string));
    } catch {
      // an illustrative fragment, not a policy document
    }
  }
  return out;
}

describe("documented IAM policies", () => {
  it("exist for every action that calls AWS", () => {
    expect(actions.sort()).toEqual(
      expect.arrayContaining([
        "ephemeral-alb",
        "http-evidence-probe",
        "iam-simulate-preflight",
        "register-fargate-targets",
        "secrets-rds-drift",
      ]),
    );
  });

  it.each(actions)("the README of %s shows its iam-policy.json exactly", (name) => {
    const policy = JSON.parse(readFileSync(join(ROOT, "src/actions", name, "iam-policy.json"), "utf8")) as {
      Version: string;
      Statement: unknown[];
    };
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement.length).toBeGreaterThan(0);
    const readme = readFileSync(join(ROOT, "actions", name, "README.md"), "utf8");
    expect(jsonBlocks(readme)).toContainEqual(policy);
  });
});
