import {
  CreateRoleCommand,
  IAMClient,
  InvalidInputException,
  PutRolePolicyCommand,
  paginateSimulateCustomPolicy,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";

const secret = (name: string) => `arn:aws:secretsmanager:us-west-2:123456789012:secret:${name}`;
const allow = (action: string, resource: string) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: resource }] });
const deny = (action: string, resource: string) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: action, Resource: resource }] });

let emu: RunningEmulator;
let iam: IAMClient;
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  iam = new IAMClient({
    endpoint: emu.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
  });
});
afterAll(async () => {
  iam.destroy();
  await emu.stop();
});

describe("SimulateCustomPolicy", () => {
  const simulate = (input: ConstructorParameters<typeof SimulateCustomPolicyCommand>[0]) =>
    iam.send(new SimulateCustomPolicyCommand(input));

  it("evaluates only the given policies, per resource, with the statements that decided", async () => {
    const out = await simulate({
      PolicyInputList: [allow("secretsmanager:GetSecretValue", secret("papyrus/db-*"))],
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: [secret("papyrus/db-AbCdEf"), secret("papyrus/api-key-GhIjKl")],
    });
    const [result] = out.EvaluationResults ?? [];
    expect(result?.EvalDecision).toBe("implicitDeny");
    expect(result?.ResourceSpecificResults?.map((r) => r.EvalResourceDecision)).toEqual(["allowed", "implicitDeny"]);
    expect(result?.ResourceSpecificResults?.[0]?.MatchedStatements?.[0]?.SourcePolicyId).toBe("PolicyInputList.1");
    expect(result?.PermissionsBoundaryDecisionDetail).toBeUndefined();
  });

  it("a permissions boundary caps what the policies allow; an explicit deny in it wins", async () => {
    const policies = [allow("secretsmanager:GetSecretValue", secret("papyrus/*"))];
    const resources = [secret("papyrus/db-AbCdEf"), secret("papyrus/api-key-GhIjKl"), secret("papyrus/admin-XyZ123")];
    const out = await simulate({
      PolicyInputList: policies,
      PermissionsBoundaryPolicyInputList: [
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "secretsmanager:*", Resource: secret("papyrus/db-*") },
            { Effect: "Allow", Action: "secretsmanager:*", Resource: secret("papyrus/admin-*") },
            { Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: secret("papyrus/admin-*") },
          ],
        }),
      ],
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: resources,
    });
    const rows = out.EvaluationResults?.[0]?.ResourceSpecificResults ?? [];
    expect(rows.map((r) => r.EvalResourceDecision)).toEqual(["allowed", "implicitDeny", "explicitDeny"]);
    expect(rows.map((r) => r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary)).toEqual([
      true,
      false,
      false,
    ]);
    expect(rows[2]?.MatchedStatements?.[0]?.SourcePolicyId).toBe("PermissionsBoundaryPolicyInputList.1");
    // Without the boundary every one is allowed: the boundary really is what denies.
    const unbounded = await simulate({
      PolicyInputList: policies,
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: resources,
    });
    expect(unbounded.EvaluationResults?.[0]?.ResourceSpecificResults?.map((r) => r.EvalResourceDecision)).toEqual([
      "allowed",
      "allowed",
      "allowed",
    ]);
  });

  it("an explicit deny among the policies wins over an allow", async () => {
    const out = await simulate({
      PolicyInputList: [
        allow("secretsmanager:*", "*"),
        deny("secretsmanager:GetSecretValue", secret("papyrus/admin-*")),
      ],
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: [secret("papyrus/admin-XyZ123")],
    });
    expect(out.EvaluationResults?.[0]?.EvalDecision).toBe("explicitDeny");
  });

  it("agrees with SimulatePrincipalPolicy on a role holding the same policies", async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: "custom-vs-principal",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }),
    );
    const doc = allow("secretsmanager:GetSecretValue", secret("papyrus/db-*"));
    await iam.send(new PutRolePolicyCommand({ RoleName: "custom-vs-principal", PolicyName: "p", PolicyDocument: doc }));
    const request = {
      ActionNames: ["secretsmanager:GetSecretValue", "kms:Decrypt"],
      ResourceArns: [secret("papyrus/db-AbCdEf"), secret("other-AbCdEf")],
    };
    const custom = await simulate({ PolicyInputList: [doc], ...request });
    const principal = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: "arn:aws:iam::123456789012:role/custom-vs-principal",
        ...request,
      }),
    );
    const decisions = (r: typeof custom) =>
      (r.EvaluationResults ?? []).flatMap((e) => (e.ResourceSpecificResults ?? []).map((x) => x.EvalResourceDecision));
    expect(decisions(custom)).toEqual(decisions(principal));
  });

  it("refuses a request without PolicyInputList, a malformed policy, and a role as CallerArn, as IAM does", async () => {
    await expect(simulate({ ActionNames: ["s3:GetObject"] } as never)).rejects.toThrow(
      /Value null at 'policyInputList' failed to satisfy constraint/,
    );
    await expect(simulate({ PolicyInputList: ["{"], ActionNames: ["s3:GetObject"] })).rejects.toMatchObject({
      name: "MalformedPolicyDocumentException",
    });
    await expect(
      simulate({
        PolicyInputList: [allow("s3:GetObject", "*")],
        ActionNames: ["s3:GetObject"],
        CallerArn: "arn:aws:iam::123456789012:role/x",
      }),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });

  it("pages over actions with MaxItems and Marker (the SDK paginator)", async () => {
    const actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt"];
    const seen: string[] = [];
    for await (const page of paginateSimulateCustomPolicy(
      { client: iam, pageSize: 1 },
      { PolicyInputList: [allow("secretsmanager:*", "*")], ActionNames: actions, ResourceArns: ["*"] },
    )) {
      seen.push(...(page.EvaluationResults ?? []).map((r) => `${r.EvalActionName}=${r.EvalDecision}`));
    }
    expect(seen).toEqual([
      "secretsmanager:GetSecretValue=allowed",
      "secretsmanager:DescribeSecret=allowed",
      "kms:Decrypt=implicitDeny",
    ]);
  });
});
