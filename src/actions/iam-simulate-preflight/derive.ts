/**
 * Every permission the execution role needs to start the task definition's
 * containers, and the references that are broken before IAM even matters.
 */
import type { JsonPath } from "../../lib/annotations";
import { isAccessDenied } from "../../lib/errors";
import { onceEach } from "../../lib/once-each";
import type { Lookups, SecretInfo } from "./aws-lookups";
import { type CheckList, type Finding, findingsAbout, type Principal, type Scope } from "./checks";
import { addDecryptCheck } from "./kms";
import {
  classifyValueFrom,
  ecrRepositoryArn,
  parameterKey,
  type SecretReference,
  s3Arns,
  scopeOfArn,
} from "./references";
import { addSecretPolicyFindings } from "./resource-policy";
import { unreadable, versionRead } from "./secret-read";

/** The fields of a task definition the preflight reads (the SDK's shape, loosely typed: files are user JSON). */
export interface TaskDefinitionDoc {
  family?: string;
  revision?: number;
  taskDefinitionArn?: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  requiresCompatibilities?: string[];
  containerDefinitions?: ContainerDoc[];
}

interface ContainerDoc {
  name?: string;
  image?: string;
  secrets?: { name?: string; valueFrom?: string }[];
  environment?: { name?: string; value?: string; valueFrom?: string }[];
  repositoryCredentials?: { credentialsParameter?: string };
  logConfiguration?: {
    logDriver?: string;
    options?: Record<string, string>;
    secretOptions?: { name?: string; valueFrom?: string }[];
  };
  firelensConfiguration?: { type?: string; options?: Record<string, string> };
  environmentFiles?: { value?: string; type?: string }[];
}

interface Reference {
  ref: SecretReference;
  valueFrom: string;
  reason: string;
  source: JsonPath;
  /**
   * `credentials`: repositoryCredentials.credentialsParameter, which ECS reads from Secrets
   * Manager only, by ARN or name
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/private-auth.html).
   */
  field?: "credentials";
}

/**
 * Adds the execution role's checks to `checks` and returns the findings.
 * `at` is the path of the task definition inside its file (`["taskDefinition"]`
 * for the describe-task-definition wrapper).
 */
