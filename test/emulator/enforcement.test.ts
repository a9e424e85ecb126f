import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";
import type { IamModule } from "./services/iam";
import type { Scenario } from "./types";

const ACCOUNT = "123456789012";
const CI_KEY = "AKIACIROLE0000000001";
const CI_ROLE = `arn:aws:iam::${ACCOUNT}:role/alb-smoke-ci`;
const CI_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/alb-smoke-ci/GitHubActions`;
const SECRETS = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:`;
const OIDC_TRUST = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: "sts:AssumeRoleWithWebIdentity",
    },
  ],
};
const CI_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["iam:GetRole", "iam:SimulatePrincipalPolicy"], Resource: CI_ROLE },
    { Effect: "Allow", Action: "ec2:DescribeSecurityGroups", Resource: "*" },
    { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `${SECRETS}papyrus/*` },
    { Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: `${SECRETS}papyrus/admin-*` },
  ],
};

const scenario: Scenario = {
  principals: { [CI_KEY]: CI_ROLE },
  iam: {
    roles: [
      { name: "alb-smoke-ci", trustPolicy: OIDC_TRUST, inlinePolicies: { ci: CI_POLICY } },
      { name: "someone-else", trustPolicy: OIDC_TRUST },
    ],
  },
  secretsmanager: {
    secrets: [
      { name: "papyrus/db", value: { password: "x" }, arnSuffix: "AbCdEf" },
      { name: "papyrus/admin-db", value: { password: "y" }, arnSuffix: "GhIjKl" },
      { name: "billing/db", value: { password: "z" }, arnSuffix: "MnOpQr" },
    ],
  },
};

let emu: RunningEmulator;
const client = <T>(Ctor: new (cfg: object) => T, accessKeyId = CI_KEY) =>
  new Ctor({
    endpoint: emu.endpoint,
    region: "us-west-2",
    maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey: "emulator-secret-key" },
  });

beforeAll(async () => {
  emu = await startEmulator({ enforce: true });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await emu.emulator.reset();
  emu.emulator.enforce = true;
  await emu.emulator.loadScenario(scenario);
});

const denial = (action: string, resource: string) =>
  `User: ${CI_SESSION} is not authorized to perform: ${action} on resource: ${resource}`;

