/**
 * Issue 10 §3: every path input stays inside the workspace (RUNNER_TEMP for
 * reading), after `..` and symbolic links; a task-definition parse error never
 * prints the file. Each case runs the committed bundle like the runner does.
 * AWS_ENDPOINT_URL points at a closed loopback port: a refusal that comes from
 * the inputs names the input; anything that got as far as AWS would not.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_SECRET, scenario, taskDefinition } from "../actions/iam-simulate-preflight/scenario";
import { scenario as driftScenario } from "../actions/secrets-rds-drift/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type RunResult, runBundle } from "../harness/runner";

const NO_AWS = { AWS_ENDPOINT_URL: "http://127.0.0.1:9" };
const ACCOUNT_LINE = "arn:aws:iam::123456789012:role/outside-the-workspace\n";

/** A workspace and, next to it, a directory the step must never touch. */
function layout() {
  const root = mkdtempSync(join(tmpdir(), "paths-"));
  const workspace = join(root, "ws");
  const outside = join(root, "outside");
  mkdirSync(join(workspace, "evidence"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(workspace, "evidence", "20251105_063210_healthz.log"), "HTTP/1.1 200 OK\n\nok\n");
  writeFileSync(join(outside, "secret.log"), ACCOUNT_LINE);
  return { root, workspace, outside };
}

const failure = (r: RunResult) =>
  r.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");

describe("evidence-mask path: nothing outside the workspace is rewritten or uploaded", () => {
  it.each([
    ["a ../ glob", (_o: string) => "../outside/**"],
    ["an absolute path", (o: string) => join(o, "secret.log")],
    ["an absolute glob", (o: string) => `${o}/*.log`],
  ])("%s is refused, naming the input, and the file outside keeps its bytes", async (_name, pattern) => {
    const { workspace, outside } = layout();
    const r = await runBundle("evidence-mask", {
      workspace,
      inputs: { path: `evidence/**\n${pattern(outside)}`, mode: "mask-and-verify" },
      env: NO_AWS,
    });
    expect(r.code).toBe(1);
    expect(failure(r)).toMatch(/^Input 'path': the pattern '.*' reaches outside the workspace/);
    expect(readFileSync(join(outside, "secret.log"), "utf8")).toBe(ACCOUNT_LINE);
  });

  it("an evidence folder that is itself a symlink out of the workspace is refused", async () => {
    const { workspace, outside } = layout();
    symlinkSync(outside, join(workspace, "linked"));
    const r = await runBundle("evidence-mask", { workspace, inputs: { path: "linked/**" }, env: NO_AWS });
    expect(r.code).toBe(1);
    expect(failure(r)).toContain("Input 'path'");
    expect(readFileSync(join(outside, "secret.log"), "utf8")).toBe(ACCOUNT_LINE);
  });

  it("a symlink inside the evidence folder is neither followed, rewritten nor read", async () => {
    const { workspace, outside } = layout();
    symlinkSync(join(outside, "secret.log"), join(workspace, "evidence", "20251105_063210_leak.log"));
    symlinkSync(outside, join(workspace, "evidence", "leak-dir"));
    const r = await runBundle("evidence-mask", { workspace, inputs: { path: "evidence/**" }, env: NO_AWS });
    expect(r.code).toBe(0);
    expect(readFileSync(join(outside, "secret.log"), "utf8")).toBe(ACCOUNT_LINE);
    const report = JSON.parse(readFileSync(r.outputs.report as string, "utf8"));
    expect(report.files.map((f: { path: string }) => f.path)).toEqual(["evidence/20251105_063210_healthz.log"]);
    expect(report.skipped.map((s: { path: string }) => s.path).sort()).toEqual([
      "evidence/20251105_063210_leak.log",
      "evidence/leak-dir",
    ]);
  });
});

/** The smallest valid inputs of each action, so that evidence-dir is what decides. */
const ACTIONS: [string, Record<string, string>][] = [
  ["ephemeral-alb", { "vpc-id": "vpc-0a1b2c3d", "subnet-ids": "subnet-0a1b2c3d,subnet-0a1b2c3e" }],
  [
    "register-fargate-targets",
    {
      cluster: "papyrus",
      service: "papyrus-task-service",
      "target-group-arn": "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/tg/0123456789abcdef",
    },
  ],
  ["http-evidence-probe", { url: "http://127.0.0.1:9/healthz", "deadline-seconds": "0" }],
  ["iam-simulate-preflight", { "task-definition": "papyrus-task:1", comment: "false" }],
  ["secrets-rds-drift", { "secret-id": "papyrus/prd/db", comment: "false" }],
];

describe("evidence-dir of every action stays inside the workspace", () => {
  it.each(
    ACTIONS.flatMap(([action, inputs]) => [
      [action, inputs, "../../outside", "a ../ path"],
      [action, inputs, "ABSOLUTE", "an absolute path"],
      [action, inputs, "linked", "a symlink out of the workspace"],
      [action, inputs, "linked/deeper", "a path below a symlink out of the workspace"],
    ]),
  )("%s refuses %s (%s) before any AWS call", async (action, inputs, dir) => {
    const { workspace, outside } = layout();
    symlinkSync(outside, join(workspace, "linked"));
    const r = await runBundle(action, {
      workspace,
      inputs: { ...inputs, "evidence-dir": dir === "ABSOLUTE" ? outside : dir },
      env: NO_AWS,
    });
    expect(r.code, r.stdout).toBe(1);
    expect(failure(r)).toMatch(/^Input 'evidence-dir': '.*' resolves outside the workspace/);
    expect(r.outputs).toEqual({});
  });
});

describe("task-definition files: inside the workspace or RUNNER_TEMP, never through a link out", () => {
  it.each([
    ["iam-simulate-preflight", { comment: "false" }],
    ["secrets-rds-drift", { "secret-id": "papyrus/prd/db", comment: "false" }],
  ])("%s refuses ../, absolute and symlinked task definitions outside", async (action, inputs) => {
    const { workspace, outside } = layout();
    writeFileSync(join(outside, "taskdef.json"), JSON.stringify(taskDefinition([{ name: "web" }])));
    symlinkSync(join(outside, "taskdef.json"), join(workspace, "taskdef.json"));
    mkdirSync(join(workspace, "deploy"));
    symlinkSync(outside, join(workspace, "deploy", "linked"));
    for (const td of [
      "../outside/taskdef.json",
      join(outside, "taskdef.json"),
      "taskdef.json",
      "deploy/linked/taskdef.json",
    ]) {
      const r = await runBundle(action, { workspace, inputs: { ...inputs, "task-definition": td }, env: NO_AWS });
      expect(r.code, `${td}: ${r.stdout}`).toBe(1);
      expect(failure(r), td).toMatch(/^Input 'task-definition': '.*' resolves outside the workspace/);
    }
  });

  describe("a parse error says where, never what the file holds", () => {
    let emu: RunningEmulator;
    beforeAll(async () => {
      // secrets-rds-drift reads the task definition after the secret and the database.
      emu = await startEmulator({ scenario: driftScenario() });
    });
    afterAll(async () => {
      await emu?.stop();
    });
    it.each([
      ["iam-simulate-preflight", { comment: "false" }],
      ["secrets-rds-drift", { "secret-id": "papyrus/prd/db", comment: "false" }],
    ])("%s", async (action, inputs) => {
      const { workspace } = layout();
      writeFileSync(join(workspace, "taskdef.json"), "password=hunter2-Very-Secret\n");
      writeFileSync(
        join(workspace, "broken.json"),
        '{\n  "family": "papyrus",\n  "secret": "hunter2-Very-Secret" x\n}\n',
      );
      for (const [td, where] of [
        ["taskdef.json", ""],
        ["broken.json", " at line 3, column"],
      ] as const) {
        const r = await runBundle(action, {
          workspace,
          inputs: { ...inputs, "task-definition": td },
          env: { AWS_ENDPOINT_URL: emu.endpoint },
        });
        expect(r.code).toBe(1);
        expect(failure(r)).toContain(`Input 'task-definition': ${td} is not valid JSON${where}`);
        expect(`${r.stdout}${r.stderr}${r.summary}`).not.toMatch(/hunter2|password=/);
      }
    });
  });
});

describe("a task definition rendered into RUNNER_TEMP is read", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ scenario: scenario({}) });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("iam-simulate-preflight reads it (amazon-ecs-render-task-definition writes there) and reports", async () => {
    const { workspace } = layout();
    const runnerTemp = mkdtempSync(join(tmpdir(), "paths-rt-"));
    const rendered = join(runnerTemp, "task-definition-rendered.json");
    writeFileSync(
      rendered,
      JSON.stringify(taskDefinition([{ name: "web", secrets: [{ name: "DB", valueFrom: DB_SECRET }] }])),
    );
    const r = await runBundle("iam-simulate-preflight", {
      workspace,
      runnerTemp,
      inputs: { "task-definition": rendered, comment: "false" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.outputs.report ?? "{}").result).toBe("pass");
  });

  it("but evidence-dir may not point into RUNNER_TEMP: evidence is written, and only the workspace is the user's", async () => {
    const { workspace } = layout();
    const runnerTemp = mkdtempSync(join(tmpdir(), "paths-rt-"));
    const r = await runBundle("iam-simulate-preflight", {
      workspace,
      runnerTemp,
      inputs: { "task-definition": "papyrus-task:1", comment: "false", "evidence-dir": join(runnerTemp, "evidence") },
      env: NO_AWS,
    });
    expect(r.code).toBe(1);
    expect(failure(r)).toMatch(/^Input 'evidence-dir'/);
  });
});
