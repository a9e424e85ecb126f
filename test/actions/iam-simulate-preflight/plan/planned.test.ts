/**
 * The plan-aware preflight as its main step runs it (in process), against the emulator:
 * the Terraform plan fixtures (real terraform) and the CloudFormation ones.
 * The emulator holds what is deployed (the base configurations' roles and
 * secrets); each plan is simulated with its planned policies.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient, SimulateCustomPolicyCommand } from "@aws-sdk/client-iam";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  parseCloudFormation,
  readTemplate,
  type TemplateText,
} from "../../../../src/actions/iam-simulate-preflight/plan/cloudformation";
import { type RunningEmulator, startEmulator } from "../../../emulator/server";
import type { Scenario } from "../../../emulator/types";
import { type GitHubFake, startGitHubFake } from "../../../fakes/github-api";
import { runInProcess } from "../../../harness/in-process";
import type { RunResult } from "../../../harness/runner";

const ACCOUNT = "123456789012";
const secret = (name: string) => `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:${name}`;
const DB = secret("papyrus/db-AbCdEf");
const API_KEY = secret("papyrus/api-key-GhIjKl");
const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const allowSecrets = (...patterns: string[]) => ({
  Version: "2012-10-17",
  Statement: patterns.map((p) => ({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret(p) })),
});
const SECRETS = {
  secrets: [
    { name: "papyrus/db", arnSuffix: "AbCdEf", value: "pw" },
    { name: "papyrus/api-key", arnSuffix: "GhIjKl", value: "k3y" },
    { name: "papyrus/shared-token", arnSuffix: "MnOpQr", value: "t0k" },
  ],
};
/** The deployed side of a case: one execution role with its inline policy. */
const deployed = (
  roles: { name: string; inline?: unknown; attached?: string[] }[],
  extra: Scenario = {},
): Scenario => ({
  iam: {
    roles: roles.map((r) => ({
      name: r.name,
      trustPolicy: TRUST,
      ...(r.inline ? { inlinePolicies: { "read-secrets": r.inline } } : {}),
      ...(r.attached ? { attachedPolicies: r.attached } : {}),
    })),
    ...(extra.iam ?? {}),
  },
  secretsmanager: SECRETS,
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "iam")),
});

let emu: RunningEmulator;
let github: GitHubFake;
beforeEach(async () => {
  github = await startGitHubFake({ prefix: "/api/v3" });
});
afterEach(async () => {
  await github.stop();
  await emu?.stop();
});

/** A workspace with the case's plan.json and its .tf sources, as a checkout after `terraform show -json`. */
function terraformWorkspace(name: string, pr = `${name}/pr`): string {
  const workspace = mkdtempSync(join(tmpdir(), "plan-ws-"));
  const fixtures = join(__dirname, "../../../fixtures/terraform");
  cpSync(join(fixtures, name, "plan.json"), join(workspace, "plan.json"));
  cpSync(join(fixtures, pr), join(workspace, "infra"), { recursive: true });
  if (existsSync(join(fixtures, name, "modules"))) {
    cpSync(join(fixtures, name, "modules"), join(workspace, "infra", "modules"), { recursive: true });
  }
  return workspace;
}

async function run(workspace: string, scenario: Scenario, inputs: Record<string, string> = {}): Promise<RunResult> {
  emu = await startEmulator({ scenario });
  return runInProcess("iam-simulate-preflight", {
    workspace,
    inputs: { "task-definition": "plan.json", "github-token": "ghs_preflight", ...inputs },
    env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
    event: { pull_request: { number: 15 } },
    eventName: "pull_request",
  });
}

interface PlanRow {
  action: string;
  resource: string;
  decision: string;
  deployedDecision: string;
  change: string;
  fixVerified: boolean;
  fix?: {
    statement: { Sid: string; Action: string; Resource: string; Condition?: unknown };
    terraform?: string;
    cloudformation?: string;
    edit?: string;
  };
}
const reportOf = (r: RunResult) =>
  JSON.parse(r.outputs.report ?? "{}") as { result: string; rows: PlanRow[]; findings: { message: string }[] };
const rowOf = (r: RunResult, resource: string) =>
  reportOf(r).rows.find((x) => x.action === "secretsmanager:GetSecretValue" && x.resource === resource);
const comment = () => github.commentsOn(15)[0]?.body ?? "";
const findingsOf = (r: RunResult) => reportOf(r).findings.map((f) => f.message);

