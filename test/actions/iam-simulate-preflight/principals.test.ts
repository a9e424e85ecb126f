/**
 * Roles that are missing or named by bare name (issue 10 §7, issue 14 item 11),
 * and the one retry layer on IAM (issue 12 §3), in process against the emulator.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import type { Scenario } from "../../emulator/types";
import { preflightInProcess, TD_FILE } from "./in-process";
import {
  ACCOUNT,
  API_KEY_SECRET,
  CI_ROLE,
  DB_SECRET,
  EXECUTION_ROLE,
  incidentTaskDefinition,
  lineOf,
  scenario,
  secretsPolicy,
  TASK_ROLE,
  workspaceWith,
} from "./scenario";

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.stop();
});

function withoutRole(s: Scenario, name: string): Scenario {
  s.iam.roles = s.iam.roles.filter((r: { name: string }) => r.name !== name);
  return s;
}

describe("a missing execution role", () => {
  it("is a failing row annotated on executionRoleArn; the other checks still run and the report is written", async () => {
    emu = await startEmulator({ scenario: withoutRole(scenario({}), "ecsTaskExecutionRole") });
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const text = readFileSync(join(workspace, TD_FILE), "utf8");
    const { result, report, annotations, markdown } = await preflightInProcess(emu, workspace, {
      "task-role-checks": `- action: ssm:GetParameter\n  resource: arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/papyrus/prd/x`,
    });
    expect(result.failure).toContain("IAM preflight failed");
    expect(report.result).toBe("fail");
    const missing = report.findings.find((f) => f.message.includes("does not exist"));
    expect(missing?.message).toContain(`The execution role ${EXECUTION_ROLE} does not exist`);
    const annotation = annotations.find((a) => a.message.includes("does not exist"));
    expect(annotation?.file).toBe(TD_FILE);
    expect(annotation?.line).toBe(lineOf(text, '"executionRoleArn"'));
    // The execution role's rows are there, not simulated; the task role's rows are simulated.
    const executionRows = report.rows.filter((r) => r.principal === EXECUTION_ROLE);
    expect(executionRows.length).toBeGreaterThan(3);
    expect(executionRows.every((r) => r.verdict === "notSimulated")).toBe(true);
    expect(report.rows.find((r) => r.principal === TASK_ROLE)?.verdict).toBe("allowed");
    // The secret lookups still ran.
    expect(report.rows.map((r) => r.resource)).toContain(API_KEY_SECRET);
    expect(markdown).toContain("not simulated");
    expect(result.outputs["evidence-file"]).toMatch(/iam_preflight\.json$/);
    const simulated = emu.emulator.requests.filter((r) => r.action === "SimulatePrincipalPolicy");
    expect(simulated.every((r) => r.params.PolicySourceArn !== EXECUTION_ROLE)).toBe(true);
  });

  it("a CI role IAM does not know is a failing row too, not a crash", async () => {
    emu = await startEmulator({ scenario: scenario({ executionPolicy: secretsPolicy(["*"]) }) });
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const { report } = await preflightInProcess(emu, workspace, {
      "ci-role-arn": CI_ROLE,
      "ci-role-profile": "alb-smoke",
    });
    expect(report.result).toBe("fail");
    expect(report.findings.map((f) => f.message).join("\n")).toContain(`The principal ${CI_ROLE} does not exist`);
    expect(report.rows.filter((r) => r.principal === CI_ROLE).every((r) => r.verdict === "notSimulated")).toBe(true);
    expect(report.rows.filter((r) => r.principal === EXECUTION_ROLE).every((r) => r.verdict === "allowed")).toBe(true);
  });
});

describe("bare role names in the task definition", () => {
  it("are resolved to the role's ARN with iam:GetRole", async () => {
    emu = await startEmulator({ scenario: scenario({ executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET]) }) });
    const td = {
      ...incidentTaskDefinition(),
      executionRoleArn: "ecsTaskExecutionRole",
      taskRoleArn: "papyrus-task-role",
    };
    const { result, report } = await preflightInProcess(emu, workspaceWith(TD_FILE, td));
    expect(result.failure).toBeUndefined();
    expect(report.principals.map((p) => p.arn)).toEqual([EXECUTION_ROLE, TASK_ROLE]);
    expect(report.rows.every((r) => r.principal === EXECUTION_ROLE && r.verdict === "allowed")).toBe(true);
  });

  it("a bare name of a role that does not exist is a failing row with the account's ARN", async () => {
    emu = await startEmulator({ scenario: scenario({}) });
    const td = { ...incidentTaskDefinition(), executionRoleArn: "renamedRole", taskRoleArn: "arn:aws:iam::x" };
    const { report } = await preflightInProcess(emu, workspaceWith(TD_FILE, td));
    const messages = report.findings.map((f) => f.message);
    expect(messages).toContain(
      `The execution role renamedRole does not exist (iam:GetRole: NoSuchEntity). ECS cannot start the task; create the role or fix ${TD_FILE} (executionRoleArn).`,
    );
    expect(
      messages.some((m) => m.includes("'arn:aws:iam::x'") && m.includes("neither a role ARN nor a role name")),
    ).toBe(true);
    expect(report.rows.every((r) => r.principal === `arn:aws:iam::${ACCOUNT}:role/renamedRole`)).toBe(true);
  });
});

describe("throttling on IAM", () => {
  it("is retried by the IAM client's retry strategy alone: AWS_MAX_ATTEMPTS requests per call, no more", async () => {
    emu = await startEmulator({
      scenario: scenario({ executionPolicy: secretsPolicy(["*"]) }),
      faults: { seed: 3, rules: [{ service: "iam", action: "SimulatePrincipalPolicy", throttleRate: 1 }] },
    });
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    await expect(preflightInProcess(emu, workspace, {}, { AWS_MAX_ATTEMPTS: "4" })).rejects.toThrow(
      /iam:SimulatePrincipalPolicy failed: Throttling/,
    );
    const sent = emu.emulator.requests.filter((r) => r.action === "SimulatePrincipalPolicy");
    // One logical call, retried by the SDK only (a second layer made it 4 × 5 = 20 here).
    expect(sent).toHaveLength(4);
  });
});
