/**
 * What a task definition's strings point at, in the forms ECS accepts, turned
 * into the ARNs IAM evaluates (pure functions: no AWS calls here).
 */
import type { Scope } from "./checks";

export type SecretReference =
  /**
   * A Secrets Manager secret: full or partial ARN (the `:json-key:version-stage:version-id` suffix
   * parsed off), or a name. `versionStage`/`versionId`: the version ECS will ask GetSecretValue for.
   */
  | {
      kind: "secret";
      id: string;
      region: string;
      jsonKey?: string;
      versionStage?: string;
      versionId?: string;
      via?: "ssm-reference";
      referenceArn?: string;
    }
  /** An SSM parameter by ARN or name. `names` are the spellings to look it up by. */
  | { kind: "parameter"; arn: string; names: string[]; region: string; byName: boolean };

/** A reference ECS would refuse at task start: why, in words the row can show. */
export interface RejectedReference {
  kind: "rejected";
  problem: string;
}

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.*)$/;
const PARAMETER_ARN = /^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter(\/.*)$/;
const SSM_SECRET_REFERENCE = "/aws/reference/secretsmanager/";
/** Secret names: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
/**
 * Parameter names: letters, digits, `_.-` and `/` for the hierarchy, at most 15 levels
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html).
 */
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;

const SECRET_FORMAT =
  "arn:aws:secretsmanager:<region>:<account>:secret:<secret-name>[:<json-key>:<version-stage>:<version-id>] — the three optional fields come together, empty ones as bare colons (ECS developer guide, specifying-sensitive-data-secrets)";

/**
 * Parses a `valueFrom` (or, with `field: "credentials"`, a `credentialsParameter`) as ECS does:
 * - a Secrets Manager ARN is split on `:` after `secret:` into exactly the secret id, or the id plus
 *   `json-key:version-stage:version-id` — any other count is refused by the ECS agent ("an invalid ARN format
 *   for the AWS Secrets Manager secret was specified", agent/taskresource/asmsecret, getASMParametersFromInput);
 *   a version stage and a version id together are refused by the developer guide ("If a version staging label
 *   is specified, you cannot specify a version ID");
 * - an SSM parameter ARN, in any region (a parameter in another region must be named by its full ARN);
 * - anything else that is not an ARN is a Parameter Store name in the task's region
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html);
 * - credentialsParameter takes a Secrets Manager secret's ARN or name only, read whole
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/private-auth.html).
 */
