import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import type { Scenario } from "../../emulator/types";
import { errors, ROOT, runBundle } from "../../harness/runner";
import { scenario } from "./scenario";

// The README's IAM policy, exactly as documented, evaluated by the emulator's enforcement mode:
// it must be enough for a full run, and each missing permission must be named.
const README = readFileSync(join(ROOT, "actions/secrets-rds-drift/README.md"), "utf8");
const POLICY = JSON.parse(/## IAM permissions\s+```json\n([\s\S]*?)```/.exec(README)?.[1] ?? "null");
const KEY = "AKIADRIFTROLE0000001";
const CMK_ID = "7c1b2d3e-4f50-4617-8899-aabbccddee01";
const CMK = `arn:aws:kms:us-west-2:123456789012:key/${CMK_ID}`;

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.stop());

function withPolicy(document: unknown, kmsKeyId?: string): Scenario {
  const base = scenario();
  if (kmsKeyId) {
    base.kms = { keys: [{ id: CMK_ID }] };
    for (const secret of base.secretsmanager.secrets) secret.kmsKeyId = kmsKeyId;
  }
  return {
    ...base,
    principals: { [KEY]: "arn:aws:iam::123456789012:role/papyrus-preflight" },
    enforce: true,
    iam: {
      roles: [
        {
          name: "papyrus-preflight",
          trustPolicy: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
            ],
          },
          inlinePolicies: { drift: document },
        },
      ],
    },
    ecs: {
      taskDefinitions: [
        {
          family: "papyrus-task",
          containerDefinitions: [
            { name: "web", image: "papyrus:1", environment: [{ name: "PGSSLMODE", value: "require" }] },
          ],
        },
      ],
    },
  };
}

async function runAs(document: unknown, kmsKeyId?: string) {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(withPolicy(document, kmsKeyId));
  return runBundle("secrets-rds-drift", {
    inputs: { "secret-id": "papyrus/prd/db", "task-definition": "papyrus-task", comment: "false" },
    env: { AWS_ENDPOINT_URL: emu.endpoint, AWS_ACCESS_KEY_ID: KEY },
  });
}

describe("secrets-rds-drift IAM policy (README) under enforcement", () => {
  it("the documented policy is enough for a full run (secret, host search, parameters, task definition)", async () => {
    expect(POLICY?.Statement?.length).toBe(3);
    const r = await runAs(POLICY);
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(JSON.parse(r.outputs.drift ?? "{}").tls).toBe("matches");
  });

  it("without rds:DescribeDBParameters: exit 1 naming the denied call", async () => {
    const trimmed = structuredClone(POLICY);
    trimmed.Statement[1].Action = trimmed.Statement[1].Action.filter((a: string) => a !== "rds:DescribeDBParameters");
    const r = await runAs(trimmed);
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toMatch(
      /^rds:DescribeDBParameters was denied \(AccessDenied: .*Grant the role the permission/m,
    );
  });

  it("a secret under a customer-managed key: the policy alone fails naming kms:Decrypt; with the README's KMS statement it passes", async () => {
    const denied = await runAs(POLICY, CMK);
    expect(denied.code).toBe(1);
    expect(errors(denied).join("\n")).toMatch(
      /^secretsmanager:GetSecretValue \(kms:Decrypt on the secret's customer-managed key\) was denied \(AccessDeniedException: Access to KMS is not allowed\)/m,
    );
    // The README's statement for the key, with its key id.
    const line = /`(\{"Effect": "Allow", "Action": "kms:Decrypt", [^`]*\})`/.exec(README)?.[1] ?? "null";
    const kms = JSON.parse(line.replace("<key-id>", CMK_ID));
    expect(kms.Resource).toBe(CMK);
    const withKey = structuredClone(POLICY);
    withKey.Statement.push(kms);
    const r = await runAs(withKey, CMK);
    expect(r.code, errors(r).join("\n")).toBe(0);
  });

  it("a policy for another secret: exit 1 naming secretsmanager:DescribeSecret", async () => {
    const other = structuredClone(POLICY);
    other.Statement[0].Resource = "arn:aws:secretsmanager:us-west-2:123456789012:secret:other/*";
    const r = await runAs(other);
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toContain("secretsmanager:DescribeSecret was denied (AccessDeniedException");
  });
});
