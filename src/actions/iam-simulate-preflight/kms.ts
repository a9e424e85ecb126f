/**
 * The `kms:Decrypt` row of a secret or SecureString parameter, as ECS's read
 * through the service makes KMS evaluate it:
 * - on the key ARN: IAM authorizes KMS by key ARN only, never by alias
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html),
 *   so an alias (what SSM `KeyId` and Secrets Manager `KmsKeyId` often return) is
 *   resolved with kms:DescribeKey;
 * - not at all for AWS managed keys (`aws/secretsmanager`, `aws/ssm`, or no key
 *   given): their key policy allows every principal of the account through the
 *   service, so no identity policy is needed;
 * - with the request context KMS sees: `kms:ViaService` (the service calls KMS on
 *   the role's behalf, https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service),
 *   `kms:CallerAccount`, and the encryption context the service sends, its keys in `kms:EncryptionContextKeys` —
 *   `SecretARN` and `SecretVersionId` (the version ECS reads, when the secret's versions are known) for Secrets
 *   Manager
 *   (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context),
 *   `PARAMETER_ARN` for Parameter Store
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html#parameter-store-encryption-context).
 */
import type { JsonPath } from "../../lib/annotations";
import { isAccessDenied } from "../../lib/errors";
import type { KeyInfo, Lookups } from "./aws-lookups";
import {
  type CheckList,
  type ContextValue,
  type Finding,
  findingsAbout,
  type MatchedStatement,
  type Principal,
  type Scope,
} from "./checks";
import { stringValue } from "./context-types";
import { scopeOfArn } from "./references";
import {
  requestContext,
  resourcePolicyEffect,
  type StatementRef,
  statementName,
  undecidedText,
} from "./resource-policy";

export interface DecryptNeed {
  /** The key as the secret or parameter names it (id, ARN, alias, alias ARN), or undefined for the default key. */
  keyId: string | undefined;
  /** The secret's or the parameter's ARN (the encryption context, and where the key lives by default). */
  resourceArn: string;
  via: "secretsmanager" | "ssm";
  /** The secret version ECS reads (the SecretVersionId of the encryption context), when known. */
  versionId?: string | undefined;
  reason: string;
  source?: JsonPath | undefined;
}

/**
 * Why KMS refuses to decrypt with a key in this state, or undefined for an enabled key (Key states of AWS KMS
 * keys, https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html: Decrypt fails with
 * DisabledException for a disabled key, KMSInvalidStateException while deletion is pending, an import is pending
 * or a custom key store is disconnected).
 */
function keyStateProblem(key: KeyInfo): string | undefined {
  switch (key.state) {
    case undefined:
    case "Enabled":
    case "Creating":
    case "Updating":
      return undefined;
    case "Disabled":
      if (key.stateBy)
        return `the KMS key ${key.arn} it is encrypted with will be disabled by this plan (${key.stateBy} disables it; KMS answers DisabledException). Keep the key enabled in ${key.stateBy}, or re-encrypt with another key first.`;
      return `the KMS key ${key.arn} it is encrypted with is disabled (KMS answers DisabledException). Enable it (aws kms enable-key).`;
    case "PendingDeletion":
      if (key.stateBy)
        return `the KMS key ${key.arn} it is encrypted with will be scheduled for deletion by this plan (it destroys ${key.stateBy}; KMS answers KMSInvalidStateException). Keep the key, or re-encrypt with another key first.`;
      return `the KMS key ${key.arn} it is encrypted with is scheduled for deletion${key.deletionDate ? ` on ${key.deletionDate.toISOString()}` : ""} (KMS answers KMSInvalidStateException). Cancel the deletion (aws kms cancel-key-deletion) and enable the key, or re-encrypt with another key.`;
    default:
      return `the KMS key ${key.arn} it is encrypted with is in state ${key.state}, in which KMS does not decrypt (KMSInvalidStateException).`;
  }
}

const AWS_MANAGED_ALIAS = /^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//;
const KEY_ARN = /^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/;