describe("iam-simulate-preflight with a Terraform plan (planned policies)", () => {
  it("the incident: the new secret is denied with the planned (unchanged) policy — 'this PR breaks', annotated at the .tf block, with a proven fix", async () => {
    const r = await run(
      terraformWorkspace("incident"),
      deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*") }]),
    );
    expect(r.code).toBe(1);
    const api = rowOf(r, API_KEY);
    expect(api).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: true });
    expect(api?.fix?.statement).toMatchObject({ Action: "secretsmanager:GetSecretValue", Resource: API_KEY });
    expect(api?.fix?.terraform).toContain('actions   = ["secretsmanager:GetSecretValue"]');
    // The policy is written as jsonencode({ ... }) in the .tf file: the fix leads with that form.
    expect(api?.fix?.terraform?.split("\n").slice(0, 2)).toEqual([
      "# add to the Statement list of the jsonencode({ ... }) policy of aws_iam_role_policy.secrets:",
      `{ Sid = "${api?.fix?.statement.Sid}", Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "${API_KEY}" }`,
    ]);
    expect(api?.fix?.edit).toBe("aws_iam_role_policy.secrets");
    expect(rowOf(r, DB)).toMatchObject({ decision: "allowed", deployedDecision: "allowed", change: "staysAllowed" });
    expect(comment()).toMatch(
      /^<!--[^\n]*-->\n\*\*this PR breaks:\*\* `secretsmanager:GetSecretValue` on `arn:aws:secretsmanager:us-west-2:\*{12}:secret:papyrus\/api-key-GhIjKl`/,
    );
    expect(comment()).toContain("### Proven fixes");
    const annotation = r.annotations.find((a) => a.level === "error" && a.message.startsWith("This PR breaks"));
    expect(annotation).toMatchObject({ file: "infra/main.tf", line: 24 });
    expect(r.annotations.every((a) => !a.message.includes(ACCOUNT))).toBe(true);
    // The planned state was simulated with SimulateCustomPolicy, the deployed one with SimulatePrincipalPolicy.
    const actions = emu.emulator.requests.filter((q) => q.service === "iam").map((q) => q.action);
    expect(actions).toContain("SimulateCustomPolicy");
    expect(actions).toContain("SimulatePrincipalPolicy");
  });

  it("the incident with the new secret under a customer managed key: the kms:Decrypt fix carries kms:ViaService and the encryption context, and is proven", async () => {
    const key = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1111aaaa-2222-bbbb-3333-cccc4444dddd`;
    const secrets = {
      secrets: SECRETS.secrets.map((x) => (x.name === "papyrus/api-key" ? { ...x, kmsKeyId: key } : x)),
    };
    const r = await run(
      terraformWorkspace("incident"),
      deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*") }], {
        secretsmanager: secrets,
        kms: { keys: [{ id: "1111aaaa-2222-bbbb-3333-cccc4444dddd" }] },
      }),
    );
    expect(r.code).toBe(1);
    const decrypt = reportOf(r).rows.find((x) => x.action === "kms:Decrypt");
    expect(decrypt).toMatchObject({ resource: key, decision: "implicitDeny", change: "breaks", fixVerified: true });
    const condition = {
      StringEquals: {
        "kms:EncryptionContext:SecretARN": API_KEY,
        "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com",
      },
    };
    expect(decrypt?.fix?.statement).toMatchObject({ Action: "kms:Decrypt", Resource: key, Condition: condition });
    expect(decrypt?.fix?.terraform).toContain(
      '  condition {\n    test     = "StringEquals"\n    variable = "kms:ViaService"\n    values   = ["secretsmanager.us-west-2.amazonaws.com"]\n  }',
    );
    expect(decrypt?.fix?.terraform).toContain(
      'Condition = { StringEquals = { "kms:EncryptionContext:SecretARN" = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-GhIjKl", "kms:ViaService" = "secretsmanager.us-west-2.amazonaws.com" } }',
    );
    expect(comment()).toContain('"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"');
    // The conditions are evaluated: the same statement does not allow a read of another secret, or outside Secrets Manager.
    const iam = new IAMClient({ endpoint: emu.endpoint, region: "us-west-2" });
    const simulate = async (secretArn: string, via: string) =>
      (
        await iam.send(
          new SimulateCustomPolicyCommand({
            PolicyInputList: [JSON.stringify({ Version: "2012-10-17", Statement: [decrypt?.fix?.statement] })],
            ActionNames: ["kms:Decrypt"],
            ResourceArns: [key],
            ContextEntries: [
              { ContextKeyName: "kms:ViaService", ContextKeyValues: [via], ContextKeyType: "string" },
              {
                ContextKeyName: "kms:EncryptionContext:SecretARN",
                ContextKeyValues: [secretArn],
                ContextKeyType: "string",
              },
            ],
          }),
        )
      ).EvaluationResults?.[0]?.EvalDecision;
    expect(await simulate(API_KEY, "secretsmanager.us-west-2.amazonaws.com")).toBe("allowed");
    expect(await simulate(DB, "secretsmanager.us-west-2.amazonaws.com")).toBe("implicitDeny");
    expect(await simulate(API_KEY, "ssm.us-west-2.amazonaws.com")).toBe("implicitDeny");
    iam.destroy();
  });

  it("the same PR with the statement added passes, although the deployed role denies", async () => {
    const r = await run(
      terraformWorkspace("policy-added"),
      deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*") }]),
    );
    expect(r.code).toBe(0);
    expect(rowOf(r, API_KEY)).toMatchObject({ decision: "allowed", deployedDecision: "implicitDeny", change: "fixes" });
    expect(comment()).toMatch(/^<!--[^\n]*-->\n\*\*this PR fixes:\*\*/);
  });

  it("planned-policies: false simulates the roles as deployed: the statement the PR adds does not count", async () => {
    const r = await run(
      terraformWorkspace("policy-added"),
      deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*") }]),
      { "planned-policies": "false" },
    );
    expect(r.code).toBe(1);
    expect(rowOf(r, API_KEY)).toMatchObject({ decision: "implicitDeny", deployedDecision: "implicitDeny" });
  });

  it("a PR that deletes the needed statement fails, although the deployed role allows; the task definition is untouched", async () => {
    const r = await run(
      terraformWorkspace("statement-deleted", "incident/pr"),
      deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*", "papyrus/api-key-*") }]),
    );
    expect(r.code).toBe(1);
    expect(rowOf(r, API_KEY)).toMatchObject({
      decision: "implicitDeny",
      deployedDecision: "allowed",
      change: "breaks",
    });
  });

  it("a role, managed policy and attachment created by the plan: only the planned policies count", async () => {
    const r = await run(terraformWorkspace("role-created"), deployed([]));
    expect(rowOf(r, DB)).toMatchObject({ decision: "allowed", deployedDecision: "roleNotDeployed" });
    expect(rowOf(r, API_KEY)).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: true });
    expect(r.code).toBe(1);
  });

  it("a role created with managed_policy_arns and a permissions_boundary naming policies the plan creates: the placeholders attach them, and the boundary denies what the policy allows", async () => {
    const r = await run(terraformWorkspace("role-exclusive"), deployed([]));
    expect(r.code).toBe(1);
    expect(rowOf(r, DB)).toMatchObject({ decision: "allowed", deployedDecision: "roleNotDeployed" });
    const api = rowOf(r, API_KEY);
    expect(api).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: false });
    expect(api?.fix).toBeUndefined();
    const custom = emu.emulator.requests.filter((q) => q.action === "SimulateCustomPolicy");
    expect(custom.length).toBeGreaterThan(0);
    expect(custom.every((q) => JSON.stringify(q.params).includes("papyrus/db-*"))).toBe(true);
    expect(reportOf(r).findings.filter((f) => /unknown until apply/.test(f.message))).toEqual([]);
  });

  it("a policy document data source: the managed policy's new default version allows the new secret", async () => {
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/papyrus-task-secrets`;
    const r = await run(
      terraformWorkspace("policy-document"),
      deployed([{ name: "papyrus-task-execution", attached: [policyArn] }], {
        iam: { policies: [{ name: "papyrus-task-secrets", document: allowSecrets("papyrus/db-*") }] },
      }),
    );
    expect(r.code).toBe(0);
    expect(rowOf(r, API_KEY)).toMatchObject({ decision: "allowed", deployedDecision: "implicitDeny" });
  });

  it("container_definitions unknown until apply: a clear 'cannot check before apply' naming the references, never a pass", async () => {
    const r = await run(terraformWorkspace("definitions-unknown"), deployed([]));
    expect(r.code).toBe(1);
    const finding = reportOf(r).findings.find((f) =>
      f.message.includes("container_definitions is unknown until apply"),
    );
    expect(finding?.message).toContain("aws_ecr_repository.app.repository_url");
    expect(finding?.message).toContain("task-definition: papyrus-task:<revision>");
    expect(r.annotations.find((a) => a.level === "error" && a.file)).toMatchObject({ file: "infra/main.tf", line: 16 });
  });

  it("a new secret created by the plan, referenced by the task definition and the policy: container_definitions evaluated from the .tf block, one placeholder ARN on both sides", async () => {
    const r = await run(terraformWorkspace("new-secret"), deployed([]));
    const placeholder = secret("papyrus/api-key-v2-PLANND");
    const row = rowOf(r, placeholder) as PlanRow & { neededFor: string[] };
    expect(row).toMatchObject({ decision: "allowed", deployedDecision: "roleNotDeployed" });
    expect(row.neededFor).toEqual(["aws_ecs_task_definition.app: container app, secret API_KEY"]);
    expect(r.code).toBe(0);
    // Evaluated, not rebuilt from references: no warning that the rest is unseen, a note saying where it was read.
    expect(r.annotations.filter((a) => a.level === "warning" && a.file)).toEqual([]);
    expect(findingsOf(r)).toContainEqual(
      expect.stringContaining(
        "container_definitions is unknown until apply (it is computed from aws_secretsmanager_secret.api_key.arn): the preflight evaluated it from infra/main.tf:35, with the placeholder ARN of aws_secretsmanager_secret.api_key (arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-v2-PLANND)",
      ),
    );
    expect(comment()).toContain("#### Notes");
    expect(reportOf(r).rows.map((x) => x.action)).toContain("secretsmanager:GetSecretValue");
  });

  it("a new secret, container_definitions not evaluable from the .tf block (a for expression): checked through its references with one placeholder ARN on both sides, said in the row, with a warning that the rest is unseen", async () => {
    const workspace = terraformWorkspace("new-secret");
    const tf = join(workspace, "infra", "main.tf");
    const source = readFileSync(tf, "utf8");
    writeFileSync(
      tf,
      source
        .replace("container_definitions = jsonencode([{", "container_definitions = jsonencode([for c in [{")
        .replace("}])\n}", "}] : c])\n}"),
    );
    expect(readFileSync(tf, "utf8")).toContain(": c])");
    const r = await run(workspace, deployed([]));
    const placeholder = secret("papyrus/api-key-v2-PLANND");
    const row = rowOf(r, placeholder) as PlanRow & { neededFor: string[] };
    expect(row).toMatchObject({ decision: "allowed", deployedDecision: "roleNotDeployed" });
    expect(row.neededFor[0]).toMatch(
      /^aws_ecs_task_definition.app: container \(container_definitions, unknown until apply\), secret aws_secretsmanager_secret.api_key.arn \(a placeholder ARN: this plan creates aws_secretsmanager_secret.api_key; the policies that reference it get the same ARN\)/,
    );
    expect(r.code).toBe(0);
    expect(r.annotations.find((a) => a.level === "warning" && a.file)).toMatchObject({
      file: "infra/main.tf",
      line: 28,
      message: expect.stringContaining("cannot see the rest of the definitions"),
    });
    expect(r.annotations.find((a) => a.level === "warning" && a.file)?.message).toContain(
      "it could not evaluate them from the .tf source (infra/main.tf:35 uses a for expression (line 35), which the preflight does not evaluate)",
    );
    expect(comment()).toContain("#### Notes");
  });

  it("a new secret under a new KMS key: kms:Decrypt on the key's placeholder is denied, with a proven fix conditioned on the secret's placeholder", async () => {
    const r = await run(terraformWorkspace("new-secret-kms"), deployed([]));
    expect(r.code).toBe(1);
    const placeholder = secret("papyrus/api-key-v3-PLANND");
    expect(rowOf(r, placeholder)).toMatchObject({ decision: "allowed" });
    const decrypt = reportOf(r).rows.find((x) => x.action === "kms:Decrypt");
    expect(decrypt).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: true });
    expect(decrypt?.resource).toMatch(/^arn:aws:kms:us-west-2:123456789012:key\/00000000-0000-4000-8000-/);
    expect(decrypt?.fix?.statement.Condition).toEqual({
      StringEquals: {
        "kms:EncryptionContext:SecretARN": placeholder,
        "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com",
      },
    });
    expect(decrypt?.fix?.edit).toBe("aws_iam_role_policy.secrets");
  });

  it("new secrets referenced from jsonencode policies (aws_iam_role_policy, inline_policy, aws_iam_policy) and container definitions: evaluated from the .tf blocks with one placeholder ARN per secret; the missing statement is denied with a jsonencode fix naming the secret's reference", async () => {
    const r = await run(terraformWorkspace("jsonencode-new-secret"), deployed([]));
    expect(r.code).toBe(1);
    const apiKey = secret("papyrus/api-key-v4-PLANND");
    const token = secret("papyrus/token-v4-PLANND");
    const report = JSON.parse(r.outputs.report ?? "{}") as {
      rows: (PlanRow & { principal: string; addresses: string[] })[];
      plan: { placeholders: Record<string, string>; taskDefinitions: { address: string; result: string }[] };
    };
    expect(report.plan.placeholders).toMatchObject({
      "aws_secretsmanager_secret.api_key": apiKey,
      "aws_secretsmanager_secret.token": token,
    });
    const row = (role: string, resource: string) =>
      report.rows.find((x) => x.principal === `arn:aws:iam::${ACCOUNT}:role/${role}` && x.resource === resource);
    // aws_iam_role_policy with Resource = aws_secretsmanager_secret.api_key.arn, and a literal ARN with the account from a data source.
    expect(row("papyrus-app-execution", apiKey)).toMatchObject({
      decision: "allowed",
      deployedDecision: "roleNotDeployed",
    });
    expect(row("papyrus-app-execution", DB)).toMatchObject({ decision: "allowed" });
    // An aws_iam_role inline_policy block and an aws_iam_policy, both jsonencode over a planned secret's ARN.
    expect(row("papyrus-worker-execution", token)).toMatchObject({ decision: "allowed" });
    expect(row("papyrus-cron-execution", apiKey)).toMatchObject({ decision: "allowed" });
    // The app's TOKEN ("${aws_secretsmanager_secret.token.arn}") is not in its policy: this PR breaks it.
    const denied = row("papyrus-app-execution", token);
    expect(denied).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: true });
    expect(denied?.fix?.statement).toMatchObject({ Action: "secretsmanager:GetSecretValue", Resource: token });
    expect(denied?.fix?.edit).toBe("aws_iam_role_policy.app");
    expect(denied?.fix?.terraform?.split("\n").slice(0, 2)).toEqual([
      "# add to the Statement list of the jsonencode({ ... }) policy of aws_iam_role_policy.app:",
      `{ Sid = "${denied?.fix?.statement.Sid}", Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = aws_secretsmanager_secret.token.arn }`,
    ]);
    expect(report.plan.taskDefinitions.map((t) => [t.address, t.result])).toEqual([
      ["aws_ecs_task_definition.app", "fail"],
      ["aws_ecs_task_definition.cron", "pass"],
      ["aws_ecs_task_definition.worker", "pass"],
    ]);
    const body = comment();
    expect(body).toMatch(
      /^<!--[^\n]*-->\n\*\*this PR breaks:\*\* `secretsmanager:GetSecretValue` on `[^`]+token-v4-PLANND`/,
    );
    const notes = findingsOf(r);
    expect(notes).toContainEqual(
      expect.stringMatching(
        /^aws_iam_role_policy.app.policy is unknown until apply \(it is computed from aws_secretsmanager_secret.api_key.arn, data.aws_caller_identity.current.account_id\): the preflight evaluated it from infra\/main.tf:32, with the placeholder ARN of aws_secretsmanager_secret.api_key /,
      ),
    );
    expect(notes).toContainEqual(
      expect.stringMatching(
        /^aws_iam_role.worker.inline_policy\[0\].policy is unknown until apply .*infra\/main.tf:76/,
      ),
    );
    expect(notes).toContainEqual(
      expect.stringMatching(/^aws_iam_policy.cron.policy is unknown until apply .*infra\/main.tf:109/),
    );
    expect(body).toContain("#### Notes");
    expect(body).not.toContain("cannot see the rest of the definitions");
    expect(reportOf(r).findings.filter((f) => /could not evaluate/.test(f.message))).toEqual([]);
    const breaks = r.annotations.filter((a) => a.level === "error" && a.message.startsWith("This PR breaks"));
    expect(breaks.map((a) => [a.file, a.line])).toEqual([["infra/main.tf", 51]]);
  });

  it("a module address: module.app is checked and selected; module.worker is not", async () => {
    const roles = ["papyrus-app-execution", "papyrus-worker-execution"].map((name) => ({
      name,
      inline: allowSecrets("papyrus/db-*"),
    }));
    const r = await run(terraformWorkspace("module"), deployed(roles), {
      "task-definition-address": "module.app.aws_ecs_task_definition.this",
    });
    expect(r.code).toBe(1);
    expect(rowOf(r, API_KEY)).toMatchObject({ change: "breaks" });
    const annotation = r.annotations.find((a) => a.message.startsWith("This PR breaks"));
    expect(annotation).toMatchObject({ file: "infra/modules/app/main.tf", line: 21 });
  });

  it("several task definitions: one report section and one annotation each, the unchanged one whose shared role loses a statement included, the one with an untouched role left out", async () => {
    const roles = [
      { name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*", "papyrus/api-key-*") },
      { name: "papyrus-cron-execution", inline: allowSecrets("papyrus/db-*") },
    ];
    const r = await run(terraformWorkspace("shared-role"), deployed(roles));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.outputs.report ?? "{}") as {
      plan: { taskDefinitions: { address: string; change: string; result: string; breaks: number }[] };
      rows: (PlanRow & { addresses: string[] })[];
    };
    expect(report.plan.taskDefinitions).toEqual([
      expect.objectContaining({ address: "aws_ecs_task_definition.app", change: "replace", result: "fail", breaks: 1 }),
      expect.objectContaining({
        address: "aws_ecs_task_definition.worker",
        change: "unchanged",
        result: "fail",
        breaks: 1,
      }),
    ]);
    // The API key row is needed by both task definitions; the DB row only by app.
    expect(report.rows.find((x) => x.resource === API_KEY)?.addresses).toEqual([
      "aws_ecs_task_definition.app",
      "aws_ecs_task_definition.worker",
    ]);
    expect(report.rows.find((x) => x.resource === DB)?.addresses).toEqual(["aws_ecs_task_definition.app"]);
    const body = comment();
    expect(body).toMatch(
      /^<!--[^\n]*-->\n\*\*this PR breaks:\*\* `secretsmanager:GetSecretValue` on `[^`]+api-key-GhIjKl` \(`aws_ecs_task_definition.app`, `aws_ecs_task_definition.worker`\)/,
    );
    const sections = body.split(/\n(?=### )/).filter((x) => x.startsWith("### "));
    expect(sections.map((x) => x.split("\n")[0])).toEqual([
      expect.stringMatching(/^### ❌ `aws_ecs_task_definition.app`: IAM preflight failed: 1 denied/),
      expect.stringMatching(/^### ❌ `aws_ecs_task_definition.worker`: IAM preflight failed: 1 denied/),
    ]);
    expect(sections.every((x) => x.includes("#### Proven fixes"))).toBe(true);
    expect(body).not.toContain("aws_ecs_task_definition.cron");
    const breaks = r.annotations.filter((a) => a.level === "error" && a.message.startsWith("This PR breaks"));
    expect(breaks.map((a) => [a.message.split(":")[0], a.file, a.line])).toEqual([
      ["This PR breaks aws_ecs_task_definition.app", "infra/main.tf", 48],
      ["This PR breaks aws_ecs_task_definition.worker", "infra/main.tf", 66],
    ]);
    expect(breaks[1]?.message).toContain("Proven fix: add");
    expect(breaks[1]?.message).toContain(
      "needed for aws_ecs_task_definition.worker: container worker, secret API_KEY)",
    );
  });

  it("task-definition-address selects one of several task definitions: one section, one annotation", async () => {
    const roles = [{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*", "papyrus/api-key-*") }];
    const r = await run(terraformWorkspace("shared-role"), deployed(roles), {
      "task-definition-address": "aws_ecs_task_definition.worker",
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.outputs.report ?? "{}") as { plan: { taskDefinitions: { address: string }[] } };
    expect(report.plan.taskDefinitions.map((t) => t.address)).toEqual(["aws_ecs_task_definition.worker"]);
    expect(comment()).not.toContain("aws_ecs_task_definition.app");
    expect(r.annotations.filter((a) => a.level === "error" && a.file).map((a) => [a.file, a.line])).toEqual([
      ["infra/main.tf", 66],
    ]);
  });

  it("a file over 64 MiB is refused naming the input, before it is read and before any AWS call", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "plan-ws-"));
    // Sparse: the size is there, the bytes are not (nothing to read or write).
    writeFileSync(join(workspace, "plan.json"), "");
    truncateSync(join(workspace, "plan.json"), 64 * 1024 * 1024 + 1);
    const r = await run(workspace, deployed([]));
    expect(r.code).toBe(1);
    expect(r.annotations.map((a) => a.message).join("\n")).toMatch(
      /Input 'task-definition': plan.json is 64 MiB; the preflight reads files up to 64 MiB/,
    );
    expect(emu.emulator.requests).toEqual([]);
  });

  it("a PR that only narrows the task role's policy: the unchanged task definition is checked, task-role-checks against the planned task role", async () => {
    const assets = (resource: string) => ({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: resource }],
    });
    const r = await run(
      terraformWorkspace("task-role"),
      deployed([], {
        iam: {
          roles: [
            {
              name: "papyrus-task-execution",
              trustPolicy: TRUST,
              inlinePolicies: { "read-secrets": allowSecrets("papyrus/db-*") },
            },
            {
              name: "papyrus-task",
              trustPolicy: TRUST,
              inlinePolicies: { "read-assets": assets("arn:aws:s3:::papyrus-assets/*") },
            },
          ],
        },
      }),
      { "task-role-checks": "- action: s3:GetObject\n  resource: arn:aws:s3:::papyrus-assets/private/report.csv" },
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.outputs.report ?? "{}") as {
      plan: { taskDefinitions: { address: string; change: string }[] };
      principals: { role: string; arn: string }[];
      rows: (PlanRow & { principal: string })[];
    };
    expect(report.plan.taskDefinitions).toEqual([
      expect.objectContaining({ address: "aws_ecs_task_definition.app", change: "unchanged" }),
    ]);
    expect(report.principals).toContainEqual({ role: "task role", arn: `arn:aws:iam::${ACCOUNT}:role/papyrus-task` });
    const row = report.rows.find((x) => x.action === "s3:GetObject");
    expect(row).toMatchObject({
      principal: `arn:aws:iam::${ACCOUNT}:role/papyrus-task`,
      resource: "arn:aws:s3:::papyrus-assets/private/report.csv",
      decision: "implicitDeny",
      deployedDecision: "allowed",
      change: "breaks",
      fixVerified: true,
    });
    expect(row?.fix?.edit).toBe("aws_iam_role_policy.assets");
    expect(rowOf(r, DB)).toMatchObject({ decision: "allowed", deployedDecision: "allowed", change: "staysAllowed" });
  });

  it("a plan without a task definition: a clear error naming the input", async () => {
    const r = await run(terraformWorkspace("no-task-definition"), deployed([]));
    expect(r.code).toBe(1);
    expect(r.annotations.map((a) => a.message).join("\n")).toMatch(
      /Input 'task-definition': plan.json is a Terraform plan without any aws_ecs_task_definition resource/,
    );
  });
});

