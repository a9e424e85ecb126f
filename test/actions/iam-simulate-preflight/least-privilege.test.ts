/**
 * The IAM policy documented for the preflight role is exactly enough: the
 * main step (in process, test/harness/in-process.ts) runs against the emulator in
 * enforcement mode as a role holding only that policy.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { runInProcess } from "../../harness/in-process";
import { ACCOUNT, API_KEY_SECRET, DB_SECRET, incidentTaskDefinition, scenario, secretsPolicy } from "./scenario";

const PREFLIGHT_KEY = "AKIAPREFLIGHT0000001";
const PREFLIGHT_ROLE = `arn:aws:iam::${ACCOUNT}:role/papyrus-preflight`;
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:user/deployer`;

interface Statement {
  Sid: string;
}

/** The policy file the README shows (test/docs/iam-policies.test.ts keeps the two identical). */
function documentedPolicy(): { Version: string; Statement: Statement[] } {
  return JSON.parse(readFileSync("src/actions/iam-simulate-preflight/iam-policy.json", "utf8"));
}

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.stop();
});

async function runAs(
  policy: unknown,
  extraChecks = `- principal: ${DEPLOYER}\n  action: ecs:RegisterTaskDefinition`,
  matchedStatementShape: "documented" | "observed" = "documented",
) {
  const readParameters = {
    Sid: "ReadParameters",
    Effect: "Allow",
    Action: "ssm:GetParameters",
    Resource: `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/papyrus/*`,
  };
  const decryptSecrets = {
    Sid: "DecryptSecrets",
    Effect: "Allow",
    Action: "kms:Decrypt",
    Resource: `arn:aws:kms:us-west-2:${ACCOUNT}:key/1111aaaa-2222-bbbb-3333-cccc4444dddd`,
    Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" } },
  };
  const s = scenario({
    executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET], [readParameters, decryptSecrets]),
  });
  const td = incidentTaskDefinition();
  (td.containerDefinitions[0] as { secrets: { name: string; valueFrom: string }[] }).secrets.push({
    name: "DB_URL",
    valueFrom: "/papyrus/prd/db-url",
  });
  // The DB secret is encrypted with a customer managed key named by alias: kms:DescribeKey resolves it.
  (s.secretsmanager.secrets[0] as { kmsKeyId?: string }).kmsKeyId = "alias/papyrus-secrets";
  s.kms = { keys: [{ id: "1111aaaa-2222-bbbb-3333-cccc4444dddd", aliases: ["alias/papyrus-secrets"] }] };
  s.ecs = { taskDefinitions: [td] };
  s.ssm = { parameters: [{ name: "/papyrus/prd/db-url", value: "postgres://db", type: "String" }] };
  s.iam.roles.push({
    name: "papyrus-preflight",
    trustPolicy: { Version: "2012-10-17", Statement: [] },
    inlinePolicies: { preflight: policy },
  });
  // A user named in extra-checks: SimulatePrincipalPolicy on users is part of the policy.
  s.iam.users = [
    {
      name: "deployer",
      inlinePolicies: {
        deploy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "ecs:RegisterTaskDefinition", Resource: "*" }],
        },
      },
    },
  ];
  s.principals = { [PREFLIGHT_KEY]: PREFLIGHT_ROLE };
  s.enforce = true;
  (s.iam as { matchedStatementShape?: string }).matchedStatementShape = matchedStatementShape;
  emu = await startEmulator({ scenario: s });
  return runInProcess("iam-simulate-preflight", {
    inputs: {
      "task-definition": "papyrus-task:1",
      "execution-role-arn": "",
      "task-role-checks": `- action: ssm:GetParameter\n  resource: arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/papyrus/prd/db-url`,
      "extra-checks": extraChecks,
      comment: "false",
    },
    env: { AWS_ENDPOINT_URL: emu.endpoint, AWS_ACCESS_KEY_ID: PREFLIGHT_KEY },
  });
}

const denied = () => emu.emulator.requests.filter((r) => /AccessDenied/.test(r.code ?? ""));