describe("enforcement mode", () => {
  it("always answers sts:GetCallerIdentity, which IAM does not authorise", async () => {
    const id = await client(STSClient).send(new GetCallerIdentityCommand({}));
    expect(id.Arn).toBe(CI_SESSION);
  });

  it("query protocol (IAM): allows what the policy grants, refuses the rest with AccessDenied naming action and resource", async () => {
    const iam = client(IAMClient);
    expect((await iam.send(new GetRoleCommand({ RoleName: "alb-smoke-ci" }))).Role?.Arn).toBe(CI_ROLE);
    await expect(iam.send(new GetRoleCommand({ RoleName: "someone-else" }))).rejects.toMatchObject({
      name: "AccessDenied",
      message: denial("iam:GetRole", `arn:aws:iam::${ACCOUNT}:role/someone-else`),
      $metadata: { httpStatusCode: 403 },
    });
    // The call is refused before the handler runs: a role that does not exist is still AccessDenied.
    await expect(iam.send(new GetRoleCommand({ RoleName: "ghost" }))).rejects.toMatchObject({ name: "AccessDenied" });
    const sim = await iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: CI_ROLE, ActionNames: ["ec2:DescribeSecurityGroups"] }),
    );
    expect(sim.EvaluationResults?.[0]?.EvalDecision).toBe("allowed");
  });

  it("EC2 protocol: UnauthorizedOperation for an action the policy does not grant", async () => {
    const ec2 = client(EC2Client);
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
    expect(groups.SecurityGroups?.length).toBeGreaterThan(0);
    const error = await ec2
      .send(new CreateSecurityGroupCommand({ GroupName: "alb-smoke", Description: "temporary ALB" }))
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: "UnauthorizedOperation", $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toContain(
      `is not authorized to perform: ec2:CreateSecurityGroup on resource: arn:aws:ec2:us-west-2:${ACCOUNT}:`,
    );
    expect((error as Error).message).toContain(CI_SESSION);
  });

  it("JSON protocol (Secrets Manager): allowed secret, implicit deny and explicit deny", async () => {
    const sm = client(SecretsManagerClient);
    const ok = await sm.send(new GetSecretValueCommand({ SecretId: "papyrus/db" }));
    expect(ok.ARN).toBe(`${SECRETS}papyrus/db-AbCdEf`);
    for (const [id, arn] of [
      ["billing/db", `${SECRETS}billing/db-MnOpQr`],
      ["papyrus/admin-db", `${SECRETS}papyrus/admin-db-GhIjKl`],
    ]) {
      await expect(sm.send(new GetSecretValueCommand({ SecretId: id }))).rejects.toMatchObject({
        name: "AccessDeniedException",
        message: denial("secretsmanager:GetSecretValue", arn as string),
      });
    }
  });

  it("Secrets Manager with a customer-managed KMS key: GetSecretValue also needs kms:Decrypt on the key", async () => {
    const KEY = "0b1c2d3e-4f50-4617-8899-aabbccddeeff";
    const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${KEY}`;
    await emu.emulator.loadScenario({
      kms: { keys: [{ id: KEY, aliases: ["alias/papyrus-secrets"] }] },
      secretsmanager: {
        secrets: [
          { name: "papyrus/cmk-db", value: { password: "c" }, arnSuffix: "StUvWx", kmsKeyId: "alias/papyrus-secrets" },
          {
            name: "papyrus/managed-db",
            value: { password: "m" },
            arnSuffix: "YzAbCd",
            kmsKeyId: "alias/aws/secretsmanager",
          },
          { name: "papyrus/lost-key-db", value: { password: "l" }, arnSuffix: "EfGhIj", kmsKeyId: "alias/deleted-key" },
        ],
      },
    });
    const sm = client(SecretsManagerClient);
    const read = (id: string) => sm.send(new GetSecretValueCommand({ SecretId: id }));
    // The AWS managed key needs nothing beyond secretsmanager:GetSecretValue.
    expect((await read("papyrus/managed-db")).SecretString).toBe('{"password":"m"}');
    await expect(read("papyrus/cmk-db")).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: "Access to KMS is not allowed",
    });
    await expect(read("papyrus/lost-key-db")).rejects.toMatchObject({ name: "DecryptionFailure" });
    const grant = (resource: string) =>
      client(IAMClient, "AKIAEMULATOR00000001").send(
        new PutRolePolicyCommand({
          RoleName: "alb-smoke-ci",
          PolicyName: "decrypt",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: resource,
                // Only through Secrets Manager, only for this secret: the keys AWS puts in the request.
                Condition: {
                  StringEquals: {
                    "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com",
                    "kms:EncryptionContext:SecretARN": `${SECRETS}papyrus/cmk-db-StUvWx`,
                  },
                },
              },
            ],
          }),
        }),
      );
    await grant(`arn:aws:kms:us-west-2:${ACCOUNT}:key/11111111-2222-4333-8444-555555555555`);
    await expect(read("papyrus/cmk-db")).rejects.toMatchObject({ message: "Access to KMS is not allowed" });
    // Granted on the alias's ARN: IAM authorizes on the key, so that does not count either.
    await grant(`arn:aws:kms:us-west-2:${ACCOUNT}:alias/papyrus-secrets`);
    await expect(read("papyrus/cmk-db")).rejects.toMatchObject({ message: "Access to KMS is not allowed" });
    await grant(KEY_ARN);
    expect((await read("papyrus/cmk-db")).SecretString).toBe('{"password":"c"}');
  });

  it("a KMS key policy decides with the identity policies: without the account's IAM statement IAM's allow has no effect; naming the role needs no IAM policy; a Deny wins", async () => {
    const keyId = (n: number) => `0b1c2d3e-4f50-4617-8899-aabbccddee0${n}`;
    const keyArn = (n: number) => `arn:aws:kms:us-west-2:${ACCOUNT}:key/${keyId(n)}`;
    const policy = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
    const ROOT = { AWS: `arn:aws:iam::${ACCOUNT}:root` };
    await emu.emulator.loadScenario({
      kms: {
        keys: [
          // 1: the default key policy (IAM decides); 2: only an admin role, IAM not enabled;
          // 3: names the CI role directly; 4: IAM enabled but a Deny for every principal outside a condition.
          { id: keyId(1) },
          {
            id: keyId(2),
            policy: policy({
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` },
              Action: "kms:*",
              Resource: "*",
            }),
          },
          {
            id: keyId(3),
            policy: policy({ Effect: "Allow", Principal: { AWS: CI_ROLE }, Action: "kms:Decrypt", Resource: "*" }),
          },
          {
            id: keyId(4),
            policy: policy(
              { Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*" },
              {
                Effect: "Deny",
                Principal: "*",
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: { StringNotEquals: { "kms:EncryptionContext:SecretARN": `${SECRETS}papyrus/k1-AbCd01` } },
              },
            ),
          },
        ],
      },
      secretsmanager: {
        secrets: [1, 2, 3, 4].map((n) => ({
          name: `papyrus/k${n}`,
          value: `v${n}`,
          arnSuffix: `AbCd0${n}`,
          kmsKeyId: keyArn(n),
        })),
      },
    });
    const sm = client(SecretsManagerClient);
    const read = (n: number) => sm.send(new GetSecretValueCommand({ SecretId: `papyrus/k${n}` }));
    await client(IAMClient, "AKIAEMULATOR00000001").send(
      new PutRolePolicyCommand({
        RoleName: "alb-smoke-ci",
        PolicyName: "decrypt",
        PolicyDocument: JSON.stringify(
          policy({ Effect: "Allow", Action: "kms:Decrypt", Resource: [1, 2, 4].map(keyArn) }),
        ),
      }),
    );
    expect((await read(1)).SecretString).toBe("v1");
    await expect(read(2)).rejects.toMatchObject({ message: "Access to KMS is not allowed" });
    expect((await read(3)).SecretString).toBe("v3");
    await expect(read(4)).rejects.toMatchObject({ message: "Access to KMS is not allowed" });
    const kms = client(KMSClient, "AKIAEMULATOR00000001");
    const got = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId(1) }));
    expect(got.PolicyName).toBe("default");
    expect(JSON.parse(got.Policy as string).Statement[0]).toMatchObject({
      Sid: "Enable IAM User Permissions",
      Principal: ROOT,
    });
    await expect(kms.send(new GetKeyPolicyCommand({ KeyId: "alias/aws/secretsmanager" }))).rejects.toMatchObject({
      name: "NotFoundException",
    });
    await expect(kms.send(new GetKeyPolicyCommand({ KeyId: keyId(1), PolicyName: "other" }))).rejects.toMatchObject({
      name: "NotFoundException",
    });
  });

  it("a secret's resource policy: its Deny wins over the identity policy's allow; it can grant what IAM does not", async () => {
    const sm = client(SecretsManagerClient);
    const admin = client(SecretsManagerClient, "AKIAEMULATOR00000001");
    const read = (id: string) => sm.send(new GetSecretValueCommand({ SecretId: id }));
    expect((await read("papyrus/db")).SecretString).toBe('{"password":"x"}');
    const deny = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Deny", Principal: { AWS: CI_ROLE }, Action: "secretsmanager:GetSecretValue", Resource: "*" },
      ],
    };
    await admin.send(new PutResourcePolicyCommand({ SecretId: "papyrus/db", ResourcePolicy: JSON.stringify(deny) }));
    expect(
      JSON.parse((await admin.send(new GetResourcePolicyCommand({ SecretId: "papyrus/db" }))).ResourcePolicy as string),
    ).toEqual(deny);
    await expect(read("papyrus/db")).rejects.toMatchObject({ name: "AccessDeniedException" });
    // billing/db: the identity policy does not allow it; the secret's policy naming the role does.
    await expect(read("billing/db")).rejects.toMatchObject({ name: "AccessDeniedException" });
    const allow = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: CI_ROLE }, Action: "secretsmanager:GetSecretValue", Resource: "*" },
      ],
    };
    await admin.send(new PutResourcePolicyCommand({ SecretId: "billing/db", ResourcePolicy: JSON.stringify(allow) }));
    expect((await read("billing/db")).SecretString).toBe('{"password":"z"}');
    await admin.send(new DeleteResourcePolicyCommand({ SecretId: "papyrus/db" }));
    expect((await admin.send(new GetResourcePolicyCommand({ SecretId: "papyrus/db" }))).ResourcePolicy).toBeUndefined();
    expect((await read("papyrus/db")).SecretString).toBe('{"password":"x"}');
    // BlockPublicPolicy (the default) refuses a policy that lets everyone in; invalid JSON is malformed.
    const everyone = { Version: "2012-10-17", Statement: [{ ...allow.Statement[0], Principal: "*" }] };
    await expect(
      admin.send(new PutResourcePolicyCommand({ SecretId: "billing/db", ResourcePolicy: JSON.stringify(everyone) })),
    ).rejects.toMatchObject({ name: "PublicPolicyException" });
    await expect(
      admin.send(new PutResourcePolicyCommand({ SecretId: "billing/db", ResourcePolicy: "{not json" })),
    ).rejects.toMatchObject({ name: "MalformedPolicyDocumentException" });
  });

  it("Parameter Store: a SecureString read with decryption needs kms:Decrypt on a customer-managed key, not on aws/ssm", async () => {
    const KEY = "1c2d3e4f-5061-4718-899a-abbccddeeff0";
    const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${KEY}`;
    const PARAMS = `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter`;
    await emu.emulator.loadScenario({
      kms: { keys: [{ id: KEY, aliases: ["alias/papyrus-params"] }] },
      ssm: {
        parameters: [
          { name: "/papyrus/managed", value: "m-value", type: "SecureString" },
          { name: "/papyrus/cmk", value: "c-value", type: "SecureString", keyId: "alias/papyrus-params" },
          { name: "/papyrus/lost-key", value: "l-value", type: "SecureString", keyId: "alias/deleted-key" },
        ],
      },
    });
    const admin = client(IAMClient, "AKIAEMULATOR00000001");
    const put = (name: string, statements: object[]) =>
      admin.send(
        new PutRolePolicyCommand({
          RoleName: "alb-smoke-ci",
          PolicyName: name,
          PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
        }),
      );
    await put("params", [
      { Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: `${PARAMS}/papyrus/*` },
    ]);
    const ssm = client(SSMClient);
    const read = (Name: string, WithDecryption = true) => ssm.send(new GetParameterCommand({ Name, WithDecryption }));
    expect((await read("/papyrus/managed")).Parameter?.Value).toBe("m-value");
    // Without decryption nothing is decrypted: the ciphertext comes back with ssm:GetParameter alone.
    expect((await read("/papyrus/cmk", false)).Parameter?.Value).not.toBe("c-value");
    const denied = new RegExp(
      `^User: ${CI_SESSION} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action \\(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; `,
    );
    await expect(read("/papyrus/cmk")).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: expect.stringMatching(denied),
    });
    // One parameter the caller cannot decrypt fails the whole batch.
    await expect(
      ssm.send(new GetParametersCommand({ Names: ["/papyrus/managed", "/papyrus/cmk"], WithDecryption: true })),
    ).rejects.toMatchObject({ name: "AccessDeniedException", message: expect.stringMatching(denied) });
    await expect(read("/papyrus/lost-key")).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: expect.stringMatching(/^The ciphertext refers to a customer master key that does not exist/),
    });
    // Granted on the key, through Parameter Store, for that parameter only (the PARAMETER_ARN encryption context).
    await put("decrypt", [
      {
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY_ARN,
        Condition: {
          StringEquals: {
            "kms:ViaService": "ssm.us-west-2.amazonaws.com",
            "kms:EncryptionContext:PARAMETER_ARN": `${PARAMS}/papyrus/cmk`,
          },
        },
      },
    ]);
    expect((await read("/papyrus/cmk")).Parameter?.Value).toBe("c-value");
    const both = await ssm.send(
      new GetParametersCommand({ Names: ["/papyrus/managed", "/papyrus/cmk"], WithDecryption: true }),
    );
    expect(both.Parameters?.map((p) => p.Value)).toEqual(["m-value", "c-value"]);
  });

  it("applies a PutRolePolicy / DeleteRolePolicy at once, and leaves unmapped keys unrestricted", async () => {
    const admin = client(IAMClient, "AKIAEMULATOR00000001");
    const ec2 = client(EC2Client);
    const create = () =>
      ec2.send(new CreateSecurityGroupCommand({ GroupName: "alb-smoke", Description: "temporary ALB" }));
    await expect(create()).rejects.toMatchObject({ name: "UnauthorizedOperation" });
    await admin.send(
      new PutRolePolicyCommand({
        RoleName: "alb-smoke-ci",
        PolicyName: "sg",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: "*" }],
        }),
      }),
    );
    expect((await create()).GroupId).toMatch(/^sg-/);
    await admin.send(new DeleteRolePolicyCommand({ RoleName: "alb-smoke-ci", PolicyName: "ci" }));
    await expect(client(IAMClient).send(new GetRoleCommand({ RoleName: "alb-smoke-ci" }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    // The default emulator user (no principal mapping) may do everything, even with enforcement on.
    expect((await admin.send(new GetRoleCommand({ RoleName: "someone-else" }))).Role?.RoleName).toBe("someone-else");
  });

  it("is switched by POST /_emulator/config and off by default", async () => {
    const iam = client(IAMClient);
    const other = () => iam.send(new GetRoleCommand({ RoleName: "someone-else" }));
    await expect(other()).rejects.toMatchObject({ name: "AccessDenied" });
    const off = await fetch(`${emu.endpoint}/_emulator/config`, {
      method: "POST",
      body: JSON.stringify({ enforce: false }),
    });
    expect(await off.json()).toMatchObject({ enforce: false });
    expect((await other()).Role?.RoleName).toBe("someone-else");
    await fetch(`${emu.endpoint}/_emulator/config`, { method: "POST", body: JSON.stringify({ enforce: true }) });
    await expect(other()).rejects.toMatchObject({ name: "AccessDenied" });

    const plain = await startEmulator({ scenario });
    try {
      const unenforced = new IAMClient({
        endpoint: plain.endpoint,
        region: "us-west-2",
        credentials: { accessKeyId: CI_KEY, secretAccessKey: "x" },
      });
      expect((await unenforced.send(new GetRoleCommand({ RoleName: "someone-else" }))).Role).toBeDefined();
    } finally {
      await plain.stop();
    }
  });

  it("a mapped principal that IAM does not know is refused everything but GetCallerIdentity", async () => {
    await emu.emulator.loadScenario({ principals: { AKIAGHOST00000000001: `arn:aws:iam::${ACCOUNT}:role/ghost` } });
    const ghost = client(EC2Client, "AKIAGHOST00000000001");
    await expect(ghost.send(new DescribeSecurityGroupsCommand({}))).rejects.toMatchObject({
      name: "UnauthorizedOperation",
    });
    const id = await client(STSClient, "AKIAGHOST00000000001").send(new GetCallerIdentityCommand({}));
    expect(id.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ghost/GitHubActions`);
  });

  it("also accepts a role's assumed-role session ARN as the principal of a key", async () => {
    await emu.emulator.loadScenario({ principals: { AKIASESSION000000001: CI_SESSION } });
    const iam = client(IAMClient, "AKIASESSION000000001");
    expect((await iam.send(new GetRoleCommand({ RoleName: "alb-smoke-ci" }))).Role?.Arn).toBe(CI_ROLE);
    await expect(iam.send(new GetRoleCommand({ RoleName: "someone-else" }))).rejects.toMatchObject({
      name: "AccessDenied",
      message: denial("iam:GetRole", `arn:aws:iam::${ACCOUNT}:role/someone-else`),
    });
  });

  it("evaluates a repeated call once, and again after any IAM change", async () => {
    const enforcer = emu.emulator.service<IamModule>("iam").enforcer;
    const ec2 = client(EC2Client);
    const before = enforcer.evaluations;
    for (let i = 0; i < 5; i++) await ec2.send(new DescribeSecurityGroupsCommand({}));
    expect(enforcer.evaluations - before).toBe(1);
    await client(IAMClient, "AKIAEMULATOR00000001").send(
      new PutRolePolicyCommand({
        RoleName: "someone-else",
        PolicyName: "unrelated",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
        }),
      }),
    );
    await ec2.send(new DescribeSecurityGroupsCommand({}));
    expect(enforcer.evaluations - before).toBe(2);
  });
});
