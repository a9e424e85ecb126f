/**
 * A CloudFormation template (JSON or YAML with the short-form tags, including
 * what CDK writes to cdk.out/): its AWS::ECS::TaskDefinition resources and the
 * IAM policies their roles get from the template.
 */
import { type CollectionTag, isMap, isScalar, LineCounter, parseDocument, type ScalarTag, type YAMLMap } from "yaml";
import { isPlainObject } from "../../../lib/inputs";
import type { TaskDefinitionDoc } from "../derive";
import { type CfnContext, type CfnResource, Intrinsics, isUnresolvedString } from "./cfn-intrinsics";
import {
  defaultKeyPolicy,
  emptyIam,
  kmsKeyArn,
  type ParsedPlan,
  type PlannedDocument,
  type PlannedResourcePolicy,
  type PlannedTaskDefinition,
  planAlias,
  plannedResourcePolicy,
  roleEntry,
  roleNameOfArn,
  type Unresolved,
} from "./types";

/** Short form → full form. `!GetAtt a.b` is the one whose scalar form differs (a dotted string). */
const SHORT_FORMS: Record<string, string> = {
  Ref: "Ref",
  Sub: "Fn::Sub",
  GetAtt: "Fn::GetAtt",
  Join: "Fn::Join",
  If: "Fn::If",
  Select: "Fn::Select",
  Split: "Fn::Split",
  ImportValue: "Fn::ImportValue",
  FindInMap: "Fn::FindInMap",
  Base64: "Fn::Base64",
  GetAZs: "Fn::GetAZs",
  Cidr: "Fn::Cidr",
  Equals: "Fn::Equals",
  And: "Fn::And",
  Or: "Fn::Or",
  Not: "Fn::Not",
  Condition: "Condition",
};

const customTags: (ScalarTag | CollectionTag)[] = Object.entries(SHORT_FORMS).flatMap(([short, full]) => [
  {
    tag: `!${short}`,
    resolve: (value: string) => ({ [full]: short === "GetAtt" ? value.split(".") : value }),
  } as ScalarTag,
  ...(["seq", "map"] as const).map(
    (collection): CollectionTag => ({
      tag: `!${short}`,
      collection,
      resolve: (node) => ({ [full]: node.toJSON() }),
    }),
  ),
]);

export interface TemplateText {
  template: Record<string, unknown>;
  /** Logical ID → 1-based line of its key under Resources. */
  lines: Map<string, number>;
}

/** Parses a template; undefined when the text is no template (the caller tries the other formats). */
export function readTemplate(text: string): TemplateText | { error: string } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags, lineCounter, uniqueKeys: true, prettyErrors: false });
  const value = doc.errors.length === 0 ? (doc.toJS({ maxAliasCount: 100 }) as unknown) : undefined;
  if (!isCloudFormationTemplate(value)) {
    if (doc.errors.length > 0 && /Resources:|AWSTemplateFormatVersion/.test(text)) {
      return { error: `is not valid YAML: ${doc.errors[0]?.message}` };
    }
    return undefined;
  }
  const lines = new Map<string, number>();
  const resources = isMap(doc.contents) ? (doc.contents as YAMLMap).get("Resources", true) : undefined;
  if (isMap(resources)) {
    for (const pair of resources.items) {
      if (isScalar(pair.key) && pair.key.range) {
        lines.set(String(pair.key.value), lineCounter.linePos(pair.key.range[0]).line);
      }
    }
  }
  return { template: value, lines };
}

export function isCloudFormationTemplate(doc: unknown): doc is Record<string, unknown> {
  if (!isPlainObject(doc) || !isPlainObject(doc.Resources)) return false;
  return (
    "AWSTemplateFormatVersion" in doc ||
    Object.values(doc.Resources).some(
      (r) => isPlainObject(r) && typeof r.Type === "string" && /^(AWS|Custom)::/.test(r.Type),
    )
  );
}

/** Export names the template imports, to decide whether ListExports is needed. */
export function importsExports(template: Record<string, unknown>): boolean {
  return JSON.stringify(template.Resources ?? {}).includes('"Fn::ImportValue"');
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : {});
/**
 * A map's scalar values as strings, as CloudFormation passes them (`awslogs-create-group: true` unquoted in YAML is
 * the string "true" to ECS); an unresolved intrinsic is an object, not a log group name, and is left out.
 */
