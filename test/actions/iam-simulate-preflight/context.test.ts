/**
 * Request context the preflight sends (issue 14 items 1 and 6): typed
 * context entries from `extra-checks`, and the context ECS's kms:Decrypt
 * carries through Secrets Manager and Parameter Store. In process, against
 * the emulator.
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { knownKeyType, typedContextValue } from "../../../src/actions/iam-simulate-preflight/context-types";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { preflightInProcess, TD_FILE } from "./in-process";
import { EXECUTION_ROLE, incidentTaskDefinition, scenario, secretsPolicy, workspaceWith } from "./scenario";

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.stop();
});

describe("context entry types", () => {
  it("come from the condition key reference first, then the YAML value", () => {
    expect(typedContextValue("aws:MultiFactorAuthAge", 300).value).toEqual({ type: "numeric", values: ["300"] });
    expect(typedContextValue("aws:SecureTransport", true).value).toEqual({ type: "boolean", values: ["true"] });
    // A 12-digit account is a YAML number, but kms:CallerAccount is a String key.
    expect(typedContextValue("kms:CallerAccount", 123456789012).value).toEqual({
      type: "string",
      values: ["123456789012"],
    });
    expect(typedContextValue("aws:TagKeys", "team").value?.type).toBe("stringList");
    expect(typedContextValue("kms:GrantIsForAWSResource", true).value?.type).toBe("boolean");
    expect(typedContextValue("my:Custom", 5).value?.type).toBe("numeric");
    expect(typedContextValue("my:Custom", "2026-01-01", "date").value?.type).toBe("date");
    expect(typedContextValue("aws:SecureTransport", "maybe").problem).toContain("not a valid boolean");
    expect(typedContextValue("aws:SourceIp", "x", "numeric").problem).toContain("typed ip");
  });

  it("service keys are the Service Authorization Reference's types (generated file is current)", () => {
    const file = JSON.parse(readFileSync("src/actions/iam-simulate-preflight/condition-key-types.json", "utf8"));
    const regenerated = execFileSync(process.execPath, ["scripts/condition-key-types.mjs"], { encoding: "utf8" });
    expect(file).toEqual(JSON.parse(regenerated));
    expect(knownKeyType("s3:max-keys")).toBe("numeric");
    expect(knownKeyType("kms:ViaService")).toBe("string");
    expect(knownKeyType("my:Custom")).toBeUndefined();
  });

  it("extra-checks context is sent typed, so Numeric and Bool conditions decide as IAM would", async () => {
    const mfa = {
      Sid: "OnlyWithFreshMfa",
      Effect: "Allow",
      Action: "secretsmanager:DescribeSecret",
      Resource: "*",
      Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" }, Bool: { "aws:SecureTransport": "true" } },
    };
    emu = await startEmulator({ scenario: scenario({ executionPolicy: secretsPolicy(["*"], [mfa]) }) });
    const { report } = await preflightInProcess(emu, workspaceWith(TD_FILE, incidentTaskDefinition()), {
      "extra-checks": [
        "- principal: execution-role",
        "  action: secretsmanager:DescribeSecret",
        "  context:",
        "    aws:MultiFactorAuthAge: 300",
        "    aws:SecureTransport: true",
      ].join("\n"),
    });
    const row = report.rows.find((r) => r.action === "secretsmanager:DescribeSecret");
    expect(row?.context).toEqual({
      "aws:MultiFactorAuthAge": { type: "numeric", values: ["300"] },
      "aws:SecureTransport": { type: "boolean", values: ["true"] },
    });
    expect(row?.verdict).toBe("allowed");
    expect(row?.principal).toBe(EXECUTION_ROLE);
  });

  it("a value invalid for its type is an input error naming the key", async () => {
    emu = await startEmulator({ scenario: scenario({}) });
    await expect(
      preflightInProcess(emu, workspaceWith(TD_FILE, incidentTaskDefinition()), {
        "extra-checks": `- principal: execution-role\n  action: s3:GetObject\n  context:\n    aws:SourceIp: {type: ip, value: somewhere}`,
      }),
    ).rejects.toThrow(/Input 'extra-checks': item 1: 'somewhere' is not a valid ip value for 'aws:SourceIp'/);
    expect(emu.emulator.requests).toHaveLength(0);
  });
});

const KEY_ID = "1111aaaa-2222-bbbb-3333-cccc4444dddd";
const KEY_ARN = `arn:aws:kms:us-west-2:123456789012:key/${KEY_ID}`;

/** The least-privilege key statement the evidence-mask README recommends: only through the service. */
const decryptVia = (service: string, extra: Record<string, unknown> = {}) => ({
  Sid: `DecryptVia${service}`,
  Effect: "Allow",
  Action: "kms:Decrypt",
  Resource: KEY_ARN,
  Condition: { StringEquals: { "kms:ViaService": `${service}.us-west-2.amazonaws.com`, ...extra } },
});