describe("iam-simulate-preflight with a CloudFormation template", () => {
  function cfnWorkspace(...files: string[]) {
    const workspace = mkdtempSync(join(tmpdir(), "cfn-ws-"));
    for (const f of files) cpSync(join(__dirname, "../../../fixtures/cloudformation", f), join(workspace, f));
    return workspace;
  }

  it("!Sub/!ImportValue/!Ref to an in-template secret and to a parameter, resolved through ListExports; a proven YAML fix", async () => {
    const r = await run(
      cfnWorkspace("service.yaml", "parameters.json"),
      {
        ...deployed([]),
        cloudformation: {
          stacks: [
            { name: "papyrus-shared", exports: { "papyrus-shared-token-arn": secret("papyrus/shared-token-MnOpQr") } },
          ],
        },
        ssm: { parameters: [{ name: "/papyrus/prd/flags", value: "on" }] },
      },
      { "task-definition": "service.yaml", "template-parameters": "parameters.json" },
    );
    expect(rowOf(r, secret("papyrus/prd/db-PLANND"))).toMatchObject({ decision: "allowed" });
    expect(rowOf(r, API_KEY)).toMatchObject({ decision: "allowed" });
    const shared = rowOf(r, secret("papyrus/shared-token-MnOpQr"));
    expect(shared).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: true });
    expect(shared?.fix?.cloudformation).toContain("Action: secretsmanager:GetSecretValue");
    expect(r.annotations.find((a) => a.message.startsWith("This PR breaks"))).toMatchObject({
      file: "service.yaml",
      line: 68,
    });
    expect(emu.emulator.requests.some((q) => q.action === "ListExports")).toBe(true);
  });

  it("two task definitions in a template: one section and one annotation each, at each resource's line", async () => {
    const r = await run(cfnWorkspace("two-task-definitions.yaml"), deployed([]), {
      "task-definition": "two-task-definitions.yaml",
    });
    expect(r.code).toBe(1);
    const body = comment();
    expect(body).toMatch(/### ✅ `AppTaskDefinition`: IAM preflight passed/);
    expect(body).toMatch(/### ❌ `WorkerTaskDefinition`: IAM preflight failed: 1 denied/);
    const errors = r.annotations.filter((a) => a.level === "error" && a.file);
    expect(errors.map((a) => [a.message.split(":")[0], a.file, a.line])).toEqual([
      ["This PR breaks WorkerTaskDefinition", "two-task-definitions.yaml", 45],
    ]);
    expect(errors[0]?.message).toContain("Proven fix: add");
  });

  it("a role's Policies, ManagedPolicyArns and PermissionsBoundary, a ManagedPolicy and a RolePolicy, with template-parameters as Key=Value lines: the boundary denies what the RolePolicy grants, and no fix is claimed", async () => {
    const r = await run(cfnWorkspace("iam-forms.yaml"), deployed([]), {
      "task-definition": "iam-forms.yaml",
      "template-parameters": `DbSecretArn=${DB}\n`,
    });
    expect(r.code).toBe(1);
    // Policies (read-db, the parameter's ARN), the attached ManagedPolicy, both inside the boundary.
    expect(rowOf(r, DB)).toMatchObject({ decision: "allowed", deployedDecision: "roleNotDeployed" });
    expect(rowOf(r, API_KEY)).toMatchObject({ decision: "allowed" });
    // The RolePolicy allows the shared token, the boundary does not: denied, and a statement added cannot fix it.
    const shared = rowOf(r, secret("papyrus/shared-token-MnOpQr"));
    expect(shared).toMatchObject({ decision: "implicitDeny", change: "breaks", fixVerified: false });
    expect(shared?.fix).toBeUndefined();
    const custom = emu.emulator.requests.filter((q) => q.action === "SimulateCustomPolicy");
    expect(custom.length).toBeGreaterThan(0);
    expect(custom.every((q) => JSON.stringify(q).includes("PermissionsBoundaryPolicyInputList"))).toBe(true);
  });

  it("a CDK-synthesized template: the DefaultPolicy attached by Ref allows the in-template secret", async () => {
    const r = await run(cfnWorkspace("cdk-synth.template.json"), deployed([]), {
      "task-definition": "cdk-synth.template.json",
    });
    const rows = reportOf(r).rows.filter((x) => x.action === "secretsmanager:GetSecretValue");
    expect(rows.find((x) => x.resource.includes("ApiKeySecret9E6DB2C4"))).toMatchObject({ decision: "allowed" });
    expect(rows.find((x) => x.resource === DB)).toMatchObject({ decision: "implicitDeny", change: "breaks" });
  });
});

