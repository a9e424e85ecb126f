/**
 * AWS KMS (JSON 1.1, `TrentService.*`), as much as the preflight needs: keys
 * and aliases from the scenario, DescribeKey (by key id, key ARN, alias name
 * or alias ARN) and ListAliases. The AWS managed keys `aws/secretsmanager`,
 * `aws/ssm` and `aws/rds` exist in every region (AWS creates them on first
 * use; to a caller they are simply there).
 *
 * IAM authorizes KMS calls on the key ARN only, also when the call names an
 * alias (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html):
 * The operations' `resources` resolve the alias first.
 *
 * Every customer managed key has a key policy: the scenario's, else the default key policy AWS gives a key created
 * without one, which lets the account's IAM policies grant access
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). GetKeyPolicy returns it, and
 * enforcement evaluates it with the caller's identity policies (authorizeDecrypt). SimulatePrincipalPolicy does not
 * consult it, as AWS's does not for roles.
 */
import { createHash, randomUUID } from "node:crypto";
import { AwsError, jsonAccessDenied } from "../errors";
import type { Emulator } from "../server";
import type { Params, RequestContext, Scenario, ServiceModule } from "../types";
import { operations } from "../types";
import { page } from "./paging";

/** The key states a scenario may give (DescribeKey's KeyState); a disabled or pending-deletion key cannot decrypt. */
export type KeyState = "Enabled" | "Disabled" | "PendingDeletion";
const KEY_STATES: readonly KeyState[] = ["Enabled", "Disabled", "PendingDeletion"];

export interface KmsScenario {
  keys?: {
    id?: string;
    region?: string;
    aliases?: string[];
    description?: string;
    state?: KeyState;
    /** The key policy, a document or its JSON; default the default key policy. */
    policy?: unknown;
  }[];
}

interface Key {
  id: string;
  region: string;
  manager: "AWS" | "CUSTOMER";
  description: string;
  created: Date;
  state: KeyState;
  /** The key policy (JSON), for a customer managed key. */
  policy?: string;
  /** The service an AWS managed key serves (`secretsmanager`, `ssm`, `rds`). */
  service?: string;
}

interface Alias {
  name: string;
  region: string;
  keyId: string;
  created: Date;
}

export const AWS_MANAGED_ALIASES = ["alias/aws/secretsmanager", "alias/aws/ssm", "alias/aws/rds"] as const;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

/**
 * The key policy AWS gives a key created without one: the account's IAM policies may grant access to it
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 */
export const defaultKeyPolicy = (account: string) =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
    null,
    2,
  );

