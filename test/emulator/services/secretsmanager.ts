/**
 * Secrets Manager (JSON 1.1, `secretsmanager.*`): secrets with versions and
 * staging labels, found by name, full ARN or partial ARN. Scenario format and
 * limits: docs/secretsmanager.md.
 */

import { randomUUID } from "node:crypto";
import { AwsError, jsonAccessDenied } from "../errors";
import type { Emulator } from "../server";
import type { ConditionContext, Params, Scenario, ServiceModule } from "../types";
import { operations, type RequestContext } from "../types";
import { authorizeDecrypt } from "./kms";
import { page } from "./paging";
import {
  invalidParameter,
  newSuffix,
  notFound,
  type Secret,
  type SecretSpec,
  SecretStore,
} from "./secretsmanager/store";

export interface SecretsManagerModule extends ServiceModule {
  /** Deletes a secret another service owns, at once and without recovery (RDS drops a managed master secret with its instance). */
  deleteManagedSecret(arn: string): void;
  /** Creates a secret from another service (RDS-managed master passwords); returns its full ARN. */
  createSecret(spec: Omit<SecretSpec, "seeded">, seeded?: boolean): string;
}

export interface SecretsManagerScenario {
  secrets?: {
    name: string;
    /** A string, or an object stored as its JSON text. */
    value?: string | Record<string, unknown>;
    /** Base64, for a binary secret. */
    binary?: string;
    kmsKeyId?: string;
    arnSuffix?: string;
    description?: string;
    tags?: Record<string, string> | { Key: string; Value: string }[];
    /** The secret's resource policy: a document or its JSON. */
    resourcePolicy?: unknown;
    /** Scheduled for deletion (as DeleteSecret with a recovery window leaves it): reads are refused. */
    scheduledForDeletion?: boolean;
  }[];
}

/**
 * A resource policy as PutResourcePolicy takes it: JSON of at most 20480 characters
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html), else
 * MalformedPolicyDocumentException.
 */
function policyText(raw: unknown): string {
  const text = typeof raw === "string" ? raw : JSON.stringify(raw, null, 2);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsError("MalformedPolicyDocumentException", "This resource policy contains a syntax error.");
  }
  if (text.length > 20480 || typeof parsed !== "object" || parsed === null || !("Statement" in parsed))
    throw new AwsError("MalformedPolicyDocumentException", "This resource policy contains a syntax error.");
  return text;
}

/**
 * Whether a policy grants public access: an Allow statement for every principal (`*`) without a condition. With
 * BlockPublicPolicy (the default) PutResourcePolicy refuses it (PublicPolicyException).
 */
function grantsPublicAccess(text: string): boolean {
  const statements = ([] as unknown[]).concat((JSON.parse(text) as { Statement?: unknown }).Statement ?? []);
  return statements.some((raw) => {
    const st = raw as { Effect?: unknown; Principal?: unknown; Condition?: unknown };
    const p = st.Principal as { AWS?: unknown } | string | undefined;
    const everyone =
      p === "*" || (typeof p === "object" && p !== null && ([] as unknown[]).concat(p.AWS).includes("*"));
    return st.Effect === "Allow" && everyone && st.Condition === undefined;
  });
}

const NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
const FILTER_KEYS = ["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"];

function tagList(tags: Record<string, string> | { Key: string; Value: string }[] | undefined) {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map((t) => ({ Key: String(t.Key), Value: String(t.Value) }));
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value: String(Value) }));
}

function secretValue(params: Params): { secretString?: string; secretBinary?: string } {
  if (params.SecretString !== undefined && params.SecretBinary !== undefined)
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  const out: { secretString?: string; secretBinary?: string } = {};
  if (params.SecretString !== undefined) out.secretString = String(params.SecretString);
  if (params.SecretBinary !== undefined) out.secretBinary = String(params.SecretBinary);
  return out;
}

/** A ListSecrets filter value: case-insensitive prefix; a leading `!` negates it. */
function filterMatches(candidates: string[], value: string): boolean {
  const negate = value.startsWith("!");
  const wanted = (negate ? value.slice(1) : value).toLowerCase();
  const hit = candidates.some((c) => c.toLowerCase().startsWith(wanted));
  return negate ? !hit : hit;
}

