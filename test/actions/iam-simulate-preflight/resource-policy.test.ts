/**
 * Key policies and secret resource policies, which SimulatePrincipalPolicy cannot evaluate for a role: what the
 * preflight settles from their text (resource-policy.ts), and what it does with that for a kms:Decrypt row and a
 * GetSecretValue (kms.ts, derive.ts). The emulator's enforcement, which evaluates the same policies with
 * iam-simulate, is checked against the same cases at the end.
 */
import { KMSServiceException } from "@aws-sdk/client-kms";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KeyInfo, Lookups } from "../../../src/actions/iam-simulate-preflight/aws-lookups";
import {
  CheckList,
  type Finding,
  type Principal,
  type Scope,
} from "../../../src/actions/iam-simulate-preflight/checks";
import { addDecryptCheck } from "../../../src/actions/iam-simulate-preflight/kms";
import {
  addSecretPolicyFindings,
  type PolicyRequest,
  resourcePolicyEffect,
  wildcard,
} from "../../../src/actions/iam-simulate-preflight/resource-policy";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/exec`;
const KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1111aaaa-2222-bbbb-3333-cccc4444dddd`;
const SECRET = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:db-AbCdEf`;
const ROOT = { AWS: `arn:aws:iam::${ACCOUNT}:root` };
const VIA = "secretsmanager.us-west-2.amazonaws.com";

const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const decrypt: PolicyRequest = {
  principalArn: ROLE,
  action: "kms:Decrypt",
  resourceArn: KEY,
  context: {
    "aws:PrincipalArn": ROLE,
    "aws:PrincipalAccount": ACCOUNT,
    "kms:ViaService": VIA,
    "kms:CallerAccount": ACCOUNT,
    "kms:EncryptionContext:SecretARN": SECRET,
    "kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"],
  },
};
const kinds = (p: string, mustAllow = true) => resourcePolicyEffect(p, decrypt, mustAllow).kind;

describe("what a key policy settles for kms:Decrypt", () => {
  it("the default key policy (an Allow for the account): IAM policies decide", () => {
    expect(
      kinds(
        policy({
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: ROOT,
          Action: "kms:*",
          Resource: "*",
        }),
      ),
    ).toBe("iam-decides");
    // The account by its bare id, too.
    expect(kinds(policy({ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "kms:Decrypt", Resource: "*" }))).toBe(
      "iam-decides",
    );
  });

  it("no Allow for the account or the role: not granted, whatever IAM allows", () => {
    expect(
      kinds(
        policy(
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, Action: "kms:*", Resource: "*" },
          // The account, but not for Decrypt.
          { Effect: "Allow", Principal: ROOT, Action: ["kms:Describe*", "kms:Get*"], Resource: "*" },
          // Decrypt for another account.
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::444455556666:root" },
            Action: "kms:Decrypt",
            Resource: "*",
          },
        ),
      ),
    ).toBe("not-granted");
  });

  it("an Allow naming the role, or everyone through the service of the account (as AWS managed keys have): granted on its own", () => {
    const byRole = resourcePolicyEffect(
      policy({ Sid: "ExecRole", Effect: "Allow", Principal: { AWS: [ROLE] }, Action: "kms:Decrypt", Resource: "*" }),
      decrypt,
      true,
    );
    expect(byRole).toEqual({ kind: "granted", statement: { index: 1, sid: "ExecRole" } });
    const viaService = policy({
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:Encrypt", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": VIA } },
    });
    expect(kinds(viaService)).toBe("granted");
    // Through another service only: the condition fails, so nothing grants it.
    expect(kinds(viaService.replace(VIA, "ssm.us-west-2.amazonaws.com"))).toBe("not-granted");
  });

  it("conditions it can decide (string and ARN operators on the keys the request carries) are decided; others leave 'may'", () => {
    const allowIf = (Condition: object) =>
      policy({ Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*", Condition });
    expect(kinds(allowIf({ StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } }))).toBe("iam-decides");
    expect(kinds(allowIf({ ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/ex*` } }))).toBe("iam-decides");
    expect(kinds(allowIf({ StringNotEquals: { "kms:CallerAccount": ACCOUNT } }))).toBe("not-granted");
    expect(kinds(allowIf({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "SecretARN" } }))).toBe(
      "iam-decides",
    );
    expect(kinds(allowIf({ "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": "SecretARN" } }))).toBe(
      "not-granted",
    );
    expect(
      kinds(allowIf({ StringEqualsIgnoreCase: { "kms:EncryptionContext:SecretARN": SECRET.toUpperCase() } })),
    ).toBe("iam-decides");
    // A key the request's known context lacks, or an operator it does not evaluate: undecided.
    const undecided = resourcePolicyEffect(allowIf({ StringEquals: { "aws:SourceVpce": "vpce-1" } }), decrypt, true);
    expect(undecided).toEqual({ kind: "may-grant", statements: [{ index: 1, undecided: ["aws:SourceVpce"] }] });
    expect(kinds(allowIf({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }))).toBe("may-grant");
  });

  it("a Deny that applies wins over any Allow; one under undecided conditions is 'may-deny'", () => {
    const enable = { Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*" };
    expect(
      resourcePolicyEffect(
        policy(enable, { Sid: "NoDecrypt", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" }),
        decrypt,
        true,
      ),
    ).toEqual({ kind: "denied", statement: { index: 2, sid: "NoDecrypt" } });
    // Denied to everyone outside Secrets Manager: through it, the Deny does not apply.
    const outside = {
      Effect: "Deny",
      Principal: "*",
      Action: "kms:*",
      Resource: "*",
      Condition: { StringNotEquals: { "kms:ViaService": VIA } },
    };
    expect(kinds(policy(enable, outside))).toBe("iam-decides");
    expect(kinds(policy(enable, { ...outside, Condition: { Bool: { "aws:ViaAWSService": "false" } } }))).toBe(
      "may-deny",
    );
    expect(kinds(policy(enable, { Effect: "Deny", NotPrincipal: { AWS: ROLE }, Action: "kms:*", Resource: "*" }))).toBe(
      "may-deny",
    );
    // NotAction, and a Deny for other actions only.
    expect(kinds(policy(enable, { Effect: "Deny", Principal: "*", NotAction: "kms:Encrypt", Resource: "*" }))).toBe(
      "denied",
    );
    expect(kinds(policy(enable, { Effect: "Deny", Principal: "*", NotAction: "kms:*", Resource: "*" }))).toBe(
      "iam-decides",
    );
    expect(
      kinds(policy(enable, { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" })),
    ).toBe("iam-decides");
  });

  it("a key policy statement naming the role grants on its own, also next to the account's statement", () => {
    const account = {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    };
    const roleGrant = { Effect: "Allow", Principal: { AWS: ROLE }, Action: "kms:Decrypt", Resource: "*" };
    expect(kinds(policy(account, roleGrant))).toBe("granted");
    expect(kinds(policy(roleGrant, account))).toBe("granted");
    expect(kinds(policy(account))).toBe("iam-decides");
  });

  it("a secret's resource policy: a Deny denies, an Allow naming the role (or everyone) grants alone, one for the account leaves it to IAM", () => {
    const request: PolicyRequest = { ...decrypt, action: "secretsmanager:GetSecretValue", resourceArn: SECRET };
    const effect = (p: string) => resourcePolicyEffect(p, request, false).kind;
    expect(
      effect(
        policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: "*", Resource: "*" }),
      ),
    ).toBe("iam-decides");
    expect(
      effect(policy({ Effect: "Deny", Principal: { AWS: ROLE }, Action: "secretsmanager:*", Resource: "*" })),
    ).toBe("denied");
    expect(
      effect(
        policy({ Effect: "Deny", Principal: { AWS: ROLE }, Action: "secretsmanager:*", Resource: `${SECRET}-other` }),
      ),
    ).toBe("iam-decides");
    const allow = (principal: unknown, extra: Record<string, unknown> = {}) =>
      effect(
        policy({
          Effect: "Allow",
          Principal: principal,
          Action: "secretsmanager:GetSecretValue",
          Resource: "*",
          ...extra,
        }),
      );
    expect(allow({ AWS: ROLE })).toBe("granted");
    expect(allow("*")).toBe("granted");
    expect(allow({ AWS: `arn:aws:iam::${ACCOUNT}:root` })).toBe("iam-decides");
    expect(allow({ AWS: ACCOUNT })).toBe("iam-decides");
    expect(allow({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` })).toBe("iam-decides");
    // Only under conditions the preflight cannot decide: not counted as a grant.
    expect(allow({ AWS: ROLE }, { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })).toBe("iam-decides");
  });

  it("wildcards match as IAM's `*` and `?` do (the same as a regular expression of the pattern), and stay fast on hostile patterns", () => {
    const chars = (alphabet: string[]) =>
      fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }).map((a) => a.join(""));
    fc.assert(
      fc.property(chars(["a", "b", "*", "?"]), chars(["a", "b"]), (pattern, value) => {
        const re = new RegExp(`^${pattern.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s");
        expect(wildcard(pattern, value, false)).toBe(re.test(value));
      }),
      { numRuns: 2000 },
    );
    expect(wildcard("KMS:Decr*", "kms:decrypt", true)).toBe(true);
    expect(wildcard("KMS:Decr*", "kms:decrypt", false)).toBe(false);
    // `*a*a*…*b` against a long run of `a`: exponential for a backtracking regex, quadratic at worst here.
    expect(wildcard(`${"*a".repeat(40)}*b`, "a".repeat(2048), false)).toBe(false);
  });

  it("never throws on arbitrary statement shapes, and a Deny for everyone on everything is always denied", () => {
    const value = fc.oneof(fc.string(), fc.constant("*"), fc.array(fc.string(), { maxLength: 3 }), fc.object());
    const statement = fc.record(
      {
        Effect: fc.constantFrom("Allow", "Deny", "Bogus"),
        Principal: value,
        Action: value,
        Resource: value,
        Condition: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 5 }), (statements) => {
        const p = policy(...statements);
        const kind = resourcePolicyEffect(p, decrypt, true).kind;
        expect(["iam-decides", "granted", "denied", "may-deny", "may-grant", "not-granted"]).toContain(kind);
        const all = { Effect: "Deny", Principal: "*", Action: "*", Resource: "*" };
        expect(resourcePolicyEffect(policy(...statements, all), decrypt, true).kind).toBe("denied");
      }),
      { numRuns: 300 },
    );
  });
});

const scope: Scope = { partition: "aws", region: "us-west-2", account: ACCOUNT };
const role: Principal = { arn: ROLE, role: "execution role" };
const accessDenied = (action: string) =>
  new KMSServiceException({
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/preflight/x is not authorized to perform: ${action}`,
  });

async function decryptRow(
  keyPolicy: () => Promise<string | undefined>,
  key: KeyInfo = { arn: KEY, manager: "CUSTOMER", state: "Enabled" },
) {
  const lookups = { describeKey: async () => key, keyPolicy } as unknown as Lookups;
  const checks = new CheckList();
  const findings: Finding[] = [];
  await addDecryptCheck(
    { keyId: key.arn, resourceArn: SECRET, via: "secretsmanager", reason: "container web, secret DB" },
    role,
    scope,
    lookups,
    checks,
    findings,
  );
  return { checks: checks.all(), findings: findings.map((f) => [f.severity, f.message] as const) };
}

describe("the kms:Decrypt row and the key policy", () => {
  it("IAM decides: the row, no finding", async () => {
    const got = await decryptRow(async () =>
      policy({ Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*" }),
    );
    expect(got.checks.map((c) => [c.action, c.resource, c.grantedBy])).toEqual([["kms:Decrypt", KEY, undefined]]);
    expect(got.findings).toEqual([]);
  });

  it("not granted: a failing row naming the missing statement and the one to add, and no row", async () => {
    const got = await decryptRow(async () =>
      policy({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` },
        Action: "kms:*",
        Resource: "*",
      }),
    );
    expect(got.checks).toEqual([]);
    expect(got.findings).toHaveLength(1);
    const [severity, message] = got.findings[0] as readonly [string, string];
    expect(severity).toBe("fail");
    expect(message).toContain(
      `container web, secret DB: the key policy of ${KEY} neither lets IAM policies grant access`,
    );
    expect(message).toContain(`an Allow for arn:aws:iam::${ACCOUNT}:root`);
    // The statement to add works: with it the key policy grants the row.
    const fix = JSON.parse(message.slice(message.indexOf("{")));
    expect(fix).toMatchObject({ Effect: "Allow", Principal: { AWS: ROLE }, Action: "kms:Decrypt" });
    expect(resourcePolicyEffect(policy(fix), decrypt, true).kind).toBe("granted");
  });

  it("denied by a statement: a failing row naming it", async () => {
    const got = await decryptRow(async () =>
      policy(
        { Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*" },
        { Sid: "Frozen", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" },
      ),
    );
    expect(got.checks).toEqual([]);
    expect(got.findings).toEqual([
      ["fail", expect.stringContaining(`denies ${ROLE} kms:Decrypt (statement 2 ("Frozen"))`)],
    ]);
  });

  it("granted by the key policy naming the role: the row carries the statement (allowed without an IAM policy)", async () => {
    const got = await decryptRow(async () =>
      policy({ Sid: "Exec", Effect: "Allow", Principal: { AWS: ROLE }, Action: "kms:Decrypt", Resource: "*" }),
    );
    expect(got.checks.map((c) => c.grantedBy)).toEqual([
      { policy: `key policy of ${KEY}`, policyType: "resource", sid: "Exec" },
    ]);
  });

  it("undecided: the row and a warning; unreadable (GetKeyPolicy denied): the row and a note; another account's key: the row alone", async () => {
    const may = await decryptRow(async () =>
      policy({
        Effect: "Allow",
        Principal: ROOT,
        Action: "kms:*",
        Resource: "*",
        Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
      }),
    );
    expect(may.checks).toHaveLength(1);
    expect(may.findings).toEqual([
      [
        "warning",
        expect.stringContaining("lets arn:aws:iam::123456789012:role/exec use the key only through statement 1"),
      ],
    ]);
    const unreadable = await decryptRow(async () => {
      throw accessDenied("kms:GetKeyPolicy");
    });
    expect(unreadable.checks).toHaveLength(1);
    expect(unreadable.findings).toEqual([
      ["note", expect.stringContaining("was not checked (kms:GetKeyPolicy was denied")],
    ]);
    const other = "arn:aws:kms:us-west-2:444455556666:key/2222bbbb-3333-cccc-4444-dddd5555eeee";
    const crossAccount = await decryptRow(
      async () => {
        throw new Error("GetKeyPolicy does not work across accounts: not called");
      },
      { arn: other, manager: "CUSTOMER", state: "Enabled" },
    );
    expect(crossAccount.checks.map((c) => c.resource)).toEqual([other]);
    expect(crossAccount.findings).toEqual([]);
  });
});

