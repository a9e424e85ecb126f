import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { awsClientConfig } from "../../lib/aws";
import { describeFailure, errorMessage } from "../../lib/errors";

/**
 * Keys of an RDS-style secret whose values are not secret: masking "5432" or
 * "postgres" everywhere would ruin the evidence. The host is left to the
 * rds-endpoint rule, which keeps the region.
 */
export const NON_SECRET_KEYS: ReadonlySet<string> = new Set(
  [
    "port",
    "engine",
    "host",
    "hostname",
    "dbInstanceIdentifier",
    "dbClusterIdentifier",
    "dbname",
    "dbName",
    "database",
    "ssl",
    "sslmode",
    "region",
  ].map((k) => k.toLowerCase()),
);

/**
 * The forms a secret takes in evidence: as is, URL-encoded (query strings,
 * connection URLs, form bodies), JSON-escaped once and twice (a JSON secret
 * inside Terraform state is an escaped string), and base64 (Basic auth,
 * Kubernetes secrets). Forms shorter than `minLength` are dropped.
 */
export function secretForms(value: string, minLength: number): string[] {
  if (value.length < minLength) return [];
  const url = encodeURIComponent(value);
  const strictUrl = url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const json = JSON.stringify(value).slice(1, -1);
  const json2 = JSON.stringify(json).slice(1, -1);
  const base64 = Buffer.from(value, "utf8").toString("base64").replace(/=+$/, "");
  const base64url = Buffer.from(value, "utf8").toString("base64url");
  const forms = [value, url, strictUrl, url.replace(/%20/g, "+"), json, json2, base64, base64url];
  return [...new Set(forms)].filter((f) => f.length >= minLength);
}

/** The whole secret string, and every field value of a JSON secret except the non-secret keys. */
export function secretFieldValues(secretString: string, minLength: number): string[] {
  const values = [secretString];
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined;
  }
  const visit = (node: unknown, key: string | undefined) => {
    if (key !== undefined && NON_SECRET_KEYS.has(key.toLowerCase())) return;
    if (typeof node === "string" || typeof node === "number") values.push(String(node));
    else if (Array.isArray(node)) for (const item of node) visit(item, key);
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  if (parsed && typeof parsed === "object") visit(parsed, undefined);
  return [...new Set(values)].filter((v) => v.length >= minLength);
}

/** Every form of every secret value, ready to mask. */
export function expandSecretValues(values: readonly string[], minLength: number): string[] {
  return [...new Set(values.flatMap((v) => secretForms(v, minLength)))];
}

/** GetSecretValue for each ID; the values (whole and per field) are returned, never logged. */
export async function fetchSecretValues(
  ids: readonly string[],
  region: string,
  minLength: number,
  client: SecretsManagerClient = new SecretsManagerClient({ ...awsClientConfig({ region }) }),
): Promise<string[]> {
  const values: string[] = [];
  for (const id of ids) {
    const out = await describeFailure(`secretsmanager:GetSecretValue (${id})`, () =>
      client.send(new GetSecretValueCommand({ SecretId: id })),
    );
    if (out.SecretString !== undefined) values.push(...secretFieldValues(out.SecretString, minLength));
    else if (out.SecretBinary !== undefined) {
      const bytes = Buffer.from(out.SecretBinary);
      values.push(bytes.toString("base64"), bytes.toString("utf8"));
    }
  }
  return values.filter((v) => v.length >= minLength);
}

export type CallerAccount = { account: string } | { account: undefined; reason: string };

/**
 * The caller's own account, so it is masked without being listed. Without
 * credentials this is not an error: the step goes on with the listed IDs.
 */
export async function callerAccount(
  region: string,
  client: STSClient = new STSClient({ ...awsClientConfig({ region, maxAttempts: 2 }) }),
): Promise<CallerAccount> {
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    if (out.Account && /^\d{12}$/.test(out.Account)) return { account: out.Account };
    return { account: undefined, reason: "GetCallerIdentity returned no account" };
  } catch (error) {
    return { account: undefined, reason: errorMessage(error).split("\n")[0] ?? "unknown error" };
  }
}