export async function addDecryptCheck(
  need: DecryptNeed,
  role: Principal,
  scope: Scope,
  lookups: Lookups,
  checks: CheckList,
  findings: Finding[],
): Promise<void> {
  const { keyId } = need;
  if (!keyId || AWS_MANAGED_ALIAS.test(keyId)) return;
  const owner = scopeOfArn(need.resourceArn, scope);
  const byArn = KEY_ARN.test(keyId);
  // The key ARN (and whether AWS manages the key) of a key id, an alias or an alias ARN, and for every key its
  // state: KMS decrypts only with an enabled key. A key ARN of another account may not be readable by the
  // preflight's role (its key policy decides): then its state goes unchecked, said in a note.
  const add = findingsAbout(findings, keyId, need);
  let key: KeyInfo | undefined;
  try {
    key = await lookups.describeKey(keyId, owner.region);
    if (!key) {
      add(
        "fail",
        `the KMS key '${keyId}' it is encrypted with does not exist in ${owner.region} (kms:DescribeKey: NotFoundException). ECS will fail to decrypt it; re-encrypt with an existing key.`,
      );
      return;
    }
  } catch (error) {
    if (!byArn || !isAccessDenied(error)) throw error;
    add(
      "note",
      `the state of the KMS key ${keyId} was not checked (kms:DescribeKey was denied; a key of another account shows it only if its key policy allows).`,
    );
  }
  if (key?.manager === "AWS") return;
  const unusable = key && keyStateProblem(key);
  if (unusable) {
    add("fail", `${unusable} ECS cannot decrypt the value, so the task will not start.`);
    return;
  }
  const keyArn = key?.arn ?? keyId;
  const roleAccount = scopeOfArn(role.arn, scope).account;
  const context: Record<string, ContextValue> = {
    "kms:ViaService": stringValue(`${need.via}.${owner.region}.amazonaws.com`),
    "kms:CallerAccount": stringValue(roleAccount),
    ...(need.via === "secretsmanager"
      ? {
          "kms:EncryptionContext:SecretARN": stringValue(need.resourceArn),
          ...(need.versionId ? { "kms:EncryptionContext:SecretVersionId": stringValue(need.versionId) } : {}),
          "kms:EncryptionContextKeys": { type: "stringList", values: ["SecretARN", "SecretVersionId"] },
        }
      : {
          "kms:EncryptionContext:PARAMETER_ARN": stringValue(need.resourceArn),
          "kms:EncryptionContextKeys": { type: "stringList", values: ["PARAMETER_ARN"] },
        }),
  };
  const policy = key ? await keyPolicyVerdict(keyArn, role, roleAccount, context, need, lookups, add) : undefined;
  if (policy === "refused") return;
  checks.add(role, "kms:Decrypt", keyArn, {
    reason: `${need.reason} (customer managed KMS key)`,
    source: need.source,
    context,
    grantedBy: policy,
  });
}

/**
 * What the key policy of a key of the role's own account does to its kms:Decrypt (see resource-policy.ts):
 * "refused" when KMS will refuse it whatever IAM allows (a failing row, added here), a statement when the key
 * policy grants it on its own, undefined when IAM policies decide. A key policy the preflight may not read, and
 * one that may deny or grants only under conditions, are notes and warnings beside the row.
 */
async function keyPolicyVerdict(
  keyArn: string,
  role: Principal,
  roleAccount: string,
  context: Record<string, ContextValue>,
  need: DecryptNeed,
  lookups: Lookups,
  add: (severity: Finding["severity"], message: string) => void,
): Promise<"refused" | MatchedStatement | undefined> {
  // GetKeyPolicy does not work across accounts; a key of another account is left to its row.
  if (keyArn.split(":")[4] !== roleAccount) return undefined;
  let policy: string | undefined;
  try {
    policy = await lookups.keyPolicy(keyArn);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    add(
      "note",
      `the key policy of ${keyArn} was not checked (kms:GetKeyPolicy was denied: the key policy must allow the preflight's role, or let IAM policies grant access).`,
    );
    return undefined;
  }
  if (policy === undefined) return undefined;
  // A policy the plan sets is changed where the plan declares it; a deployed one is read with the CLI.
  const origin = lookups.plannedPolicy?.(keyArn);
  const named = origin ? `the key policy ${origin.address} sets for ${keyArn}` : `the key policy of ${keyArn}`;
  const where = origin ? `in ${origin.address}` : `(aws kms get-key-policy --key-id ${keyArn})`;
  const effect = resourcePolicyEffect(
    policy,
    { principalArn: role.arn, action: "kms:Decrypt", resourceArn: keyArn, context: requestContext(role.arn, context) },
    true,
  );
  const fix = JSON.stringify({
    Sid: need.via === "ssm" ? "AllowDecryptThroughParameterStore" : "AllowDecryptThroughSecretsManager",
    Effect: "Allow",
    Principal: { AWS: role.arn },
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": (context["kms:ViaService"] as ContextValue).values[0] } },
  });
  switch (effect.kind) {
    case "iam-decides":
      return undefined;
    case "granted":
      return {
        policy: `key policy of ${keyArn}${origin ? ` (${origin.address})` : ""}`,
        policyType: "resource",
        ...(origin ? { plannedBy: origin.address } : {}),
        ...(effect.statement.sid ? { sid: effect.statement.sid } : {}),
      };
    case "denied":
      add(
        "fail",
        `${named} denies ${role.arn} kms:Decrypt (${statementName(effect.statement)}), whatever IAM allows: ECS cannot decrypt the value, so the task will not start. Change that statement ${where}.`,
      );
      return "refused";
    case "not-granted":
      add(
        "fail",
        `${named} neither lets IAM policies grant access to the key (an Allow for arn:aws:iam::${roleAccount}:root) nor allows ${role.arn} kms:Decrypt, so KMS denies it whatever IAM allows and the task will not start. Add a statement to the key policy${origin ? ` in ${origin.address}` : ""}: ${fix}`,
      );
      return "refused";
    case "may-deny":
      add(
        "warning",
        `${named} may deny ${role.arn} kms:Decrypt: ${statementName(effect.statement)} is a Deny ${undecidedText(effect.statement)}. Review it ${where}.`,
      );
      return undefined;
    case "may-grant":
      add(
        "warning",
        `${named} lets ${role.arn} use the key only through ${effect.statements.map(statementName).join(", ")}, ${undecidedText(effect.statements[0] as StatementRef)}: without them KMS denies kms:Decrypt whatever IAM allows. Review it, or add a statement to the key policy${origin ? ` in ${origin.address}` : ""}: ${fix}`,
      );
      return undefined;
  }
}