describe("a secret's resource policy and GetSecretValue", () => {
  it("an Allow naming the role is the grant the GetSecretValue row carries, named after the policy and its Sid", async () => {
    const grant = await addSecretPolicyFindings(
      SECRET,
      role,
      {
        secretPolicy: async () =>
          policy({
            Sid: "ExecutionRoleReads",
            Effect: "Allow",
            Principal: { AWS: ROLE },
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
          }),
      } as unknown as Lookups,
      { reason: "container web, secret DB" },
      [],
    );
    expect(grant).toEqual({
      policy: `resource policy of ${SECRET}`,
      policyType: "resource",
      sid: "ExecutionRoleReads",
    });
  });

  const findingsFor = async (secretPolicy: () => Promise<string | undefined>, secretArn = SECRET) => {
    const findings: Finding[] = [];
    await addSecretPolicyFindings(
      secretArn,
      role,
      { secretPolicy } as unknown as Lookups,
      { reason: "container web, secret DB" },
      findings,
    );
    return findings.map((f) => [f.severity, f.message]);
  };

  it("a Deny fails, a conditional one warns, none or an unreadable policy do not fail", async () => {
    expect(await findingsFor(async () => undefined)).toEqual([]);
    expect(
      await findingsFor(async () =>
        policy({
          Sid: "Lock",
          Effect: "Deny",
          Principal: { AWS: ROLE },
          Action: "secretsmanager:GetSecretValue",
          Resource: "*",
        }),
      ),
    ).toEqual([
      [
        "fail",
        expect.stringContaining(
          `the secret's resource policy denies ${ROLE} secretsmanager:GetSecretValue (statement 1 ("Lock"))`,
        ),
      ],
    ]);
    expect(
      await findingsFor(async () =>
        policy({
          Effect: "Deny",
          Principal: "*",
          Action: "secretsmanager:*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:SourceVpc": "vpc-1" } },
        }),
      ),
    ).toEqual([
      ["warning", expect.stringContaining("under conditions on aws:SourceVpc that the preflight cannot decide")],
    ]);
    expect(
      await findingsFor(async () => {
        throw accessDenied("secretsmanager:GetResourcePolicy");
      }),
    ).toEqual([["note", expect.stringContaining("secretsmanager:GetResourcePolicy was denied")]]);
    // An Allow naming the role: no finding (the row carries the grant).
    expect(
      await findingsFor(async () =>
        policy({ Effect: "Allow", Principal: { AWS: ROLE }, Action: "secretsmanager:GetSecretValue", Resource: "*" }),
      ),
    ).toEqual([]);
  });

  it("another account's secret: its resource policy must allow the role or its account too — none, a Deny or no such Allow fails, a conditional one warns, an unreadable one is a note", async () => {
    const OTHER = "arn:aws:secretsmanager:us-west-2:444455556666:secret:shared/db-AbCdEf";
    const read = (p?: unknown) => findingsFor(async () => (p === undefined ? undefined : policy(p as never)), OTHER);
    const allow = (principal: unknown, extra: Record<string, unknown> = {}) => ({
      Effect: "Allow",
      Principal: principal,
      Action: "secretsmanager:GetSecretValue",
      Resource: "*",
      ...extra,
    });
    expect(await read(allow({ AWS: ROLE }))).toEqual([]);
    expect(await read(allow({ AWS: `arn:aws:iam::${ACCOUNT}:root` }))).toEqual([]);
    expect(await read()).toEqual([
      ["fail", expect.stringContaining("is in account 444455556666 and has no resource policy")],
    ]);
    const [severity, message] =
      ((await read(allow({ AWS: "arn:aws:iam::777788889999:root" }))) as [string, string][])[0] ?? [];
    expect(severity).toBe("fail");
    expect(message).toContain(`allows neither ${ROLE} nor its account secretsmanager:GetSecretValue`);
    expect(message).toContain(`aws secretsmanager put-resource-policy --secret-id ${OTHER}`);
    expect(await read({ ...allow({ AWS: ROLE }), Effect: "Deny", Sid: "No" })).toEqual([
      ["fail", expect.stringContaining(`denies ${ROLE} secretsmanager:GetSecretValue (statement 1 ("No"))`)],
    ]);
    expect(await read(allow({ AWS: ROLE }, { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }))).toEqual([
      ["warning", expect.stringContaining("only through statement 1, under conditions on aws:SourceIp")],
    ]);
    expect(
      await findingsFor(async () => {
        throw accessDenied("secretsmanager:GetResourcePolicy");
      }, OTHER),
    ).toEqual([
      [
        "note",
        expect.stringContaining("was not checked (secretsmanager:GetResourcePolicy was denied across accounts)"),
      ],
    ]);
  });
});
