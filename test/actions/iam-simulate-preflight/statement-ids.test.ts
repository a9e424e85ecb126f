import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { beforeEach, describe, expect, it } from "vitest";
import { iamPolicyReader } from "../../../src/actions/iam-simulate-preflight/statement-ids";
import { mockAws } from "../../harness/aws-mock";

const iamMock = mockAws(IAMClient);
const ROLE = "arn:aws:iam::123456789012:role/ecs_task_execution_role";
const INLINE =
  '{"Version":"2012-10-17","Statement":[{"Sid":"ReadSecrets","Effect":"Allow","Action":"*","Resource":"*"}]}';
const MANAGED = '{"Version":"2012-10-17","Statement":[{"Sid":"Managed","Effect":"Allow","Action":"*","Resource":"*"}]}';
const MANAGED_ARN = "arn:aws:iam::123456789012:policy/papyrus_secrets";

describe("the policy a matched statement came from, as IAM names it", () => {
  beforeEach(() => {
    iamMock.reset();
    iamMock.on(GetRolePolicyCommand).callsFake((input) => {
      if (input.RoleName !== "ecs_task_execution_role" || input.PolicyName !== "read_secrets")
        throw Object.assign(new Error("NoSuchEntity"), { name: "NoSuchEntity" });
      return { PolicyDocument: encodeURIComponent(INLINE) };
    });
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyName: "papyrus_secrets", PolicyArn: MANAGED_ARN }],
      IsTruncated: false,
    });
    iamMock.on(GetPolicyCommand).resolves({ Policy: { DefaultVersionId: "v2" } });
    iamMock.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: encodeURIComponent(MANAGED) } });
  });
  const read = () => iamPolicyReader(new IAMClient({ region: "us-east-1" }));

  it("as documented: the inline policy's name with type role, a managed one's with aws-managed / user-managed", async () => {
    const r = read();
    expect(await r(ROLE, { policy: "read_secrets", policyType: "role" })).toBe(INLINE);
    expect(await r(ROLE, { policy: "papyrus_secrets", policyType: "user-managed" })).toBe(MANAGED);
  });

  it("as IAM is seen answering: role_<RoleName>_<PolicyName> and the managed policy's name, type IAM Policy", async () => {
    const r = read();
    // Both names hold `_`: the role's known name is the prefix, the rest is the policy's name.
    expect(await r(ROLE, { policy: "role_ecs_task_execution_role_read_secrets", policyType: "IAM Policy" })).toBe(
      INLINE,
    );
    expect(await r(ROLE, { policy: "papyrus_secrets", policyType: "IAM Policy" })).toBe(MANAGED);
    expect(await r(ROLE, { policy: "PolicyInputList.1", policyType: "IAM Policy" })).toBeUndefined();
    expect(await r(ROLE, { policy: "key policy of arn:aws:kms:…", policyType: "resource" })).toBeUndefined();
    expect(iamMock.commandCalls(GetRolePolicyCommand).map((c) => c.args[0].input.PolicyName)).toEqual(["read_secrets"]);
  });
});
