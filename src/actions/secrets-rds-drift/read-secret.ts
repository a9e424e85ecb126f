import {
  DecryptionFailure,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { awsErrorCode, awsException, InputError, operationError } from "../../lib/errors";
import { assertMaskablePassword, type KeyMap, parseSecretString, type SecretContents, sensitiveValues } from "./secret";

export interface SecretInUse {
  arn: string;
  name: string;
  /** `rds` for a secret RDS manages (MasterUserSecret). */
  owningService?: string;
  /** `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn` tags RDS puts on its secrets. */
  rdsInstanceArn?: string;
  rdsClusterArn?: string;
  kmsKeyId?: string;
  contents: SecretContents;
  /** Registered with the runner's masking (the shared secret policy); also redacted from anything this step reports. */
  sensitive: string[];
}

function notFound(secretId: string, region: string): InputError {
  return new InputError(
    "secret-id",
    `secret '${secretId}' was not found in ${region} (ResourceNotFoundException).`,
    "Check the secret's name or ARN, and 'aws-region'.",
  );
}

/**
 * Describes and reads the secret. Every value is handed to `setSecret` before
 * anything else happens with it, so not even a failure later in this step
 * can print one.
 */
export async function readSecretInUse(
  client: SecretsManagerClient,
  secretId: string,
  region: string,
  keyMap: KeyMap,
  setSecret: (value: string) => void,
): Promise<SecretInUse> {
  const describe = await client.send(new DescribeSecretCommand({ SecretId: secretId })).catch((error) => {
    if (awsException(error) instanceof ResourceNotFoundException) throw notFound(secretId, region);
    throw error;
  });
  const arn = describe.ARN ?? secretId;
  // DescribeSecret still shows a secret scheduled for deletion; GetSecretValue refuses it (InvalidRequestException).
  if (describe.DeletedDate) {
    throw new InputError(
      "secret-id",
      `secret '${secretId}' is scheduled for deletion (since ${describe.DeletedDate.toISOString()}), and Secrets Manager refuses to read it.`,
      "Restore it (aws secretsmanager restore-secret), or name the secret in use.",
    );
  }
  const value = await client.send(new GetSecretValueCommand({ SecretId: arn })).catch((error) => {
    const cause = awsException(error);
    if (cause instanceof ResourceNotFoundException) throw notFound(secretId, region);
    // A key the caller may not use comes back two ways: DecryptionFailure ("Secrets Manager can't decrypt the
    // protected secret text using the provided KMS key", GetSecretValue's Errors section), or, when kms:Decrypt is
    // denied, AccessDeniedException "Access to KMS is not allowed" (AWS knowledge center, "secrets-manager-cross-
    // account-key"), the same code as a denied secretsmanager:GetSecretValue: only its message tells them apart.
    const kmsDenied = awsErrorCode(cause) === "AccessDeniedException" && /\bKMS\b/i.test(String(cause?.message));
    if (cause instanceof DecryptionFailure || kmsDenied) {
      // Named again, from the SDK's error: the permission to grant is on the key.
      throw operationError("secretsmanager:GetSecretValue (kms:Decrypt on the secret's customer-managed key)", cause);
    }
    throw error;
  });
  if (value.SecretString === undefined) {
    throw new InputError(
      "secret-id",
      `secret '${secretId}' holds binary data; expected a JSON string of key/value pairs.`,
    );
  }
  // The log masker gets what the shared policy calls secret (as evidence-mask does): not dbname, port or engine,
  // nothing under 4 characters. Registered before parsing, whose errors quote nothing, and before any output.
  const sensitive = new Set(sensitiveValues(value.SecretString, keyMap));
  for (const v of sensitive) setSecret(v);
  const contents = parseSecretString(value.SecretString, secretId, keyMap);
  // The credentials too, should the key map read them from a key the policy calls public.
  for (const v of sensitiveValues(value.SecretString, keyMap, contents)) {
    if (!sensitive.has(v)) setSecret(v);
    sensitive.add(v);
  }
  assertMaskablePassword(secretId, contents);
  const secret: SecretInUse = { arn, name: describe.Name ?? secretId, contents, sensitive: [...sensitive] };
  if (describe.OwningService) secret.owningService = describe.OwningService;
  if (describe.KmsKeyId) secret.kmsKeyId = describe.KmsKeyId;
  for (const tag of describe.Tags ?? []) {
    if (tag.Key === "aws:rds:primaryDBInstanceArn" && tag.Value) secret.rdsInstanceArn = tag.Value;
    if (tag.Key === "aws:rds:primaryDBClusterArn" && tag.Value) secret.rdsClusterArn = tag.Value;
  }
  return secret;
}
