/**
 * The key behind a secret or SecureString parameter must be usable for ECS to decrypt: KMS refuses a disabled key
 * (DisabledException) and one pending deletion (KMSInvalidStateException), and a key ARN that does not exist
 * decrypts nothing. A key of another account may be unreadable to the preflight's role: a note, and the row.
 */
import { KMSServiceException } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import type { KeyInfo, Lookups } from "../../../src/actions/iam-simulate-preflight/aws-lookups";
import {
  CheckList,
  type Finding,
  type Principal,
  type Scope,
} from "../../../src/actions/iam-simulate-preflight/checks";
import { addDecryptCheck } from "../../../src/actions/iam-simulate-preflight/kms";

const scope: Scope = { partition: "aws", region: "us-west-2", account: "123456789012" };
const role: Principal = { arn: "arn:aws:iam::123456789012:role/exec", role: "execution role" };
const SECRET = "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf";
const KEY = "arn:aws:kms:us-west-2:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";
const OTHER_ACCOUNT_KEY = "arn:aws:kms:us-west-2:444455556666:key/2222bbbb-3333-cccc-4444-dddd5555eeee";

const denied = () =>
  new KMSServiceException({
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "User: arn:aws:sts::123456789012:assumed-role/preflight/x is not authorized to perform: kms:DescribeKey",
  });

async function check(keyId: string, describeKey: (keyId: string) => Promise<KeyInfo | undefined>) {
  // The default key policy: IAM policies decide (resource-policy.test.ts covers the others).
  const keyPolicy = async () =>
    JSON.stringify({
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
      ],
    });
  const lookups = { describeKey, keyPolicy } as unknown as Lookups;
  const checks = new CheckList();
  const findings: Finding[] = [];
  await addDecryptCheck(
    { keyId, resourceArn: SECRET, via: "secretsmanager", reason: "container web, secret DB" },
    role,
    scope,
    lookups,
    checks,
    findings,
  );
  return {
    rows: checks.all().map((c) => `${c.action} ${c.resource}`),
    findings: findings.map((f) => [f.severity, f.message]),
  };
}

describe("the KMS key's state", () => {
  it("an enabled key: the kms:Decrypt row", async () => {
    expect(await check(KEY, async () => ({ arn: KEY, manager: "CUSTOMER", state: "Enabled" }))).toEqual({
      rows: [`kms:Decrypt ${KEY}`],
      findings: [],
    });
  });

  it("a disabled key, or one pending deletion: a failing row that says how to recover, no check", async () => {
    const disabled = await check(KEY, async () => ({ arn: KEY, manager: "CUSTOMER", state: "Disabled" }));
    expect(disabled).toEqual({
      rows: [],
      findings: [
        [
          "fail",
          `container web, secret DB: the KMS key ${KEY} it is encrypted with is disabled (KMS answers DisabledException). Enable it (aws kms enable-key). ECS cannot decrypt the value, so the task will not start.`,
        ],
      ],
    });
    const pending = await check("alias/papyrus", async () => ({
      arn: KEY,
      manager: "CUSTOMER",
      state: "PendingDeletion",
      deletionDate: new Date("2026-12-31T00:00:00Z"),
    }));
    expect(pending.rows).toEqual([]);
    expect(pending.findings).toEqual([
      [
        "fail",
        expect.stringContaining(
          `the KMS key ${KEY} it is encrypted with is scheduled for deletion on 2026-12-31T00:00:00.000Z (KMS answers KMSInvalidStateException). Cancel the deletion (aws kms cancel-key-deletion)`,
        ),
      ],
    ]);
    const unavailable = await check(KEY, async () => ({ arn: KEY, manager: "CUSTOMER", state: "Unavailable" }));
    expect(unavailable.findings[0]?.[1]).toContain("is in state Unavailable, in which KMS does not decrypt");
  });

  it("a key ARN that does not exist: a failing row, as for an alias that does not", async () => {
    expect(await check(KEY, async () => undefined)).toEqual({
      rows: [],
      findings: [
        ["fail", expect.stringContaining(`the KMS key '${KEY}' it is encrypted with does not exist in us-west-2`)],
      ],
    });
  });

  it("a key ARN the preflight may not describe (another account's key policy): a note, and the row all the same", async () => {
    expect(
      await check(OTHER_ACCOUNT_KEY, async () => {
        throw denied();
      }),
    ).toEqual({
      rows: [`kms:Decrypt ${OTHER_ACCOUNT_KEY}`],
      findings: [["note", expect.stringContaining(`the state of the KMS key ${OTHER_ACCOUNT_KEY} was not checked`)]],
    });
    // An alias needs DescribeKey to find its key at all: the denial is the step's error, naming the permission.
    await expect(
      check("alias/papyrus", async () => {
        throw denied();
      }),
    ).rejects.toThrow("kms:DescribeKey");
  });
});
