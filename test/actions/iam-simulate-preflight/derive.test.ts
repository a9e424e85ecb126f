/** The permission derivation as pure logic, with the AWS lookups faked. */
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
  };
}

describe("classifyValueFrom", () => {
  it("strips the JSON key, version stage and version id from a secret ARN", () => {
    const base = "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf";
    for (const suffix of ["", ":password::", ":password:AWSPREVIOUS:", "::AWSCURRENT:", ":password::0d9c-11ee"]) {
      expect(classifyValueFrom(`${base}${suffix}`, scope)).toMatchObject({ kind: "secret", id: base });
    }
  });

  it("turns SSM names and ARNs into the parameter ARN, and keeps other regions", () => {
    expect(classifyValueFrom("/papyrus/prd/x", scope)).toMatchObject({
      kind: "parameter",
      arn: "arn:aws:ssm:us-west-2:123456789012:parameter/papyrus/prd/x",
    });
    expect(classifyValueFrom("flags", scope)).toMatchObject({
      arn: "arn:aws:ssm:us-west-2:123456789012:parameter/flags",
    });
    expect(classifyValueFrom("arn:aws:ssm:eu-west-1:123456789012:parameter/a/b", scope)).toMatchObject({
      region: "eu-west-1",
      names: ["/a/b", "a/b"],
    });
    expect(classifyValueFrom("/aws/reference/secretsmanager/db", scope)).toMatchObject({
      kind: "secret",
      id: "db",
      via: "ssm-reference",
    });
    expect(classifyValueFrom("arn:aws:s3:::bucket/key", scope)).toBeUndefined();
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
      "logs:CreateLogStream arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus:log-stream:p/web/0123456789abcdef0123456789abcdef",
      "logs:PutLogEvents arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus:log-stream:p/web/0123456789abcdef0123456789abcdef",
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
      "container web, secret X: 'arn:aws:s3:::not/a/secret' is neither a Secrets Manager secret nor an SSM parameter ARN.",
      "container web: the awslogs log driver needs the 'awslogs-group' option.",
      "container web: environment file 'https://example.com/x.env' is not an S3 object ARN (arn:aws:s3:::bucket/key).",
    ]);
  });
});
