/**
 * What a task definition's strings point at, in the forms ECS accepts, turned
 * into the ARNs IAM evaluates (pure functions: no AWS calls here).
 */
import type { Scope } from "./checks";

export type SecretReference =
  /** A Secrets Manager secret: full or partial ARN (suffix stripped), or a name. */
  | { kind: "secret"; id: string; region: string; jsonKeySuffix: boolean; via?: "ssm-reference"; referenceArn?: string }
  /** An SSM parameter by ARN or name. `names` are the spellings to look it up by. */
  | { kind: "parameter"; arn: string; names: string[]; region: string; byName: boolean };

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const PARAMETER_ARN = /^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter(\/.+)$/;
const SSM_SECRET_REFERENCE = "/aws/reference/secretsmanager/";

/**
 * Classifies a `valueFrom` (or `credentialsParameter`). A Secrets Manager ARN
 * may carry `:json-key:version-stage:version-id`; ECS reads the secret
 * itself, so the suffix is dropped — the ARN IAM sees is the secret's.
 */
export function classifyValueFrom(valueFrom: string, scope: Scope): SecretReference | undefined {
  const sm = SECRET_ARN.exec(valueFrom);
  if (sm) {
    const [, partition, region, account, rest = ""] = sm;
    const [name = "", ...suffix] = rest.split(":");
    return {
      kind: "secret",
      id: `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`,
      region: region ?? scope.region,
      jsonKeySuffix: suffix.some((s) => s !== ""),
    };
  }
  const ssm = PARAMETER_ARN.exec(valueFrom);
  if (ssm) {
    const [, , region = scope.region, , path = ""] = ssm;
    return { kind: "parameter", arn: valueFrom, names: spellings(path), region, byName: false };
  }
  if (valueFrom.startsWith("arn:")) return undefined;
  if (valueFrom.startsWith(SSM_SECRET_REFERENCE)) {
    return {
      kind: "secret",
      id: valueFrom.slice(SSM_SECRET_REFERENCE.length),
      region: scope.region,
      jsonKeySuffix: false,
      via: "ssm-reference",
      referenceArn: parameterArn(valueFrom, scope),
    };
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