export function classifyValueFrom(
  valueFrom: string,
  scope: Scope,
  field: "secret" | "credentials" = "secret",
): SecretReference | RejectedReference {
  const reject = (problem: string): RejectedReference => ({ kind: "rejected", problem });
  if (valueFrom.trim() !== valueFrom) return reject("it has leading or trailing white space, which ECS keeps");
  const sm = SECRET_ARN.exec(valueFrom);
  if (sm) {
    const [, partition, region = scope.region, account, rest = ""] = sm;
    const parts = rest.split(":");
    const [name = ""] = parts;
    if (!SECRET_NAME.test(name)) return reject(`'${name}' is not a secret name (${SECRET_FORMAT})`);
    const id = `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`;
    if (parts.length === 1) return { kind: "secret", id, region };
    if (field === "credentials") {
      return reject(
        'credentialsParameter takes the secret\'s ARN or name only, without :json-key:version-stage:version-id (ECS reads the whole secret, {"username", "password"})',
      );
    }
    if (parts.length !== 4) {
      return reject(
        `it has ${parts.length - 1} field(s) after the secret name; ECS takes none or exactly three (${SECRET_FORMAT})`,
      );
    }
    const [, jsonKey = "", versionStage = "", versionId = ""] = parts;
    if (versionStage !== "" && versionId !== "") {
      return reject(
        `it names both the version stage '${versionStage}' and the version id '${versionId}'; ECS takes one of them (ECS developer guide: "If a version staging label is specified, you cannot specify a version ID")`,
      );
    }
    return {
      kind: "secret",
      id,
      region,
      ...(jsonKey ? { jsonKey } : {}),
      ...(versionStage ? { versionStage } : {}),
      ...(versionId ? { versionId } : {}),
    };
  }
  const ssm = PARAMETER_ARN.exec(valueFrom);
  if (ssm) {
    const [, , region = scope.region, , path = ""] = ssm;
    if (!PARAMETER_NAME.test(path.slice(1)) || path === "/") {
      return reject(`'${path.slice(1)}' is not an SSM parameter name (letters, digits, _ . - and / only)`);
    }
    return { kind: "parameter", arn: valueFrom, names: spellings(path), region, byName: false };
  }
  if (valueFrom.startsWith("arn:")) {
    return reject(
      field === "credentials"
        ? "it is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
        : "it is neither a Secrets Manager secret ARN nor an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)",
    );
  }
  if (field === "credentials") {
    if (!SECRET_NAME.test(valueFrom)) return reject(`'${valueFrom}' is not a Secrets Manager secret name`);
    return { kind: "parameter", arn: parameterArn(valueFrom, scope), names: [], region: scope.region, byName: true };
  }
  if (valueFrom.startsWith(SSM_SECRET_REFERENCE)) {
    return {
      kind: "secret",
      id: valueFrom.slice(SSM_SECRET_REFERENCE.length),
      region: scope.region,
      via: "ssm-reference",
      referenceArn: parameterArn(valueFrom, scope),
    };
  }
  if (!PARAMETER_NAME.test(valueFrom) || valueFrom.split("/").filter(Boolean).length > 15) {
    return reject(
      "it is not an ARN, so ECS reads it as an SSM parameter name in the task's region, and it is not one (letters, digits, _ . - and / only, at most 15 levels)",
    );
  }
  return {
    kind: "parameter",
    arn: parameterArn(valueFrom, scope),
    names: spellings(valueFrom),
    region: scope.region,
    byName: true,
  };
}

/** SSM names with and without the leading slash share one ARN (`parameter/foo`): look both up. */
function spellings(name: string): string[] {
  const bare = name.replace(/^\//, "");
  return [`/${bare}`, bare];
}

/** The key parameters are matched by: the name without its leading slash. */
export const parameterKey = (name: string) => name.replace(/^\//, "");

/** `/papyrus/prd/db` and `papyrus-db` → `arn:aws:ssm:<region>:<account>:parameter/papyrus/prd/db`. */
export function parameterArn(name: string, scope: Scope): string {
  return `arn:${scope.partition}:ssm:${scope.region}:${scope.account}:parameter/${name.replace(/^\//, "")}`;
}

/** The scope (partition, region, account) an ARN lives in, falling back to `scope`. */
export function scopeOfArn(arn: string, scope: Scope): Scope {
  const [, partition, , region, account] = arn.split(":");
  return { partition: partition || scope.partition, region: region || scope.region, account: account || scope.account };
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)/;

/** The repository ARN of a private ECR image, or undefined for any other registry. */
export function ecrRepositoryArn(image: string): string | undefined {
  const m = ECR_IMAGE.exec(image);
  if (!m) return undefined;
  const [, account, region, cn, repo] = m;
  return `arn:${cn ? "aws-cn" : "aws"}:ecr:${region}:${account}:repository/${repo}`;
}

/** `arn:aws:s3:::bucket/key` → the object ARN and the bucket ARN. */
export function s3Arns(value: string): { object: string; bucket: string } | undefined {
  const m = /^arn:(aws[a-z-]*):s3:::([^/]+)\/(.+)$/.exec(value);
  if (!m) return undefined;
  return { object: value, bucket: `arn:${m[1]}:s3:::${m[2]}` };
}

/** Whether a role's trust policy lets ECS tasks assume it. */
export function trustsEcsTasks(policy: unknown): boolean {
  const statements = (policy as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  const asList = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  return list.some((s: Record<string, unknown>) => {
    if (s.Effect !== "Allow") return false;
    const actions = asList(s.Action);
    if (!actions.some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*")) return false;
    const principal = s.Principal;
    if (principal === "*") return true;
    const services = asList((principal as { Service?: unknown } | undefined)?.Service);
    return services.includes("ecs-tasks.amazonaws.com");
  });
}