export async function deriveExecutionRoleChecks(
  td: TaskDefinitionDoc,
  role: Principal,
  scope: Scope,
  lookups: Lookups,
  checks: CheckList,
  at: JsonPath = [],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const references: Reference[] = [];
  const fargate = (td.requiresCompatibilities ?? []).includes("FARGATE");
  (td.containerDefinitions ?? []).forEach((c, i) => {
    const container = c.name ?? `#${i + 1}`;
    const path = [...at, "containerDefinitions", i];
    const reference = (valueFrom: unknown, reason: string, source: JsonPath, field?: "credentials") => {
      const add = findingsAbout(findings, String(valueFrom ?? ""), { reason, source });
      if (typeof valueFrom !== "string" || valueFrom === "") {
        add("fail", `${field ? "credentialsParameter" : "valueFrom"} is missing or empty; ECS requires it.`);
        return;
      }
      const ref = classifyValueFrom(valueFrom, scope, field === "credentials" ? "credentials" : "secret");
      if (ref.kind === "rejected") {
        add("fail", `'${valueFrom}' is not a reference ECS accepts: ${ref.problem}. ECS will not start the task.`);
        return;
      }
      references.push({ ref, valueFrom, reason, source, ...(field ? { field } : {}) });
    };
    (c.secrets ?? []).forEach((s, j) => {
      const source = [...path, "secrets", j, "valueFrom"];
      reference(s.valueFrom, `container ${container}, secret ${s.name ?? `#${j + 1}`}`, source);
    });
    if (c.repositoryCredentials !== undefined) {
      reference(
        c.repositoryCredentials?.credentialsParameter,
        `container ${container}, private registry credentials`,
        [...path, "repositoryCredentials", "credentialsParameter"],
        "credentials",
      );
    }
    // Log router secrets are read by the execution role at task start like secrets[]
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html).
    (c.logConfiguration?.secretOptions ?? []).forEach((s, j) => {
      const source = [...path, "logConfiguration", "secretOptions", j, "valueFrom"];
      reference(s.valueFrom, `container ${container}, log option ${s.name ?? `#${j + 1}`}`, source);
    });
    // ECS never fetches a valueFrom under environment[]: the variable is unset at run time
    // (KeyValuePair has name and value only: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_KeyValuePair.html).
    (c.environment ?? []).forEach((e, j) => {
      if (e.valueFrom === undefined) return;
      findingsAbout(findings, container, {
        reason: `container ${container}`,
        source: [...path, "environment", j, "valueFrom"],
      })(
        "warning",
        `environment variable ${e.name ?? `#${j + 1}`} has a valueFrom, which ECS ignores under environment[] (the variable will not be set from '${e.valueFrom}'). Move it to secrets[].`,
      );
    });
    // FireLens with config-file-type s3: the execution role reads the config file at task start
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-taskdef.html).
    const firelens = c.firelensConfiguration?.options;
    if (firelens?.["config-file-type"] === "s3") {
      const value = firelens["config-file-value"] ?? "";
      const source: JsonPath = [...path, "firelensConfiguration", "options", "config-file-value"];
      const arns = s3Arns(value);
      if (!arns) {
        findingsAbout(findings, value, { reason: `container ${container}`, source })(
          "fail",
          `FireLens config-file-value '${value}' is not an S3 object ARN (arn:aws:s3:::bucket/key), which config-file-type s3 needs.`,
        );
      } else {
        const why = { reason: `container ${container}, FireLens config file`, source };
        checks.add(role, "s3:GetObject", arns.object, why);
        checks.add(role, "s3:GetBucketLocation", arns.bucket, why);
      }
    }

    const log = c.logConfiguration;
    if (log?.logDriver === "awslogs") {
      awslogsChecks(
        log.options ?? {},
        { container, source: [...path, "logConfiguration"], fargate },
        role,
        scope,
        checks,
        findings,
      );
    }

    const repository = c.image ? ecrRepositoryArn(c.image) : undefined;
    if (repository) {
      const why = { reason: `container ${container}, image from ECR`, source: [...path, "image"] };
      checks.add(role, "ecr:GetAuthorizationToken", "*", why);
      checks.add(role, "ecr:BatchGetImage", repository, why);
      checks.add(role, "ecr:GetDownloadUrlForLayer", repository, why);
    }

    (c.environmentFiles ?? []).forEach((f, k) => {
      const source: JsonPath = [...path, "environmentFiles", k, "value"];
      const arns = f.value && (f.type ?? "s3") === "s3" ? s3Arns(f.value) : undefined;
      if (!arns) {
        findingsAbout(findings, f.value ?? "", { reason: `container ${container}`, source })(
          "fail",
          `environment file '${f.value ?? ""}' is not an S3 object ARN (arn:aws:s3:::bucket/key).`,
        );
        return;
      }
      const why = { reason: `container ${container}, environment file`, source };
      checks.add(role, "s3:GetObject", arns.object, why);
      checks.add(role, "s3:GetBucketLocation", arns.bucket, why);
    });
  });

  await resolveReferences(references, role, scope, lookups, checks, findings);
  return findings;
}

/** Go's strconv.ParseBool, which Docker's awslogs driver reads `awslogs-create-group` with. */
function goBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The awslogs driver's permissions, with ECS's defaults and rules
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html):
 * - `awslogs-group` is required;
 * - `awslogs-region` defaults to the task's region;
 * - `awslogs-stream-prefix` is required on Fargate; with it the stream is `<prefix>/<container>/<task id>`,
 *   without it (EC2) the Docker container id — either known only at run time, so the stream part of the
 *   ARN is `*` and the row says what ECS will name it;
 * - `awslogs-create-group` (a Go boolean) needs `logs:CreateLogGroup`;
 * - `mode` is `blocking` or `non-blocking`; `awslogs-datetime-format` and `awslogs-multiline-pattern` exclude
 *   each other.
 */
