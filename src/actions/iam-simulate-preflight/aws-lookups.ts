/**
 * The read-only AWS calls the preflight makes besides the simulation:
 * DescribeSecret (full ARN and KMS key of a secret named by name or partial
 * ARN), DescribeParameters (existence and KMS key of SSM parameters), GetRole
 * (the role's ARN and trust policy), DescribeTaskDefinition, DescribeKey and
 * GetKeyPolicy (a KMS key's state and key policy), GetResourcePolicy (a
 * secret's resource policy), and GetCallerIdentity (the account, when no ARN
 * names it). Retries are the
 * clients' own retry strategy (src/lib/aws.ts); nothing retries on top.
 */
import { ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import { GetRoleCommand, type IAMClient, NoSuchEntityException } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, NotFoundException } from "@aws-sdk/client-kms";
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { paginateDescribeParameters, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { awsClientConfig, withOperationNames } from "../../lib/aws";
import { chunks } from "../../lib/chunks";
import { awsException } from "../../lib/errors";
import { onceEach } from "../../lib/once-each";
import { describeTaskDefinition } from "../../lib/task-definition";

export interface SecretInfo {
  arn: string;
  name: string;
  kmsKeyId?: string;
  /**
   * DescribeSecret's VersionIdsToStages: the versions that carry a staging label (`{}` for a secret that holds no
   * value; undefined where they are not known, as for a secret a plan creates).
   */
  versions?: Record<string, string[]>;
  /** DescribeSecret's DeletedDate: the secret is scheduled for deletion, and GetSecretValue refuses it. */
  deletedDate?: Date;
  /** The plan resource whose destruction schedules the secret's deletion. */
  deletedBy?: string;
}

export interface ParameterInfo {
  name: string;
  type?: string;
  keyId?: string;
}

export interface KeyInfo {
  arn: string;
  /** `AWS` for AWS managed keys (aws/secretsmanager, aws/ssm), `CUSTOMER` otherwise. */
  manager: string;
  /** DescribeKey's KeyState (`Enabled`, `Disabled`, `PendingDeletion`, ...), when given. */
  state?: string;
  /** When a key in `PendingDeletion` is deleted. */
  deletionDate?: Date;
  /** The plan resource that leaves the key in `state` (`aws_kms_key.app` with `is_enabled = false`, or destroyed). */
  stateBy?: string;
}

/** Where a plan declares the resource policy that `keyPolicy` or `secretPolicy` returned. */
export interface PolicyOrigin {
  /** The resource that sets it: what to edit. */
  address: string;
  /** It is KMS's default key policy (a key created without one). */
  defaultPolicy?: boolean;
}

export type RoleLookup = { exists: false } | { exists: true; arn: string; trustPolicy: unknown };

export interface Lookups {
  /** undefined when the secret does not exist. */
  describeSecret(id: string, region: string): Promise<SecretInfo | undefined>;
  /** The parameters among `names` that exist, keyed by name without its leading slash. */
  describeParameters(names: string[], region: string): Promise<Map<string, ParameterInfo>>;
  /** By ARN or by name (ECS accepts a bare role name in the task definition). */
  getRole(arnOrName: string): Promise<RoleLookup>;
  describeTaskDefinition(id: string): Promise<TaskDefinition>;
  /** A KMS key by key id, key ARN, alias name or alias ARN; undefined when it does not exist. */
  describeKey(keyId: string, region: string): Promise<KeyInfo | undefined>;
  /**
   * The key policy of a KMS key of the caller's account, by key ARN (GetKeyPolicy does not work across
   * accounts); undefined when it is not known (a key a plan creates).
   */
  keyPolicy(keyArn: string): Promise<string | undefined>;
  /** A secret's resource policy, by its full ARN; undefined when it has none. */
  secretPolicy(secretArn: string): Promise<string | undefined>;
  /** For a plan: the resource that declares the policy `keyPolicy` or `secretPolicy` returns for this ARN, if any. */
  plannedPolicy?(arn: string): PolicyOrigin | undefined;
  /** The account of the credentials (when no ARN of the inputs names one). */
  callerAccount(): Promise<string>;
}

export function awsLookups(iam: IAMClient, defaultRegion: string): Lookups {
  const perRegion = <C>(make: (region: string) => C) => {
    const cache = new Map<string, C>();
    return (region: string) => {
      let client = cache.get(region);
      if (!client) {
        client = make(region);
        cache.set(region, client);
      }
      return client;
    };
  };
  const secrets = perRegion((region) => withOperationNames(new SecretsManagerClient(awsClientConfig({ region }))));
  const ssm = perRegion((region) => withOperationNames(new SSMClient(awsClientConfig({ region }))));
  const ecs = perRegion((region) => withOperationNames(new ECSClient(awsClientConfig({ region }))));
  const kms = perRegion((region) => withOperationNames(new KMSClient(awsClientConfig({ region }))));

  const readKey = async (keyId: string, region: string): Promise<KeyInfo | undefined> => {
    try {
      const out = await kms(region).send(new DescribeKeyCommand({ KeyId: keyId }));
      const key = out.KeyMetadata;
      if (!key?.Arn) return undefined;
      return {
        arn: key.Arn,
        manager: key.KeyManager ?? "CUSTOMER",
        ...(key.KeyState ? { state: key.KeyState } : {}),
        ...(key.DeletionDate ? { deletionDate: key.DeletionDate } : {}),
      };
    } catch (error) {
      if (awsException(error) instanceof NotFoundException) return undefined;
      throw error;
    }
  };

  return {
    async describeSecret(id, region) {
      try {
        const out = await secrets(region).send(new DescribeSecretCommand({ SecretId: id }));
        if (!out.ARN) return undefined;
        return {
          arn: out.ARN,
          name: out.Name ?? id,
          ...(out.KmsKeyId ? { kmsKeyId: out.KmsKeyId } : {}),
          // DescribeSecret leaves VersionIdsToStages out when no version has a label: the secret holds no value.
          versions: out.VersionIdsToStages ?? {},
          ...(out.DeletedDate ? { deletedDate: out.DeletedDate } : {}),
        };
      } catch (error) {
        if (awsException(error) instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
    },

    async describeParameters(names, region) {
      const found = new Map<string, ParameterInfo>();
      // The Name filter takes at most 50 values per call.
      for (const batch of chunks(names, 50)) {
        const pages = paginateDescribeParameters(
          { client: ssm(region), pageSize: 50 },
          { ParameterFilters: [{ Key: "Name", Option: "Equals", Values: batch }] },
        );
        for await (const page of pages) {
          for (const p of page.Parameters ?? []) {
            if (!p.Name) continue;
            // Keyed without the leading slash: `/foo` and `foo` are spellings of one parameter.
            found.set(p.Name.replace(/^\//, ""), {
              name: p.Name,
              ...(p.Type ? { type: p.Type } : {}),
              ...(p.KeyId ? { keyId: p.KeyId } : {}),
            });
          }
        }
      }
      return found;
    },

    async getRole(arnOrName) {
      // GetRole takes the name only: the ARN's path is not part of it.
      const name = arnOrName.split("/").pop() ?? arnOrName;
      try {
        const out = await iam.send(new GetRoleCommand({ RoleName: name }));
        const raw = out.Role?.AssumeRolePolicyDocument ?? "{}";
        let trustPolicy: unknown;
        try {
          trustPolicy = JSON.parse(decodeURIComponent(raw));
        } catch {
          trustPolicy = JSON.parse(raw);
        }
        return { exists: true, arn: out.Role?.Arn ?? arnOrName, trustPolicy };
      } catch (error) {
        if (awsException(error) instanceof NoSuchEntityException) return { exists: false };
        throw error;
      }
    },

    async describeTaskDefinition(id) {
      const region = /^arn:/.test(id) ? (id.split(":")[3] ?? defaultRegion) : defaultRegion;
      return describeTaskDefinition(ecs(region), id, `Check the family name and revision, and the region (${region}).`);
    },

    // One DescribeKey per key and region: a hundred secrets under one key ask once.
    describeKey: onceEach((keyId: string, region: string) => `${region}\n${keyId}`, readKey),

    keyPolicy: onceEach(String, async (keyArn: string) => {
      const out = await kms(keyArn.split(":")[3] || defaultRegion).send(
        new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default" }),
      );
      return out.Policy;
    }),

    secretPolicy: onceEach(String, async (secretArn: string) => {
      const out = await secrets(secretArn.split(":")[3] || defaultRegion).send(
        new GetResourcePolicyCommand({ SecretId: secretArn }),
      );
      return out.ResourcePolicy;
    }),

    async callerAccount() {
      const sts = withOperationNames(new STSClient(awsClientConfig({ region: defaultRegion })));
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return out.Account ?? "";
      } finally {
        sts.destroy();
      }
    },
  };
}