const stringsOf = (m: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(m).flatMap(([k, v]) =>
      typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? [[k, String(v)]] : [],
    ),
  );

/** ECS container definitions as the API (and derive.ts) spells them, from CloudFormation's PascalCase. */
function containerDoc(raw: unknown): NonNullable<TaskDefinitionDoc["containerDefinitions"]>[number] {
  // A template is the pull request author's: what is not an object where ECS has one is read as empty.
  const c = obj(raw);
  const log = isPlainObject(c.LogConfiguration) ? c.LogConfiguration : undefined;
  const creds = isPlainObject(c.RepositoryCredentials) ? c.RepositoryCredentials : undefined;
  return {
    ...(str(c.Name) ? { name: str(c.Name) as string } : {}),
    ...(str(c.Image) ? { image: str(c.Image) as string } : {}),
    secrets: asList(c.Secrets).map((s) => {
      const secret = obj(s);
      return {
        ...(str(secret.Name) ? { name: str(secret.Name) as string } : {}),
        ...(str(secret.ValueFrom) ? { valueFrom: str(secret.ValueFrom) as string } : {}),
      };
    }),
    ...(creds && str(creds.CredentialsParameter)
      ? { repositoryCredentials: { credentialsParameter: str(creds.CredentialsParameter) as string } }
      : {}),
    ...(log
      ? {
          logConfiguration: {
            ...(str(log.LogDriver) ? { logDriver: str(log.LogDriver) as string } : {}),
            ...(isPlainObject(log.Options) ? { options: stringsOf(log.Options) } : {}),
          },
        }
      : {}),
    environmentFiles: asList(c.EnvironmentFiles).map((f) => {
      const file = obj(f);
      return {
        ...(str(file.Value) ? { value: str(file.Value) as string } : {}),
        ...(str(file.Type) ? { type: str(file.Type) as string } : {}),
      };
    }),
  };
}

