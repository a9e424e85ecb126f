/** The permission derivation as pure logic, with the AWS lookups faked. */
import { SecretsManagerServiceException } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import type { Lookups, SecretInfo } from "../../../src/actions/iam-simulate-preflight/aws-lookups";
import { CheckList, type Principal, type Scope } from "../../../src/actions/iam-simulate-preflight/checks";
import { deriveExecutionRoleChecks, type TaskDefinitionDoc } from "../../../src/actions/iam-simulate-preflight/derive";
import {
  classifyValueFrom,
  ecrRepositoryArn,
  trustsEcsTasks,
} from "../../../src/actions/iam-simulate-preflight/references";
import { statementAt } from "../../../src/actions/iam-simulate-preflight/statement-ids";

const scope: Scope = { partition: "aws", region: "us-west-2", account: "123456789012" };
const role: Principal = { arn: "arn:aws:iam::123456789012:role/exec", role: "execution role" };

function lookups(secrets: Record<string, SecretInfo>, parameters: Record<string, string | undefined> = {}): Lookups {
  return {
    describeSecret: async (id) => secrets[id],
    describeParameters: async (names) =>
      new Map(
        names
          .filter((n) => n in parameters)
          .map((n) => [n.replace(/^\//, ""), { name: n, ...(parameters[n] ? { keyId: parameters[n] } : {}) }]),
      ),
    getRole: async () => ({ exists: false }),
    describeTaskDefinition: async () => {
      throw new Error("not used");
    },
    callerAccount: async () => scope.account,
    // Key ids and aliases resolve to the key ARN; `alias/aws-managed` names an AWS managed key.
    describeKey: async (keyId) =>
      keyId === "alias/gone"
        ? undefined
        : {
            arn: `arn:aws:kms:us-west-2:123456789012:key/${keyId.replace(/^alias\//, "")}`,
            manager: keyId === "alias/aws-managed" ? "AWS" : "CUSTOMER",
          },
    // The default key policy (IAM policies decide), no secret resource policies.
    keyPolicy: async () =>
      JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${scope.account}:root` }, Action: "kms:*", Resource: "*" },
        ],
      }),
    secretPolicy: async () => undefined,
  };
}

// Each case cites where the rule comes from: the ECS developer guide's examples
// (specifying-sensitive-data-secrets: "Example referencing a full secret", "... a specific key", "... a specific
// secret version", "... a specific key and version staging label"), its rule that the optional fields need their
// colons, that a version stage excludes a version id, and the ECS agent's getASMParametersFromInput (exactly 2 or
// 5 resource fields); secrets-envvar-ssm-paramstore (a name in the task's region, another region by full ARN);
// private-auth (credentialsParameter: a secret's ARN or name).
const SM = "arn:aws:secretsmanager:us-west-2:123456789012:secret:appauthexample-AbCdEf";
const VERSION = "9d4cb84b-ad69-40c0-a0ab-cead3EXAMPLE";
const TASK_REGION_PARAMETER = "arn:aws:ssm:us-west-2:123456789012:parameter/";

describe("classifyValueFrom: references as ECS parses them", () => {
  it.each([
    ["guide: full secret", SM, "secret", { kind: "secret", id: SM, region: "us-west-2" }],
    ["guide: a specific key", `${SM}:username1::`, "secret", { kind: "secret", id: SM, jsonKey: "username1" }],
    ["guide: a version stage", `${SM}::AWSPREVIOUS:`, "secret", { id: SM, versionStage: "AWSPREVIOUS" }],
    ["guide: a version id", `${SM}:::${VERSION}`, "secret", { id: SM, versionId: VERSION }],
    [
      "guide: key and stage",
      `${SM}:username1:AWSPREVIOUS:`,
      "secret",
      { id: SM, jsonKey: "username1", versionStage: "AWSPREVIOUS" },
    ],
    [
      "guide: key and version id",
      `${SM}:username1::${VERSION}`,
      "secret",
      { jsonKey: "username1", versionId: VERSION },
    ],
    ["all three empty", `${SM}:::`, "secret", { kind: "secret", id: SM }],
    [
      "partial ARN (no suffix)",
      "arn:aws:secretsmanager:us-west-2:123456789012:secret:appauthexample",
      "secret",
      { kind: "secret", id: "arn:aws:secretsmanager:us-west-2:123456789012:secret:appauthexample" },
    ],
    [
      "a secret in another region, by ARN",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
      "secret",
      { kind: "secret", region: "eu-west-1" },
    ],
    [
      "parameter store: a name",
      "/papyrus/prd/x",
      "secret",
      { kind: "parameter", arn: `${TASK_REGION_PARAMETER}papyrus/prd/x` },
    ],
    [
      "parameter store: a name without slash",
      "flags",
      "secret",
      { arn: `${TASK_REGION_PARAMETER}flags`, byName: true },
    ],
    [
      "parameter store: another region needs the ARN",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b",
      "secret",
      { kind: "parameter", region: "eu-west-1", names: ["/a/b", "a/b"], byName: false },
    ],
    [
      "parameter store: a Secrets Manager reference",
      "/aws/reference/secretsmanager/db",
      "secret",
      { kind: "secret", id: "db", via: "ssm-reference" },
    ],
    ["private-auth: secret ARN", SM, "credentials", { kind: "secret", id: SM }],
    ["private-auth: secret name", "dockerhub", "credentials", { kind: "parameter", byName: true }],
    [
      "private-auth: an SSM ARN is classified for its own failure",
      "arn:aws:ssm:us-west-2:123456789012:parameter/dockerhub",
      "credentials",
      { kind: "parameter", byName: false },
    ],
  ] as const)("%s: %s", (_case, valueFrom, field, expected) => {
    expect(classifyValueFrom(valueFrom, scope, field)).toMatchObject(expected);
  });

  it.each([
    ["guide: the colons are required", `${SM}:username1`, "secret", "1 field(s) after the secret name"],
    ["guide: the colons are required", `${SM}:username1:AWSPREVIOUS`, "secret", "2 field(s) after the secret name"],
    ["agent: 5 fields or 2", `${SM}:a:AWSCURRENT::extra`, "secret", "4 field(s) after the secret name"],
    ["guide: a stage excludes a version id", `${SM}::AWSPREVIOUS:${VERSION}`, "secret", "names both the version stage"],
    ["no secret name", "arn:aws:secretsmanager:us-west-2:123456789012:secret:", "secret", "is not a secret name"],
    ["neither service", "arn:aws:s3:::bucket/key", "secret", "neither a Secrets Manager secret ARN nor an SSM"],
    ["not a parameter name", "db password", "secret", "ECS reads it as an SSM parameter name"],
    ["not a parameter name", "db:password", "secret", "ECS reads it as an SSM parameter name"],
    ["white space ECS keeps", " flags", "secret", "leading or trailing white space"],
    ["empty parameter name", "arn:aws:ssm:us-west-2:123456789012:parameter/", "secret", "is not an SSM parameter name"],
    [
      "private-auth: whole secret only",
      `${SM}:username::`,
      "credentials",
      "without :json-key:version-stage:version-id",
    ],
    ["private-auth: not a secret", "arn:aws:s3:::bucket/creds", "credentials", "is not a Secrets Manager secret ARN"],
    ["private-auth: not a secret name", "docker hub", "credentials", "is not a Secrets Manager secret name"],
  ] as const)("refused (%s): %s", (_case, valueFrom, field, problem) => {
    const parsed = classifyValueFrom(valueFrom, scope, field);
    expect(parsed.kind).toBe("rejected");
    expect((parsed as { problem: string }).problem).toContain(problem);
  });
});

describe("helpers", () => {
  it("recognises private ECR images only", () => {
    expect(ecrRepositoryArn("123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app@sha256:abc")).toBe(
      "arn:aws:ecr:us-west-2:123456789012:repository/team/app",
    );
    expect(ecrRepositoryArn("public.ecr.aws/nginx/nginx:1")).toBeUndefined();
    expect(ecrRepositoryArn("postgres:16")).toBeUndefined();
  });

  it("reads trust policies", () => {
    const trust = (principal: unknown, action: unknown = "sts:AssumeRole") => ({
      Statement: [{ Effect: "Allow", Principal: principal, Action: action }],
    });
    expect(trustsEcsTasks(trust({ Service: ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"] }))).toBe(true);
    expect(trustsEcsTasks(trust({ Service: "ecs.amazonaws.com" }))).toBe(false);
    expect(trustsEcsTasks(trust({ Service: "ecs-tasks.amazonaws.com" }, "sts:TagSession"))).toBe(false);
    expect(trustsEcsTasks({})).toBe(false);
  });

  it("finds the statement at IAM's position, also in a minified policy", () => {
    const minified = '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow"},{"Effect":"Deny"}]}';
    const second = minified.indexOf('{"Effect":"Deny"}');
    expect(statementAt(minified, { line: 1, column: second }, { line: 1, column: minified.length - 1 })).toBe(
      "statement 2",
    );
    expect(statementAt(minified, { line: 1, column: 38 }, { line: 1, column: 62 })).toBe("A");
  });
});

describe("deriveExecutionRoleChecks", () => {
  it("derives logs, ECR, S3 environment files, registry credentials and KMS", async () => {
    const creds = "arn:aws:secretsmanager:us-west-2:123456789012:secret:dockerhub";
    const td: TaskDefinitionDoc = {
      containerDefinitions: [
        {
          name: "web",
          image: "123456789012.dkr.ecr.us-west-2.amazonaws.com/papyrus:1",
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": "/ecs/papyrus", "awslogs-create-group": "true", "awslogs-stream-prefix": "p" },
          },
          environmentFiles: [{ value: "arn:aws:s3:::papyrus-config/prd.env", type: "s3" }],
        },
        { name: "sidecar", image: "docker.io/library/nginx:1", repositoryCredentials: { credentialsParameter: creds } },
      ],
    };
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      td,
      role,
      scope,
      lookups({ [creds]: { arn: `${creds}-QwErTy`, name: "dockerhub", kmsKeyId: "k-1" } }),
      checks,
    );
    expect(findings).toEqual([]);
    expect(checks.all().map((c) => `${c.action} ${c.resource}`)).toEqual([
      "logs:CreateLogStream arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus:log-stream:p/web/*",
      "logs:PutLogEvents arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus:log-stream:p/web/*",
      "logs:CreateLogGroup arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus",
      "ecr:GetAuthorizationToken *",
      "ecr:BatchGetImage arn:aws:ecr:us-west-2:123456789012:repository/papyrus",
      "ecr:GetDownloadUrlForLayer arn:aws:ecr:us-west-2:123456789012:repository/papyrus",
      "s3:GetObject arn:aws:s3:::papyrus-config/prd.env",
      "s3:GetBucketLocation arn:aws:s3:::papyrus-config",
      `secretsmanager:GetSecretValue ${creds}-QwErTy`,
      "kms:Decrypt arn:aws:kms:us-west-2:123456789012:key/k-1",
    ]);
  });

  it("a plain name that is not a parameter but a secret's name fails, naming the ARN to use (ECS reads names from Parameter Store only)", async () => {
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      { containerDefinitions: [{ name: "web", secrets: [{ name: "DB", valueFrom: "papyrus/db" }] }] },
      role,
      scope,
      lookups({
        "papyrus/db": {
          arn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf",
          name: "papyrus/db",
        },
      }),
      checks,
      ["taskDefinition"],
    );
    expect(checks.all()).toEqual([]);
    expect(findings.map((f) => [f.severity, f.sources])).toEqual([
      ["fail", [["taskDefinition", "containerDefinitions", 0, "secrets", 0, "valueFrom"]]],
    ]);
    expect(findings[0]?.message).toContain(
      "use its ARN arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf in valueFrom",
    );
  });

  it("repositoryCredentials takes a Secrets Manager secret only (ARN or name); an SSM parameter fails", async () => {
    const hub = "arn:aws:secretsmanager:us-west-2:123456789012:secret:dockerhub-QwErTy";
    const run = (credentialsParameter: string) => {
      const checks = new CheckList();
      return deriveExecutionRoleChecks(
        {
          containerDefinitions: [
            { name: "web", image: "docker.io/x", repositoryCredentials: { credentialsParameter } },
          ],
        },
        role,
        scope,
        lookups(
          { dockerhub: { arn: hub, name: "dockerhub" }, [hub]: { arn: hub, name: "dockerhub" } },
          { dockerhub: undefined },
        ),
        checks,
      ).then((findings) => ({ findings, checks: checks.all().map((c) => `${c.action} ${c.resource}`) }));
    };
    // A name is a secret's name there (even when a parameter of that name exists).
    expect(await run("dockerhub")).toEqual({ findings: [], checks: [`secretsmanager:GetSecretValue ${hub}`] });
    expect(await run(hub)).toEqual({ findings: [], checks: [`secretsmanager:GetSecretValue ${hub}`] });
    const ssm = await run("arn:aws:ssm:us-west-2:123456789012:parameter/dockerhub");
    expect(ssm.checks).toEqual([]);
    expect(ssm.findings[0]?.message).toContain(
      "credentialsParameter takes a Secrets Manager secret (ARN or name) only",
    );
    const missing = await run("gone");
    expect(missing.findings[0]?.message).toContain("there is no Secrets Manager secret named 'gone'");
  });

  it("checks logConfiguration.secretOptions and FireLens S3 config files; warns on valueFrom under environment[]", async () => {
    const token = "arn:aws:secretsmanager:us-west-2:123456789012:secret:datadog-AbCdEf";
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      {
        containerDefinitions: [
          {
            name: "log_router",
            image: "docker.io/fluent-bit",
            firelensConfiguration: {
              type: "fluentbit",
              options: { "config-file-type": "s3", "config-file-value": "arn:aws:s3:::papyrus-logs/fluent-bit.conf" },
            },
          },
          {
            name: "web",
            image: "docker.io/x",
            logConfiguration: { logDriver: "awsfirelens", secretOptions: [{ name: "apikey", valueFrom: token }] },
            environment: [{ name: "DB_PASSWORD", valueFrom: token }],
          },
        ],
      },
      role,
      scope,
      lookups({ [token]: { arn: token, name: "datadog" } }),
      checks,
    );
    expect(checks.all().map((c) => [`${c.action} ${c.resource}`, c.reasons])).toEqual([
      ["s3:GetObject arn:aws:s3:::papyrus-logs/fluent-bit.conf", ["container log_router, FireLens config file"]],
      ["s3:GetBucketLocation arn:aws:s3:::papyrus-logs", ["container log_router, FireLens config file"]],
      [`secretsmanager:GetSecretValue ${token}`, ["container web, log option apikey"]],
    ]);
    expect(findings.map((f) => [f.severity, f.sources])).toEqual([
      ["warning", [["containerDefinitions", 1, "environment", 0, "valueFrom"]]],
    ]);
    expect(findings[0]?.message).toContain(
      "container web: environment variable DB_PASSWORD has a valueFrom, which ECS ignores",
    );
  });

  it("reports broken references as failing findings", async () => {
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      {
        containerDefinitions: [
          {
            name: "web",
            secrets: [{ name: "X", valueFrom: "arn:aws:s3:::not/a/secret" }],
            logConfiguration: { logDriver: "awslogs", options: {} },
            environmentFiles: [{ value: "https://example.com/x.env", type: "s3" }],
          },
        ],
      },
      role,
      scope,
      lookups({}),
      checks,
    );
    expect(findings.map((f) => f.message)).toEqual([
      "container web, secret X: 'arn:aws:s3:::not/a/secret' is not a reference ECS accepts: it is neither a Secrets Manager secret ARN nor an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>). ECS will not start the task.",
      "container web: the awslogs log configuration is not one ECS accepts: the 'awslogs-group' option is required. The container will not start.",
      "container web: environment file 'https://example.com/x.env' is not an S3 object ARN (arn:aws:s3:::bucket/key).",
    ]);
  });
});

// The awslogs options as ECS documents them (developer guide, using_awslogs): the group is required, the region
// defaults to the task's, the stream prefix is required on Fargate and names the stream
// <prefix>/<container>/<task id> (else the Docker container id), create-group needs logs:CreateLogGroup.
describe("awslogs: ECS's defaults and rules", () => {
  const GROUP = "arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus";
  const derive = async (options: Record<string, string>, compatibilities?: string[]) => {
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      {
        ...(compatibilities ? { requiresCompatibilities: compatibilities } : {}),
        containerDefinitions: [{ name: "web", logConfiguration: { logDriver: "awslogs", options } }],
      },
      role,
      scope,
      lookups({}),
      checks,
    );
    return {
      checks: checks.all().map((c) => `${c.action} ${c.resource}`),
      reasons: checks.all().flatMap((c) => c.reasons),
      problems: findings.map((f) => f.message),
    };
  };

  it.each([
    [
      "prefix and region given",
      { "awslogs-group": "/ecs/papyrus", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app" },
      ["FARGATE"],
      [
        "logs:CreateLogStream arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/papyrus:log-stream:app/web/*",
        "logs:PutLogEvents arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/papyrus:log-stream:app/web/*",
      ],
      "stream app/web/<task id>, the task id known only at run time",
    ],
    [
      "no region: the task's",
      { "awslogs-group": "/ecs/papyrus", "awslogs-stream-prefix": "app" },
      ["FARGATE"],
      [`logs:CreateLogStream ${GROUP}:log-stream:app/web/*`, `logs:PutLogEvents ${GROUP}:log-stream:app/web/*`],
      "in the task's region us-west-2",
    ],
    [
      "no prefix on EC2: the container id",
      { "awslogs-group": "/ecs/papyrus" },
      ["EC2"],
      [`logs:CreateLogStream ${GROUP}:log-stream:*`, `logs:PutLogEvents ${GROUP}:log-stream:*`],
      "stream named after the Docker container id, known only at run time",
    ],
    [
      "create-group True (a Go boolean)",
      { "awslogs-group": "/ecs/papyrus", "awslogs-stream-prefix": "app", "awslogs-create-group": "True" },
      ["FARGATE"],
      [
        `logs:CreateLogStream ${GROUP}:log-stream:app/web/*`,
        `logs:PutLogEvents ${GROUP}:log-stream:app/web/*`,
        `logs:CreateLogGroup ${GROUP}`,
      ],
      "awslogs group /ecs/papyrus",
    ],
    [
      "create-group false",
      { "awslogs-group": "/ecs/papyrus", "awslogs-stream-prefix": "app", "awslogs-create-group": "false" },
      ["FARGATE"],
      [`logs:CreateLogStream ${GROUP}:log-stream:app/web/*`, `logs:PutLogEvents ${GROUP}:log-stream:app/web/*`],
      "awslogs group /ecs/papyrus",
    ],
  ])("%s", async (_case, options, compatibilities, expected, reason) => {
    const out = await derive(options, compatibilities);
    expect(out.problems).toEqual([]);
    expect(out.checks).toEqual(expected);
    expect(out.reasons.every((r) => r.includes(reason))).toBe(true);
  });

  it.each([
    ["no group", { "awslogs-stream-prefix": "app" }, "the 'awslogs-group' option is required"],
    ["no prefix on Fargate", { "awslogs-group": "/ecs/papyrus" }, "'awslogs-stream-prefix' is required on Fargate"],
    ["not a region", { "awslogs-group": "g", "awslogs-stream-prefix": "a", "awslogs-region": "mars" }, "'mars' is not"],
    [
      "create-group not a boolean",
      { "awslogs-group": "g", "awslogs-stream-prefix": "a", "awslogs-create-group": "yes" },
      "'awslogs-create-group' 'yes' is not true or false",
    ],
    ["mode", { "awslogs-group": "g", "awslogs-stream-prefix": "a", mode: "fast" }, "'mode' 'fast' is neither"],
    [
      "datetime-format with multiline-pattern",
      {
        "awslogs-group": "g",
        "awslogs-stream-prefix": "a",
        "awslogs-datetime-format": "%Y",
        "awslogs-multiline-pattern": "^x",
      },
      "cannot both be set",
    ],
  ])("refused: %s → a failing row, no check", async (_case, options, problem) => {
    const out = await derive(options, ["FARGATE"]);
    expect(out.checks).toEqual([]);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toContain(problem);
  });
});

describe("secret versions as ECS asks for them", () => {
  const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf";
  const derive = async (valueFrom: string) => {
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      { containerDefinitions: [{ name: "web", secrets: [{ name: "DB", valueFrom }] }] },
      role,
      scope,
      lookups({ [arn]: { arn, name: "db", versions: { v1: ["AWSCURRENT"], v0: ["AWSPREVIOUS"] } } }),
      checks,
    );
    return { checks: checks.all().map((c) => c.action), findings: findings.map((f) => [f.severity, f.message]) };
  };

  it("a stage the secret has: checked; one it does not have: a failing row (GetSecretValue would fail)", async () => {
    expect(await derive(`${arn}::AWSPREVIOUS:`)).toEqual({ checks: ["secretsmanager:GetSecretValue"], findings: [] });
    const pending = await derive(`${arn}::AWSPENDING:`);
    expect(pending.checks).toEqual([]);
    expect(pending.findings).toEqual([
      ["fail", expect.stringContaining(`no version of the secret ${arn} carries the staging label 'AWSPENDING'`)],
    ]);
  });

  it("a secret that holds no value, or is scheduled for deletion, is a failing row (ECS cannot read it)", async () => {
    const derivedWith = async (secret: SecretInfo) => {
      const checks = new CheckList();
      const findings = await deriveExecutionRoleChecks(
        { containerDefinitions: [{ name: "web", secrets: [{ name: "DB", valueFrom: arn }] }] },
        role,
        scope,
        lookups({ [arn]: secret }),
        checks,
      );
      return { checks: checks.all().map((c) => c.action), findings: findings.map((f) => [f.severity, f.message]) };
    };
    expect(await derivedWith({ arn, name: "db", versions: {} })).toEqual({
      checks: [],
      findings: [
        [
          "fail",
          expect.stringContaining(
            `the secret ${arn} holds no value (no version carries the staging label 'AWSCURRENT'), so ECS's GetSecretValue will fail and the task will not start. Store its value`,
          ),
        ],
      ],
    });
    const deleted = await derivedWith({
      arn,
      name: "db",
      versions: { v1: ["AWSCURRENT"] },
      deletedDate: new Date("2026-11-30T10:00:00Z"),
    });
    expect(deleted.checks).toEqual([]);
    expect(deleted.findings).toEqual([
      [
        "fail",
        expect.stringContaining(
          `the secret ${arn} is scheduled for deletion (since 2026-11-30T10:00:00.000Z), and Secrets Manager refuses to read it, so ECS's GetSecretValue will fail`,
        ),
      ],
    ]);
    // Versions not known (a secret a plan creates): not judged.
    expect(await derivedWith({ arn, name: "db" })).toEqual({ checks: ["secretsmanager:GetSecretValue"], findings: [] });
  });

  it("a version id without a staging label: checked, with a note that it may be deleted", async () => {
    const out = await derive(`${arn}:::v9`);
    expect(out.checks).toEqual(["secretsmanager:GetSecretValue"]);
    expect(out.findings).toEqual([["note", expect.stringContaining("the version 'v9' is not among")]]);
  });
});

describe("a secret of another account", () => {
  const OTHER = "arn:aws:secretsmanager:us-west-2:444455556666:secret:shared/token-AbCdEf";
  const OTHER_KEY = "arn:aws:kms:us-west-2:444455556666:key/2222bbbb-3333-cccc-4444-dddd5555eeee";
  const allowRole = JSON.stringify({
    Statement: [
      { Effect: "Allow", Principal: { AWS: role.arn }, Action: "secretsmanager:GetSecretValue", Resource: "*" },
    ],
  });
  const derive = async (secret: Partial<SecretInfo> | "denied") => {
    const base = lookups({});
    const checks = new CheckList();
    const findings = await deriveExecutionRoleChecks(
      { containerDefinitions: [{ name: "web", secrets: [{ name: "TOKEN", valueFrom: OTHER }] }] },
      role,
      scope,
      {
        ...base,
        describeSecret: async () => {
          if (secret === "denied") {
            // The SDK's own exception class, as the client throws it.
            throw new SecretsManagerServiceException({
              name: "AccessDeniedException",
              $fault: "client",
              $metadata: { httpStatusCode: 400 },
              message: `User: ${role.arn} is not authorized to perform: secretsmanager:DescribeSecret on resource: ${OTHER} because no resource-based policy allows the secretsmanager:DescribeSecret action`,
            });
          }
          return { arn: OTHER, name: "shared/token", versions: { v1: ["AWSCURRENT"] }, ...secret };
        },
        describeKey: async (keyId) => ({ arn: keyId, manager: "CUSTOMER", state: "Enabled" }),
        secretPolicy: async () => allowRole,
      },
      checks,
    );
    return { findings, checks: checks.all().map((c) => [c.action, c.resource]) };
  };

  it("encrypted with aws/secretsmanager: fails, as that key cannot be used across accounts", async () => {
    for (const kmsKeyId of [undefined, "alias/aws/secretsmanager"]) {
      const { findings } = await derive(kmsKeyId ? { kmsKeyId } : {});
      expect(findings.map((f) => [f.severity, f.message])).toEqual([
        [
          "fail",
          expect.stringContaining(
            "the secret is in account 444455556666 and encrypted with the AWS managed key aws/secretsmanager, which cannot be used across accounts",
          ),
        ],
      ]);
    }
  });

  it("encrypted with a customer managed key and allowed by its resource policy: the GetSecretValue and kms:Decrypt rows, no finding", async () => {
    const { findings, checks } = await derive({ kmsKeyId: OTHER_KEY });
    expect(findings).toEqual([]);
    expect(checks).toEqual([
      ["secretsmanager:GetSecretValue", OTHER],
      ["kms:Decrypt", OTHER_KEY],
    ]);
  });

  it("not describable by the preflight's role: a warning saying what ECS needs, and the identity row still checked", async () => {
    const { findings, checks } = await derive("denied");
    expect(findings.map((f) => [f.severity, f.message])).toEqual([
      [
        "warning",
        expect.stringContaining(
          "the secret is in account 444455556666, which does not let the preflight's role describe it (secretsmanager:DescribeSecret was denied)",
        ),
      ],
    ]);
    expect(checks).toEqual([["secretsmanager:GetSecretValue", OTHER]]);
  });
});
