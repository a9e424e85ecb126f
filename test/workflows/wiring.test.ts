import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { actionlint, actionValidator, isWorkflow, ROOT, wiringProblems, yamlFiles } from "./lint";

const files = yamlFiles();

describe("action.yml files, workflows and examples", () => {
  it("covers every action, both reusable workflows and the examples", () => {
    const rel = files.map((f) => relative(ROOT, f));
    expect(rel).toContain("action.yml");
    expect(rel).toContain(".github/workflows/alb-smoke.yml");
    expect(rel).toContain(".github/workflows/preflight.yml");
    for (const name of [
      "ephemeral-alb",
      "register-fargate-targets",
      "http-evidence-probe",
      "iam-simulate-preflight",
      "secrets-rds-drift",
      "evidence-mask",
    ]) {
      expect(rel).toContain(`actions/${name}/action.yml`);
    }
    expect(rel.filter((f) => f.startsWith("workflows-examples/")).length).toBeGreaterThanOrEqual(6);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))("%s passes action-validator", (_rel, file) => {
    expect(actionValidator(file)).toBe("");
  });

  it.each(files.filter(isWorkflow).map((f) => [relative(ROOT, f), f]))("%s passes actionlint", async (_rel, file) => {
    expect(await actionlint(file)).toEqual([]);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))("%s is wired correctly", (_rel, file) => {
    expect(wiringProblems(file)).toEqual([]);
  });
});

describe("the wiring check itself", () => {
  const write = (name: string, text: string) => {
    const f = join(tmpdir(), `wiring-${process.pid}-${name}`);
    writeFileSync(f, text);
    return f;
  };

  it("finds unknown with: keys, missing required inputs, bad output refs and unmarked mutable refs", () => {
    const f = write(
      "bad.yml",
      `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      x: \${{ steps.probe.outputs.nope }}
    steps:
      - id: probe
        uses: ./actions/http-evidence-probe
        with:
          no-such-input: 1
      - uses: actions/checkout@v4
  b:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ needs.a.outputs.y }}
`,
    );
    const problems = wiringProblems(f).join("\n");
    expect(problems).toMatch(/'with: no-such-input' is not an input/);
    expect(problems).toMatch(/steps\.probe\.outputs\.nope is not a declared output/);
    expect(problems).toMatch(/actions\/checkout@v4 pins a mutable ref/);
    expect(problems).toMatch(/does not list it in needs/);
    expect(problems).toMatch(/needs\.a\.outputs\.y is not a declared job output/);
  });

  it("actionlint finds an undefined input and a step output of a step that does not exist", async () => {
    const f = write(
      "lint.yml",
      `on:
  workflow_call:
    inputs:
      region:
        type: string
        required: true
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ inputs.regoin }}
      - run: echo \${{ steps.nope.outputs.x }}
`,
    );
    const problems = (await actionlint(f)).join("\n");
    expect(problems).toMatch(/regoin/);
    expect(problems).toMatch(/nope/);
  });

  it("action-validator rejects a malformed workflow", () => {
    const f = write(
      "invalid.yml",
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n        bogus: 1\n",
    );
    expect(actionValidator(f)).toMatch(/bogus/);
  });
});
