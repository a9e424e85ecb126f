import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { STSClient } from "@aws-sdk/client-sts";
import { awsClientConfig, withOperationNames } from "../../lib/aws";
import { awsException, errorMessage, operationError } from "../../lib/errors";
import { isMaskable, MIN_MASKABLE_LENGTH, PUBLIC_SECRET_KEYS, secretFields } from "../../lib/secret-policy";

/** What Secrets Manager returned for one secret ID: never logged. */
export interface FetchedSecret {
  id: string;
  secretString?: string;
  secretBinary?: Uint8Array;
}

/** A field the policy calls secret but that is too short to mask: the step must fail, naming it (never its value). */
export interface UnmaskableField {
  secretId: string;
  /** `password`, `replica.password`, or undefined for the whole secret string. */
  field: string | undefined;
}

export interface SecretPlan {
  /** Values masked in the evidence (with all their forms). */
  evidence: string[];
  /** Values for the runner's log masker only (hosts: the evidence keeps them in the rds-endpoint shape). */
  logOnly: string[];
  unmaskable: UnmaskableField[];
}

/** Applies the shared secret policy to what was fetched: which values to mask, and which cannot be. */
export function planSecrets(fetched: readonly FetchedSecret[]): SecretPlan {
  const plan: SecretPlan = { evidence: [], logOnly: [], unmaskable: [] };
  for (const secret of fetched) {
    if (secret.secretString !== undefined) {
      for (const f of secretFields(secret.secretString)) {
        if (f.class === "identifying") plan.logOnly.push(f.value);
        else if (f.class === "public") continue;
        else if (isMaskable(f.value)) plan.evidence.push(f.value);
        else plan.unmaskable.push({ secretId: secret.id, field: f.field });
      }
    } else if (secret.secretBinary !== undefined) {
      const bytes = Buffer.from(secret.secretBinary);
      if (bytes.length < MIN_MASKABLE_LENGTH) plan.unmaskable.push({ secretId: secret.id, field: undefined });
      else plan.evidence.push(bytes.toString("base64"), bytes.toString("utf8"));
    }
  }
  plan.evidence = [...new Set(plan.evidence)];
  plan.logOnly = [...new Set(plan.logOnly)];
  return plan;
}

/** The failure for fields too short to mask: names the secret and field, never the value, and says what to do. */
export function unmaskableMessage(fields: readonly UnmaskableField[]): string {
  const names = fields.map((f) =>
    f.field === undefined ? `secret '${f.secretId}' (its whole value)` : `secret '${f.secretId}' field '${f.field}'`,
  );
  return (
    `${names.join(", ")}: shorter than ${MIN_MASKABLE_LENGTH} characters, too short to mask without destroying the evidence, so the evidence cannot be proven free of it. ` +
    `Rotate the secret to a longer value (16 or more characters), or, if the field is not secret, rename it to one of ${[...PUBLIC_SECRET_KEYS].join(", ")}.`
  );
}

/** GetSecretValue for each ID; the values are returned, never logged. */
export async function fetchSecrets(
  ids: readonly string[],
  region: string,
  given?: SecretsManagerClient,
): Promise<FetchedSecret[]> {
  // Loaded only when there are secret IDs: a step that masks without them does not carry the client in memory.
  const { GetSecretValueCommand, SecretsManagerClient } = await import(
    /* webpackChunkName: "client-secrets-manager" */ "@aws-sdk/client-secrets-manager"
  );
  const client = given ?? withOperationNames(new SecretsManagerClient(awsClientConfig({ region })));
  const out: FetchedSecret[] = [];
  for (const id of ids) {
    const res = await client.send(new GetSecretValueCommand({ SecretId: id })).catch((error: unknown) => {
      // Named again from the SDK's error, with the secret: a NotFound answer does not say which one.
      throw operationError(`secretsmanager:GetSecretValue (${id})`, awsException(error) ?? error);
    });
    out.push({
      id,
      ...(res.SecretString !== undefined ? { secretString: res.SecretString } : {}),
      ...(res.SecretBinary !== undefined ? { secretBinary: res.SecretBinary } : {}),
    });
  }
  return out;
}

export type CallerAccount = { account: string } | { account: undefined; reason: string };

/**
 * The caller's own account, so it is masked without being listed. Without
 * credentials this is not an error: the step goes on with the listed IDs.
 */
export async function callerAccount(region: string, given?: STSClient): Promise<CallerAccount> {
  // Loaded when the lookup runs, like the Secrets Manager client: the client is a chunk of its own that V8
  // parses then, not as part of the bundle's start-up script (a smaller peak of the parser's memory).
  const { GetCallerIdentityCommand, STSClient } = await import(
    /* webpackChunkName: "client-sts" */ "@aws-sdk/client-sts"
  );
  const client = given ?? withOperationNames(new STSClient(awsClientConfig({ region, maxAttempts: 2 })));
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    if (out.Account && /^\d{12}$/.test(out.Account)) return { account: out.Account };
    return { account: undefined, reason: "GetCallerIdentity returned no account" };
  } catch (error) {
    return { account: undefined, reason: errorMessage(error).split("\n")[0] ?? "unknown error" };
  }
}