function awslogsChecks(
  options: Record<string, string>,
  where: { container: string; source: JsonPath; fargate: boolean },
  role: Principal,
  scope: Scope,
  checks: CheckList,
  findings: Finding[],
): void {
  const { container, source } = where;
  const problems: string[] = [];
  const group = options["awslogs-group"];
  if (!group) problems.push("the 'awslogs-group' option is required");
  const region = options["awslogs-region"] ?? scope.region;
  if (!REGION.test(region)) problems.push(`'awslogs-region' '${region}' is not an AWS region`);
  const prefix = options["awslogs-stream-prefix"];
  if (where.fargate && !prefix) problems.push("'awslogs-stream-prefix' is required on Fargate");
  const createGroup = options["awslogs-create-group"];
  const create = createGroup === undefined ? false : goBool(createGroup);
  if (create === undefined) problems.push(`'awslogs-create-group' '${createGroup}' is not true or false`);
  const mode = options.mode;
  if (mode !== undefined && mode !== "blocking" && mode !== "non-blocking")
    problems.push(`'mode' '${mode}' is neither blocking nor non-blocking`);
  if (options["awslogs-datetime-format"] !== undefined && options["awslogs-multiline-pattern"] !== undefined)
    problems.push("'awslogs-datetime-format' and 'awslogs-multiline-pattern' cannot both be set");
  if (problems.length > 0) {
    findingsAbout(findings, container, { reason: `container ${container}`, source })(
      "fail",
      `the awslogs log configuration is not one ECS accepts: ${problems.join("; ")}. The container will not start.`,
    );
    return;
  }
  const groupArn = `arn:${scope.partition}:logs:${region}:${scope.account}:log-group:${group}`;
  const stream = prefix ? `${prefix}/${container}/*` : "*";
  const regionNote = options["awslogs-region"] === undefined ? `, in the task's region ${region}` : "";
  const streamNote = prefix
    ? `stream ${prefix}/${container}/<task id>, the task id known only at run time`
    : "stream named after the Docker container id, known only at run time";
  const why = { reason: `container ${container}, awslogs group ${group}${regionNote} (${streamNote})`, source };
  checks.add(role, "logs:CreateLogStream", `${groupArn}:log-stream:${stream}`, why);
  checks.add(role, "logs:PutLogEvents", `${groupArn}:log-stream:${stream}`, why);
  if (create) checks.add(role, "logs:CreateLogGroup", groupArn, why);
}

