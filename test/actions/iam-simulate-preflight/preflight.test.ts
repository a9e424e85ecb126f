/**
 * iam-simulate-preflight end to end against the AWS emulator and the GitHub
 * API fake: its main step in process as runAction runs it (runInProcess,
 * test/harness/in-process.ts: the runner's files and workflow commands read back),
 * the incident once through the committed bundle, run like the runner runs
 * it; bad inputs through the input reader and run in process.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { DeleteSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readPreflightInputs } from "../../../src/actions/iam-simulate-preflight/inputs";
import { ConfigurationError } from "../../../src/lib/errors";
import type { FaultConfig } from "../../emulator/faults";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import type { Scenario } from "../../emulator/types";
import { commentCalls, type GitHubFake, startGitHubFake } from "../../fakes/github-api";
import { linkableText, renderGfm, tableRows } from "../../harness/gfm";
import { runInProcess } from "../../harness/in-process";
import { type RunResult, runBundle } from "../../harness/runner";
import { preflightInProcess } from "./in-process";
import {
  ACCOUNT,
  API_KEY_SECRET,
  CMK,
  type Container,
  DB_SECRET,
  EXECUTION_ROLE,
  incidentTaskDefinition,
  lineOf,
  REGION,
  scenario,
  secretsPolicy,
  taskDefinition,
  workspaceWith,
} from "./scenario";

const TD_FILE = "deploy/task-definition.json";
const MARKER = "<!-- ecs-alb-smoke:iam-simulate-preflight:papyrus-task -->";

let emu: RunningEmulator;
let github: GitHubFake;

beforeEach(async () => {
  github = await startGitHubFake({ prefix: "/api/v3" });
});

afterEach(async () => {
  await github.stop();
  await emu?.stop();
});

async function emulatorWith(s: Scenario, faults?: FaultConfig) {
  emu = await startEmulator({ scenario: s, ...(faults ? { faults } : {}) });
  return emu;
}

/** The main step in process; with `bundle: true`, dist/'s bundle in its own process. */
function preflight(
  workspace: string,
  inputs: Record<string, string> = {},
  opts: { env?: Record<string, string>; event?: unknown; bundle?: boolean } = {},
): Promise<RunResult> {
  return (opts.bundle ? runBundle : runInProcess)("iam-simulate-preflight", {
    workspace,
    inputs: { "task-definition": TD_FILE, "github-token": "ghs_preflight", ...inputs },
    env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url, ...opts.env },
    event: opts.event ?? { pull_request: { number: 7 } },
    eventName: "pull_request",
  });
}

interface ReportRow {
  principal: string;
  action: string;
  resource: string;
  decision: string;
  matchedStatements: { policy: string; sid?: string }[];
  missingContext: string[];
}
interface Report {
  result: string;
  deniedCount: number;
  rows: ReportRow[];
  findings: { severity: string; message: string }[];
  simulation: { requests: number; calls: number; checks: number };
}
const reportOf = (r: RunResult) => JSON.parse(r.outputs.report ?? "{}") as Report;
const row = (r: RunResult, action: string, resource: string) =>
  reportOf(r).rows.find((x) => x.action === action && x.resource === resource);
const simulateRequests = () =>
  emu.emulator.requests.filter((r) => r.service === "iam" && r.action === "SimulatePrincipalPolicy");
const errorsOf = (r: RunResult) => r.annotations.filter((a) => a.level === "error");
const NGINX = "docker.io/library/nginx:1";
/** A workspace whose task definition has a container `web` (a public image: no ECR rows) with these secrets. */
const webWorkspace = (
  secrets: NonNullable<Container["secrets"]>,
  web: Partial<Container> = {},
  others: Container[] = [],
) => workspaceWith(TD_FILE, taskDefinition([{ name: "web", image: NGINX, secrets, ...web }, ...others]));

