/**
 * The read-only AWS calls the preflight makes besides the simulation:
 * DescribeSecret (full ARN and KMS key of a secret named by name or partial
 * ARN), DescribeParameters (existence and KMS key of SSM parameters), GetRole
 * (the trust policy), DescribeTaskDefinition.
 */
import { DescribeTaskDefinitionCommand, ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import { GetRoleCommand, type IAMClient } from "@aws-sdk/client-iam";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { awsClientConfig } from "../../lib/aws";
import { awsErrorCode, ConfigurationError, describeFailure, OperationFailed } from "../../lib/errors";
import { retry } from "../../lib/retry";

export interface SecretInfo {
  arn: string;
  name: string;
  kmsKeyId?: string;
}

export interface ParameterInfo {
  name: string;
  type?: string;
  keyId?: string;
}

export type RoleLookup = { exists: false } | { exists: true; trustPolicy: unknown };

export interface Lookups {
  /** undefined when the secret does not exist. */
  describeSecret(id: string, region: string): Promise<SecretInfo | undefined>;
  /** The parameters among `names` that exist, keyed by name without its leading slash. */
  describeParameters(names: string[], region: string): Promise<Map<string, ParameterInfo>>;
  getRole(arn: string): Promise<RoleLookup>;
  describeTaskDefinition(id: string): Promise<TaskDefinition>;
}

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
]);

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(awsErrorCode(error) ?? "");
}

/**
 * An AWS call with the suite's error wording and, on top of the SDK's own
 * retries, a few jittered retries for throttling that outlasts them (IAM's
 * simulation API has a low rate limit shared by the whole account).
 */
export function awsCall<T>(operation: string, fn: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const baseMs = Number(env.ECS_ALB_SMOKE_RETRY_BASE_MS) || 250;
  const maxMs = Number(env.ECS_ALB_SMOKE_RETRY_CAP_MS) || 10_000;
  return describeFailure(operation, () => retry(fn, { attempts: 5, baseMs, maxMs, retryable: isThrottling }));
}

/** describeFailure wraps errors in OperationFailed, which keeps the AWS code. */
const codeOf = (error: unknown) => (error instanceof OperationFailed ? error.code : awsErrorCode(error));

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
  const secrets = perRegion((region) => new SecretsManagerClient(awsClientConfig({ region })));
  const ssm = perRegion((region) => new SSMClient(awsClientConfig({ region })));
  const ecs = perRegion((region) => new ECSClient(awsClientConfig({ region })));

  return {
    async describeSecret(id, region) {
      try {
        const out = await awsCall("secretsmanager:DescribeSecret", () =>
          secrets(region).send(new DescribeSecretCommand({ SecretId: id })),
        );
        if (!out.ARN) return undefined;
        return { arn: out.ARN, name: out.Name ?? id, ...(out.KmsKeyId ? { kmsKeyId: out.KmsKeyId } : {}) };
      } catch (error) {
        if (codeOf(error) === "ResourceNotFoundException") return undefined;
        throw error;
      }
    },

    async describeParameters(names, region) {
      const found = new Map<string, ParameterInfo>();
      // The Name filter takes at most 50 values per call.
      for (let i = 0; i < names.length; i += 50) {
        const batch = names.slice(i, i + 50);
        let token: string | undefined;
        do {
          const out = await awsCall("ssm:DescribeParameters", () =>
            ssm(region).send(
              new DescribeParametersCommand({
                ParameterFilters: [{ Key: "Name", Option: "Equals", Values: batch }],
                MaxResults: 50,
                ...(token ? { NextToken: token } : {}),
              }),
            ),
          );
          for (const p of out.Parameters ?? []) {
            if (!p.Name) continue;
            // Keyed without the leading slash: `/foo` and `foo` are spellings of one parameter.
            found.set(p.Name.replace(/^\//, ""), {
              name: p.Name,
              ...(p.Type ? { type: p.Type } : {}),
              ...(p.KeyId ? { keyId: p.KeyId } : {}),
            });
          }
          token = out.NextToken;
        } while (token);
      }
      return found;
    },

    async getRole(arn) {
      const name = arn.split("/").pop() ?? arn;
      try {
        const out = await awsCall("iam:GetRole", () => iam.send(new GetRoleCommand({ RoleName: name })));
        const raw = out.Role?.AssumeRolePolicyDocument ?? "{}";
        let trustPolicy: unknown;
        try {
          trustPolicy = JSON.parse(decodeURIComponent(raw));
        } catch {
          trustPolicy = JSON.parse(raw);
        }
        return { exists: true, trustPolicy };
      } catch (error) {
        if (codeOf(error) === "NoSuchEntity") return { exists: false };
        throw error;
      }
    },

    async describeTaskDefinition(id) {
      const region = /^arn:/.test(id) ? (id.split(":")[3] ?? defaultRegion) : defaultRegion;
      try {
        const out = await awsCall("ecs:DescribeTaskDefinition", () =>
          ecs(region).send(new DescribeTaskDefinitionCommand({ taskDefinition: id })),
        );
        if (!out.taskDefinition) throw new ConfigurationError(`ECS returned no task definition for '${id}'.`);
        return out.taskDefinition;
      } catch (error) {
        const code = codeOf(error);
        if (code === "ClientException" || code === "InvalidParameterException") {
          throw new ConfigurationError(
            `Task definition '${id}' could not be read: ${(error as Error).message} Check the family name and revision, and the region (${region}).`,
          );
        }
        throw error;
      }
    },
  };
}