export function parseCloudFormation(template: Record<string, unknown>, ctx: CfnContext): ParsedPlan {
  const intrinsics = new Intrinsics(template, ctx);
  const resources = Object.entries((template.Resources ?? {}) as Record<string, CfnResource>).filter(([id, r]) => {
    if (!r.Condition) return true;
    const holds = intrinsics.condition(r.Condition, id);
    return holds !== false; // an unknown condition: checked, and reported as unresolved
  });
  const iam = emptyIam();
  const document = (id: string, raw: unknown, property = "PolicyDocument"): PlannedDocument => {
    const before = intrinsics.unresolved.length;
    const resolved = intrinsics.resolve(raw, `${id}.Properties.${property}`);
    const problem = intrinsics.unresolved.slice(before)[0];
    if (problem) return { address: id, unknown: problem };
    // A Json property takes the document as an object or as JSON text.
    return { address: id, document: typeof resolved === "string" ? resolved : JSON.stringify(resolved) };
  };
  const roleName = (v: unknown, at: string) => {
    const name = intrinsics.resolve(v, at);
    return typeof name === "string" && !isUnresolvedString(name) ? name : undefined;
  };
  const declaredRole = (name: string) => {
    const arnOf = resources.find(([id, r]) => r.Type === "AWS::IAM::Role" && intrinsics.physicalName(id) === name);
    const arn = arnOf ? intrinsics.resolve({ "Fn::GetAtt": [arnOf[0], "Arn"] }, arnOf[0]) : undefined;
    return roleEntry(
      iam,
      name,
      typeof arn === "string" ? arn : `arn:${ctx.scope.partition}:iam::${ctx.scope.account}:role/${name}`,
    );
  };

  for (const [id, r] of resources) {
    const p = r.Properties ?? {};
    if (r.Type === "AWS::IAM::Role") {
      const name = intrinsics.physicalName(id);
      const role = declaredRole(name);
      role.address = id;
      role.created = ctx.stackResources ? !ctx.stackResources.has(id) : false;
      role.changed = true;
      // The template is the whole truth about the role: its inline and managed policies are exactly these.
      role.inlineExclusive = true;
      role.attachedExclusive = true;
      if (asList(p.Policies).length > 0) role.declaredBy.push(id);
      for (const [i, policy] of asList(p.Policies).entries()) {
        const pol = policy as Record<string, unknown>;
        const policyName =
          roleName(pol.PolicyName, `${id}.Properties.Policies[${i}].PolicyName`) ?? `${id}.Policies[${i}]`;
        role.inline.set(policyName, document(id, pol.PolicyDocument));
      }
      const arns = intrinsics.resolve(p.ManagedPolicyArns, `${id}.Properties.ManagedPolicyArns`);
      for (const arn of asList(arns)) if (typeof arn === "string") role.attached.set(arn, true);
      const boundary = intrinsics.resolve(p.PermissionsBoundary, `${id}.Properties.PermissionsBoundary`);
      role.boundary = typeof boundary === "string" ? boundary : null;
    }
  }
  for (const [id, r] of resources) {
    const p = r.Properties ?? {};
    if (r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::RolePolicy") {
      const name = roleName(p.PolicyName, `${id}.Properties.PolicyName`) ?? id;
      const roles = r.Type === "AWS::IAM::Policy" ? asList(p.Roles) : [p.RoleName];
      const doc = document(id, p.PolicyDocument);
      for (const [i, ref] of roles.entries()) {
        const role = roleName(ref, `${id}.Properties.Roles[${i}]`);
        if (!role) continue;
        const entry = declaredRole(role);
        entry.inline.set(name, doc);
        entry.changed = true;
        entry.declaredBy.push(id);
      }
    }
    if (r.Type === "AWS::IAM::ManagedPolicy") {
      const arn = intrinsics.resolve({ Ref: id }, id) as string;
      iam.managedPolicies.set(arn, document(id, p.PolicyDocument));
      for (const [i, ref] of asList(p.Roles).entries()) {
        const role = roleName(ref, `${id}.Properties.Roles[${i}]`);
        if (!role) continue;
        const entry = declaredRole(role);
        entry.attached.set(arn, true);
        entry.changed = true;
      }
    }
  }

  const all = resources.filter(([, r]) => r.Type === "AWS::ECS::TaskDefinition");
  const taskDefinitions: PlannedTaskDefinition[] = all.map(([id, r]) => {
    const before = intrinsics.unresolved.length;
    const p = (intrinsics.resolve(r.Properties ?? {}, `${id}.Properties`) ?? {}) as Record<string, unknown>;
    const unresolved: Unresolved[] = intrinsics.unresolved.slice(before);
    const doc: TaskDefinitionDoc = {
      family: str(p.Family) ?? `${ctx.stackName ?? "stack"}-${id}`,
      containerDefinitions: asList(p.ContainerDefinitions).map(containerDoc),
    };
    if (str(p.ExecutionRoleArn)) doc.executionRoleArn = str(p.ExecutionRoleArn) as string;
    if (str(p.TaskRoleArn)) doc.taskRoleArn = str(p.TaskRoleArn) as string;
    const deployed = ctx.stackResources?.has(id);
    return { address: id, change: deployed ? "update" : "create", doc, unresolved };
  });
  // Only the roles the task definitions use matter for the roles' "changed" flag; keep names consistent.
  for (const td of taskDefinitions) {
    for (const arn of [td.doc?.executionRoleArn, td.doc?.taskRoleArn]) {
      const name = arn ? roleNameOfArn(arn) : undefined;
      if (name && !iam.roles.has(name.toLowerCase())) roleEntry(iam, name, arn as string);
    }
  }
  const planned = resourcePolicies(resources, intrinsics, ctx, document);
  return {
    format: "cloudformation",
    taskDefinitions,
    iam,
    allTaskDefinitionAddresses: all.map(([id]) => id),
    placeholders: intrinsics.placeholders,
    ...planned,
    unresolved: intrinsics.unresolved,
  };
}

