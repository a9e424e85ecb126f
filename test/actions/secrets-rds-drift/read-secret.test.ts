/**
 * Reading the secret when its KMS key is the problem: Secrets Manager answers
 * DecryptionFailure, or AccessDeniedException "Access to KMS is not allowed"
 * when kms:Decrypt is denied — the same code as a denied GetSecretValue, told
 * apart only by the message. Answers come off the wire through the SDK's own
 * JSON-protocol deserializer.
 */
import { Readable } from "node:stream";
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { HttpResponse } from "@smithy/core/protocols";
import { describe, expect, it } from "vitest";
import { readSecretInUse } from "../../../src/actions/secrets-rds-drift/read-secret";
import { DEFAULT_KEY_MAP } from "../../../src/actions/secrets-rds-drift/secret";
import { awsClientConfig, withOperationNames } from "../../../src/lib/aws";
import { AwsUserError, InputError } from "../../../src/lib/errors";
import { startEmulator } from "../../emulator/server";

const ARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf";

/** A Secrets Manager whose DescribeSecret answers, and whose GetSecretValue fails with `code` and `message`. */
function secretsManager(code: string, message: string) {
  const json = (status: number, body: unknown, type?: string) => ({
    response: new HttpResponse({
      statusCode: status,
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": "r-1",
        ...(type ? { "x-amzn-errortype": type } : {}),
      },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    }),
  });
  return withOperationNames(
    new SecretsManagerClient({
      ...awsClientConfig({ region: "us-west-2", maxAttempts: 1 }),
      credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) =>
          request.headers["x-amz-target"] === "secretsmanager.DescribeSecret"
            ? json(200, { ARN, Name: "papyrus/db", KmsKeyId: "arn:aws:kms:us-west-2:123456789012:key/k-1" })
            : json(400, { __type: code, Message: message }, code),
      },
    }),
  );
}

const read = (client: SecretsManagerClient) =>
  readSecretInUse(client, "papyrus/db", "us-west-2", DEFAULT_KEY_MAP, () => undefined).catch((e: unknown) => e);

describe("secrets-rds-drift: a secret whose KMS key the role may not use", () => {
  it("AccessDeniedException 'Access to KMS is not allowed' names kms:Decrypt on the key", async () => {
    const error = await read(secretsManager("AccessDeniedException", "Access to KMS is not allowed"));
    expect(error).toBeInstanceOf(AwsUserError);
    expect((error as AwsUserError).accessDenied).toBe(true);
    expect((error as Error).message).toMatch(
      /^secretsmanager:GetSecretValue \(kms:Decrypt on the secret's customer-managed key\) was denied \(AccessDeniedException: Access to KMS is not allowed\)/,
    );
  });

  it("DecryptionFailure names kms:Decrypt on the key too", async () => {
    const error = await read(
      secretsManager(
        "DecryptionFailure",
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      ),
    );
    expect((error as Error).message).toMatch(
      /^secretsmanager:GetSecretValue \(kms:Decrypt on the secret's customer-managed key\)/,
    );
  });

  it("a denied GetSecretValue itself is named as that, without a KMS hint", async () => {
    const error = await read(
      secretsManager(
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/ci/run is not authorized to perform: secretsmanager:GetSecretValue",
      ),
    );
    expect(error).toBeInstanceOf(AwsUserError);
    expect((error as Error).message).toMatch(/^secretsmanager:GetSecretValue was denied/);
    expect((error as Error).message).not.toContain("kms:Decrypt");
  });
});

describe("secrets-rds-drift: a secret scheduled for deletion", () => {
  it("is named as that, from DescribeSecret's DeletedDate, before any GetSecretValue", async () => {
    const emu = await startEmulator({
      scenario: { secretsmanager: { secrets: [{ name: "papyrus/db", value: { password: "p4ssw0rd-long" } }] } },
    });
    try {
      const client = withOperationNames(
        new SecretsManagerClient({
          ...awsClientConfig({ region: "us-west-2", maxAttempts: 1 }),
          endpoint: emu.endpoint,
          credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
        }),
      );
      await client.send(new DeleteSecretCommand({ SecretId: "papyrus/db", RecoveryWindowInDays: 7 }));
      const before = emu.emulator.requests.length;
      const error = await read(client);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(
        /^Input 'secret-id': secret 'papyrus\/db' is scheduled for deletion \(since .*\), and Secrets Manager refuses to read it\. Restore it/,
      );
      expect(emu.emulator.requests.slice(before).map((r) => r.action)).toEqual(["DescribeSecret"]);
    } finally {
      await emu.stop();
    }
  });
});
