/**
 * The emulator's KMS: DescribeKey by every KeyId form, AWS managed keys, ListAliases paging, authorization on the key
 * ARN, and the reads of Secrets Manager and Parameter Store that a key's state refuses.
 */
import { DescribeKeyCommand, KMSClient, paginateListAliases } from "@aws-sdk/client-kms";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";

const ACCOUNT = "123456789012";
const KEY_ID = "1111aaaa-2222-bbbb-3333-cccc4444dddd";
const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${KEY_ID}`;
let emu: RunningEmulator;
let kms: KMSClient;

beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      kms: {
        keys: [
          { id: KEY_ID, aliases: ["alias/papyrus", "alias/papyrus-old"] },
          { id: "2222bbbb-3333-4444-8555-666677778888", state: "Disabled" },
          { id: "3333cccc-4444-4555-8666-777788889999", state: "PendingDeletion" },
        ],
      },
      iam: {
        roles: [
          {
            name: "reader",
            trustPolicy: { Version: "2012-10-17", Statement: [] },
            inlinePolicies: {
              keys: {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "kms:DescribeKey", Resource: KEY_ARN }],
              },
            },
          },
        ],
      },
      principals: { AKIAKMSREADER0000001: `arn:aws:iam::${ACCOUNT}:role/reader` },
      enforce: true,
    },
  });
  kms = new KMSClient({ endpoint: emu.endpoint, region: "us-west-2" });
});

afterAll(async () => {
  kms.destroy();
  await emu.stop();
});

const describeKey = async (KeyId: string, client = kms) =>
  (await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata;

describe("KMS", () => {
  it("DescribeKey shows a key's state: enabled, disabled, or scheduled for deletion with its date", async () => {
    expect(await describeKey(KEY_ID)).toMatchObject({ Enabled: true, KeyState: "Enabled" });
    expect(await describeKey("2222bbbb-3333-4444-8555-666677778888")).toMatchObject({
      Enabled: false,
      KeyState: "Disabled",
    });
    const pending = await describeKey("3333cccc-4444-4555-8666-777788889999");
    expect(pending).toMatchObject({ Enabled: false, KeyState: "PendingDeletion", PendingDeletionWindowInDays: 30 });
    expect(pending?.DeletionDate).toBeInstanceOf(Date);
    await expect(
      emu.emulator.loadScenario({ kms: { keys: [{ id: "4444dddd-5555-4666-8777-88889999aaaa", state: "Off" }] } }),
    ).rejects.toThrow("state 'Off' is not one of Enabled, Disabled, PendingDeletion");
  });

  it("DescribeKey resolves a key id, key ARN, alias name and alias ARN to the key ARN", async () => {
    for (const id of [KEY_ID, KEY_ARN, "alias/papyrus", `arn:aws:kms:us-west-2:${ACCOUNT}:alias/papyrus-old`]) {
      expect(await describeKey(id)).toMatchObject({
        Arn: KEY_ARN,
        KeyId: KEY_ID,
        KeyManager: "CUSTOMER",
        KeyState: "Enabled",
      });
    }
  });

  it("knows the AWS managed keys, and refuses keys and aliases that do not exist", async () => {
    const managed = await describeKey("alias/aws/secretsmanager");
    expect(managed?.KeyManager).toBe("AWS");
    expect((await describeKey("alias/aws/secretsmanager"))?.Arn).toBe(managed?.Arn);
    await expect(describeKey("alias/nope")).rejects.toMatchObject({ name: "NotFoundException" });
    await expect(describeKey("2222aaaa-2222-bbbb-3333-cccc4444dddd")).rejects.toMatchObject({
      name: "NotFoundException",
    });
    await expect(describeKey("not-a-key")).rejects.toMatchObject({ name: "NotFoundException" });
  });

  it("ListAliases pages with Limit/Marker and filters by KeyId", async () => {
    const names: string[] = [];
    for await (const page of paginateListAliases({ client: kms, pageSize: 2 }, {})) {
      expect(page.Aliases?.length).toBeLessThanOrEqual(2);
      names.push(...(page.Aliases ?? []).map((a) => a.AliasName ?? ""));
    }
    expect(names).toEqual([
      "alias/aws/rds",
      "alias/aws/secretsmanager",
      "alias/aws/ssm",
      "alias/papyrus",
      "alias/papyrus-old",
    ]);
    const forKey: string[] = [];
    for await (const page of paginateListAliases({ client: kms }, { KeyId: KEY_ARN })) {
      forKey.push(...(page.Aliases ?? []).map((a) => `${a.AliasName}->${a.TargetKeyId}`));
    }
    expect(forKey).toEqual([`alias/papyrus->${KEY_ID}`, `alias/papyrus-old->${KEY_ID}`]);
  });

  it("authorizes DescribeKey on the key ARN, also when the call names an alias", async () => {
    const reader = new KMSClient({
      endpoint: emu.endpoint,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIAKMSREADER0000001", secretAccessKey: "x" },
    });
    expect((await describeKey("alias/papyrus", reader))?.Arn).toBe(KEY_ARN);
    await expect(describeKey("alias/aws/ssm", reader)).rejects.toMatchObject({ name: "AccessDeniedException" });
    reader.destroy();
  });
});

describe("a value encrypted with a key KMS will not decrypt with", () => {
  const DISABLED = `arn:aws:kms:us-west-2:${ACCOUNT}:key/2222bbbb-3333-4444-8555-666677778888`;
  const PENDING = `arn:aws:kms:us-west-2:${ACCOUNT}:key/3333cccc-4444-4555-8666-777788889999`;
  // Without enforcement too: the key's state stops the read whoever asks.
  it.each([false, true])(
    "GetSecretValue answers DecryptionFailure, GetParameter (with decryption) KMS's DisabledException / KMSInvalidStateException (enforcement %s)",
    async (enforce) => {
      const local = await startEmulator({
        scenario: {
          enforce,
          kms: {
            keys: [
              { id: DISABLED.split("/").pop(), state: "Disabled" },
              { id: PENDING.split("/").pop(), state: "PendingDeletion" },
              { id: KEY_ID },
            ],
          },
          secretsmanager: {
            secrets: [
              { name: "off", arnSuffix: "AbCdEf", value: "v", kmsKeyId: DISABLED },
              { name: "going", arnSuffix: "GhIjKl", value: "v", kmsKeyId: PENDING },
              { name: "on", arnSuffix: "MnOpQr", value: "v", kmsKeyId: KEY_ARN },
            ],
          },
          ssm: {
            parameters: [
              { name: "/off", value: "v", type: "SecureString", keyId: DISABLED },
              { name: "/going", value: "v", type: "SecureString", keyId: PENDING },
            ],
          },
        },
      });
      const sm = new SecretsManagerClient({ endpoint: local.endpoint, region: "us-west-2", maxAttempts: 1 });
      const ssm = new SSMClient({ endpoint: local.endpoint, region: "us-west-2", maxAttempts: 1 });
      try {
        for (const id of ["off", "going"]) {
          await expect(sm.send(new GetSecretValueCommand({ SecretId: id }))).rejects.toMatchObject({
            name: "DecryptionFailure",
            message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
          });
        }
        await expect(sm.send(new GetSecretValueCommand({ SecretId: "on" }))).resolves.toMatchObject({
          SecretString: "v",
        });
        await expect(ssm.send(new GetParameterCommand({ Name: "/off", WithDecryption: true }))).rejects.toMatchObject({
          name: "DisabledException",
          message: expect.stringContaining(`${DISABLED} is disabled.`),
        });
        await expect(ssm.send(new GetParameterCommand({ Name: "/going", WithDecryption: true }))).rejects.toMatchObject(
          {
            name: "KMSInvalidStateException",
            message: expect.stringContaining(`${PENDING} is pending deletion.`),
          },
        );
      } finally {
        sm.destroy();
        ssm.destroy();
        await local.stop();
      }
    },
  );
});