describe("iam-simulate-preflight", () => {
  it("replays the incident: deny row, sticky comment, annotation on the valueFrom line, exit 1; fixed policy passes and updates the same comment", async () => {
    await emulatorWith(scenario({}));
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const fileText = readFileSync(join(workspace, TD_FILE), "utf8");

    // The bundle's smoke test: the same run as the runner runs it, in its own process.
    const broken = await preflight(workspace, {}, { bundle: true });
    expect(broken.code).toBe(1);
    expect(broken.outputs.result).toBe("fail");
    expect(broken.outputs["denied-count"]).toBe("1");
    expect(row(broken, "secretsmanager:GetSecretValue", API_KEY_SECRET)?.decision).toBe("implicitDeny");
    const db = row(broken, "secretsmanager:GetSecretValue", DB_SECRET);
    expect(db?.decision).toBe("allowed");
    expect(db?.matchedStatements.map((m) => [m.policy, m.sid])).toEqual([["papyrus-secrets", "ReadPapyrusSecrets"]]);
    // The managed policy covers logs and ECR.
    expect(row(broken, "ecr:GetAuthorizationToken", "*")?.decision).toBe("allowed");
    expect(reportOf(broken).rows.find((x) => x.action === "logs:PutLogEvents")?.decision).toBe("allowed");

    const annotation = errorsOf(broken).find((a) => a.message.includes("secretsmanager:GetSecretValue"));
    expect(annotation?.file).toBe(TD_FILE);
    expect(annotation?.line).toBe(lineOf(fileText, API_KEY_SECRET));
    expect(annotation?.message).toContain("container web, secret API_KEY");
    expect(annotation?.message).toContain("secret:papyrus/prd/api-key-XyZ123");
    expect(broken.annotations.every((a) => !a.message.includes(ACCOUNT))).toBe(true);

    const comments = github.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body.startsWith(MARKER)).toBe(true);
    expect(comments[0]?.body).toContain("IAM preflight failed");
    expect(comments[0]?.body).toContain("It does not evaluate key policies of other accounts");
    // Account IDs are masked in what leaves the runner; the evidence keeps them.
    expect(comments[0]?.body).not.toContain(ACCOUNT);
    expect(broken.summary).not.toContain(ACCOUNT);
    const evidence = readFileSync(broken.outputs["evidence-file"] ?? "", "utf8");
    expect(evidence).toContain(API_KEY_SECRET);
    expect(broken.outputs["evidence-file"]).toMatch(/evidence\/\d{8}_\d{6}_iam_preflight\.json$/);

    await emu.emulator.loadScenario(scenario({ executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET]) }));
    const fixed = await preflight(workspace, {}, { bundle: true });
    expect(fixed.code).toBe(0);
    expect(fixed.outputs.result).toBe("pass");
    expect(fixed.outputs["denied-count"]).toBe("0");
    expect(errorsOf(fixed)).toEqual([]);
    const after = github.commentsOn(7);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(comments[0]?.id);
    expect(after[0]?.body).toContain("IAM preflight passed");
    expect(commentCalls(github).filter((r) => r.method === "PATCH")).toHaveLength(1);
  });

  it("resolves a partial ARN with DescribeSecret and strips the JSON-key suffix", async () => {
    await emulatorWith(scenario({ executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET]) }));
    const partial = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:papyrus/prd/api-key`;
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([
        {
          name: "web",
          secrets: [
            { name: "API_KEY", valueFrom: partial },
            { name: "DB_USER", valueFrom: `${DB_SECRET}:username:AWSCURRENT:` },
            { name: "DB_PASSWORD", valueFrom: `${DB_SECRET}:password::` },
          ],
        },
      ]),
    );
    const result = await preflight(workspace);
    expect(result.code).toBe(0);
    const secretRows = reportOf(result).rows.filter((r) => r.action === "secretsmanager:GetSecretValue");
    // Both DB references collapse into one row on the secret's own ARN.
    expect(secretRows.map((r) => r.resource).sort()).toEqual([DB_SECRET, API_KEY_SECRET].sort());
    expect(secretRows.every((r) => r.decision === "allowed")).toBe(true);
  });

  it("reads SSM parameters by name (with and without the leading slash) and by ARN; CMK → kms:Decrypt; missing → failing row", async () => {
    const param = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name}`;
    const executionPolicy = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Params", Effect: "Allow", Action: "ssm:GetParameters", Resource: param("papyrus/*") },
        { Sid: "Flags", Effect: "Allow", Action: "ssm:GetParameters", Resource: param("papyrus-flags") },
      ],
    };
    await emulatorWith(
      scenario({
        executionPolicy,
        ssm: {
          parameters: [
            { name: "/papyrus/prd/db-url", value: "postgres://db", type: "String" },
            { name: "/papyrus/prd/token", value: "t", type: "SecureString", keyId: CMK },
            { name: "/papyrus/prd/plain-secure", value: "t", type: "SecureString", keyId: "alias/aws/ssm" },
            { name: "papyrus-flags", value: "a,b", type: "StringList" },
            { name: "/other/app/key", value: "x", type: "String" },
          ],
        },
      }),
    );
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([
        {
          name: "web",
          secrets: [
            { name: "DB_URL", valueFrom: "/papyrus/prd/db-url" },
            { name: "DB_URL_NO_SLASH", valueFrom: "papyrus/prd/db-url" },
            { name: "TOKEN", valueFrom: param("papyrus/prd/token") },
            { name: "PLAIN", valueFrom: "/papyrus/prd/plain-secure" },
            { name: "FLAGS", valueFrom: "papyrus-flags" },
            { name: "OTHER", valueFrom: param("other/app/key") },
            { name: "GONE", valueFrom: "/papyrus/prd/renamed" },
          ],
        },
      ]),
    );
    const result = await preflight(workspace, {
      "task-role-checks": `- action: ssm:GetParameter\n  resource: ${param("papyrus/prd/db-url")}`,
    });
    expect(result.code).toBe(1);
    const ssmRows = reportOf(result)
      .rows.filter((r) => r.action === "ssm:GetParameters")
      .map((r) => [r.resource, r.decision]);
    expect(ssmRows).toEqual([
      [param("papyrus/prd/db-url"), "allowed"],
      [param("papyrus/prd/token"), "allowed"],
      [param("papyrus/prd/plain-secure"), "allowed"],
      [param("papyrus-flags"), "allowed"],
      [param("other/app/key"), "implicitDeny"],
    ]);
    expect(
      reportOf(result)
        .rows.filter((r) => r.action === "kms:Decrypt")
        .map((r) => r.resource),
    ).toEqual([CMK]);
    const taskRow = row(result, "ssm:GetParameter", param("papyrus/prd/db-url"));
    expect(taskRow?.principal).toBe(`arn:aws:iam::${ACCOUNT}:role/papyrus-task-role`);
    expect(taskRow?.decision).toBe("allowed");
    const missing = reportOf(result).findings.filter((f) => f.severity === "fail");
    expect(missing).toHaveLength(1);
    expect(missing[0]?.message).toContain("SSM parameter '/papyrus/prd/renamed' does not exist");
    const text = readFileSync(join(workspace, TD_FILE), "utf8");
    expect(errorsOf(result).find((a) => a.message.includes("renamed"))?.line).toBe(
      lineOf(text, "/papyrus/prd/renamed"),
    );
    expect(errorsOf(result).find((a) => a.message.includes("other/app/key"))?.line).toBe(lineOf(text, "other/app/key"));
  });

  it("reports a secret that does not exist as a failing row with an annotation on its line", async () => {
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(["*"]) }));
    const gone = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:papyrus/prd/old-name-QwErTy`;
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([{ name: "web", secrets: [{ name: "OLD", valueFrom: gone }] }]),
    );
    const result = await preflight(workspace, { comment: "false" });
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe("fail");
    expect(result.outputs["denied-count"]).toBe("0");
    const finding = reportOf(result).findings.find((f) => f.severity === "fail");
    expect(finding?.message).toContain("does not exist");
    const annotation = errorsOf(result).find((a) => a.message.includes("does not exist"));
    expect(annotation?.line).toBe(lineOf(readFileSync(join(workspace, TD_FILE), "utf8"), gone));
    expect(github.requests).toHaveLength(0);
  });

  it("adds kms:Decrypt for a secret encrypted with a customer managed key, not for the AWS managed key", async () => {
    await emulatorWith(
      scenario({
        executionPolicy: secretsPolicy(["*"]),
        secrets: [
          { name: "papyrus/prd/db", arnSuffix: "AbCdEf", kmsKeyId: CMK },
          { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", kmsKeyId: "alias/aws/secretsmanager" },
        ],
      }),
    );
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const decrypt = reportOf(result).rows.filter((r) => r.action === "kms:Decrypt");
    expect(decrypt.map((r) => [r.resource, r.decision])).toEqual([[CMK, "implicitDeny"]]);
  });

  // SimulatePrincipalPolicy cannot evaluate a key policy or a secret's resource policy for a role; the preflight
  // reads them (GetKeyPolicy, GetResourcePolicy). Each case's verdict is checked against the emulator's own
  // enforcement, which evaluates the same policies with iam-simulate: the execution role's GetSecretValue.
  it.each([
    ["the key policy names the execution role (no IAM policy for the key)", "exec", undefined, 0, "allowed"],
    [
      "the key policy names the execution role next to the default key policy's account statement",
      "exec-and-account",
      undefined,
      0,
      "allowed",
    ],
    [
      "the key policy neither enables IAM policies nor names the role",
      "admin-only",
      undefined,
      1,
      "neither lets IAM policies grant access",
    ],
    [
      "the key policy denies kms:Decrypt to everyone",
      "deny",
      undefined,
      1,
      `role/ecsTaskExecutionRole kms:Decrypt (statement 2 ("Frozen"))`,
    ],
    ["the secret's resource policy denies the role", "exec", "deny", 1, "the secret's resource policy denies"],
  ] as const)("%s: the verdict ECS meets", async (_title, keyPolicy, secretPolicy, code, expected) => {
    const EXEC_KEY = "AKIAEXECUTIONROLE001";
    const exec = {
      Sid: "ExecutionRoleDecrypts",
      Effect: "Allow",
      Principal: { AWS: EXECUTION_ROLE },
      Action: "kms:Decrypt",
      Resource: "*",
    };
    const statement = {
      "exec-and-account": exec,
      exec: {
        Sid: "ExecutionRoleDecrypts",
        Effect: "Allow",
        Principal: { AWS: EXECUTION_ROLE },
        Action: "kms:Decrypt",
        Resource: "*",
      },
      "admin-only": {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` },
        Action: "kms:*",
        Resource: "*",
      },
      deny: { Sid: "Frozen", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" },
    }[keyPolicy];
    const s = scenario({
      // Only GetSecretValue: kms:Decrypt on the key is the key policy's to grant.
      executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET]),
      secrets: [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf", kmsKeyId: CMK },
        { name: "papyrus/prd/api-key", arnSuffix: "XyZ123" },
      ],
    });
    const enable = {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    };
    s.kms = {
      keys: [
        {
          id: CMK.split("/").pop() as string,
          policy: {
            Version: "2012-10-17",
            Statement: keyPolicy === "deny" || keyPolicy === "exec-and-account" ? [enable, statement] : [statement],
          },
        },
      ],
    };
    if (secretPolicy) {
      (s.secretsmanager.secrets[0] as { resourcePolicy?: unknown }).resourcePolicy = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Principal: { AWS: EXECUTION_ROLE },
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
          },
        ],
      };
    }
    s.principals = { [EXEC_KEY]: EXECUTION_ROLE };
    s.enforce = true;
    await emulatorWith(s);
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), { comment: "false" });
    expect(result.code).toBe(code);
    if (code === 0) {
      expect(row(result, "kms:Decrypt", CMK)).toMatchObject({
        decision: "allowed",
        matchedStatements: [{ policy: `key policy of ${CMK}`, sid: "ExecutionRoleDecrypts" }],
      });
    } else {
      expect(errorsOf(result).map((e) => e.message)).toContainEqual(expect.stringContaining(expected));
    }
    // What ECS meets: the execution role's own GetSecretValue of the secret, under the emulator's enforcement.
    const asExecutionRole = new SecretsManagerClient({
      endpoint: emu.endpoint,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: EXEC_KEY, secretAccessKey: "emulator-secret-key" },
    });
    const read = asExecutionRole.send(new GetSecretValueCommand({ SecretId: DB_SECRET }));
    if (code === 0) await expect(read).resolves.toMatchObject({ ARN: DB_SECRET });
    else await expect(read).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  // In the secret's own account an Allow of either policy suffices: a resource policy naming the execution role
  // grants GetSecretValue with no IAM policy for the secret; one for the account leaves it to IAM.
  it.each([
    ["names the execution role", { AWS: EXECUTION_ROLE }, 0],
    ["names only the account (IAM decides, and no IAM policy allows it)", { AWS: `arn:aws:iam::${ACCOUNT}:root` }, 1],
  ] as const)("the secret's resource policy %s: the verdict ECS meets", async (_title, principal, code) => {
    const EXEC_KEY = "AKIAEXECUTIONROLE001";
    // The identity policy allows only the API key: the database secret is the resource policy's to grant.
    const s = scenario({
      executionPolicy: secretsPolicy([API_KEY_SECRET]),
      secrets: [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf" },
        { name: "papyrus/prd/api-key", arnSuffix: "XyZ123" },
      ],
    });
    (s.secretsmanager.secrets[0] as { resourcePolicy?: unknown }).resourcePolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ExecutionRoleReads",
          Effect: "Allow",
          Principal: principal,
          Action: "secretsmanager:GetSecretValue",
          Resource: "*",
        },
      ],
    };
    s.principals = { [EXEC_KEY]: EXECUTION_ROLE };
    s.enforce = true;
    await emulatorWith(s);
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), { comment: "false" });
    expect(result.code).toBe(code);
    expect(row(result, "secretsmanager:GetSecretValue", DB_SECRET)).toMatchObject(
      code === 0
        ? {
            decision: "allowed",
            matchedStatements: [{ policy: `resource policy of ${DB_SECRET}`, sid: "ExecutionRoleReads" }],
          }
        : { decision: "implicitDeny" },
    );
    const asExecutionRole = new SecretsManagerClient({
      endpoint: emu.endpoint,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: EXEC_KEY, secretAccessKey: "emulator-secret-key" },
    });
    const read = asExecutionRole.send(new GetSecretValueCommand({ SecretId: DB_SECRET }));
    if (code === 0) await expect(read).resolves.toMatchObject({ ARN: DB_SECRET });
    else await expect(read).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("a secret of another account that the preflight's role may not describe: a warning saying what ECS needs (not 'does not exist'), and the execution role's own policy still decides", async () => {
    const SHARED = "arn:aws:secretsmanager:us-west-2:444455556666:secret:shared/token-AbCdEf";
    for (const [allowed, code] of [
      [true, 0],
      [false, 1],
    ] as const) {
      await emulatorWith(scenario({ executionPolicy: secretsPolicy(allowed ? [SHARED] : [DB_SECRET]) }));
      const result = await preflight(webWorkspace([{ name: "TOKEN", valueFrom: SHARED }]), { comment: "false" });
      expect(result.code).toBe(code);
      const findings = reportOf(result).findings;
      expect(findings.map((f) => [f.severity, f.message])).toEqual([
        [
          "warning",
          expect.stringContaining(
            "the secret is in account 444455556666, which does not let the preflight's role describe it (secretsmanager:DescribeSecret was denied)",
          ),
        ],
      ]);
      expect(row(result, "secretsmanager:GetSecretValue", SHARED)?.decision).toBe(allowed ? "allowed" : "implicitDeny");
      await emu.stop();
    }
  });

  it("RDS-managed master secrets: no kms:Decrypt without MasterUserSecretKmsKeyId (aws/secretsmanager), the key's row with it", async () => {
    const s = scenario({ executionPolicy: secretsPolicy(["*"]) });
    s.rds = {
      instances: [
        { id: "papyrus-db", engine: "postgres", masterUsername: "papyrus_admin", masterUserSecret: true },
        { id: "reports-db", engine: "postgres", masterUsername: "reports", masterUserSecret: { kmsKeyId: CMK } },
      ],
    };
    s.kms = { keys: [{ id: CMK.split("/").pop() as string }] };
    await emulatorWith(s);
    const rds = new RDSClient({ endpoint: emu.endpoint, region: REGION });
    const secretOf = async (id: string) =>
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.MasterUserSecret
        ?.SecretArn as string;
    const [papyrus, reports] = [await secretOf("papyrus-db"), await secretOf("reports-db")];
    rds.destroy();
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([
        {
          name: "web",
          secrets: [
            { name: "DB_PASSWORD", valueFrom: `${papyrus}:password::` },
            { name: "REPORTS_PASSWORD", valueFrom: `${reports}:password::` },
          ],
        },
      ]),
    );
    const result = await preflight(workspace);
    const report = reportOf(result);
    expect(report.rows.filter((r) => r.action === "secretsmanager:GetSecretValue").map((r) => r.resource)).toEqual([
      papyrus,
      reports,
    ]);
    // The execution role's policy needs no kms:Decrypt for aws/secretsmanager: its key policy lets every
    // principal of the account use it through Secrets Manager.
    const decrypt = report.rows.filter((r) => r.action === "kms:Decrypt");
    expect(decrypt.map((r) => [r.resource, r.decision])).toEqual([[CMK, "implicitDeny"]]);
    expect(result.code).toBe(1);
    expect(
      errorsOf(result)
        .map((a) => a.message)
        .join("\n"),
    ).not.toContain(papyrus.split(":").pop());
  });

  it("a valueFrom under environment[] is a warning annotation on its line naming the container; the step still passes", async () => {
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(["*"]) }));
    const td = incidentTaskDefinition();
    (td.containerDefinitions[0] as { environment?: unknown[] }).environment = [
      { name: "STAGE", value: "prd" },
      { name: "DB_PASSWORD", valueFrom: DB_SECRET },
    ];
    const workspace = workspaceWith(TD_FILE, td);
    const result = await preflight(workspace, { comment: "false" });
    expect(result.code).toBe(0);
    const warnings = result.annotations.filter((a) => a.level === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(
      "container web: environment variable DB_PASSWORD has a valueFrom, which ECS ignores under environment[]",
    );
    expect(warnings[0]?.file).toBe(TD_FILE);
    const text = readFileSync(join(workspace, TD_FILE), "utf8");
    // The line of the misplaced valueFrom (the secrets[] one carries a JSON-key suffix).
    expect(warnings[0]?.line).toBe(lineOf(text, `"valueFrom": "${DB_SECRET}"`));
    expect(warnings[0]?.message).not.toContain(ACCOUNT);
    expect(errorsOf(result)).toEqual([]);
  });

  it("invalid task-definition JSON: an error annotation on the file at the line and column, no AWS call", async () => {
    await emulatorWith(scenario({}));
    const workspace = workspaceWith(TD_FILE, '{\n  "family": "papyrus-task",\n  "containerDefinitions": [] x\n}\n');
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const [error] = errorsOf(result);
    expect(error?.message).toMatch(
      /^Input 'task-definition': deploy\/task-definition\.json is not valid JSON at line 3, column 30\b/,
    );
    expect([error?.file, error?.line, error?.col]).toEqual([TD_FILE, 3, 30]);
    expect(emu.emulator.requests).toHaveLength(0);

    const truncated = workspaceWith(TD_FILE, '{\n  "family": "papyrus-task",\n  "containerDefinitions": [');
    const cut = await preflight(truncated);
    expect(errorsOf(cut)[0]?.message).toContain("is not valid JSON: it ends too early");
    expect([errorsOf(cut)[0]?.file, errorsOf(cut)[0]?.line]).toEqual([TD_FILE, 3]);
  });

  it("a permissions boundary on the execution role caps its policy: the secret the policy allows but the boundary does not is a deny row", async () => {
    const s = scenario({ executionPolicy: secretsPolicy(["*"]) });
    const boundary = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["ecr:*", "logs:*"], Resource: "*" },
        { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: DB_SECRET },
      ],
    };
    s.iam.policies = [{ name: "papyrus-boundary", document: boundary }];
    (s.iam.roles[0] as { permissionsBoundary?: string }).permissionsBoundary =
      `arn:aws:iam::${ACCOUNT}:policy/papyrus-boundary`;
    await emulatorWith(s);
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), { comment: "false" });
    expect(result.code).toBe(1);
    expect(row(result, "secretsmanager:GetSecretValue", DB_SECRET)?.decision).toBe("allowed");
    const capped = row(result, "secretsmanager:GetSecretValue", API_KEY_SECRET);
    // The identity policy allows every secret: only the boundary denies (no statement matches, as IAM reports it).
    expect([capped?.decision, capped?.matchedStatements]).toEqual(["implicitDeny", []]);
    expect(reportOf(result).rows.filter((r) => r.decision !== "allowed")).toHaveLength(1);
  });

  it("references ECS would refuse are failing rows on their lines; awslogs streams are simulated as ECS names them", async () => {
    const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/papyrus`;
    const s = scenario({
      executionPolicy: secretsPolicy(
        ["*"],
        [
          {
            Sid: "WebStreamsOnly",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroup}:log-stream:web/web/*`,
          },
        ],
      ),
    });
    (s.iam.roles[0] as { attachedPolicies?: string[] }).attachedPolicies = [];
    await emulatorWith(s);
    const awslogs = (prefix: string) => ({
      logDriver: "awslogs",
      options: { "awslogs-group": "/ecs/papyrus", "awslogs-stream-prefix": prefix },
    });
    const workspace = webWorkspace(
      [
        { name: "NO_COLONS", valueFrom: `${DB_SECRET}:password` },
        { name: "STAGE_AND_ID", valueFrom: `${API_KEY_SECRET}::AWSPREVIOUS:0d9c-11ee` },
        { name: "NOT_A_NAME", valueFrom: "papyrus db password" },
        { name: "FINE", valueFrom: `${DB_SECRET}:password::` },
      ],
      { logConfiguration: awslogs("web") },
      [{ name: "worker", image: NGINX, logConfiguration: awslogs("jobs") }],
    );
    const result = await preflight(workspace, { comment: "false" });
    expect(result.code).toBe(1);
    const text = readFileSync(join(workspace, TD_FILE), "utf8");
    const refused = errorsOf(result).filter((a) => a.message.includes("is not a reference ECS accepts"));
    expect(refused.map((a) => [a.line, a.file])).toEqual([
      [lineOf(text, `${DB_SECRET}:password"`), TD_FILE],
      [lineOf(text, "0d9c-11ee"), TD_FILE],
      [lineOf(text, "papyrus db password"), TD_FILE],
    ]);
    expect(refused[0]?.message).toContain("ECS takes none or exactly three");
    expect(refused[1]?.message).toContain("names both the version stage 'AWSPREVIOUS' and the version id '0d9c-11ee'");
    // Nothing normalised into a checkable row: only the well-formed reference is simulated.
    expect(
      reportOf(result)
        .rows.filter((r) => r.action === "secretsmanager:GetSecretValue")
        .map((r) => r.resource),
    ).toEqual([DB_SECRET]);
    // No awslogs-region: the task's region; the stream's task id is unknown before run time.
    const logs = reportOf(result)
      .rows.filter((r) => r.action.startsWith("logs:"))
      .map((r) => [r.action, r.resource, r.decision]);
    expect(logs).toEqual([
      ["logs:CreateLogStream", `${logGroup}:log-stream:web/web/*`, "allowed"],
      ["logs:PutLogEvents", `${logGroup}:log-stream:web/web/*`, "allowed"],
      ["logs:CreateLogStream", `${logGroup}:log-stream:jobs/worker/*`, "implicitDeny"],
      ["logs:PutLogEvents", `${logGroup}:log-stream:jobs/worker/*`, "implicitDeny"],
    ]);
    const worker = reportOf(result).rows.find((r) => r.resource.endsWith("jobs/worker/*")) as unknown as {
      neededFor: string[];
    };
    expect(worker.neededFor).toEqual([
      `container worker, awslogs group /ecs/papyrus, in the task's region ${REGION} (stream jobs/worker/<task id>, the task id known only at run time)`,
    ]);
  });

  it("a version stage no version of the secret carries is a failing row (DescribeSecret's VersionIdsToStages)", async () => {
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(["*"]) }));
    const workspace = webWorkspace([
      { name: "CURRENT", valueFrom: `${API_KEY_SECRET}::AWSCURRENT:` },
      { name: "PENDING", valueFrom: `${DB_SECRET}:password:AWSPENDING:` },
    ]);
    const result = await preflight(workspace, { comment: "false" });
    expect(result.code).toBe(1);
    expect(row(result, "secretsmanager:GetSecretValue", API_KEY_SECRET)?.decision).toBe("allowed");
    expect(row(result, "secretsmanager:GetSecretValue", DB_SECRET)).toBeUndefined();
    const [error] = errorsOf(result);
    expect(error?.message).toContain("no version of the secret");
    expect(error?.message).toContain("carries the staging label 'AWSPENDING'");
    expect(error?.line).toBe(lineOf(readFileSync(join(workspace, TD_FILE), "utf8"), "AWSPENDING"));
  });

  it("a secret scheduled for deletion, or one without a value, fails the preflight as it would fail ECS", async () => {
    await emulatorWith(
      scenario({
        executionPolicy: secretsPolicy(["*"]),
        secrets: [
          { name: "papyrus/prd/db", arnSuffix: "AbCdEf" },
          // Created without a value (a Terraform secret whose aws_secretsmanager_secret_version was never applied).
          { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", value: undefined },
        ],
      }),
    );
    const sm = new SecretsManagerClient({ endpoint: emu.endpoint, region: REGION });
    await sm.send(new DeleteSecretCommand({ SecretId: DB_SECRET, RecoveryWindowInDays: 7 }));
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), { comment: "false" });
    expect(result.code).toBe(1);
    expect(row(result, "secretsmanager:GetSecretValue", DB_SECRET)).toBeUndefined();
    expect(row(result, "secretsmanager:GetSecretValue", API_KEY_SECRET)).toBeUndefined();
    const messages = errorsOf(result).map((e) => e.message);
    expect(messages).toContainEqual(
      expect.stringMatching(
        /the secret .*papyrus\/prd\/db-AbCdEf is scheduled for deletion \(since .*\), and Secrets Manager refuses to read it, so ECS's GetSecretValue will fail and the task will not start\. Restore it/,
      ),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        /the secret .*papyrus\/prd\/api-key-XyZ123 holds no value \(no version carries the staging label 'AWSCURRENT'\), so ECS's GetSecretValue will fail.* Store its value/,
      ),
    );
  });

  it("reports an explicit deny with the statement that denies", async () => {
    const deny = { Sid: "NeverTheApiKey", Effect: "Deny", Action: "secretsmanager:*", Resource: API_KEY_SECRET };
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(["*"], [deny]) }));
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const denied = row(result, "secretsmanager:GetSecretValue", API_KEY_SECRET);
    expect(denied?.decision).toBe("explicitDeny");
    expect(denied?.matchedStatements.map((m) => [m.policy, m.sid])).toEqual([["papyrus-secrets", "NeverTheApiKey"]]);
    expect(github.commentsOn(7)[0]?.body).toContain("explicit deny");
  });

  it("names missing context keys, and extra-checks can supply the context", async () => {
    const onlyFromVpce = {
      Sid: "OnlyThroughTheEndpoint",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: API_KEY_SECRET,
      Condition: { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } },
    };
    await emulatorWith(scenario({ executionPolicy: secretsPolicy([DB_SECRET], [onlyFromVpce]) }));
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const result = await preflight(workspace, {
      "extra-checks": [
        "- principal: execution-role",
        "  action: secretsmanager:GetSecretValue",
        `  resource: ${API_KEY_SECRET}`,
        "  context:",
        "    aws:SourceVpce: vpce-0a1b2c3d",
      ].join("\n"),
    });
    expect(result.code).toBe(1);
    const rows = reportOf(result).rows.filter((r) => r.resource === API_KEY_SECRET);
    expect(rows.map((r) => [r.decision, r.missingContext])).toEqual([
      ["implicitDeny", ["aws:SourceVpce"]],
      ["allowed", []],
    ]);
    expect(github.commentsOn(7)[0]?.body).toContain("`aws:SourceVpce`");
  });

  it("survives throttling injected on IAM (the IAM client's retry strategy, no second layer)", async () => {
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(["*"]) }), {
      seed: 7,
      rules: [{ service: "iam", action: "SimulatePrincipalPolicy", throttleRate: 0.6 }],
    });
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const result = await preflight(workspace);
    expect(result.code).toBe(0);
    const requests = simulateRequests();
    expect(requests.some((r) => r.code === "Throttling")).toBe(true);
    expect(requests.filter((r) => r.status === 200).length).toBe(reportOf(result).simulation.requests);
  });

  it("batches more than 20 resources per action into calls of at most 20", async () => {
    const secrets = Array.from({ length: 45 }, (_, i) => ({
      name: `papyrus/prd/s${i}`,
      arnSuffix: `Ab${String(i).padStart(4, "0")}`,
    }));
    const arns = secrets.map((s) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${s.name}-${s.arnSuffix}`);
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(arns.slice(0, 44)), secrets }));
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([{ name: "web", secrets: arns.map((a, i) => ({ name: `S${i}`, valueFrom: a })) }]),
    );
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(report.deniedCount).toBe(1);
    expect(row(result, "secretsmanager:GetSecretValue", arns[44] as string)?.decision).toBe("implicitDeny");
    const sizes = simulateRequests()
      .map((r) => (r.params.ResourceArns as unknown[] | undefined)?.length ?? 0)
      .sort((a, b) => b - a);
    expect(Math.max(...sizes)).toBe(20);
    // 45 secrets: 20 + 20 + 5, plus the ECR/logs calls.
    expect(sizes.filter((n) => n === 20)).toHaveLength(2);
    expect(report.simulation.requests).toBe(simulateRequests().length);
  });

  it("on a fork PR (403) writes the summary, warns, and keeps the deny's exit code", async () => {
    await emulatorWith(scenario({}));
    github.forbid = "write";
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe("fail");
    expect(github.commentsOn(7)).toHaveLength(0);
    expect(result.summary).toContain("IAM preflight failed");
    const warning = result.annotations.find((a) => a.level === "warning");
    expect(warning?.message).toContain("Resource not accessible by integration");

    await emu.emulator.loadScenario(scenario({ executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET]) }));
    const passing = await preflight(workspace);
    expect(passing.code).toBe(0);
    expect(passing.annotations.filter((a) => a.level === "warning")).toHaveLength(1);
  });

  it("cuts a comment over GitHub's limit and points to the job summary", async () => {
    const secrets = Array.from({ length: 220 }, (_, i) => ({
      // Long enough that 220 denied rows pass GitHub's comment limit.
      name: `papyrus/prd/secret-with-a-long-name-${"x".repeat(80)}-${i}`,
      arnSuffix: `Zz${String(i).padStart(4, "0")}`,
    }));
    await emulatorWith(scenario({ secrets }));
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([
        {
          name: "web",
          secrets: secrets.map((s, i) => ({
            name: `SECRET_${i}`,
            valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${s.name}-${s.arnSuffix}`,
          })),
        },
      ]),
    );
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    expect(reportOf(result).deniedCount).toBe(220);
    const body = github.commentsOn(7)[0]?.body ?? "";
    expect(body.length).toBeGreaterThan(50_000);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain("cut to fit GitHub's 65,536-character comment limit");
    expect(body).toContain(
      "job summary of this run](https://github.com/octo-org/papyrus/actions/runs/4242424242/attempts/1)",
    );
    expect(result.summary).toContain("`SECRET_219`");
  });

  it("renders a markdown/HTML injection attempt in a container name inert", async () => {
    await emulatorWith(scenario({}));
    const evil = "web<img src=x onerror=alert(1)>](https://evil.example)|**@octo-org/admins**";
    const workspace = workspaceWith(
      TD_FILE,
      taskDefinition([{ name: evil, secrets: [{ name: "API_KEY", valueFrom: API_KEY_SECRET }] }]),
    );
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const body = github.commentsOn(7)[0]?.body ?? "";
    // Shown as code: literal, no image, no link, no mention; every table row keeps its 7 columns.
    expect(body).toContain("container `web<img src=x onerror=alert(1)>](https://evil.example)\\|**@octo-org/admins**`");
    const html = renderGfm(body);
    expect(html).not.toMatch(/<(img|a|strong)\b/);
    expect(linkableText(html)).toEqual([]);
    expect(tableRows(html).every((r) => r.length === 7)).toBe(true);
  });

  it("checks the CI role against the alb-smoke profile before anything is created", async () => {
    const ephemeral = JSON.parse(readFileSync("src/actions/ephemeral-alb/iam-policy.json", "utf8"));
    const register = JSON.parse(readFileSync("src/actions/register-fargate-targets/iam-policy.json", "utf8"));
    const probe = JSON.parse(readFileSync("src/actions/http-evidence-probe/iam-policy.json", "utf8"));
    const withoutDelete = {
      ...ephemeral,
      Statement: ephemeral.Statement.filter((s: { Sid?: string }) => s.Sid !== "DeleteOnlyTheSuitesSecurityGroups"),
    };
    const ciTrust = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Federated: "x" }, Action: "sts:AssumeRoleWithWebIdentity" }],
    };
    const ciRole = (policy: unknown) => ({
      name: "papyrus-ci",
      trustPolicy: ciTrust,
      inlinePolicies: { "ephemeral-alb": policy, "register-fargate-targets": register, "http-evidence-probe": probe },
    });
    await emulatorWith(scenario({ executionPolicy: secretsPolicy(["*"]), roles: [ciRole(withoutDelete)] }));
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    const inputs = { "ci-role-arn": `arn:aws:iam::${ACCOUNT}:role/papyrus-ci`, "ci-role-profile": "alb-smoke" };
    const missing = await preflight(workspace, inputs);
    expect(missing.code).toBe(1);
    const denied = reportOf(missing).rows.filter((r) => r.decision !== "allowed");
    expect(denied.map((r) => r.action)).toEqual(["ec2:DeleteSecurityGroup"]);
    expect(denied[0]?.principal).toBe(`arn:aws:iam::${ACCOUNT}:role/papyrus-ci`);

    await emu.emulator.loadScenario(scenario({ executionPolicy: secretsPolicy(["*"]), roles: [ciRole(ephemeral)] }));
    // The smoke workflow's own use: only the CI role, no task definition.
    const complete = await preflight(workspace, { ...inputs, "task-definition": "" });
    expect(complete.code).toBe(0);
    const ciRows = reportOf(complete).rows;
    expect(ciRows.length).toBeGreaterThan(20);
    expect(ciRows.every((r) => r.principal.endsWith(":role/papyrus-ci") && r.decision === "allowed")).toBe(true);
    expect(github.commentsOn(7).map((c) => c.body.split("\n")[0])).toEqual([
      MARKER,
      "<!-- ecs-alb-smoke:iam-simulate-preflight:ci-role -->",
    ]);
  });

  it("ci-secret-ids: a secret without a value is a failing row for evidence-mask's read, the others are checked", async () => {
    const ci = {
      name: "papyrus-ci",
      trustPolicy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: "x" }, Action: "sts:AssumeRoleWithWebIdentity" }],
      },
      inlinePolicies: { read: secretsPolicy(["*"]) },
    };
    await emulatorWith(
      scenario({
        executionPolicy: secretsPolicy(["*"]),
        roles: [ci],
        secrets: [
          { name: "papyrus/prd/db", arnSuffix: "AbCdEf" },
          { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", value: undefined },
        ],
      }),
    );
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), {
      comment: "false",
      "task-definition": "",
      "ci-role-arn": `arn:aws:iam::${ACCOUNT}:role/papyrus-ci`,
      "ci-secret-ids": "papyrus/prd/db,papyrus/prd/api-key",
    });
    expect(result.code).toBe(1);
    expect(row(result, "secretsmanager:GetSecretValue", DB_SECRET)?.decision).toBe("allowed");
    expect(row(result, "secretsmanager:GetSecretValue", API_KEY_SECRET)).toBeUndefined();
    expect(reportOf(result).findings.map((f) => f.message)).toContainEqual(
      expect.stringMatching(
        /^ci-secret-ids: the secret .*papyrus\/prd\/api-key-XyZ123 holds no value .*, so evidence-mask's GetSecretValue will fail\. Store its value/,
      ),
    );
  });

  it("fails when the execution role does not trust ecs-tasks.amazonaws.com", async () => {
    const s = scenario({ executionPolicy: secretsPolicy(["*"]) });
    const roles = s.iam.roles as { name: string; trustPolicy: unknown }[];
    (roles[0] as { trustPolicy: unknown }).trustPolicy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
    await emulatorWith(s);
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), { comment: "false" });
    expect(result.code).toBe(1);
    expect(reportOf(result).findings[0]?.message).toContain("does not trust ecs-tasks.amazonaws.com");
    expect(
      errorsOf(result).some((a) => a.message.includes("arn:aws:iam::************:role/ecsTaskExecutionRole")),
    ).toBe(true);
  });

  it("reads a registered revision with DescribeTaskDefinition (no file, no line annotations)", async () => {
    const s = scenario({ executionPolicy: secretsPolicy([DB_SECRET]) });
    s.ecs = { taskDefinitions: [incidentTaskDefinition()] };
    await emulatorWith(s);
    const result = await preflight(workspaceWith("README.md", "x"), { "task-definition": "papyrus-task:1" });
    expect(result.code).toBe(1);
    expect(row(result, "secretsmanager:GetSecretValue", API_KEY_SECRET)?.decision).toBe("implicitDeny");
    expect(errorsOf(result).every((a) => a.file === undefined)).toBe(true);
  });

  it("fail-on: never reports the deny but passes the step", async () => {
    await emulatorWith(scenario({}));
    const result = await preflight(workspaceWith(TD_FILE, incidentTaskDefinition()), { "fail-on": "never" });
    expect(result.code).toBe(0);
    expect(result.outputs.result).toBe("fail");
  });

  it.each([
    [{ "fail-on": "maybe" }, "Input 'fail-on'"],
    [{ "task-definition": "" }, "Input 'task-definition': is required unless"],
    [{ "task-definition": "deploy/missing.json" }, "Input 'task-definition'"],
    [{ "task-role-checks": "- action: ssm:GetParameter\n  resource: [unclosed" }, "Input 'task-role-checks'"],
    [{ "task-role-checks": "- action: not-an-action" }, "Input 'task-role-checks'"],
    [{ "ci-role-profile": "alb-smoke" }, "Input 'ci-role-arn'"],
    [
      { "ci-role-arn": "arn:aws:iam::123456789012:role/ci", "ci-role-profile": "everything" },
      "Input 'ci-role-profile'",
    ],
    [{ "execution-role-arn": "ecsTaskExecutionRole" }, "Input 'execution-role-arn'"],
    [{ "aws-region": "mars-1" }, "Input 'aws-region'"],
    // extra-checks principals: role or user ARNs only, in IAM's name and path syntax.
    ...[
      "deployer",
      "arn:aws:iam::123456789012:group/devs",
      "arn:aws:sts::123456789012:assumed-role/papyrus-ci/GitHubActions",
      "arn:aws:iam::12345:user/deployer",
      "arn:aws:iam::123456789012:user/",
      "arn:aws:iam::123456789012:user/bad name",
      "arn:aws:iam::123456789012:role/ci/",
    ].map((principal): [Record<string, string>, string] => [
      { "extra-checks": `- principal: ${JSON.stringify(principal)}\n  action: ecs:RegisterTaskDefinition` },
      "Input 'extra-checks': item 1: 'principal'",
    ]),
  ] as [Record<string, string>, string][])(
    "bad input %j → a user error (exit 1) naming the input, no AWS call",
    async (inputs, message) => {
      // In process (the input reader and run, as main.ts wires them): what only the bundle shows, the exit
      // code of a ConfigurationError and its ::error:: line, is test/lib/run-action.test.ts's.
      await emulatorWith(scenario({}));
      const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
      const all = { "github-token": "ghs_preflight", ...inputs };
      const error = await preflightInProcess(emu, workspace, all).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(message);
      expect(emu.emulator.requests).toHaveLength(0);
      // Refused by the reader itself, before any client exists: so no GitHub call either.
      const get = (name: string) => ({ "task-definition": TD_FILE, ...all })[name] ?? "";
      expect(() => readPreflightInputs(get, { ...process.env, GITHUB_WORKSPACE: workspace })).toThrow(message);
    },
  );
});
