/**
 * What a Terraform plan or a CloudFormation template says about task
 * definitions and the IAM policies of their roles, once it is applied. Both
 * parsers produce these shapes; the preflight simulates them.
 */
import { isPlainObject } from "../../../lib/inputs";
import type { TaskDefinitionDoc } from "../derive";

export type PlanFormat = "terraform-plan" | "cloudformation";

/** Account, region and partition the placeholders and pseudo parameters are built from. */
export interface PlanScope {
  account: string;
  region: string;
  partition: string;
}

/** A value the plan does not know yet and the preflight could not stand in for. */
export interface Unresolved {
  /** Where: `aws_ecs_task_definition.app.container_definitions`, `TaskDef.ContainerDefinitions[0].Secrets[1].ValueFrom`. */
  at: string;
  /** Why, for the report: the references or the intrinsic that make it unknown. */
  reason: string;
}

export interface PlannedTaskDefinition {
  /** Terraform resource address (`module.app.aws_ecs_task_definition.this`) or CloudFormation logical ID. */
  address: string;
  /** What the plan does to it. `unchanged` ones are checked because a role of theirs gets an IAM change. */
  change: "create" | "update" | "replace" | "unchanged";
  /** The task definition as it will be registered; undefined when its container definitions are unknown until apply. */
  doc?: TaskDefinitionDoc;
  /** Set when `doc` is undefined: what makes it unknown. */
  unknown?: Unresolved;
  /** The deployed task definition this one replaces (Terraform's `change.before`), to tell new needs from old. */
  before?: TaskDefinitionDoc;
  /** Values inside `doc` that are placeholders or could not be resolved. */
  unresolved: Unresolved[];
  /**
   * Set when `doc` was rebuilt from the references of container definitions
   * that are unknown until apply (`jsonencode([...aws_secretsmanager_secret.x.arn...])`):
   * `doc` then holds only the secrets and parameters those references name,
   * and this says what the preflight cannot see.
   */
  fromReferences?: { references: string[]; reason: string };
  /** Set when the container definitions, unknown in the plan, were evaluated from the `.tf` source: says so, with the placeholders. */
  evaluatedFrom?: string;
}

/** One policy document as the plan will leave it. */
export interface PlannedDocument {
  /** The resource that declares it: where to edit, and where annotations point. */
  address: string;
  /** JSON text, or undefined when the plan does not know it yet (see `unknown`). */
  document?: string;
  unknown?: Unresolved;
}

/**
 * A role's identity policies after the plan, as changes on top of what is
 * deployed: what the plan does not mention stays as deployed.
 */
export interface PlannedRole {
  /** The role's ARN: the real one, or the placeholder the plan's other resources use for it. */
  arn: string;
  name: string;
  /** `aws_iam_role.exec` / the logical ID, when the plan declares the role. */
  address?: string;
  /** The plan creates (or replaces) the role: nothing of it is deployed yet. */
  created: boolean;
  /** Inline policies by name; `null` deletes one. */
  inline: Map<string, PlannedDocument | null>;
  /** The plan declares the complete set of inline policies (`inline_policy` blocks, `Policies`): others are removed. */
  inlineExclusive: boolean;
  /** Managed policy ARNs: true attaches, false detaches. The documents are in `PlannedIam.managedPolicies` or deployed. */
  attached: Map<string, boolean>;
  /** The plan declares the complete set of attached policies (`managed_policy_arns`, `ManagedPolicyArns`). */
  attachedExclusive: boolean;
  /** Permissions boundary ARN; `null` removes it; undefined leaves it as deployed. */
  boundary?: string | null;
  /** The plan changes any of the role's IAM policies (or the role itself). */
  changed: boolean;
  /** Resources that declare this role's policies, changed or not: where a fix goes. */
  declaredBy: string[];
}

export interface PlannedIam {
  /** By role name (IAM role names are unique per account, case-insensitively). */
  roles: Map<string, PlannedRole>;
  /** Customer managed policies whose (new) default version the plan sets, by ARN. */
  managedPolicies: Map<string, PlannedDocument>;
}

/**
 * A KMS key or a secret whose resource policy (or, for a key, whether it is enabled) the plan sets: what the
 * preflight reads in place of the deployed one. Keyed by the key's or the secret's ARN, real or placeholder.
 */
export interface PlannedResourcePolicy {
  /** The resource that sets the policy (`aws_kms_key_policy.app`, the `KeyPolicy` of `AppKey`): where a fix goes. */
  address: string;
  /**
   * The policy once applied, as JSON text; `null`: none (a secret created without one, or whose policy the plan
   * removes); undefined: the plan does not set it (the deployed one stays) or does not know it (`unknown`).
   */
  policy?: string | null;
  /** `policy` is the default key policy KMS gives a key created without one. */
  defaultPolicy?: boolean;
  unknown?: Unresolved;
  /** For a key: enabled (true) or disabled (false) once applied, and the resource that says so; undefined: as deployed. */
  enabled?: { value: boolean; address: string };
  /** The plan destroys it: a key's or a secret's deletion is scheduled (KMS no longer decrypts with the key;
   * Secrets Manager refuses to read the secret). */
  deleted?: boolean;
}

