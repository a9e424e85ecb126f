import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  paginateListRolePolicies,
  paginateSimulatePrincipalPolicy,
  SimulatePrincipalPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";
import { statementSpans } from "./services/iam/positions";

const ACCOUNT = "123456789012";
const ECS_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const secretArn = (name: string) => `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:${name}`;
const EXEC_POLICY = JSON.stringify(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadAppSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: secretArn("papyrus/*"),
      },
      { Sid: "NotTheAdminOne", Effect: "Deny", Action: "secretsmanager:*", Resource: secretArn("papyrus/admin-*") },
      {
        Sid: "ParamsInRegion",
        Effect: "Allow",
        Action: "ssm:GetParameters",
        Resource: `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/papyrus/*`,
        Condition: { StringEquals: { "aws:RequestedRegion": "us-west-2" } },
      },
    ],
  },
  null,
  2,
);

let emu: RunningEmulator;
let iam: IAMClient;
beforeAll(async () => {
  emu = await startEmulator();
  // The SDK retries LimitExceededException as throttling; one attempt keeps the quota tests quick.
  iam = new IAMClient({ endpoint: emu.endpoint, region: "us-east-1", maxAttempts: 1 });
});
afterAll(() => emu.stop());
beforeEach(() => emu.emulator.reset());

async function createExecRole(name = "ecsTaskExecutionRole") {
  await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST), Path: "/service/" }),
  );
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "secrets", PolicyDocument: EXEC_POLICY }));
  return `arn:aws:iam::${ACCOUNT}:role/service/${name}`;
}

