/** The emulator's KMS: DescribeKey by every KeyId form, AWS managed keys, ListAliases paging, authorization on the key ARN. */
import { DescribeKeyCommand, KMSClient, paginateListAliases } from "@aws-sdk/client-kms";
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