const SECRET_LOOKUP_CONCURRENCY = 8;

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects on the first failure. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function resolveReferences(
  references: Reference[],
  role: Principal,
  scope: Scope,
  lookups: Lookups,
  checks: CheckList,
  findings: Finding[],
): Promise<void> {
  // Parameters first, batched per region: a plain name may also turn out to be a secret.
  const parameters = references.filter((r) => r.ref.kind === "parameter");
  const found = new Map<string, Map<string, { keyId?: string }>>();
  for (const region of new Set(parameters.map((r) => r.ref.region))) {
    const names = [
      ...new Set(
        parameters.filter((r) => r.ref.region === region).flatMap((r) => (r.ref as { names: string[] }).names),
      ),
    ];
    found.set(region, await lookups.describeParameters(names, region));
  }
  const describeSecret = onceEach(
    (id: string, region: string) => `${region}\n${id}`,
    (id: string, region: string) => lookups.describeSecret(id, region),
  );
  // Resolve every secret up front, a few at a time: one DescribeSecret after
  // another made a 100-secret task definition spend seconds on lookups alone.
  const secretRefs = references.flatMap((r) => (r.ref.kind === "secret" ? [r.ref] : []));
  // (A refused lookup is answered again below, where it is about one reference.)
  await inParallel(secretRefs, SECRET_LOOKUP_CONCURRENCY, (ref) =>
    describeSecret(ref.id, ref.region).catch(() => undefined),
  );
  // Whose account a secret is in: its ARN's, else (a name) the task's.
  const accountOf = (arn: string) => scopeOfArn(arn, scope).account;
  const roleAccount = accountOf(role.arn);
  const grantSecret = async (secret: SecretInfo, r: Reference) => {
    const why = { reason: r.reason, source: r.source };
    const owner = accountOf(secret.arn);
    // Across accounts the AWS managed key cannot be used: "you can't use the AWS managed key (aws/secretsmanager)
    // for cross-account access" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html).
    if (owner !== roleAccount && (!secret.kmsKeyId || /(^|:)alias\/aws\/secretsmanager$/.test(secret.kmsKeyId))) {
      findingsAbout(
        findings,
        r.valueFrom,
        r,
      )(
        "fail",
        `the secret is in account ${owner} and encrypted with the AWS managed key aws/secretsmanager, which cannot be used across accounts: ECS (as ${role.arn}) cannot decrypt it, so the task will not start. Re-encrypt it with a customer managed key whose key policy allows ${role.arn} kms:Decrypt (aws secretsmanager update-secret --secret-id ${secret.arn} --kms-key-id <key ARN>).`,
      );
    }
    const grantedBy = await addSecretPolicyFindings(secret.arn, role, lookups, why, findings);
    checks.add(role, "secretsmanager:GetSecretValue", secret.arn, { ...why, grantedBy });
    await addDecryptCheck(
      {
        keyId: secret.kmsKeyId,
        resourceArn: secret.arn,
        via: "secretsmanager",
        versionId: versionRead(secret.versions, r.ref.kind === "secret" ? r.ref : {}),
        ...why,
      },
      role,
      scope,
      lookups,
      checks,
      findings,
    );
  };

  for (const r of references) {
    const ref = r.ref;
    const add = findingsAbout(findings, r.valueFrom, r);
    if (r.field === "credentials" && (ref.kind === "parameter" || ref.via === "ssm-reference")) {
      if (ref.kind === "parameter" && !ref.byName) {
        add(
          "fail",
          `'${r.valueFrom}' is an SSM parameter, but credentialsParameter takes a Secrets Manager secret (ARN or name) only. ECS will fail to pull the image; store the credentials in Secrets Manager.`,
        );
        continue;
      }
      // A name there is a Secrets Manager secret's name.
      const secret = await describeSecret(r.valueFrom, ref.region);
      if (!secret) {
        add(
          "fail",
          `there is no Secrets Manager secret named '${r.valueFrom}' in ${ref.region}. ECS will fail to pull the image; point credentialsParameter at the secret's ARN.`,
        );
        continue;
      }
      await grantSecret(secret, r);
      continue;
    }
    if (ref.kind === "parameter") {
      const inRegion = found.get(ref.region);
      const parameter = inRegion?.get(parameterKey(ref.names[0] ?? ""));
      if (parameter) {
        checks.add(role, "ssm:GetParameters", ref.arn, { reason: r.reason, source: r.source });
        await addDecryptCheck(
          { keyId: parameter.keyId, resourceArn: ref.arn, via: "ssm", reason: r.reason, source: r.source },
          role,
          scope,
          lookups,
          checks,
          findings,
        );
        continue;
      }
      // ECS reads a plain name from Parameter Store only; a Secrets Manager secret needs its ARN
      // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
      const secret = ref.byName ? await describeSecret(r.valueFrom, ref.region) : undefined;
      if (secret) {
        add(
          "fail",
          `'${r.valueFrom}' is not an SSM parameter; ECS reads a plain name from Parameter Store only, so the task will not start. It is the name of a Secrets Manager secret: use its ARN ${secret.arn} in valueFrom.`,
        );
        continue;
      }
      add(
        "fail",
        `the SSM parameter '${ref.names[0]}' does not exist in ${ref.region}. ECS will fail to start the task. Create it, or fix the name in valueFrom.`,
      );
      continue;
    }
    let secret: SecretInfo | undefined;
    try {
      secret = await describeSecret(ref.id, ref.region);
    } catch (error) {
      // Another account's secret is visible only if its resource policy lets the preflight's role describe it.
      const owner = accountOf(ref.id);
      if (owner === roleAccount || !isAccessDenied(error)) throw error;
      add(
        "warning",
        `the secret is in account ${owner}, which does not let the preflight's role describe it (secretsmanager:DescribeSecret was denied), so whether it exists, its KMS key and its resource policy were not checked. ECS reads it only if the secret's resource policy allows ${role.arn} secretsmanager:GetSecretValue and it is encrypted with a customer managed key whose key policy allows ${role.arn} kms:Decrypt (the AWS managed key aws/secretsmanager cannot be used across accounts).`,
      );
      checks.add(role, "secretsmanager:GetSecretValue", ref.id, { reason: r.reason, source: r.source });
      continue;
    }
    if (!secret) {
      add(
        "fail",
        `the secret '${ref.id}' does not exist in ${ref.region} (renamed or deleted?). ECS will fail to start the task. Point valueFrom at the secret's current ARN.`,
      );
      continue;
    }
    const why = unreadable(secret, ref);
    if (why) {
      add("fail", `${why.problem}, so ECS's GetSecretValue will fail and the task will not start. ${why.fix}`);
      continue;
    }
    if (ref.versionId && secret.versions && !(ref.versionId in secret.versions)) {
      // GetSecretValue still reads a version without labels until Secrets Manager deletes it.
      add(
        "note",
        `the version '${ref.versionId}' is not among the secret's versions with a staging label; a version without labels is deprecated and Secrets Manager may delete it, after which the task will not start.`,
      );
    }
    if (ref.via === "ssm-reference" && ref.referenceArn) {
      checks.add(role, "ssm:GetParameters", ref.referenceArn, { reason: r.reason, source: r.source });
    }
    await grantSecret(secret, r);
  }
}
