import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spyAuthorizations } from "./authorizer-spy";
import { type RunningEmulator, startEmulator } from "./server";

const PREFIX = "arn:aws:secretsmanager:us-west-2:123456789012:secret:";
const KMS = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DB_VALUE = { host: "127.0.0.1", port: 5432, dbname: "papyrus", username: "papyrus_app", password: "s3cr3t" };

let emu: RunningEmulator;
let sm: SecretsManagerClient;

beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      secretsmanager: {
        secrets: [
          { name: "papyrus/db", value: DB_VALUE, kmsKeyId: KMS, arnSuffix: "AbCdEf", tags: { team: "web" } },
          { name: "papyrus/api-key", value: "plain-text-key", description: "third-party API key" },
          { name: "other/thing", value: "x", tags: [{ Key: "team", Value: "data" }] },
        ],
      },
    },
  });
  sm = new SecretsManagerClient({ endpoint: emu.endpoint, region: "us-west-2" });
});
afterAll(() => emu.stop());

describe("Secrets Manager emulator: reading", () => {
  it("finds a secret by name, full ARN and partial ARN", async () => {
    for (const id of ["papyrus/db", `${PREFIX}papyrus/db-AbCdEf`, `${PREFIX}papyrus/db`]) {
      const out = await sm.send(new GetSecretValueCommand({ SecretId: id }));
      expect(out.ARN).toBe(`${PREFIX}papyrus/db-AbCdEf`);
      expect(out.Name).toBe("papyrus/db");
      expect(JSON.parse(out.SecretString ?? "")).toEqual(DB_VALUE);
      expect(out.VersionStages).toEqual(["AWSCURRENT"]);
      expect(out.CreatedDate).toBeInstanceOf(Date);
    }
    const plain = await sm.send(new GetSecretValueCommand({ SecretId: "papyrus/api-key" }));
    expect(plain.SecretString).toBe("plain-text-key");
    expect(plain.ARN).toMatch(/^arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus\/api-key-[A-Za-z0-9]{6}$/);
  });

  it("answers ResourceNotFoundException for unknown names and wrong suffixes", async () => {
    for (const id of [
      "papyrus/nope",
      `${PREFIX}papyrus/db-ZZZZZZ`,
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:papyrus/db",
    ]) {
      const call = sm.send(new GetSecretValueCommand({ SecretId: id }));
      await expect(call).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(call).rejects.toThrow("Secrets Manager can't find the specified secret.");
    }
  });

  it("refuses another account's secret with IAM's cross-account denial (no resource policy here allows it), whatever the enforcement", async () => {
    const other = "arn:aws:secretsmanager:us-west-2:444455556666:secret:shared/token-AbCdEf";
    for (const command of [
      new DescribeSecretCommand({ SecretId: other }),
      new GetSecretValueCommand({ SecretId: other }),
      new GetResourcePolicyCommand({ SecretId: other }),
    ]) {
      const action = `secretsmanager:${command.constructor.name.replace(/Command$/, "")}`;
      await expect(sm.send(command as never)).rejects.toMatchObject({
        name: "AccessDeniedException",
        message: expect.stringMatching(
          new RegExp(
            `^User: arn:aws:iam::123456789012:user/\\S+ is not authorized to perform: ${action} on resource: ${other.replace(/[/]/g, "\\/")} because no resource-based policy allows the ${action} action$`,
          ),
        ),
      });
    }
  });

  it("a scenario secret scheduledForDeletion is marked for deletion: DeletedDate shown, reads refused", async () => {
    const local = await startEmulator({
      scenario: { secretsmanager: { secrets: [{ name: "going", value: "v", scheduledForDeletion: true }] } },
    });
    const client = new SecretsManagerClient({ endpoint: local.endpoint, region: "us-west-2", maxAttempts: 1 });
    try {
      expect((await client.send(new DescribeSecretCommand({ SecretId: "going" }))).DeletedDate).toBeInstanceOf(Date);
      await expect(client.send(new GetSecretValueCommand({ SecretId: "going" }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
    } finally {
      client.destroy();
      await local.stop();
    }
  });

  it("describes KmsKeyId, tags and versions", async () => {
    const out = await sm.send(new DescribeSecretCommand({ SecretId: `${PREFIX}papyrus/db` }));
    expect(out).toMatchObject({ ARN: `${PREFIX}papyrus/db-AbCdEf`, Name: "papyrus/db", KmsKeyId: KMS });
    expect(out.Tags).toEqual([{ Key: "team", Value: "web" }]);
    expect(Object.values(out.VersionIdsToStages ?? {})).toEqual([["AWSCURRENT"]]);
    expect(out.LastAccessedDate).toBeInstanceOf(Date);
    const noKey = await sm.send(new DescribeSecretCommand({ SecretId: "papyrus/api-key" }));
    expect(noKey.KmsKeyId).toBeUndefined();
    expect(noKey.Description).toBe("third-party API key");
  });

  it("lists secrets with filters and paging", async () => {
    const names = async (input: ListSecretsCommandInput) =>
      ((await sm.send(new ListSecretsCommand(input))).SecretList ?? []).map((s) => s.Name).sort();
    expect(await names({ Filters: [{ Key: "name", Values: ["papyrus/"] }] })).toEqual([
      "papyrus/api-key",
      "papyrus/db",
    ]);
    expect(await names({ Filters: [{ Key: "name", Values: ["!papyrus"] }] })).toEqual(["other/thing"]);
    expect(await names({ Filters: [{ Key: "tag-value", Values: ["web", "data"] }] })).toEqual([
      "other/thing",
      "papyrus/db",
    ]);
    expect(
      await names({
        Filters: [
          { Key: "tag-key", Values: ["team"] },
          { Key: "name", Values: ["papyrus"] },
        ],
      }),
    ).toEqual(["papyrus/db"]);
    const first = await sm.send(new ListSecretsCommand({ MaxResults: 2 }));
    expect(first.SecretList).toHaveLength(2);
    const second = await sm.send(new ListSecretsCommand({ MaxResults: 2, NextToken: first.NextToken }));
    expect(second.SecretList).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const listed = first.SecretList?.find((s) => s.Name === "papyrus/db") ?? second.SecretList?.[0];
    expect(listed?.SecretVersionsToStages).toBeDefined();
    await expect(
      sm.send(new ListSecretsCommand({ Filters: [{ Key: "bogus" as never, Values: ["x"] }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe("Secrets Manager emulator: writing", () => {
  it("creates secrets with a suffixed ARN and refuses duplicates and bad input", async () => {
    const created = await sm.send(
      new CreateSecretCommand({
        Name: "smoke/new",
        SecretString: '{"a":1}',
        KmsKeyId: "alias/smoke",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-west-2:123456789012:secret:smoke\/new-[A-Za-z0-9]{6}$/);
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.emulator.leftovers().secretsmanager).toEqual([created.ARN]);
    await expect(sm.send(new CreateSecretCommand({ Name: "smoke/new", SecretString: "x" }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    await expect(sm.send(new CreateSecretCommand({ Name: "bad name?", SecretString: "x" }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      sm.send(new CreateSecretCommand({ Name: "both", SecretString: "x", SecretBinary: new Uint8Array([1]) })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const binary = await sm.send(
      new CreateSecretCommand({ Name: "smoke/bin", SecretBinary: new Uint8Array([1, 2, 3]) }),
    );
    const got = await sm.send(new GetSecretValueCommand({ SecretId: binary.ARN }));
    expect([...(got.SecretBinary ?? [])]).toEqual([1, 2, 3]);
    await sm.send(new DeleteSecretCommand({ SecretId: "smoke/bin", ForceDeleteWithoutRecovery: true }));
  });

  it("moves AWSCURRENT to a new version and keeps the old one as AWSPREVIOUS", async () => {
    const before = await sm.send(new GetSecretValueCommand({ SecretId: "smoke/new" }));
    const put = await sm.send(new PutSecretValueCommand({ SecretId: "smoke/new", SecretString: '{"a":2}' }));
    expect(put.VersionStages).toEqual(["AWSCURRENT"]);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "smoke/new" }))).SecretString).toBe('{"a":2}');
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: "smoke/new", VersionStage: "AWSPREVIOUS" }));
    expect(previous).toMatchObject({ SecretString: '{"a":1}', VersionId: before.VersionId });
    const byId = await sm.send(new GetSecretValueCommand({ SecretId: "smoke/new", VersionId: put.VersionId }));
    expect(byId.SecretString).toBe('{"a":2}');
    const pending = await sm.send(
      new PutSecretValueCommand({
        SecretId: "smoke/new",
        SecretString: '{"a":3}',
        VersionStages: ["AWSPENDING"],
        ClientRequestToken: "11111111-2222-3333-4444-555555555555",
      }),
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: "smoke/new" }));
    expect(described.VersionIdsToStages).toEqual({
      [before.VersionId as string]: ["AWSPREVIOUS"],
      [put.VersionId as string]: ["AWSCURRENT"],
      [pending.VersionId as string]: ["AWSPENDING"],
    });
    // The same token with the same value is idempotent; with another value it is refused.
    await sm.send(
      new PutSecretValueCommand({
        SecretId: "smoke/new",
        SecretString: '{"a":3}',
        VersionStages: ["AWSPENDING"],
        ClientRequestToken: "11111111-2222-3333-4444-555555555555",
      }),
    );
    await expect(
      sm.send(
        new PutSecretValueCommand({
          SecretId: "smoke/new",
          SecretString: "other",
          ClientRequestToken: "11111111-2222-3333-4444-555555555555",
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    await expect(
      sm.send(new GetSecretValueCommand({ SecretId: "smoke/new", VersionStage: "NOPE" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: "smoke/none", SecretString: "x" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("schedules deletion (reads refused, no leftover) or deletes at once", async () => {
    const scheduled = await sm.send(new DeleteSecretCommand({ SecretId: "smoke/new", RecoveryWindowInDays: 7 }));
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: "smoke/new" }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
    expect((await sm.send(new DescribeSecretCommand({ SecretId: "smoke/new" }))).DeletedDate).toBeInstanceOf(Date);
    expect(emu.emulator.leftovers().secretsmanager).toBeUndefined();
    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["smoke/"] }] }));
    expect(listed.SecretList).toEqual([]);
    await expect(
      sm.send(new DeleteSecretCommand({ SecretId: "smoke/new", RecoveryWindowInDays: 3 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await sm.send(new DeleteSecretCommand({ SecretId: "smoke/new", ForceDeleteWithoutRecovery: true }));
    await expect(sm.send(new DescribeSecretCommand({ SecretId: "smoke/new" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe("Secrets Manager emulator: enforcement resources", () => {
  it("evaluates calls on the secret's full ARN, also when named without the suffix, with its tags", async () => {
    let createdArn: string | undefined;
    const seen = await spyAuthorizations(
      emu,
      (action, resources) => action === "secretsmanager:GetSecretValue" && Boolean(resources[0]?.includes("api-key")),
      async () => {
        await sm.send(new GetSecretValueCommand({ SecretId: "papyrus/db" }));
        await sm.send(new ListSecretsCommand({}));
        const created = await sm.send(
          new CreateSecretCommand({ Name: "enforced", SecretString: "x", Tags: [{ Key: "run", Value: "42" }] }),
        );
        createdArn = created.ARN;
        const denied = sm.send(new GetSecretValueCommand({ SecretId: `${PREFIX}papyrus/api-key` }));
        await expect(denied).rejects.toMatchObject({ name: "AccessDeniedException" });
        await expect(denied).rejects.toThrow(
          /secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:.*papyrus\/api-key-[A-Za-z0-9]{6}$/,
        );
      },
    );
    expect(seen.slice(0, 4)).toEqual([
      {
        action: "secretsmanager:GetSecretValue",
        resources: [`${PREFIX}papyrus/db-AbCdEf`],
        conditions: {
          perResource: {
            [`${PREFIX}papyrus/db-AbCdEf`]: {
              "aws:ResourceTag/team": "web",
              "secretsmanager:ResourceTag/team": "web",
            },
          },
        },
      },
      // papyrus/db is encrypted with a customer-managed key: Secrets Manager decrypts it on the caller's behalf.
      {
        action: "kms:Decrypt",
        resources: [KMS],
        conditions: {
          request: {
            "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com",
            "kms:CallerAccount": "123456789012",
            "kms:EncryptionContext:SecretARN": `${PREFIX}papyrus/db-AbCdEf`,
            "kms:EncryptionContext:SecretVersionId": expect.stringMatching(/^[0-9a-f-]{36}$/),
            "kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"],
          },
        },
      },
      { action: "secretsmanager:ListSecrets", resources: ["*"], conditions: {} },
      {
        action: "secretsmanager:CreateSecret",
        resources: [createdArn],
        conditions: { request: { "aws:TagKeys": ["run"], "aws:RequestTag/run": "42" } },
      },
    ]);
    await sm.send(new DeleteSecretCommand({ SecretId: "enforced", ForceDeleteWithoutRecovery: true }));
  });
});