/**
 * A resource policy as the plan leaves it, from the document it declares: unknown when the plan does not know it,
 * or when it is no JSON policy document (KMS and Secrets Manager refuse such a policy with
 * MalformedPolicyDocumentException, so apply fails before ECS meets it).
 */
export function plannedResourcePolicy(d: PlannedDocument, at: string): PlannedResourcePolicy {
  if (d.unknown) return { address: d.address, unknown: d.unknown };
  if (d.document === undefined) return { address: d.address, policy: null };
  if (isJsonObject(d.document)) return { address: d.address, policy: d.document };
  return {
    address: d.address,
    unknown: {
      at,
      reason: `is not a JSON policy document (AWS refuses it with MalformedPolicyDocumentException when the plan is applied); the preflight checks the rows without it`,
    },
  };
}

/** Whether a string is a JSON object (a policy document). */
export function isJsonObject(text: string): boolean {
  try {
    return isPlainObject(JSON.parse(text) as unknown);
  } catch {
    return false;
  }
}

/** A key id or key ARN as a key ARN (an alias name stays as it is: it is resolved elsewhere). */
export const kmsKeyArn = (id: string, scope: PlanScope) =>
  id.startsWith("arn:") || id.startsWith("alias/")
    ? id
    : `arn:${scope.partition}:kms:${scope.region}:${scope.account}:key/${id}`;

/** `alias/x` → its alias ARN. */
export const kmsAliasArn = (name: string, scope: PlanScope) =>
  `arn:${scope.partition}:kms:${scope.region}:${scope.account}:${name}`;

/** Records that an alias will name `keyArn`, by its name and by its ARN (either may appear as a KmsKeyId). */
export function planAlias(aliases: Map<string, string>, name: string, keyArn: string, scope: PlanScope): void {
  aliases.set(name, keyArn);
  aliases.set(kmsAliasArn(name, scope), keyArn);
}

/**
 * The key policy KMS attaches to a key created through the API without one, as the entry of the key `address`
 * declares: the account may use IAM policies for every KMS operation on the key (Default key policy,
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 */
export function defaultKeyPolicy(address: string, scope: PlanScope): PlannedResourcePolicy {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:${scope.partition}:iam::${scope.account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
  return { address, policy, defaultPolicy: true };
}

export interface ParsedPlan {
  format: PlanFormat;
  taskDefinitions: PlannedTaskDefinition[];
  iam: PlannedIam;
  /** Every address of a task definition in the input (for "did you mean" in errors). */
  allTaskDefinitionAddresses: string[];
  /** The ARN each resource created by the plan stands in with, by address (consistent across the plan). */
  placeholders: Map<string, string>;
  /** The KMS key of each secret the plan creates, by its placeholder ARN (absent: the AWS managed key). */
  plannedSecretKeys?: Map<string, string>;
  /** The key policies and key states the plan sets, by key ARN (real or placeholder). */
  plannedKeys?: Map<string, PlannedResourcePolicy>;
  /** The KMS aliases the plan creates or points elsewhere: alias name and alias ARN → the key ARN it will name. */
  plannedAliases?: Map<string, string>;
  /** The secret resource policies the plan sets, by secret ARN (real or placeholder). */
  plannedSecrets?: Map<string, PlannedResourcePolicy>;
  /** How each policy resource's policy is written in the `.tf` source (Terraform), so a fix takes the same form. */
  policyForms?: Map<string, "jsonencode" | "policy-document">;
  /** Policies unknown in the plan that were evaluated from the `.tf` source, by address: what the report says about it. */
  evaluatedFrom?: Map<string, string>;
  /** Problems that are not about one task definition (an unknown policy document, an unresolved intrinsic). */
  unresolved: Unresolved[];
}

export const roleKey = (name: string) => name.toLowerCase();

export function emptyIam(): PlannedIam {
  return { roles: new Map(), managedPolicies: new Map() };
}

/** The role entry for `name`, created empty on first use. */
export function roleEntry(iam: PlannedIam, name: string, arn: string): PlannedRole {
  const key = roleKey(name);
  let role = iam.roles.get(key);
  if (!role) {
    role = {
      arn,
      name,
      created: false,
      inline: new Map(),
      inlineExclusive: false,
      attached: new Map(),
      attachedExclusive: false,
      changed: false,
      declaredBy: [],
    };
    iam.roles.set(key, role);
  }
  return role;
}

/** The role name in a role ARN (`arn:aws:iam::1:role/path/name` → `name`). */
export function roleNameOfArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
}