function filterCandidates(secret: Secret, key: string, region: string): string[] {
  switch (key) {
    case "name":
      return [secret.name];
    case "description":
      return secret.description ? [secret.description] : [];
    case "tag-key":
      return secret.tags.map((t) => t.Key);
    case "tag-value":
      return secret.tags.map((t) => t.Value);
    case "primary-region":
      return [region];
    case "owning-service":
      return secret.owningService ? [secret.owningService] : [];
    default:
      return [secret.name, secret.description ?? "", ...secret.tags.flatMap((t) => [t.Key, t.Value])];
  }
}

export function createSecretsManager(emulator: Emulator): SecretsManagerModule {
  const store = new SecretStore(() => ({ region: emulator.region, account: emulator.account }));
  /** CreateSecret's ARN is decided when IAM evaluates the call, so the policy sees the ARN the secret gets. */
  const pendingSuffix = new Map<string, string>();

  // Where each call is authorized, and its tag conditions: aws:RequestTag/aws:TagKeys on CreateSecret,
  // aws:ResourceTag (and the secretsmanager:ResourceTag alias) on calls about an existing secret.
  /** CreateSecret: the ARN the secret will get (its suffix is decided now and kept for the create). */
  const newSecretArn = (params: Params) => {
    const name = String(params.Name ?? "");
    const suffix = pendingSuffix.get(name) ?? newSuffix();
    pendingSuffix.set(name, suffix);
    return [`${store.arnPrefix()}${name}-${suffix}`];
  };
  const secretArn = (params: Params) => {
    const secret = store.find(params.SecretId);
    if (secret) return [secret.arn];
    const id = String(params.SecretId ?? "");
    return [id.startsWith("arn:") ? id : `${store.arnPrefix()}${id}`];
  };
  /**
   * GetSecretValue decrypts with the secret's KMS key on the caller's behalf: with a customer-managed key the caller
   * also needs kms:Decrypt on it ("If the secret is encrypted using a customer-managed key instead of the AWS managed
   * key aws/secretsmanager, then you also need kms:Decrypt permissions for that key", GetSecretValue's Required
   * permissions), and without it AWS answers AccessDeniedException "Access to KMS is not allowed" (AWS knowledge
   * center, secrets-manager-cross-account-key). The encryption context is the secret's ARN and version id (Secrets
   * Manager user guide, security-encryption: "Secrets Manager encryption context").
   */
  const decryptionFailure = () =>
    new AwsError(
      "DecryptionFailure",
      "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    );
  const decryptable = (secret: Secret, versionId: string, ctx: RequestContext) =>
    secret.kmsKeyId === undefined
      ? undefined
      : authorizeDecrypt(emulator, ctx, secret.kmsKeyId, {
          service: "secretsmanager",
          context: { SecretARN: secret.arn, SecretVersionId: versionId },
          denied: () => new AwsError("AccessDeniedException", "Access to KMS is not allowed", 400),
          // GetSecretValue's error for a key it cannot decrypt with (its API reference, Errors: DecryptionFailure),
          // whether KMS does not know the key or will not decrypt with it.
          unknownKey: decryptionFailure,
          unusableKey: decryptionFailure,
        });
  const requestTags = (params: Params): ConditionContext => {
    const tags: Params[] = Array.isArray(params.Tags) ? params.Tags : [];
    const request: Record<string, string | string[]> = { "aws:TagKeys": tags.map((t) => String(t.Key)) };
    for (const t of tags) request[`aws:RequestTag/${t.Key}`] = String(t.Value);
    return { request };
  };
  const secretTags = (params: Params): ConditionContext => {
    const secret = store.find(params.SecretId);
    if (!secret) return {};
    const keys: Record<string, string> = {};
    for (const t of secret.tags) {
      keys[`aws:ResourceTag/${t.Key}`] = t.Value;
      keys[`secretsmanager:ResourceTag/${t.Key}`] = t.Value;
    }
    return { perResource: { [secret.arn]: keys } };
  };
  /** A secret's resource policy, evaluated with the caller's identity policies under enforcement. */
  const secretPolicy = (params: Params) => {
    const secret = store.find(params.SecretId);
    return secret?.resourcePolicy ? { [secret.arn]: secret.resourcePolicy } : {};
  };
  const aboutASecret = { resources: secretArn, conditions: secretTags, resourcePolicies: secretPolicy };

  /**
   * A secret of another account: this emulator holds one account, and a caller reaches another account's secret
   * only through that secret's resource policy ("To allow users in one account to access secrets in another
   * account (cross-account access), you must allow access both in a resource policy and in an identity policy",
   * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html), which no
   * secret here has: AccessDeniedException, as IAM words a denial no resource-based policy allows
   * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_denied-error-messages.html), whatever the enforcement.
   */
  const otherAccount = (params: Params, ctx: RequestContext): void => {
    const id = params.SecretId;
    if (typeof id !== "string") return;
    const account = /^arn:aws[a-z-]*:secretsmanager:[^:]*:(\d{12}):secret:/.exec(id)?.[1];
    if (!account || account === emulator.account) return;
    const action = `secretsmanager:${ctx.action}`;
    throw jsonAccessDenied(
      `User: ${ctx.principalArn} is not authorized to perform: ${action} on resource: ${id} because no resource-based policy allows the ${action} action`,
    );
  };

  /** The secret a request names: refused across accounts, then as the store refuses it. */
  const required = (params: Params, ctx: RequestContext, allowDeleted = false) => {
    otherAccount(params, ctx);
    return store.require(params.SecretId, allowDeleted);
  };

  const module: SecretsManagerModule = {
    signingName: "secretsmanager",
    protocol: "json",
    iamPrefix: "secretsmanager",
    accessDenied: jsonAccessDenied,
    deleteManagedSecret(arn) {
      const found = store.find(arn);
      if (found) store.secrets.delete(found.name);
    },
    operations: operations(
      {
        CreateSecret: (params) => {
          const name = params.Name;
          if (typeof name !== "string" || !NAME.test(name))
            throw invalidParameter(
              "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
            );
          const value = secretValue(params);
          const suffix = pendingSuffix.get(name);
          pendingSuffix.delete(name);
          const secret = store.add({
            name,
            ...value,
            ...(params.ClientRequestToken ? { versionId: String(params.ClientRequestToken) } : {}),
            ...(params.KmsKeyId ? { kmsKeyId: String(params.KmsKeyId) } : {}),
            ...(params.Description !== undefined ? { description: String(params.Description) } : {}),
            ...(Array.isArray(params.Tags) ? { tags: params.Tags } : {}),
            ...(suffix ? { arnSuffix: suffix } : {}),
            seeded: false,
          });
          const version = secret.versions[0];
          return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.id } : {}) };
        },
        GetSecretValue: async (params, ctx) => {
          const secret = required(params, ctx);
          const version = store.version(secret, params.VersionId, params.VersionStage);
          await decryptable(secret, version.id, ctx);
          store.markAccessed(secret);
          return {
            ARN: secret.arn,
            Name: secret.name,
            VersionId: version.id,
            ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
            ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
            VersionStages: version.stages,
            CreatedDate: version.createdDate,
          };
        },
        DescribeSecret: (params, ctx) => {
          const secret = required(params, ctx, true);
          return { ...store.summary(secret), VersionIdsToStages: store.versionIdsToStages(secret) };
        },
        PutSecretValue: (params, ctx) => {
          const secret = required(params, ctx);
          const value = secretValue(params);
          if (value.secretString === undefined && value.secretBinary === undefined)
            throw invalidParameter("You must provide either SecretString or SecretBinary.");
          const stages: string[] =
            Array.isArray(params.VersionStages) && params.VersionStages.length > 0
              ? params.VersionStages
              : ["AWSCURRENT"];
          const version = store.putValue(secret, value, String(params.ClientRequestToken ?? randomUUID()), stages);
          return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
        },
        ListSecrets: (params) => {
          const filters: Params[] = Array.isArray(params.Filters) ? params.Filters : [];
          for (const f of filters) {
            if (!FILTER_KEYS.includes(f.Key))
              throw invalidParameter(`Invalid filter key: ${f.Key}. Valid keys: ${FILTER_KEYS.join(", ")}.`);
            if (!Array.isArray(f.Values) || f.Values.length === 0 || f.Values.length > 10)
              throw invalidParameter("A filter needs 1 to 10 values.");
          }
          const max = params.MaxResults === undefined ? 100 : Number(params.MaxResults);
          if (!Number.isInteger(max) || max < 1 || max > 100)
            throw invalidParameter("MaxResults must be between 1 and 100.");
          const secrets = [...store.secrets.values()]
            .filter((s) => params.IncludePlannedDeletion === true || !s.deletedDate)
            .filter((s) =>
              filters.every((f) => {
                const candidates = filterCandidates(s, f.Key, emulator.region);
                return (f.Values as string[]).some((v) => filterMatches(candidates, String(v)));
              }),
            )
            .sort(
              (a, b) => (params.SortOrder === "asc" ? 1 : -1) * (a.createdDate.getTime() - b.createdDate.getTime()),
            );
          const result = page(secrets, {
            token: params.NextToken,
            max,
            tag: "secrets",
            badToken: () => invalidParameter("Invalid NextToken."),
          });
          return {
            SecretList: result.items.map((s) => ({
              ...store.summary(s),
              SecretVersionsToStages: store.versionIdsToStages(s),
            })),
            ...(result.nextToken ? { NextToken: result.nextToken } : {}),
          };
        },
        GetResourcePolicy: (params, ctx) => {
          const secret = required(params, ctx, true);
          return {
            ARN: secret.arn,
            Name: secret.name,
            ...(secret.resourcePolicy ? { ResourcePolicy: secret.resourcePolicy } : {}),
          };
        },
        PutResourcePolicy: (params, ctx) => {
          const secret = required(params, ctx);
          if (params.ResourcePolicy === undefined) throw invalidParameter("You must provide a ResourcePolicy.");
          const text = policyText(String(params.ResourcePolicy));
          if (params.BlockPublicPolicy !== false && grantsPublicAccess(text))
            throw new AwsError("PublicPolicyException", "This resource policy will grant public access to the secret.");
          secret.resourcePolicy = text;
          return { ARN: secret.arn, Name: secret.name };
        },
        DeleteResourcePolicy: (params, ctx) => {
          const secret = required(params, ctx);
          delete secret.resourcePolicy;
          return { ARN: secret.arn, Name: secret.name };
        },
        DeleteSecret: (params, ctx) => {
          otherAccount(params, ctx);
          const secret = store.find(params.SecretId);
          if (!secret) throw notFound();
          const force = params.ForceDeleteWithoutRecovery === true;
          if (force && params.RecoveryWindowInDays !== undefined)
            throw invalidParameter(
              "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            );
          const days = params.RecoveryWindowInDays === undefined ? 30 : Number(params.RecoveryWindowInDays);
          if (!force && (!Number.isInteger(days) || days < 7 || days > 30))
            throw invalidParameter("The recovery window must be between 7 and 30 days.");
          const now = new Date();
          secret.deletedDate ??= now;
          if (force) store.secrets.delete(secret.name);
          const deletionDate = force ? now : new Date(secret.deletedDate.getTime() + days * 86_400_000);
          return { ARN: secret.arn, Name: secret.name, DeletionDate: deletionDate };
        },
      },
      {
        CreateSecret: { resources: newSecretArn, conditions: requestTags },
        GetSecretValue: aboutASecret,
        DescribeSecret: aboutASecret,
        PutSecretValue: aboutASecret,
        ListSecrets: {},
        GetResourcePolicy: aboutASecret,
        PutResourcePolicy: aboutASecret,
        DeleteResourcePolicy: aboutASecret,
        DeleteSecret: aboutASecret,
      },
    ),
    createSecret: (spec, seeded = true) => store.add({ ...spec, seeded }).arn,
    reset() {
      store.secrets.clear();
      pendingSuffix.clear();
    },
    snapshot: () => ({
      secrets: [...store.secrets.values()].map((s) => ({
        name: s.name,
        arn: s.arn,
        kmsKeyId: s.kmsKeyId,
        owningService: s.owningService,
        deletedDate: s.deletedDate,
        versionIdsToStages: store.versionIdsToStages(s),
      })),
    }),
    created: () => [...store.secrets.values()].filter((s) => !s.seeded && !s.deletedDate).map((s) => s.arn),
    loadScenario(scenario: Scenario) {
      const section = scenario.secretsmanager as SecretsManagerScenario | undefined;
      for (const s of section?.secrets ?? []) {
        if (typeof s.name !== "string" || s.name === "")
          throw new Error("secretsmanager scenario: every secret needs a name");
        store.secrets.delete(s.name);
        const added = store.add({
          name: s.name,
          ...(s.value !== undefined
            ? { secretString: typeof s.value === "string" ? s.value : JSON.stringify(s.value) }
            : {}),
          ...(s.binary !== undefined ? { secretBinary: s.binary } : {}),
          ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}),
          ...(s.arnSuffix ? { arnSuffix: s.arnSuffix } : {}),
          ...(s.description ? { description: s.description } : {}),
          tags: tagList(s.tags),
          ...(s.resourcePolicy !== undefined ? { resourcePolicy: policyText(s.resourcePolicy) } : {}),
          seeded: true,
        });
        if (s.scheduledForDeletion) added.deletedDate = new Date();
      }
    },
  };
  return module;
}