/** A stable key id per region and AWS managed alias (the same on every call, as in AWS). */
export function managedKeyId(region: string, alias: string): string {
  const h = createHash("sha256").update(`${region}\n${alias}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The key ARN of an AWS managed key (`alias/aws/secretsmanager`, ...), as DescribeKey of its alias answers. */
export const awsManagedKeyArn = (region: string, account: string, alias: (typeof AWS_MANAGED_ALIASES)[number]) =>
  `arn:aws:kms:${region}:${account}:key/${managedKeyId(region, alias)}`;

export interface KmsService extends ServiceModule {
  /**
   * The key a key id, key ARN, alias name or alias ARN names in a region, as another service resolves its KmsKeyId
   * (Secrets Manager before it decrypts): undefined when there is none.
   */
  keyOf(
    keyId: string,
    region: string,
  ): { arn: string; manager: "AWS" | "CUSTOMER"; policy?: string; state?: KeyState } | undefined;
}

export const kmsOf = (emulator: Emulator): KmsService => emulator.service<KmsService>("kms");

/** How a service that decrypts on the caller's behalf answers when it cannot. */
export interface DecryptVia {
  /** The calling service's endpoint name for `kms:ViaService`: `secretsmanager`, `ssm`. */
  service: string;
  /** The encryption context the service binds the value with (its keys become `kms:EncryptionContext:<key>`). */
  context: Record<string, string>;
  /** The service's answer when IAM denies the caller kms:Decrypt; `message` is IAM's denial of it. */
  denied(message: string): AwsError;
  /** The service's answer for a key KMS does not know. */
  unknownKey(): AwsError;
  /** The service's answer for a key KMS will not decrypt with: disabled, pending deletion, ... (`state`). */
  unusableKey(key: { arn: string; state: KeyState }): AwsError;
}

/**
 * Under enforcement, the kms:Decrypt a service makes as the caller to hand back a value it keeps encrypted
 * (Secrets Manager's GetSecretValue, Parameter Store's GetParameter with decryption), with the keys AWS puts in
 * that request: `kms:ViaService` (`<service>.<region>.amazonaws.com`), `kms:CallerAccount` and the encryption
 * context (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html). An AWS managed key needs
 * nothing more: its key policy lets every principal of the account use it through its service. A customer managed
 * key is checked against the caller's identity policies and its key policy together (a key policy that neither
 * names the caller nor lets IAM policies grant access denies whatever IAM allows). A key ARN the scenario does not
 * declare counts as customer managed, with the default key policy (scenarios name keys by ARN without declaring
 * them); an alias or key id KMS does not know answers `unknownKey()`.
 */
export async function authorizeDecrypt(emulator: Emulator, ctx: RequestContext, keyId: string, via: DecryptVia) {
  // Whoever asks, KMS decrypts only with an enabled key (Key states of AWS KMS keys: Decrypt with a disabled key
  // fails with DisabledException, in any other state but Enabled with KMSInvalidStateException,
  // https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html); the service that asked answers its way.
  const known = kmsOf(emulator).keyOf(keyId, ctx.region);
  if (known?.state && known.state !== "Enabled") throw via.unusableKey({ arn: known.arn, state: known.state });
  if (!emulator.enforce || !emulator.authorizer) return;
  const key =
    known ??
    (/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/./.test(keyId) ? { arn: keyId, manager: "CUSTOMER" } : undefined);
  if (!key) throw via.unknownKey();
  if (key.manager === "AWS") return;
  const request: Record<string, string | string[]> = {
    "kms:ViaService": `${via.service}.${ctx.region}.amazonaws.com`,
    "kms:CallerAccount": ctx.account,
    "kms:EncryptionContextKeys": Object.keys(via.context),
  };
  for (const [k, v] of Object.entries(via.context)) request[`kms:EncryptionContext:${k}`] = v;
  try {
    await emulator.authorizer(
      ctx,
      "kms:Decrypt",
      [key.arn],
      { request },
      { [key.arn]: key.policy ?? defaultKeyPolicy(key.arn.split(":")[4] as string) },
    );
  } catch (error) {
    if (error instanceof AwsError && /^AccessDenied/.test(error.code)) throw via.denied(error.message);
    throw error;
  }
}

export function createKms(emulator: Emulator): KmsService {
  const keys = new Map<string, Key>(); // `${region}/${id}`
  const aliases = new Map<string, Alias>(); // `${region}/${name}`
  const keyArn = (k: { region: string; id: string }) => `arn:aws:kms:${k.region}:${emulator.account}:key/${k.id}`;
  const aliasArn = (a: { region: string; name: string }) => `arn:aws:kms:${a.region}:${emulator.account}:${a.name}`;

  /** The AWS managed keys of a region, created on first sight. */
  const ensureManaged = (region: string) => {
    for (const name of AWS_MANAGED_ALIASES) {
      if (aliases.has(`${region}/${name}`)) continue;
      const id = managedKeyId(region, name);
      keys.set(`${region}/${id}`, {
        id,
        region,
        manager: "AWS",
        description: `Default key that protects my ${name.split("/")[2]} data when no other key is defined`,
        created: new Date(0),
        state: "Enabled",
        service: name.split("/")[2] as string,
      });
      aliases.set(`${region}/${name}`, { name, region, keyId: id, created: new Date(0) });
    }
  };

  /**
   * The key policy of an AWS managed key: every principal of the account may use it through its service; the
   * account may read its metadata (as GetKeyPolicy shows for aws/secretsmanager; the Sids are AWS's).
   */
  const awsManagedKeyPolicy = (k: Key) =>
    JSON.stringify(
      {
        Version: "2012-10-17",
        Id: `auto-${k.service}-2`,
        Statement: [
          {
            Sid: `Allow access through ${k.service} for all principals in the account that are authorized to use ${k.service}`,
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: [
              "kms:Encrypt",
              "kms:Decrypt",
              "kms:ReEncrypt*",
              "kms:GenerateDataKey*",
              "kms:CreateGrant",
              "kms:DescribeKey",
            ],
            Resource: "*",
            Condition: {
              StringEquals: {
                "kms:CallerAccount": emulator.account,
                "kms:ViaService": `${k.service}.${k.region}.amazonaws.com`,
              },
            },
          },
          {
            Sid: "Allow direct access to key metadata to the account",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${emulator.account}:root` },
            Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
            Resource: "*",
          },
        ],
      },
      null,
      2,
    );

  const notFound = (what: string) => new AwsError("NotFoundException", what);

  /** DescribeKey's KeyId: key id, key ARN, alias name or alias ARN. */
  const find = (raw: unknown, region: string): Key => {
    const id = String(raw ?? "");
    if (id === "")
      throw new AwsError(
        "ValidationException",
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    const arn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/.exec(id);
    const inRegion = arn ? (arn[1] as string) : region;
    if (arn && arn[2] !== emulator.account) throw notFound(`Key '${id}' does not exist`);
    ensureManaged(inRegion);
    const rest = arn ? (arn[3] as string) : id;
    if (rest.startsWith("alias/")) {
      const alias = aliases.get(`${inRegion}/${rest}`);
      if (!alias) throw notFound(`Alias ${aliasArn({ region: inRegion, name: rest })} is not found.`);
      return keys.get(`${inRegion}/${alias.keyId}`) as Key;
    }
    const keyId = rest.replace(/^key\//, "");
    if (!KEY_ID.test(keyId)) throw notFound(`Invalid keyId '${id}'`);
    const key = keys.get(`${inRegion}/${keyId}`);
    if (!key) throw notFound(`Key '${keyArn({ region: inRegion, id: keyId })}' does not exist`);
    return key;
  };

  const metadata = (k: Key) => ({
    AWSAccountId: emulator.account,
    KeyId: k.id,
    Arn: keyArn(k),
    CreationDate: k.created.getTime() / 1000,
    Enabled: k.state === "Enabled",
    Description: k.description,
    KeyUsage: "ENCRYPT_DECRYPT",
    KeyState: k.state,
    // A key scheduled for deletion shows when (the default waiting period, 30 days, from its creation here).
    ...(k.state === "PendingDeletion"
      ? { DeletionDate: (k.created.getTime() + 30 * 86_400_000) / 1000, PendingDeletionWindowInDays: 30 }
      : {}),
    Origin: "AWS_KMS",
    KeyManager: k.manager,
    CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
    KeySpec: "SYMMETRIC_DEFAULT",
    EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
    MultiRegion: false,
  });

  /** Calls about a key are authorized on the key's ARN, also when they name an alias (alias authorization). */
  const onKey = {
    resources(params: Params, ctx: RequestContext) {
      try {
        return [keyArn(find(params.KeyId, ctx.region))];
      } catch {
        // An unknown key: authorized on the ARN it would have (the call then fails NotFound).
        const id = String(params.KeyId ?? "");
        return [id.startsWith("arn:") ? id : keyArn({ region: ctx.region, id: id.replace(/^key\//, "") })];
      }
    },
  };

  return {
    keyOf(keyId, region) {
      try {
        const key = find(keyId, region);
        return {
          arn: keyArn(key),
          manager: key.manager,
          state: key.state,
          ...(key.policy ? { policy: key.policy } : {}),
        };
      } catch {
        return undefined;
      }
    },
    signingName: "kms",
    protocol: "json",
    iamPrefix: "kms",
    accessDenied: jsonAccessDenied,
    operations: operations(
      {
        DescribeKey: (params, ctx) => ({ KeyMetadata: metadata(find(params.KeyId, ctx.region)) }),
        GetKeyPolicy: (params, ctx) => {
          // KeyId: "Specify the key ID or key ARN of the KMS key" (no alias); PolicyName: pattern [\w]+, and "the
          // only valid name is default" (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html).
          const id = String(params.KeyId ?? "");
          if (/^alias\/|:alias\//.test(id)) throw notFound(`Invalid keyId '${id}'`);
          const name = params.PolicyName === undefined ? "default" : String(params.PolicyName);
          if (!/^\w{1,128}$/.test(name))
            throw new AwsError(
              "ValidationException",
              `1 validation error detected: Value '${name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+`,
            );
          const key = find(id, ctx.region);
          if (name !== "default") throw notFound(`No such policy exists: ${name}`);
          return {
            Policy:
              key.policy ?? (key.manager === "AWS" ? awsManagedKeyPolicy(key) : defaultKeyPolicy(emulator.account)),
            PolicyName: "default",
          };
        },
        ListAliases: (params: Params, ctx) => {
          ensureManaged(ctx.region);
          const limit = params.Limit === undefined ? 50 : Number(params.Limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
            throw new AwsError(
              "ValidationException",
              `1 validation error detected: Value '${params.Limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
            );
          }
          const target = params.KeyId === undefined ? undefined : find(params.KeyId, ctx.region).id;
          const list = [...aliases.values()]
            .filter((a) => a.region === ctx.region && (target === undefined || a.keyId === target))
            .sort((a, b) => (a.name < b.name ? -1 : 1));
          const result = page(list, {
            token: params.Marker,
            max: limit,
            tag: `aliases:${ctx.region}:${target ?? ""}`,
            badToken: () => new AwsError("InvalidMarkerException", "Invalid marker."),
          });
          return {
            Aliases: result.items.map((a) => ({
              AliasName: a.name,
              AliasArn: aliasArn(a),
              TargetKeyId: a.keyId,
              CreationDate: a.created.getTime() / 1000,
              LastUpdatedDate: a.created.getTime() / 1000,
            })),
            Truncated: result.nextToken !== undefined,
            ...(result.nextToken ? { NextMarker: result.nextToken } : {}),
          };
        },
      },
      { DescribeKey: onKey, GetKeyPolicy: onKey, ListAliases: {} },
    ),
    reset() {
      keys.clear();
      aliases.clear();
    },
    snapshot: () => ({
      keys: [...keys.values()].map((k) => ({ arn: keyArn(k), manager: k.manager })),
      aliases: [...aliases.values()].map((a) => ({ name: a.name, region: a.region, target: a.keyId })),
    }),
    loadScenario(scenario: Scenario) {
      const section = scenario.kms as KmsScenario | undefined;
      for (const k of section?.keys ?? []) {
        const region = k.region ?? emulator.region;
        const id = k.id ?? randomUUID();
        if (!KEY_ID.test(id)) throw new Error(`kms scenario: key id '${id}' is not a key id (a UUID)`);
        const state = k.state ?? "Enabled";
        if (!KEY_STATES.includes(state))
          throw new Error(`kms scenario: key ${id}: state '${state}' is not one of ${KEY_STATES.join(", ")}`);
        let policy: string | undefined;
        if (k.policy !== undefined) {
          policy = typeof k.policy === "string" ? k.policy : JSON.stringify(k.policy, null, 2);
          try {
            JSON.parse(policy);
          } catch {
            throw new Error(`kms scenario: key ${id}: policy is not JSON`);
          }
        }
        keys.set(`${region}/${id}`, {
          id,
          region,
          manager: "CUSTOMER",
          description: k.description ?? "",
          created: new Date(),
          state,
          ...(policy ? { policy } : {}),
        });
        for (const name of k.aliases ?? []) {
          if (!ALIAS_NAME.test(name) || name.startsWith("alias/aws/"))
            throw new Error(
              `kms scenario: '${name}' is not an alias name you can create (alias/<name>, not alias/aws/...)`,
            );
          aliases.set(`${region}/${name}`, { name, region, keyId: id, created: new Date() });
        }
      }
    },
  };
}