describe("kms:Decrypt as ECS's read through the service makes KMS evaluate it", () => {
  it("a secret whose KmsKeyId is an alias: checked on the key ARN, with kms:ViaService and the SecretARN context", async () => {
    const s = scenario({
      executionPolicy: secretsPolicy(["*"], [decryptVia("secretsmanager", { "kms:CallerAccount": "123456789012" })]),
      secrets: [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf", kmsKeyId: "alias/papyrus-secrets" },
        {
          name: "papyrus/prd/api-key",
          arnSuffix: "XyZ123",
          kmsKeyId: `arn:aws:kms:us-west-2:123456789012:alias/papyrus-secrets`,
        },
      ],
    });
    s.kms = { keys: [{ id: KEY_ID, aliases: ["alias/papyrus-secrets"] }] };
    emu = await startEmulator({ scenario: s });
    const { report, result } = await preflightInProcess(emu, workspaceWith(TD_FILE, incidentTaskDefinition()));
    const decrypt = report.rows.filter((r) => r.action === "kms:Decrypt");
    expect(decrypt.map((r) => [r.resource, r.verdict])).toEqual([
      [KEY_ARN, "allowed"],
      [KEY_ARN, "allowed"],
    ]);
    expect(decrypt[0]?.context).toEqual({
      "kms:ViaService": { type: "string", values: ["secretsmanager.us-west-2.amazonaws.com"] },
      "kms:CallerAccount": { type: "string", values: ["123456789012"] },
      "kms:EncryptionContext:SecretARN": {
        type: "string",
        values: ["arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-AbCdEf"],
      },
      // The AWSCURRENT version ECS reads, from DescribeSecret's VersionIdsToStages.
      "kms:EncryptionContext:SecretVersionId": { type: "string", values: [expect.stringMatching(/^[0-9a-f-]{36}$/)] },
      "kms:EncryptionContextKeys": { type: "stringList", values: ["SecretARN", "SecretVersionId"] },
    });
    expect(result.failure).toBeUndefined();
    expect(emu.emulator.requests.filter((r) => r.action === "DescribeKey").length).toBeGreaterThan(0);
  });

  it("a key policy on the encryption context's keys and version is decided, not left to 'needs context'", async () => {
    // Least-privilege statements seen in the wild: only decrypts that carry exactly Secrets Manager's context keys,
    // and (with Null) only those that name a version.
    const strict = {
      ...decryptVia("secretsmanager"),
      Condition: {
        StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" },
        "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"] },
        Null: { "kms:EncryptionContext:SecretVersionId": "false" },
      },
    };
    const s = scenario({
      executionPolicy: secretsPolicy(["*"], [strict]),
      secrets: [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf", kmsKeyId: KEY_ID },
        { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", kmsKeyId: KEY_ID },
      ],
    });
    s.kms = { keys: [{ id: KEY_ID }] };
    emu = await startEmulator({ scenario: s });
    const { report, result } = await preflightInProcess(emu, workspaceWith(TD_FILE, incidentTaskDefinition()));
    const decrypt = report.rows.filter((r) => r.action === "kms:Decrypt");
    expect(decrypt.map((r) => [r.verdict, r.missingContext])).toEqual([
      ["allowed", []],
      ["allowed", []],
    ]);
    expect(result.failure).toBeUndefined();
  });

  it("a SecureString parameter: kms:ViaService ssm.<region> and the PARAMETER_ARN context", async () => {
    const param = "arn:aws:ssm:us-west-2:123456789012:parameter/papyrus/prd/token";
    const s = scenario({
      executionPolicy: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "ssm:GetParameters", Resource: param },
          decryptVia("ssm", { "kms:EncryptionContext:PARAMETER_ARN": param }),
        ],
      },
      ssm: {
        parameters: [{ name: "/papyrus/prd/token", value: "t", type: "SecureString", keyId: "alias/papyrus-params" }],
      },
    });
    s.kms = { keys: [{ id: KEY_ID, aliases: ["alias/papyrus-params"] }] };
    emu = await startEmulator({ scenario: s });
    const td = incidentTaskDefinition();
    (td.containerDefinitions[0] as { secrets: unknown }).secrets = [{ name: "TOKEN", valueFrom: "/papyrus/prd/token" }];
    const { report } = await preflightInProcess(emu, workspaceWith(TD_FILE, td));
    expect(report.rows.find((r) => r.action === "kms:Decrypt")?.missingContext).toEqual([]);
    expect(report.rows.find((r) => r.action === "kms:Decrypt")?.context?.["kms:EncryptionContextKeys"]).toEqual({
      type: "stringList",
      values: ["PARAMETER_ARN"],
    });
    expect(report.rows.find((r) => r.action === "kms:Decrypt")).toMatchObject({
      resource: KEY_ARN,
      verdict: "allowed",
    });
  });

  it("a decision that hinges on a key the preflight cannot know says 'needs context', not a plain deny", async () => {
    const vpce = {
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: KEY_ARN,
      Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } },
    };
    const s = scenario({
      executionPolicy: secretsPolicy(["*"], [vpce]),
      secrets: [{ name: "papyrus/prd/api-key", arnSuffix: "XyZ123", kmsKeyId: KEY_ID }],
    });
    s.kms = { keys: [{ id: KEY_ID }] };
    emu = await startEmulator({ scenario: s });
    const td = incidentTaskDefinition();
    (td.containerDefinitions[0] as { secrets: unknown }).secrets = [
      { name: "API_KEY", valueFrom: "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/api-key-XyZ123" },
    ];
    const { report, markdown, annotations } = await preflightInProcess(emu, workspaceWith(TD_FILE, td));
    const row = report.rows.find((r) => r.action === "kms:Decrypt");
    expect(row).toMatchObject({
      resource: KEY_ARN,
      decision: "implicitDeny",
      verdict: "needsContext",
      missingContext: ["aws:SourceVpce"],
    });
    expect(report.deniedCount).toBe(0);
    expect(report.needsContextCount).toBe(1);
    expect(report.result).toBe("fail");
    expect(markdown).toContain("needs context `aws:SourceVpce`");
    expect(annotations.some((a) => a.message.includes("without the context key(s) aws:SourceVpce"))).toBe(true);
  });

  it("against the emulator: a secret under a disabled key fails the preflight, whatever the role may do", async () => {
    const s = scenario({
      executionPolicy: secretsPolicy(["*"], [decryptVia("secretsmanager")]),
      secrets: [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf", kmsKeyId: KEY_ARN },
        { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", kmsKeyId: "alias/aws/secretsmanager" },
      ],
    });
    s.kms = { keys: [{ id: KEY_ID, state: "Disabled" }] };
    emu = await startEmulator({ scenario: s });
    const { report, result } = await preflightInProcess(emu, workspaceWith(TD_FILE, incidentTaskDefinition()));
    expect(report.rows.filter((r) => r.action === "kms:Decrypt")).toEqual([]);
    expect(report.findings.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/it is encrypted with is disabled \(KMS answers DisabledException\)\. Enable it/),
    );
    expect(result.failure).toContain("1 other problem(s)");
  });

  it("an alias that does not exist is a failing row; AWS managed keys need no row", async () => {
    const s = scenario({
      executionPolicy: secretsPolicy(["*"]),
      secrets: [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf", kmsKeyId: "alias/deleted-key" },
        { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", kmsKeyId: "alias/aws/secretsmanager" },
      ],
    });
    emu = await startEmulator({ scenario: s });
    const { report } = await preflightInProcess(emu, workspaceWith(TD_FILE, incidentTaskDefinition()));
    expect(report.rows.filter((r) => r.action === "kms:Decrypt")).toEqual([]);
    expect(report.findings.map((f) => f.message)).toContainEqual(
      expect.stringContaining("the KMS key 'alias/deleted-key' it is encrypted with does not exist in us-west-2"),
    );
  });
});