describe("the preflight role's documented policy with a plan or template", () => {
  const PREFLIGHT_KEY = "AKIAPREFLIGHT0000001";
  const policy = () =>
    JSON.parse(readFileSync("src/actions/iam-simulate-preflight/iam-policy.json", "utf8")) as {
      Statement: { Sid: string }[];
    };
  const asPreflightRole = (s: Scenario, doc: unknown): Scenario => ({
    ...s,
    iam: {
      ...s.iam,
      roles: [
        ...(s.iam?.roles ?? []),
        {
          name: "papyrus-preflight",
          trustPolicy: { Version: "2012-10-17", Statement: [] },
          inlinePolicies: { preflight: doc },
        },
      ],
    },
    principals: { [PREFLIGHT_KEY]: `arn:aws:iam::${ACCOUNT}:role/papyrus-preflight` },
    enforce: true,
  });
  async function runAs(workspace: string, s: Scenario, doc: unknown, inputs: Record<string, string>) {
    emu = await startEmulator({ scenario: asPreflightRole(s, doc) });
    return runInProcess("iam-simulate-preflight", {
      workspace,
      inputs: { comment: "false", ...inputs },
      env: { AWS_ENDPOINT_URL: emu.endpoint, AWS_ACCESS_KEY_ID: PREFLIGHT_KEY },
    });
  }
  const incident = () => deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*") }]);

  it("is enough for a plan (SimulateCustomPolicy, the deployed role's policies) and a template with a stack (ListExports, DescribeStackResources)", async () => {
    const plan = await runAs(terraformWorkspace("incident"), incident(), policy(), { "task-definition": "plan.json" });
    expect(emu.emulator.requests.filter((q) => /AccessDenied/.test(q.code ?? ""))).toEqual([]);
    expect(rowOf(plan, API_KEY)).toMatchObject({ change: "breaks", fixVerified: true });
    const actions = new Set(emu.emulator.requests.map((q) => `${q.service}:${q.action}`));
    for (const a of [
      "iam:SimulateCustomPolicy",
      "iam:ListRolePolicies",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
    ]) {
      expect(actions).toContain(a);
    }
    await emu.stop();
    const workspace = mkdtempSync(join(tmpdir(), "cfn-ws-"));
    for (const f of ["service.yaml", "parameters.json"])
      cpSync(join(__dirname, "../../../fixtures/cloudformation", f), join(workspace, f));
    const stack = {
      name: "papyrus-prd",
      resources: [
        { logicalId: "DbSecret", physicalId: secret("papyrus/db-AbCdEf"), type: "AWS::SecretsManager::Secret" },
      ],
      exports: { "papyrus-shared-token-arn": secret("papyrus/shared-token-MnOpQr") },
    };
    const template = await runAs(
      workspace,
      {
        ...deployed([]),
        cloudformation: { stacks: [stack] },
        ssm: { parameters: [{ name: "/papyrus/prd/flags", value: "on" }] },
      },
      policy(),
      { "task-definition": "service.yaml", "template-parameters": "parameters.json", "stack-name": "papyrus-prd" },
    );
    expect(emu.emulator.requests.filter((q) => /AccessDenied/.test(q.code ?? ""))).toEqual([]);
    expect(rowOf(template, DB)).toMatchObject({ decision: "allowed" });
    expect(emu.emulator.requests.map((q) => q.action)).toEqual(
      expect.arrayContaining(["ListExports", "DescribeStackResources"]),
    );
  });

  it("without PlansAndTemplates: exit 1 naming iam:SimulateCustomPolicy as the permission to grant", async () => {
    const doc = policy();
    doc.Statement = doc.Statement.filter((s) => s.Sid !== "PlansAndTemplates");
    const r = await runAs(terraformWorkspace("incident"), incident(), doc, { "task-definition": "plan.json" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/iam:(SimulateCustomPolicy|ListRolePolicies) was denied/);
  });
});

describe("iam-simulate-preflight with a plan that sets key policies, key states and secret resource policies", () => {
  const EXEC = `arn:aws:iam::${ACCOUNT}:role/papyrus-task-execution`;
  const EXEC_KEY = "AKIAEXECUTIONROLE001";
  const KEY_ADMIN = {
    Sid: "KeyAdministration",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/papyrus-key-admin` },
    Action: "kms:*",
    Resource: "*",
  };
  /** The execution role once applied, with its read-secrets policy. */
  const execRole = (policy: unknown) => ({
    roles: [{ name: "papyrus-task-execution", trustPolicy: TRUST, inlinePolicies: { "read-secrets": policy } }],
  });
  /** GetSecretValue on the secrets, and kms:Decrypt on the key when one is given. */
  const reads = (secrets: string | string[], key?: string) => ({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secrets },
      ...(key ? [{ Effect: "Allow", Action: "kms:Decrypt", Resource: key }] : []),
    ],
  });
  const placeholdersOf = (r: RunResult) =>
    (JSON.parse(r.outputs.report ?? "{}") as { plan: { placeholders: Record<string, string> } }).plan.placeholders;

  /**
   * What ECS meets once the plan is applied: the execution role's own GetSecretValue, under the emulator's
   * enforcement of the same policies (identity, key policy, resource policy), in a fresh emulator that holds what
   * the plan leaves.
   */
  async function ecsReads(applied: Scenario, secretId: string, role = EXEC): Promise<string> {
    await emu.stop();
    emu = await startEmulator({ scenario: { ...applied, principals: { [EXEC_KEY]: role }, enforce: true } });
    const client = new SecretsManagerClient({
      endpoint: emu.endpoint,
      region: "us-west-2",
      maxAttempts: 1,
      credentials: { accessKeyId: EXEC_KEY, secretAccessKey: "emulator-secret-key" },
    });
    try {
      await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      return "read";
    } catch (error) {
      const name = (error as Error).name;
      if (name === "AccessDeniedException") return "denied";
      if (name === "DecryptionFailure" || name === "InvalidRequestException") return name;
      throw error;
    } finally {
      client.destroy();
    }
  }
  /** The applied world of a case whose plan creates the key, the secret and the role. */
  const applied = (keyArn: string, secretName: string, keyPolicy: unknown, rolePolicy: unknown): Scenario => ({
    iam: execRole(rolePolicy),
    kms: { keys: [{ id: keyArn.split("/").pop() as string, ...(keyPolicy ? { policy: keyPolicy } : {}) }] },
    secretsmanager: { secrets: [{ name: secretName, arnSuffix: "PLANND", value: "k3y", kmsKeyId: keyArn }] },
  });

  it("key-policy: the planned key policy names only the key administrators: KMS refuses kms:Decrypt whatever the role's policy allows — failed, naming the resource to edit; ECS is refused too once applied", async () => {
    const r = await run(terraformWorkspace("key-policy"), deployed([]));
    expect(r.code).toBe(1);
    const key = placeholdersOf(r)["aws_kms_key.secrets"] as string;
    const failure = findingsOf(r).find((m) => m.includes("neither lets IAM policies grant access"));
    expect(failure).toContain(`the key policy aws_kms_key.secrets sets for ${key}`);
    expect(failure).toContain("Add a statement to the key policy in aws_kms_key.secrets:");
    expect(failure).toContain(`"Principal":{"AWS":"${EXEC}"}`);
    expect(reportOf(r).rows.find((x) => x.action === "kms:Decrypt")).toBeUndefined();
    // No KMS call: the key is the plan's.
    expect(emu.emulator.requests.filter((q) => q.service === "kms")).toEqual([]);
    const secretArn = secret("papyrus/api-key-v5-PLANND");
    const rolePolicy = reads(secretArn, key);
    const world = applied(key, "papyrus/api-key-v5", { Version: "2012-10-17", Statement: [KEY_ADMIN] }, rolePolicy);
    expect(await ecsReads(world, secretArn)).toBe("denied");
  });

  it("a planned key policy that is no JSON policy document is a failing unresolved finding naming the attribute, not an internal error", async () => {
    const workspace = terraformWorkspace("key-policy");
    const plan = JSON.parse(readFileSync(join(workspace, "plan.json"), "utf8"));
    for (const rc of plan.resource_changes) if (rc.type === "aws_kms_key") rc.change.after.policy = "not json {";
    writeFileSync(join(workspace, "plan.json"), JSON.stringify(plan));
    const r = await run(workspace, deployed([]));
    expect(r.code).toBe(1);
    expect(findingsOf(r)).toContainEqual(
      expect.stringMatching(/^aws_kms_key\.secrets\.policy: is not a JSON policy document \(AWS refuses it/),
    );
    expect(r.stderr ?? "").not.toMatch(/internal error|at .*\.ts:\d+/);
  });

  it("key-policy-grants: aws_kms_key_policy (evaluated from the .tf source, the role's ARN unknown until apply) grants the role kms:Decrypt with no IAM policy for the key — passed; ECS reads the secret once applied", async () => {
    const r = await run(terraformWorkspace("key-policy-grants"), deployed([]));
    const key = placeholdersOf(r)["aws_kms_key.secrets"] as string;
    const decrypt = reportOf(r).rows.find((x) => x.action === "kms:Decrypt") as PlanRow & {
      matchedStatements?: { policy: string; sid?: string }[];
    };
    expect(decrypt).toMatchObject({
      resource: key,
      decision: "allowed",
      matchedStatements: [
        { policy: `key policy of ${key} (aws_kms_key_policy.secrets)`, sid: "AllowDecryptThroughSecretsManager" },
      ],
    });
    expect(r.code).toBe(0);
    // The policy came from the .tf source, with the role's placeholder ARN: a note says so.
    expect(findingsOf(r)).toContainEqual(
      expect.stringMatching(
        /^aws_kms_key_policy\.secrets\.policy is unknown until apply \(it is computed from .*aws_iam_role\.exec\.arn.*\): the preflight evaluated it from infra\/main\.tf/,
      ),
    );
    const secretArn = secret("papyrus/api-key-v6-PLANND");
    const keyPolicy = {
      Version: "2012-10-17",
      Statement: [
        KEY_ADMIN,
        {
          Sid: "AllowDecryptThroughSecretsManager",
          Effect: "Allow",
          Principal: { AWS: EXEC },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" } },
        },
      ],
    };
    const rolePolicy = reads(secretArn);
    expect(await ecsReads(applied(key, "papyrus/api-key-v6", keyPolicy, rolePolicy), secretArn)).toBe("read");
    // The same world without the key policy's statement for the role: refused, so the grant is what decides.
    const withoutGrant = applied(
      key,
      "papyrus/api-key-v6",
      { Version: "2012-10-17", Statement: [KEY_ADMIN] },
      rolePolicy,
    );
    expect(await ecsReads(withoutGrant, secretArn)).toBe("denied");
  });

  it("secret-policy-deny: the resource policy the plan puts on a deployed secret denies the role — failed, whatever IAM allows, naming the resource to edit; ECS is refused too once applied", async () => {
    const r = await run(terraformWorkspace("secret-policy-deny"), deployed([]));
    expect(r.code).toBe(1);
    expect(rowOf(r, DB)).toMatchObject({ decision: "allowed" });
    expect(findingsOf(r)).toContainEqual(
      expect.stringContaining(
        `the resource policy aws_secretsmanager_secret_policy.db sets for the secret denies ${EXEC} secretsmanager:GetSecretValue (statement 1 ("OnlyTheApi")), whatever IAM allows, so the task will not start. Change that statement in aws_secretsmanager_secret_policy.db.`,
      ),
    );
    // The deployed secret's own policy is not read: the plan replaces it.
    expect(emu.emulator.requests.filter((q) => q.action === "GetResourcePolicy")).toEqual([]);
    const policy = JSON.parse(
      (
        JSON.parse(
          readFileSync(join(__dirname, "../../../fixtures/terraform/secret-policy-deny/plan.json"), "utf8"),
        ) as {
          resource_changes: { address: string; change: { after: { policy: string } } }[];
        }
      ).resource_changes.find((rc) => rc.address === "aws_secretsmanager_secret_policy.db")?.change.after.policy ??
        "{}",
    );
    const world: Scenario = {
      iam: execRole(allowSecrets("papyrus/db-*")),
      secretsmanager: { secrets: [{ ...SECRETS.secrets[0], resourcePolicy: policy }] },
    };
    expect(await ecsReads(world, DB)).toBe("denied");
  });

  it("a deployed key whose key policy names the execution role: the plan's kms:Decrypt row is allowed by the key policy alone, as in the preflight of a task definition", async () => {
    const CMK = `arn:aws:kms:us-west-2:${ACCOUNT}:key/5e0c2a1b-7d4f-4e8a-9b3c-0d1e2f3a4b5c`;
    const scenario = deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/db-*") }], {
      kms: {
        keys: [
          {
            id: CMK.split("/").pop(),
            policy: {
              Version: "2012-10-17",
              Statement: [
                KEY_ADMIN,
                {
                  Sid: "ExecutionRoleDecrypts",
                  Effect: "Allow",
                  Principal: { AWS: EXEC },
                  Action: "kms:Decrypt",
                  Resource: "*",
                },
              ],
            },
          },
        ],
      },
    });
    scenario.secretsmanager = {
      secrets: SECRETS.secrets.map((x) => (x.name === "papyrus/db" ? { ...x, kmsKeyId: CMK } : x)),
    };
    const r = await run(terraformWorkspace("incident"), scenario);
    const decrypt = reportOf(r).rows.find((x) => x.action === "kms:Decrypt") as PlanRow & {
      matchedStatements?: { policy: string; sid?: string }[];
    };
    expect(decrypt).toMatchObject({
      resource: CMK,
      decision: "allowed",
      matchedStatements: [{ policy: `key policy of ${CMK}`, sid: "ExecutionRoleDecrypts" }],
    });
  });

  it("key-alias: secrets whose key is an alias the plan creates (a literal alias name, the alias's ARN) get the planned key's kms:Decrypt row, not 'does not exist' — passed; ECS reads both once applied", async () => {
    const r = await run(terraformWorkspace("key-alias"), deployed([]));
    const key = placeholdersOf(r)["aws_kms_key.secrets"] as string;
    expect(findingsOf(r).filter((m) => /does not exist/.test(m))).toEqual([]);
    // One row per secret: the encryption context (SecretARN) differs.
    expect(
      reportOf(r)
        .rows.filter((x) => x.action === "kms:Decrypt")
        .map((x) => [x.resource, x.decision]),
    ).toEqual([
      [key, "allowed"],
      [key, "allowed"],
    ]);
    expect(r.code).toBe(0);
    const [apiKey, token] = [secret("papyrus/api-key-v8-PLANND"), secret("papyrus/token-v8-PLANND")];
    const world: Scenario = {
      iam: execRole(reads([apiKey, token], key)),
      kms: { keys: [{ id: key.split("/").pop() as string, aliases: ["alias/papyrus-secrets"] }] },
      secretsmanager: {
        secrets: [
          { name: "papyrus/api-key-v8", arnSuffix: "PLANND", value: "k3y", kmsKeyId: "alias/papyrus-secrets" },
          {
            name: "papyrus/token-v8",
            arnSuffix: "PLANND",
            value: "t0k",
            kmsKeyId: `arn:aws:kms:us-west-2:${ACCOUNT}:alias/papyrus-secrets`,
          },
        ],
      },
    };
    expect(await ecsReads(world, apiKey)).toBe("read");
    expect(await ecsReads(world, token)).toBe("read");
  });

  it("key-policy-added: an aws_kms_key_policy on a deployed key that names the deployed role fixes kms:Decrypt — denied as deployed, allowed by the planned key policy; ECS reads the secret once applied, and could not before", async () => {
    const KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const world = (keyPolicy?: unknown): Scenario => ({
      iam: execRole(reads(API_KEY)),
      kms: { keys: [{ id: KEY.split("/").pop() as string, ...(keyPolicy ? { policy: keyPolicy } : {}) }] },
      secretsmanager: {
        secrets: SECRETS.secrets.map((x) => (x.name === "papyrus/api-key" ? { ...x, kmsKeyId: KEY } : x)),
      },
    });
    const r = await run(terraformWorkspace("key-policy-added"), world());
    const decrypt = reportOf(r).rows.find((x) => x.action === "kms:Decrypt") as PlanRow & {
      matchedStatements?: { policy: string; sid?: string; plannedBy?: string }[];
    };
    expect(decrypt).toMatchObject({
      resource: KEY,
      decision: "allowed",
      deployedDecision: "implicitDeny",
      change: "fixes",
      matchedStatements: [
        {
          policy: `key policy of ${KEY} (aws_kms_key_policy.secrets)`,
          sid: "AllowDecryptThroughSecretsManager",
          plannedBy: "aws_kms_key_policy.secrets",
        },
      ],
    });
    expect(r.code).toBe(0);
    // The deployed key policy is not read: the plan sets the one that counts.
    expect(emu.emulator.requests.filter((q) => q.action === "GetKeyPolicy")).toEqual([]);
    const planned = JSON.parse(
      (
        JSON.parse(readFileSync(join(__dirname, "../../../fixtures/terraform/key-policy-added/plan.json"), "utf8")) as {
          resource_changes: { address: string; change: { after: { policy?: string } } }[];
        }
      ).resource_changes.find((rc) => rc.address === "aws_kms_key_policy.secrets")?.change.after.policy ?? "null",
    );
    expect(await ecsReads(world(), API_KEY)).toBe("denied");
    if (planned) expect(await ecsReads(world(planned), API_KEY)).toBe("read");
  });

  it("key-destroyed: a plan that destroys the deployed key a secret is encrypted with fails, naming the resource; once applied (the key pending deletion) ECS cannot read the secret", async () => {
    const KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const world = (state?: string): Scenario => ({
      iam: execRole(reads(API_KEY, KEY)),
      kms: { keys: [{ id: KEY.split("/").pop() as string, ...(state ? { state } : {}) }] },
      secretsmanager: {
        secrets: SECRETS.secrets.map((x) => (x.name === "papyrus/api-key" ? { ...x, kmsKeyId: KEY } : x)),
      },
    });
    const r = await run(terraformWorkspace("key-destroyed"), world());
    expect(r.code).toBe(1);
    expect(findingsOf(r)).toContainEqual(
      expect.stringContaining(
        `the KMS key ${KEY} it is encrypted with will be scheduled for deletion by this plan (it destroys aws_kms_key.secrets; KMS answers KMSInvalidStateException)`,
      ),
    );
    expect(await ecsReads(world(), API_KEY)).toBe("read");
    expect(await ecsReads(world("PendingDeletion"), API_KEY)).toBe("DecryptionFailure");
  });

  it("secret-key-changed: a deployed secret moved to a new key the role may not use: kms:Decrypt on the new key's placeholder is denied, 'this PR breaks' it, with a proven fix; ECS is refused too once applied", async () => {
    const OLD_KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const world = (key: string): Scenario => ({
      iam: execRole(reads(API_KEY, OLD_KEY)),
      kms: { keys: [{ id: OLD_KEY.split("/").pop() as string }, { id: key.split("/").pop() as string }] },
      secretsmanager: {
        secrets: SECRETS.secrets.map((x) => (x.name === "papyrus/api-key" ? { ...x, kmsKeyId: key } : x)),
      },
    });
    const r = await run(terraformWorkspace("secret-key-changed"), world(OLD_KEY));
    expect(r.code).toBe(1);
    const NEW_KEY = placeholdersOf(r)["aws_kms_key.secrets_v2"] as string;
    const decrypt = reportOf(r).rows.filter((x) => x.action === "kms:Decrypt");
    expect(decrypt.map((x) => [x.resource, x.decision, x.change, x.fixVerified])).toEqual([
      [NEW_KEY, "implicitDeny", "breaks", true],
    ]);
    expect(await ecsReads(world(OLD_KEY), API_KEY)).toBe("read");
    expect(await ecsReads(world(NEW_KEY), API_KEY)).toBe("denied");
  });

  it("secret-destroyed: a plan that destroys a deployed secret the task definition still names fails, naming the resource", async () => {
    const r = await run(
      terraformWorkspace("secret-destroyed"),
      deployed([{ name: "papyrus-task-execution", inline: allowSecrets("papyrus/api-key-*") }]),
    );
    expect(r.code).toBe(1);
    expect(findingsOf(r)).toContainEqual(
      expect.stringContaining(
        `this plan deletes the secret ${API_KEY} (it destroys aws_secretsmanager_secret.api_key: Secrets Manager schedules the deletion and refuses to read it), so ECS's GetSecretValue will fail and the task will not start. Keep aws_secretsmanager_secret.api_key, or point valueFrom at the secret that replaces it.`,
      ),
    );
    const world = (scheduledForDeletion: boolean): Scenario => ({
      iam: execRole(allowSecrets("papyrus/api-key-*")),
      secretsmanager: {
        secrets: SECRETS.secrets.map((x) => (x.name === "papyrus/api-key" ? { ...x, scheduledForDeletion } : x)),
      },
    });
    expect(await ecsReads(world(false), API_KEY)).toBe("read");
    expect(await ecsReads(world(true), API_KEY)).toBe("InvalidRequestException");
  });

  it("key-disabled: a key the plan creates disabled cannot decrypt — failed, naming the resource that disables it", async () => {
    const r = await run(terraformWorkspace("key-disabled"), deployed([]));
    expect(r.code).toBe(1);
    const key = placeholdersOf(r)["aws_kms_key.secrets"] as string;
    expect(findingsOf(r)).toContainEqual(
      expect.stringContaining(
        `the KMS key ${key} it is encrypted with will be disabled by this plan (aws_kms_key.secrets disables it; KMS answers DisabledException)`,
      ),
    );
    const secretArn = secret("papyrus/api-key-v7-PLANND");
    const rolePolicy = reads(secretArn, key);
    const world = applied(key, "papyrus/api-key-v7", undefined, rolePolicy);
    world.kms.keys[0].state = "Disabled";
    expect(await ecsReads(world, secretArn)).toBe("DecryptionFailure");
  });

  it("a CloudFormation template: a KeyPolicy without the account root refuses, a KeyPolicy naming the role by !GetAtt grants, a ResourcePolicy denies", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "cfn-ws-"));
    cpSync(join(__dirname, "../../../fixtures/cloudformation/key-policies.yaml"), join(workspace, "key-policies.yaml"));
    const r = await run(workspace, deployed([]), { "task-definition": "key-policies.yaml" });
    expect(r.code).toBe(1);
    const role = `arn:aws:iam::${ACCOUNT}:role/papyrus-prd-execution`;
    const placeholders = placeholdersOf(r);
    const messages = findingsOf(r);
    expect(messages).toContainEqual(
      expect.stringContaining(
        `the key policy AppKey sets for ${placeholders.AppKey} neither lets IAM policies grant access`,
      ),
    );
    expect(messages).toContainEqual(
      expect.stringContaining(`the resource policy DbSecretPolicy sets for the secret denies ${role}`),
    );
    const decrypt = reportOf(r).rows.filter((x) => x.action === "kms:Decrypt") as (PlanRow & {
      matchedStatements?: { policy: string }[];
    })[];
    expect(decrypt.map((x) => [x.resource, x.decision, x.matchedStatements?.[0]?.policy])).toEqual([
      [placeholders.WorkerKey, "allowed", `key policy of ${placeholders.WorkerKey} (WorkerKey)`],
    ]);
    // Once deployed, with the template's own policies (as the preflight resolved them): ECS reads the worker
    // token, and is refused the API key (AppKey's policy) and the database secret (DbSecretPolicy's Deny).
    const parsed = parseCloudFormation(
      (readTemplate(readFileSync(join(workspace, "key-policies.yaml"), "utf8")) as TemplateText).template,
      { scope: { account: ACCOUNT, region: "us-west-2", partition: "aws" }, parameters: {} },
    );
    const policyOf = (map: typeof parsed.plannedKeys, arn: string) => JSON.parse(map?.get(arn)?.policy ?? "null");
    const world: Scenario = {
      iam: {
        roles: [
          {
            name: "papyrus-prd-execution",
            trustPolicy: TRUST,
            inlinePolicies: {
              "read-secrets": JSON.parse(
                parsed.iam.roles.get("papyrus-prd-execution")?.inline.get("read-secrets")?.document ?? "null",
              ),
            },
          },
        ],
      },
      kms: {
        keys: [placeholders.AppKey, placeholders.WorkerKey].map((arn) => ({
          id: (arn as string).split("/").pop(),
          policy: policyOf(parsed.plannedKeys, arn as string),
        })),
      },
      secretsmanager: {
        secrets: [
          { name: "papyrus/prd/api-key", arnSuffix: "PLANND", value: "k", kmsKeyId: placeholders.AppKey },
          { name: "papyrus/prd/worker-token", arnSuffix: "PLANND", value: "t", kmsKeyId: placeholders.WorkerKey },
          { ...SECRETS.secrets[0], resourcePolicy: policyOf(parsed.plannedSecrets, DB) },
        ],
      },
    };
    expect(await ecsReads(world, secret("papyrus/prd/worker-token-PLANND"), role)).toBe("read");
    expect(await ecsReads(world, secret("papyrus/prd/api-key-PLANND"), role)).toBe("denied");
    expect(await ecsReads(world, DB, role)).toBe("denied");
  });
});
