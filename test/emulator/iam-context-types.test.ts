/**
 * SimulatePrincipalPolicy reads context values by their ContextKeyType, as
 * IAM does (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html):
 * a Bool / Numeric / Date / IpAddress condition is not met by a value sent as
 * `string`, a value that is not valid for its type is refused, and the type
 * must be one of the enum's values.
 */
import { type ContextEntry, IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/typed`;
let emu: RunningEmulator;
let iam: IAMClient;

const allowIf = (Sid: string, Action: string, Condition: unknown) => ({
  Sid,
  Effect: "Allow",
  Action,
  Resource: "*",
  Condition,
});

beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      iam: {
        roles: [
          {
            name: "typed",
            trustPolicy: { Version: "2012-10-17", Statement: [] },
            inlinePolicies: {
              typed: {
                Version: "2012-10-17",
                Statement: [
                  allowIf("Mfa", "sts:GetSessionToken", { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } }),
                  allowIf("Tls", "s3:ListAllMyBuckets", { Bool: { "aws:SecureTransport": "true" } }),
                  allowIf("Office", "ec2:DescribeVpcs", { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } }),
                  allowIf("Before", "ec2:DescribeSubnets", {
                    DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" },
                  }),
                  allowIf("Named", "ec2:DescribeRegions", { StringEquals: { "aws:PrincipalTag/team": "web" } }),
                ],
              },
            },
          },
        ],
      },
    },
  });
  iam = new IAMClient({ endpoint: emu.endpoint, region: "us-west-2" });
});

afterAll(async () => {
  iam.destroy();
  await emu.stop();
});

const decide = async (action: string, entry: ContextEntry) => {
  const out = await iam.send(
    new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE, ActionNames: [action], ContextEntries: [entry] }),
  );
  return out.EvaluationResults?.[0]?.EvalDecision;
};

describe("ContextKeyType", () => {
  it.each([
    ["sts:GetSessionToken", "aws:MultiFactorAuthAge", "300", "numeric"],
    ["s3:ListAllMyBuckets", "aws:SecureTransport", "true", "boolean"],
    ["ec2:DescribeVpcs", "aws:SourceIp", "203.0.113.7", "ip"],
    ["ec2:DescribeSubnets", "aws:CurrentTime", "2026-12-01T00:00:00Z", "date"],
  ])("%s: %s=%s meets the condition as %s, not as string", async (action, key, value, type) => {
    expect(
      await decide(action, { ContextKeyName: key, ContextKeyValues: [value], ContextKeyType: type as "numeric" }),
    ).toBe("allowed");
    expect(await decide(action, { ContextKeyName: key, ContextKeyValues: [value], ContextKeyType: "string" })).toBe(
      "implicitDeny",
    );
  });

  it("a string condition is met by a string entry", async () => {
    expect(
      await decide("ec2:DescribeRegions", {
        ContextKeyName: "aws:PrincipalTag/team",
        ContextKeyValues: ["web"],
        ContextKeyType: "string",
      }),
    ).toBe("allowed");
  });

  it("refuses a value that is not valid for its type, and a type outside the enum", async () => {
    await expect(
      decide("s3:ListAllMyBuckets", {
        ContextKeyName: "aws:SecureTransport",
        ContextKeyValues: ["yes"],
        ContextKeyType: "boolean",
      }),
    ).rejects.toMatchObject({ name: "InvalidInputException" });
    await expect(
      decide("sts:GetSessionToken", {
        ContextKeyName: "aws:MultiFactorAuthAge",
        ContextKeyValues: ["soon"],
        ContextKeyType: "numeric",
      }),
    ).rejects.toMatchObject({ name: "InvalidInputException" });
    await expect(
      decide("s3:ListAllMyBuckets", {
        ContextKeyName: "aws:SecureTransport",
        ContextKeyValues: ["true"],
        ContextKeyType: "bool" as "boolean",
      }),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });
});