describe("IAM roles and inline policies", () => {
  it("creates and reads a role with its URL-encoded trust policy, and refuses duplicates and unknown roles", async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: "app-task",
        AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST),
        Description: "task role",
        Tags: [{ Key: "team", Value: "papyrus" }],
      }),
    );
    expect(created.Role?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/app-task`);
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const got = await iam.send(new GetRoleCommand({ RoleName: "app-task" }));
    expect(JSON.parse(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? ""))).toEqual(ECS_TRUST);
    expect(got.Role?.AssumeRolePolicyDocument).toContain("%22");
    expect(got.Role?.Tags).toEqual([{ Key: "team", Value: "papyrus" }]);
    expect(got.Role?.MaxSessionDuration).toBe(3600);
    expect(got.Role?.CreateDate).toBeInstanceOf(Date);

    await expect(
      iam.send(new CreateRoleCommand({ RoleName: "APP-TASK", AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST) })),
    ).rejects.toMatchObject({ name: "EntityAlreadyExistsException", $metadata: { httpStatusCode: 409 } });
    await expect(iam.send(new GetRoleCommand({ RoleName: "nope" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
      message: "The role with name nope cannot be found.",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("validates trust and permission policies with MalformedPolicyDocument", async () => {
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: "bad", AssumeRolePolicyDocument: "{not json" })),
    ).rejects.toMatchObject({ name: "MalformedPolicyDocumentException" });
    const noPrincipal = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] };
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: "bad", AssumeRolePolicyDocument: JSON.stringify(noPrincipal) })),
    ).rejects.toMatchObject({ name: "MalformedPolicyDocumentException" });
    await createExecRole("r1");
    const noResource = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] };
    await expect(
      iam.send(
        new PutRolePolicyCommand({ RoleName: "r1", PolicyName: "x", PolicyDocument: JSON.stringify(noResource) }),
      ),
    ).rejects.toMatchObject({ name: "MalformedPolicyDocumentException", message: expect.stringContaining("Resource") });
    await expect(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "r1", PolicyDocument: JSON.stringify(noPrincipal) })),
    ).rejects.toMatchObject({ name: "MalformedPolicyDocumentException" });
  });

  it("puts, gets, lists (paged) and deletes inline policies; DeleteRole refuses while policies remain", async () => {
    await createExecRole("r1");
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "r1", PolicyName: "secrets" }));
    expect(decodeURIComponent(got.PolicyDocument ?? "")).toBe(EXEC_POLICY);
    expect(got.RoleName).toBe("r1");
    for (const n of [1, 2, 3, 4]) {
      const doc = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: `s3:GetObject`, Resource: `arn:aws:s3:::b${n}/*` }],
      };
      await iam.send(
        new PutRolePolicyCommand({ RoleName: "r1", PolicyName: `p${n}`, PolicyDocument: JSON.stringify(doc) }),
      );
    }
    const first = await iam.send(new ListRolePoliciesCommand({ RoleName: "r1", MaxItems: 2 }));
    expect(first).toMatchObject({ PolicyNames: ["secrets", "p1"], IsTruncated: true });
    const names: string[] = [];
    for await (const page of paginateListRolePolicies({ client: iam, pageSize: 2 }, { RoleName: "r1" })) {
      names.push(...(page.PolicyNames ?? []));
    }
    expect(names).toEqual(["secrets", "p1", "p2", "p3", "p4"]);
    await expect(iam.send(new DeleteRoleCommand({ RoleName: "r1" }))).rejects.toMatchObject({
      name: "DeleteConflictException",
    });
    for (const n of names) await iam.send(new DeleteRolePolicyCommand({ RoleName: "r1", PolicyName: n }));
    await expect(iam.send(new GetRolePolicyCommand({ RoleName: "r1", PolicyName: "secrets" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
      message: "The role policy with name secrets cannot be found.",
    });
    await iam.send(new DeleteRoleCommand({ RoleName: "r1" }));
    expect(emu.emulator.leftovers()).toEqual({});
  });

  it("refuses inline policies past the role's 10,240-character quota with LimitExceeded", async () => {
    await createExecRole("r1");
    const resources = Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::bucket-number-${i}/*`);
    const big = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: resources }],
    };
    await expect(
      iam.send(new PutRolePolicyCommand({ RoleName: "r1", PolicyName: "big", PolicyDocument: JSON.stringify(big) })),
    ).rejects.toMatchObject({ name: "LimitExceededException", message: expect.stringContaining("10240") });
  });
});

describe("IAM managed policies", () => {
  it("creates, reads (with its URL-encoded version), attaches, lists, detaches and deletes a policy", async () => {
    await createExecRole("r1");
    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "*" }],
    });
    const created = await iam.send(
      new CreatePolicyCommand({ PolicyName: "logs", Path: "/papyrus/", PolicyDocument: doc, Description: "logs" }),
    );
    const arn = `arn:aws:iam::${ACCOUNT}:policy/papyrus/logs`;
    expect(created.Policy).toMatchObject({ Arn: arn, DefaultVersionId: "v1", AttachmentCount: 0, IsAttachable: true });
    await expect(iam.send(new CreatePolicyCommand({ PolicyName: "logs", PolicyDocument: doc }))).rejects.toMatchObject({
      name: "EntityAlreadyExistsException",
    });

    await iam.send(new AttachRolePolicyCommand({ RoleName: "r1", PolicyArn: arn }));
    const execArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    await iam.send(new AttachRolePolicyCommand({ RoleName: "r1", PolicyArn: execArn }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "r1" }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: "logs", PolicyArn: arn },
      { PolicyName: "AmazonECSTaskExecutionRolePolicy", PolicyArn: execArn },
    ]);
    const filtered = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "r1", PathPrefix: "/service-role/" }),
    );
    expect(filtered.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(["AmazonECSTaskExecutionRolePolicy"]);

    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(policy.Policy).toMatchObject({ AttachmentCount: 1, Description: "logs" });
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
    expect(decodeURIComponent(version.PolicyVersion?.Document ?? "")).toBe(doc);
    expect(version.PolicyVersion?.IsDefaultVersion).toBe(true);
    const managed = await iam.send(new GetPolicyVersionCommand({ PolicyArn: execArn, VersionId: "v1" }));
    expect(JSON.parse(decodeURIComponent(managed.PolicyVersion?.Document ?? "")).Statement[0].Action).toContain(
      "ecr:GetAuthorizationToken",
    );
    await expect(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "v9" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });

    await expect(iam.send(new DeletePolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({
      name: "DeleteConflictException",
    });
    await iam.send(new DetachRolePolicyCommand({ RoleName: "r1", PolicyArn: arn }));
    await expect(iam.send(new DetachRolePolicyCommand({ RoleName: "r1", PolicyArn: arn }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await expect(iam.send(new GetPolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
  });

  it("answers InvalidInput for a malformed ARN and LimitExceeded past 10 attached policies or 5 versions", async () => {
    await createExecRole("r1");
    await expect(
      iam.send(new AttachRolePolicyCommand({ RoleName: "r1", PolicyArn: "not-an-arn" })),
    ).rejects.toMatchObject({ name: "InvalidInputException" });
    const doc = (n: number) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::b${n}` }],
      });
    for (let n = 0; n < 11; n++) {
      await iam.send(new CreatePolicyCommand({ PolicyName: `p${n}`, PolicyDocument: doc(n) }));
    }
    for (let n = 0; n < 10; n++) {
      await iam.send(
        new AttachRolePolicyCommand({ RoleName: "r1", PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/p${n}` }),
      );
    }
    await expect(
      iam.send(new AttachRolePolicyCommand({ RoleName: "r1", PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/p10` })),
    ).rejects.toMatchObject({ name: "LimitExceededException", message: "Cannot exceed quota for PoliciesPerRole: 10" });
    const arn = `arn:aws:iam::${ACCOUNT}:policy/p10`;
    for (let n = 0; n < 4; n++) {
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(100 + n) }));
    }
    await expect(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(200) })),
    ).rejects.toMatchObject({ name: "LimitExceededException" });
  });
});

describe("IAM users", () => {
  it("creates a user, manages its inline policy, and GetUser without a name describes the caller", async () => {
    const user = await iam.send(new CreateUserCommand({ UserName: "deployer", Path: "/ci/" }));
    expect(user.User).toMatchObject({ Arn: `arn:aws:iam::${ACCOUNT}:user/ci/deployer`, UserName: "deployer" });
    await expect(iam.send(new CreateUserCommand({ UserName: "deployer" }))).rejects.toMatchObject({
      name: "EntityAlreadyExistsException",
    });
    await iam.send(new PutUserPolicyCommand({ UserName: "deployer", PolicyName: "p", PolicyDocument: EXEC_POLICY }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: "deployer", PolicyName: "p" }));
    expect(decodeURIComponent(got.PolicyDocument ?? "")).toBe(EXEC_POLICY);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: "deployer" }))).PolicyNames).toEqual(["p"]);
    expect((await iam.send(new GetUserCommand({ UserName: "deployer" }))).User?.Path).toBe("/ci/");
    expect((await iam.send(new GetUserCommand({}))).User?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/emulator`);
    await iam.send(new DeleteUserPolicyCommand({ UserName: "deployer", PolicyName: "p" }));
    await iam.send(new DeleteUserCommand({ UserName: "deployer" }));
    await expect(iam.send(new GetUserCommand({ UserName: "deployer" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
  });
});

describe("SimulatePrincipalPolicy", () => {
  const simulate = (input: ConstructorParameters<typeof SimulatePrincipalPolicyCommand>[0]) =>
    iam.send(new SimulatePrincipalPolicyCommand(input));

  it("reports allowed, explicitDeny and implicitDeny per resource, with the decisive statements' positions", async () => {
    const role = await createExecRole();
    const out = await simulate({
      PolicySourceArn: role,
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: [secretArn("papyrus/db-AbCdEf"), secretArn("papyrus/admin-AbCdEf"), secretArn("other-AbCdEf")],
    });
    expect(out.IsTruncated).toBe(false);
    expect(out.EvaluationResults).toHaveLength(1);
    const result = out.EvaluationResults?.[0];
    // The top level is the most restrictive decision over all resources.
    expect(result).toMatchObject({
      EvalActionName: "secretsmanager:GetSecretValue",
      // IAM answers the resource type's ARN template, placeholders and all.
      EvalResourceName: "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}",
      EvalDecision: "explicitDeny",
    });
    const [allowed, denied, implicit] = result?.ResourceSpecificResults ?? [];
    expect(allowed).toMatchObject({
      EvalResourceName: secretArn("papyrus/db-AbCdEf"),
      EvalResourceDecision: "allowed",
    });
    // Statement 1 of EXEC_POLICY (2-space JSON) opens after the `[` on line 3 and closes on line 9.
    expect(allowed?.MatchedStatements).toEqual([
      {
        SourcePolicyId: "secrets",
        SourcePolicyType: "role",
        StartPosition: { Line: 3, Column: 17 },
        EndPosition: { Line: 9, Column: 6 },
      },
    ]);
    expect(denied).toMatchObject({ EvalResourceDecision: "explicitDeny" });
    expect(denied?.MatchedStatements?.map((s) => s.StartPosition)).toEqual([{ Line: 9, Column: 7 }]);
    expect(implicit).toMatchObject({ EvalResourceDecision: "implicitDeny", MatchedStatements: [] });
    expect(result?.MatchedStatements).toEqual(denied?.MatchedStatements);
  });

  it("evaluates attached AWS managed policies and wildcard actions/resources; no ResourceArns means `*`", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "exec", AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST) }));
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: "exec",
        PolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "exec",
        PolicyName: "wild",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "secretsmanager:Get*", Resource: "arn:aws:secretsmanager:*:*:secret:papyrus/*" },
          ],
        }),
      }),
    );
    const out = await simulate({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
      ActionNames: [
        "ecr:GetAuthorizationToken",
        "logs:CreateLogStream",
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
      ],
    });
    const byAction = Object.fromEntries((out.EvaluationResults ?? []).map((r) => [r.EvalActionName, r]));
    expect(byAction["ecr:GetAuthorizationToken"]).toMatchObject({
      EvalResourceName: "*",
      EvalDecision: "allowed",
      MatchedStatements: [{ SourcePolicyId: "AmazonECSTaskExecutionRolePolicy", SourcePolicyType: "aws-managed" }],
    });
    expect(byAction["logs:CreateLogStream"]?.EvalDecision).toBe("allowed");
    // `*` is matched literally: a statement scoped to papyrus/* does not allow every secret.
    expect(byAction["secretsmanager:GetSecretValue"]?.EvalDecision).toBe("implicitDeny");
    expect(byAction["kms:Decrypt"]?.EvalDecision).toBe("implicitDeny");
    expect(byAction["kms:Decrypt"]?.ResourceSpecificResults).toBeUndefined();

    const specific = await simulate({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
      ActionNames: [
        "secretsmanager:GetSecretValue",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:PutSecretValue",
      ],
      ResourceArns: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:papyrus/x-AbCdEf`],
    });
    expect(specific.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(["allowed", "allowed", "implicitDeny"]);
    expect(specific.EvaluationResults?.[0]?.MatchedStatements?.[0]?.SourcePolicyId).toBe("wild");
  });

  it("lists condition keys it was not given in MissingContextValues, and uses ContextEntries when given", async () => {
    const role = await createExecRole();
    const param = `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/papyrus/db-host`;
    const without = await simulate({
      PolicySourceArn: role,
      ActionNames: ["ssm:GetParameters"],
      ResourceArns: [param],
    });
    expect(without.EvaluationResults?.[0]).toMatchObject({
      EvalDecision: "implicitDeny",
      MissingContextValues: ["aws:RequestedRegion"],
      ResourceSpecificResults: [
        { EvalResourceDecision: "implicitDeny", MissingContextValues: ["aws:RequestedRegion"] },
      ],
    });
    const withRegion = await simulate({
      PolicySourceArn: role,
      ActionNames: ["ssm:GetParameters"],
      ResourceArns: [param],
      ContextEntries: [
        { ContextKeyName: "aws:RequestedRegion", ContextKeyType: "string", ContextKeyValues: ["us-west-2"] },
      ],
    });
    expect(withRegion.EvaluationResults?.[0]).toMatchObject({ EvalDecision: "allowed", MissingContextValues: [] });
  });

  it("pages EvaluationResults with MaxItems and Marker and refuses a foreign Marker", async () => {
    const role = await createExecRole();
    const actions = [
      "secretsmanager:GetSecretValue",
      "secretsmanager:DescribeSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:ListSecretVersionIds",
      "secretsmanager:GetResourcePolicy",
      "ssm:GetParameters",
      "ssm:GetParameter",
    ];
    const resources = Array.from({ length: 30 }, (_, i) => secretArn(`papyrus/s${i}-AbCdEf`));
    const first = await simulate({ PolicySourceArn: role, ActionNames: actions, ResourceArns: resources, MaxItems: 3 });
    expect(first.IsTruncated).toBe(true);
    expect(first.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(actions.slice(0, 3));
    expect(first.EvaluationResults?.[0]?.ResourceSpecificResults).toHaveLength(30);

    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateSimulatePrincipalPolicy(
      { client: iam, pageSize: 3 },
      { PolicySourceArn: role, ActionNames: actions, ResourceArns: resources },
    )) {
      pages++;
      seen.push(...(page.EvaluationResults ?? []).map((r) => r.EvalActionName ?? ""));
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(actions);
    await expect(
      simulate({ PolicySourceArn: role, ActionNames: ["ssm:GetParameter"], Marker: first.Marker }),
    ).rejects.toMatchObject({ name: "InvalidInputException" });
    await expect(simulate({ PolicySourceArn: role, ActionNames: actions, MaxItems: 0 })).rejects.toMatchObject({
      name: "ValidationError",
    });
  });

  it("honours a role's or user's permissions boundary: allowed only where identity policies and boundary both allow", async () => {
    const boundary = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "db-only",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn("papyrus/db-*") },
          ],
        }),
      }),
    );
    const boundaryArn = boundary.Policy?.Arn as string;
    await iam.send(
      new CreateRoleCommand({
        RoleName: "bounded",
        AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST),
        PermissionsBoundary: boundaryArn,
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({ RoleName: "bounded", PolicyName: "secrets", PolicyDocument: EXEC_POLICY }),
    );
    expect((await iam.send(new GetRoleCommand({ RoleName: "bounded" }))).Role?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: "PermissionsBoundaryPolicy",
      PermissionsBoundaryArn: boundaryArn,
    });
    const resources = [secretArn("papyrus/db-AbCdEf"), secretArn("papyrus/api-key-XyZ123")];
    const decisions = async () => {
      const out = await simulate({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/bounded`,
        ActionNames: ["secretsmanager:GetSecretValue"],
        ResourceArns: resources,
      });
      return (out.EvaluationResults?.[0]?.ResourceSpecificResults ?? []).map((r) => [
        r.EvalResourceDecision,
        r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
        r.MatchedStatements?.length ?? 0,
      ]);
    };
    // The identity policy allows both; the boundary only the DB secret.
    expect(await decisions()).toEqual([
      ["allowed", true, 1],
      ["implicitDeny", false, 0],
    ]);
    // A boundary given in the request replaces the stored one.
    const given = await simulate({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/bounded`,
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: resources,
      PermissionsBoundaryPolicyInputList: [
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }],
        }),
      ],
    });
    expect(given.EvaluationResults?.[0]?.EvalDecision).toBe("allowed");
    // A wider boundary lets the identity policy decide; removing it too.
    await iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: "bounded",
        PermissionsBoundary: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
      }),
    );
    expect((await decisions()).map((d) => d[0])).toEqual(["implicitDeny", "implicitDeny"]);
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: "bounded" }));
    expect((await decisions()).map((d) => [d[0], d[1]])).toEqual([
      ["allowed", undefined],
      ["allowed", undefined],
    ]);
    await expect(iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: "bounded" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
    await expect(
      iam.send(
        new PutRolePermissionsBoundaryCommand({
          RoleName: "bounded",
          PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/ghost`,
        }),
      ),
    ).rejects.toMatchObject({ name: "NoSuchEntityException" });
    // Users too.
    await iam.send(new CreateUserCommand({ UserName: "ops" }));
    await iam.send(new PutUserPolicyCommand({ UserName: "ops", PolicyName: "secrets", PolicyDocument: EXEC_POLICY }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: "ops", PermissionsBoundary: boundaryArn }));
    const user = await simulate({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/ops`,
      ActionNames: ["secretsmanager:GetSecretValue"],
      ResourceArns: resources,
    });
    expect(user.EvaluationResults?.[0]?.ResourceSpecificResults?.map((r) => r.EvalResourceDecision)).toEqual([
      "allowed",
      "implicitDeny",
    ]);
    // A role without a boundary may not be created with an unknown one (nothing is left behind).
    await expect(
      iam.send(
        new CreateRoleCommand({
          RoleName: "never",
          AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST),
          PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/ghost`,
        }),
      ),
    ).rejects.toMatchObject({ name: "NoSuchEntityException" });
    await expect(iam.send(new GetRoleCommand({ RoleName: "never" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
  });

  it("answers NoSuchEntity for an unknown principal and InvalidInput for a malformed one", async () => {
    await expect(
      simulate({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/ghost`, ActionNames: ["s3:GetObject"] }),
    ).rejects.toMatchObject({ name: "NoSuchEntityException", message: "The role with name ghost cannot be found." });
    await expect(simulate({ PolicySourceArn: "ghost", ActionNames: ["s3:GetObject"] })).rejects.toMatchObject({
      name: "InvalidInputException",
    });
  });

  it("loads roles, policies and users from a scenario and simulates them", async () => {
    await emu.emulator.loadScenario({
      iam: {
        policies: [
          {
            name: "papyrus-secrets",
            document: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn("papyrus/*") },
              ],
            },
          },
        ],
        roles: [
          {
            name: "ecsTaskExecutionRole",
            trustPolicy: ECS_TRUST,
            attachedPolicies: [
              "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
              `arn:aws:iam::${ACCOUNT}:policy/papyrus-secrets`,
            ],
            inlinePolicies: {
              kms: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] },
            },
          },
        ],
        users: [
          {
            name: "ci",
            inlinePolicies: {
              all: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
            },
          },
        ],
      },
    });
    const out = await simulate({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      ActionNames: ["secretsmanager:GetSecretValue", "kms:Decrypt"],
      ResourceArns: [secretArn("papyrus/db-AbCdEf")],
    });
    expect(out.EvaluationResults?.map((r) => [r.EvalDecision, r.MatchedStatements?.[0]?.SourcePolicyType])).toEqual([
      ["allowed", "user-managed"],
      ["allowed", "role"],
    ]);
    const user = await simulate({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/ci`, ActionNames: ["ec2:DeleteVpc"] });
    expect(user.EvaluationResults?.[0]?.EvalDecision).toBe("allowed");
    // Seeded entities are not leftovers; the state lists them with decoded documents.
    expect(emu.emulator.leftovers()).toEqual({});
    const state = emu.emulator.state().iam as { roles: { name: string; trustPolicy: unknown }[] };
    expect(state.roles.map((r) => r.name)).toEqual(["ecsTaskExecutionRole"]);
    expect(state.roles[0]?.trustPolicy).toEqual(ECS_TRUST);
  });
});

describe("IAM listings, versions and user attachments", () => {
  it("lists roles, users and policies by path and scope, and manages policy versions", async () => {
    await createExecRole("r1");
    await iam.send(new CreateRoleCommand({ RoleName: "r2", AssumeRolePolicyDocument: JSON.stringify(ECS_TRUST) }));
    const roles = await iam.send(new ListRolesCommand({ PathPrefix: "/service/" }));
    expect(roles.Roles?.map((r) => r.RoleName)).toEqual(["r1"]);
    expect((await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName)).toEqual(["r1", "r2"]);
    await iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: "r2", PolicyDocument: JSON.stringify({ ...ECS_TRUST, Id: "v2" }) }),
    );
    const r2 = await iam.send(new GetRoleCommand({ RoleName: "r2" }));
    expect(JSON.parse(decodeURIComponent(r2.Role?.AssumeRolePolicyDocument ?? "")).Id).toBe("v2");

    const doc = (action: string) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
    const arn = `arn:aws:iam::${ACCOUNT}:policy/ops`;
    await iam.send(new CreatePolicyCommand({ PolicyName: "ops", PolicyDocument: doc("ecs:Describe*") }));
    const local = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(local.Policies?.map((p) => p.Arn)).toEqual([arn]);
    const aws = await iam.send(new ListPoliciesCommand({ Scope: "AWS", PathPrefix: "/service-role/" }));
    expect(aws.Policies?.map((p) => p.PolicyName)).toEqual(["AmazonECSTaskExecutionRolePolicy"]);

    const v2 = await iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc("ecs:List*"), SetAsDefault: true }),
    );
    expect(v2.PolicyVersion).toMatchObject({ VersionId: "v2", IsDefaultVersion: true });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId).toBe("v2");
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ["v2", true],
      ["v1", false],
    ]);
    await expect(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v2" }))).rejects.toMatchObject({
      name: "DeleteConflictException",
    });
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
    await expect(
      iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
          PolicyDocument: doc("*"),
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidInputException" });

    // The simulation uses the default version (v2 allows ecs:List*, not ecs:Describe*).
    await iam.send(new CreateUserCommand({ UserName: "ops-user" }));
    await iam.send(new AttachUserPolicyCommand({ UserName: "ops-user", PolicyArn: arn }));
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "ops-user" }))).AttachedPolicies).toEqual([
      { PolicyName: "ops", PolicyArn: arn },
    ]);
    expect((await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName)).toEqual(["ops-user"]);
    const sim = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/ops-user`,
        ActionNames: ["ecs:ListClusters", "ecs:DescribeClusters"],
        PolicyInputList: [doc("ecs:DescribeServices")],
      }),
    );
    expect(sim.EvaluationResults?.map((r) => [r.EvalDecision, r.MatchedStatements?.[0]?.SourcePolicyType])).toEqual([
      ["allowed", "user-managed"],
      ["implicitDeny", undefined],
    ]);
    await iam.send(new DetachUserPolicyCommand({ UserName: "ops-user", PolicyArn: arn }));
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "ops-user" }))).AttachedPolicies).toEqual(
      [],
    );
  });

  it("places statements as AWS's own example does, for arrays and a single statement object", () => {
    const text = [
      "{",
      '    "Version": "2012-10-17",',
      '    "Statement": [',
      "        {",
      '            "Sid": "Grant-Access-To-CodeCommit-ListRepo",',
      '            "Effect": "Allow",',
      '            "Action": "codecommit:ListRepositories",',
      '            "Resource": "*"',
      "        }",
      "    ]",
      "}",
    ].join("\n");
    expect(statementSpans(text)).toEqual([
      { StartPosition: { Line: 3, Column: 19 }, EndPosition: { Line: 9, Column: 10 } },
    ]);
    const single = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}';
    expect(statementSpans(single)).toEqual([
      { StartPosition: { Line: 1, Column: 37 }, EndPosition: { Line: 1, Column: 86 } },
    ]);
    expect(statementSpans("not json")).toEqual([]);
  });
});