describe("the preflight role's documented policy", () => {
  // How IAM names a matched policy: as its API reference documents (`role`, the inline policy's name) and as it
  // is seen answering ("IAM Policy", `role_<RoleName>_<PolicyName>`); the Sids are found either way.
  it.each(["documented", "observed"] as const)(
    "is enough for every call, Sids included (%s policy IDs)",
    async (shape) => {
      const result = await runAs(documentedPolicy(), undefined, shape);
      expect(result.stderr).toBe("");
      expect(denied()).toEqual([]);
      expect(result.annotations.filter((a) => a.level === "error")).toEqual([]);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.outputs.report ?? "{}");
      expect(report.statementIdsUnavailable).toBeUndefined();
      const sids = (action: string) =>
        report.rows
          .find((r: { action: string }) => r.action === action)
          ?.matchedStatements.map((m: { sid: string }) => m.sid);
      expect(sids("secretsmanager:GetSecretValue")).toEqual(["ReadPapyrusSecrets"]);
      // AmazonECSTaskExecutionRolePolicy has no Sids: the statement's number instead.
      expect(sids("ecr:BatchGetImage")).toEqual(["statement 1"]);
      const actions = new Set(emu.emulator.requests.map((r) => `${r.service}:${r.action}`));
      for (const call of [
        "iam:SimulatePrincipalPolicy",
        "iam:GetRole",
        "ecs:DescribeTaskDefinition",
        "secretsmanager:DescribeSecret",
        "ssm:DescribeParameters",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "secretsmanager:GetResourcePolicy",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
      ]) {
        expect(actions).toContain(call);
      }
    },
  );

  it("simulates a user named in extra-checks end to end: the user's own verdicts, the call authorized on user/*", async () => {
    const checks = [
      `- principal: ${DEPLOYER}`,
      "  action: ecs:RegisterTaskDefinition",
      `- principal: ${DEPLOYER}`,
      "  action: iam:PassRole",
      `  resource: arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    ].join("\n");
    const result = await runAs(documentedPolicy(), checks);
    expect(denied()).toEqual([]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.outputs.report ?? "{}");
    const userRows = report.rows.filter((r: { principal: string }) => r.principal === DEPLOYER);
    expect(userRows.map((r: { action: string; decision: string }) => [r.action, r.decision])).toEqual([
      ["ecs:RegisterTaskDefinition", "allowed"],
      ["iam:PassRole", "implicitDeny"],
    ]);
    // The preflight role's own SimulatePrincipalPolicy on the user, allowed by SimulateRolesAndUsers.
    const onUser = emu.emulator.requests.filter(
      (r) => r.action === "SimulatePrincipalPolicy" && r.params.PolicySourceArn === DEPLOYER,
    );
    expect(onUser.length).toBeGreaterThan(0);
    expect(onUser.every((r) => r.status === 200 && r.principal === PREFLIGHT_ROLE)).toBe(true);
    const annotation = result.annotations.find((a) => a.level === "error" && a.message.includes("iam:PassRole"));
    expect(annotation?.message).toContain("user/deployer");
  });

  it("without the optional statement: the same verdict, line numbers instead of Sids, and the report says why", async () => {
    const policy = documentedPolicy();
    policy.Statement = policy.Statement.filter((s) => s.Sid !== "OptionalStatementIdsInTheReport");
    const result = await runAs(policy);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.outputs.report ?? "{}");
    expect(report.statementIdsUnavailable).toContain("iam:");
    expect(result.summary).toContain("Statement ids could not be read");
  });

  it("without kms:GetKeyPolicy and secretsmanager:GetResourcePolicy: the same verdict, and notes that those policies went unchecked", async () => {
    const policy = documentedPolicy() as { Version: string; Statement: (Statement & { Action?: unknown })[] };
    const optional = ["kms:GetKeyPolicy", "secretsmanager:GetResourcePolicy"];
    policy.Statement = policy.Statement.map((s) =>
      Array.isArray(s.Action) ? { ...s, Action: s.Action.filter((a: string) => !optional.includes(a)) } : s,
    );
    const result = await runAs(policy);
    expect(result.code).toBe(0);
    const notes = (JSON.parse(result.outputs.report ?? "{}").findings as { severity: string; message: string }[])
      .filter((f) => f.severity === "note")
      .map((f) => f.message);
    expect(notes).toContainEqual(expect.stringContaining("was not checked (kms:GetKeyPolicy was denied"));
    expect(notes).toContainEqual(expect.stringContaining("secretsmanager:GetResourcePolicy was denied"));
  });

  // Exactly enough: without any one required statement (or with roles only), the run fails naming the permission.
  it.each([
    ["ResolveSecretsAndTheirKeys", "secretsmanager:DescribeSecret"],
    ["FindParametersAndTheirKeys", "ssm:DescribeParameters"],
    ["ResolveKmsAliasesToKeys", "kms:DescribeKey"],
    ["ReadTheTaskDefinition", "ecs:DescribeTaskDefinition"],
    ["ReadRoles", "iam:GetRole"],
    ["SimulateRolesAndUsers", "iam:SimulatePrincipalPolicy"],
    ["SimulateRolesAndUsers:user", "iam:SimulatePrincipalPolicy"],
  ])("without %s: exit 1 naming %s as the permission to grant", async (sid, permission) => {
    const policy = documentedPolicy() as { Version: string; Statement: (Statement & { Resource?: unknown })[] };
    const [name, narrow] = sid.split(":");
    policy.Statement = narrow
      ? policy.Statement.map((s) =>
          s.Sid === name ? { ...s, Resource: (s.Resource as string[]).filter((r) => !r.includes(narrow)) } : s,
        )
      : policy.Statement.filter((s) => s.Sid !== name);
    const result = await runAs(policy);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${permission} was denied`);
    expect(result.stdout).toContain(`Grant the role the permission for ${permission}`);
  });
});