/**
 * The KMS keys and secrets of the template as the stack will leave them: each AWS::KMS::Key's `KeyPolicy` and
 * `Enabled` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html; without a
 * `KeyPolicy`, the default key policy KMS gives a key created through the API without one,
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html),
 * each AWS::SecretsManager::ResourcePolicy, and the `KmsKeyId` of each AWS::SecretsManager::Secret (its
 * kms:Decrypt row), and the key each AWS::KMS::Alias will name. A secret the stack creates without a ResourcePolicy
 * has none.
 */
function resourcePolicies(
  resources: [string, CfnResource][],
  intrinsics: Intrinsics,
  ctx: CfnContext,
  document: (id: string, raw: unknown, property?: string) => PlannedDocument,
): Pick<ParsedPlan, "plannedKeys" | "plannedSecrets" | "plannedSecretKeys" | "plannedAliases"> {
  const plannedKeys = new Map<string, PlannedResourcePolicy>();
  const plannedSecrets = new Map<string, PlannedResourcePolicy>();
  const plannedSecretKeys = new Map<string, string>();
  const plannedAliases = new Map<string, string>();
  const text = (v: unknown, at: string) => {
    const r = intrinsics.resolve(v, at);
    return typeof r === "string" && !isUnresolvedString(r) ? r : undefined;
  };
  const policy = (id: string, raw: unknown, property: string) =>
    plannedResourcePolicy(document(id, raw, property), `${id}.Properties.${property}`);
  for (const [id, r] of resources) {
    const p = r.Properties ?? {};
    const created = !ctx.stackResources?.has(id);
    if (r.Type === "AWS::KMS::Key") {
      const arn = text({ "Fn::GetAtt": [id, "Arn"] }, id);
      if (!arn) continue;
      // Without a KeyPolicy: a key the stack creates gets the default key policy; a deployed one keeps its own.
      const entry: PlannedResourcePolicy =
        p.KeyPolicy !== undefined
          ? policy(id, p.KeyPolicy, "KeyPolicy")
          : created
            ? defaultKeyPolicy(id, ctx.scope)
            : { address: id };
      const enabled = intrinsics.resolve(p.Enabled, `${id}.Properties.Enabled`);
      // A Boolean is true/false or the string "true"/"false"; a key created without Enabled is enabled.
      const value =
        enabled === true || enabled === "true" || (enabled === undefined && created)
          ? true
          : enabled === false || enabled === "false"
            ? false
            : undefined;
      plannedKeys.set(arn, { ...entry, ...(value !== undefined ? { enabled: { value, address: id } } : {}) });
    }
    if (r.Type === "AWS::KMS::Alias") {
      // AliasName and TargetKeyId (a key id or ARN): the key a KmsKeyId of "alias/…" will name.
      const name = text(p.AliasName, `${id}.Properties.AliasName`);
      const target = text(p.TargetKeyId, `${id}.Properties.TargetKeyId`);
      if (!name || !target) continue;
      planAlias(plannedAliases, name, kmsKeyArn(target, ctx.scope), ctx.scope);
    }
    if (r.Type === "AWS::SecretsManager::Secret") {
      const arn = text({ Ref: id }, id);
      if (!arn) continue;
      if (created) plannedSecrets.set(arn, { address: id, policy: null });
      // The key the secret will be encrypted with; a deployed secret's labelled versions are re-encrypted with a
      // new KmsKeyId (UpdateSecret, https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html).
      if (p.KmsKeyId !== undefined) {
        const key = text(p.KmsKeyId, `${id}.Properties.KmsKeyId`);
        if (key) plannedSecretKeys.set(arn, key);
      }
    }
  }
  for (const [id, r] of resources) {
    if (r.Type !== "AWS::SecretsManager::ResourcePolicy") continue;
    const p = r.Properties ?? {};
    const arn = text(p.SecretId, `${id}.Properties.SecretId`);
    if (arn) plannedSecrets.set(arn, policy(id, p.ResourcePolicy, "ResourcePolicy"));
  }
  for (const entry of [...plannedKeys.values(), ...plannedSecrets.values()]) {
    if (entry.unknown && !intrinsics.unresolved.includes(entry.unknown)) intrinsics.unresolved.push(entry.unknown);
  }
  return { plannedKeys, plannedSecrets, plannedSecretKeys, plannedAliases };
}
