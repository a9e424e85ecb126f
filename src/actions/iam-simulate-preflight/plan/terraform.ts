/**
 * A Terraform plan in JSON (`terraform show -json tfplan`, format_version
 * 1.x): the task definitions it registers and the IAM policies their roles
 * will have once it is applied.
 */
import { isPlainObject } from "../../../lib/inputs";
import { containerDefinitionsShapeProblem } from "../../../lib/task-definition-shape";
import type { TaskDefinitionDoc } from "../derive";
import { renderPolicyDocument } from "./policy-document";
import type { FindBlocks } from "./source-lines";
import {
  attributePath,
  evaluateAttribute,
  type PlanSource,
  type PolicyForm,
  planSource,
  unknownAttribute,
} from "./terraform-source";
import { FOLLOW, PlanValues, type ResourceChange } from "./terraform-values";
import {
  defaultKeyPolicy,
  emptyIam,
  isJsonObject,
  kmsKeyArn,
  type ParsedPlan,
  type PlannedDocument,
  type PlannedIam,
  type PlannedResourcePolicy,
  type PlannedTaskDefinition,
  type PlanScope,
  planAlias,
  plannedResourcePolicy,
  roleEntry,
  roleKey,
  roleNameOfArn,
  type Unresolved,
} from "./types";

/** A plan JSON, told apart from a task definition or a template by its top-level fields. */
export function isTerraformPlan(doc: unknown): doc is Record<string, unknown> {
  return (
    isPlainObject(doc) &&
    typeof doc.format_version === "string" &&
    ("resource_changes" in doc || "planned_values" in doc)
  );
}

/** Why a plan cannot be read; the caller names the input. */
export class PlanFormatError extends Error {}

const kindOf = (actions: string[]): PlannedTaskDefinition["change"] | "delete" | "read" | undefined => {
  const a = actions.join(",");
  if (a === "create") return "create";
  if (a === "update") return "update";
  if (a === "delete,create" || a === "create,delete") return "replace";
  if (a === "no-op") return "unchanged";
  if (a === "delete") return "delete";
  if (a === "read") return "read";
  return undefined;
};

/**
 * `find`: the resource blocks of the workspace's `.tf` files, to evaluate
 * what the plan leaves unknown (policies and container definitions written
 * with jsonencode over resources the plan creates); without it they stay unknown.
 */
export function parseTerraformPlan(plan: Record<string, unknown>, scope: PlanScope, find?: FindBlocks): ParsedPlan {
  const version = String(plan.format_version);
  if (!/^1\.\d+$/.test(version)) {
    throw new PlanFormatError(`has format_version ${version}; the preflight reads Terraform plan JSON format 1.x.`);
  }
  if (plan.errored === true) throw new PlanFormatError("is the plan of a failed 'terraform plan' (errored: true).");
  const changes = (Array.isArray(plan.resource_changes) ? plan.resource_changes : []) as ResourceChange[];
  const values = new PlanValues(changes, plan.configuration as never, scope);
  const source = find ? planSource(plan, find) : undefined;
  const unresolved: Unresolved[] = [];
  const iam = emptyIam();
  const policyForms = new Map<string, PolicyForm>();
  const evaluatedFrom = new Map<string, string>();
  const document = (rc: ResourceChange, path: (string | number)[], known?: string): PlannedDocument => {
    const attr = String(path[path.length - 1]);
    const refs = values.referencesOf(rc, path);
    const ref = refs.find((r) => r.startsWith("data.aws_iam_policy_document."));
    if (ref) policyForms.set(rc.address, "policy-document");
    const v = known !== undefined ? { value: known } : path.length === 1 ? values.stringAttr(rc, attr) : {};
    if (v.value !== undefined) {
      if (!ref && source) {
        const form = evaluateAttribute(rc, path, values, source).form;
        if (form) policyForms.set(rc.address, form);
      }
      return { address: rc.address, document: v.value };
    }
    const data = ref ? values.byAddress.get(dataAddress(rc, ref)) : undefined;
    if (data) {
      const rendered = renderPolicyDocument(data, values);
      if (rendered.document !== undefined) return { address: rc.address, document: rendered.document };
      if (rendered.unknown) return { address: rc.address, unknown: rendered.unknown };
    }
    // jsonencode({ … aws_secretsmanager_secret.x.arn … }): the plan has only its references; the .tf source has it.
    const evaluated = evaluateAttribute(rc, path, values, source);
    if (evaluated.form) policyForms.set(rc.address, evaluated.form);
    if (typeof evaluated.value === "string" && isJsonObject(evaluated.value)) {
      evaluatedFrom.set(
        rc.address,
        `${attributePath(rc, path)} is unknown until apply (it is computed from ${refs.join(", ")}): the preflight evaluated it from ${evaluated.from}${placeholdersIn(evaluated.value, values)}`,
      );
      return { address: rc.address, document: evaluated.value };
    }
    const why = evaluated.why ?? "it does not evaluate to a JSON policy document";
    return { address: rc.address, unknown: unknownAttribute(rc, path, values, why) };
  };
  // Managed policies first: an unchanged attachment of a policy the plan changes changes its role.
  const managed = changes.filter((rc) => rc.mode === "managed");
  for (const rc of managed) if (rc.type === "aws_iam_policy") collectIam(rc, values, iam, document, source, unresolved);
  for (const rc of managed) if (rc.type !== "aws_iam_policy") collectIam(rc, values, iam, document, source, unresolved);
  // How each policy is written (also the unchanged ones, where a fix may go): the fix takes the same form.
  for (const rc of managed) {
    if (policyForms.has(rc.address) || kindOf(rc.change.actions) === "delete") continue;
    if (rc.type === "aws_iam_role_policy" || rc.type === "aws_iam_policy") {
      const known = values.stringAttr(rc, "policy").value;
      if (known !== undefined) document(rc, ["policy"], known);
    } else if (rc.type === "aws_iam_role" && values.configures(rc, "inline_policy")) {
      const form = evaluateAttribute(rc, ["inline_policy", 0, "policy"], values, source).form;
      if (form) policyForms.set(rc.address, form);
    }
  }
  const { plannedKeys, plannedSecrets, plannedAliases } = collectResourcePolicies(managed, values, document);
  for (const p of [...plannedKeys.values(), ...plannedSecrets.values()]) if (p.unknown) unresolved.push(p.unknown);
  for (const p of iam.managedPolicies.values()) if (p.unknown) unresolved.push(p.unknown);
  for (const role of iam.roles.values()) {
    for (const d of role.inline.values()) if (d?.unknown) unresolved.push(d.unknown);
  }

  const all = changes.filter((rc) => rc.mode === "managed" && rc.type === "aws_ecs_task_definition");
  const candidates: PlannedTaskDefinition[] = [];
  for (const rc of all) {
    const change = kindOf(rc.change.actions);
    if (change !== "create" && change !== "update" && change !== "replace" && change !== "unchanged") continue;
    candidates.push(taskDefinition(rc, change, values, source));
  }
  // The KMS key of each secret the plan creates and a task definition or policy refers to (kms:Decrypt rows), and
  // the new key of a deployed secret whose kms_key_id the plan changes: Secrets Manager re-encrypts the versions
  // labelled AWSCURRENT, AWSPENDING and AWSPREVIOUS with it (UpdateSecret, KmsKeyId,
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html); "" is the AWS managed key.
  const plannedSecretKeys = new Map<string, string>();
  for (const rc of changes) {
    if (rc.type !== "aws_secretsmanager_secret" || rc.mode !== "managed") continue;
    const placeholder = values.placeholders.get(rc.address);
    const deployed = kindOf(rc.change.actions) === "update" ? rc.change.before?.arn : undefined;
    const arn = placeholder ?? (typeof deployed === "string" ? deployed : undefined);
    if (!arn) continue;
    const key = values.stringAttr(rc, "kms_key_id", /\.(arn|id|key_id|name)$/);
    if (key.unknown) unresolved.push(key.unknown);
    else if (placeholder) {
      if (key.value) plannedSecretKeys.set(arn, key.value);
    } else if ((key.value ?? "") !== (rc.change.before?.kms_key_id ?? "")) plannedSecretKeys.set(arn, key.value ?? "");
  }
  // An unchanged task definition is checked when the plan changes what it reads: a role's IAM policies, or a
  // secret it names (deleted, given a resource policy or another key).
  const touched = [...plannedSecrets.keys(), ...plannedSecretKeys.keys()];
  const taskDefinitions = candidates.filter((td) => {
    if (td.change !== "unchanged") return true;
    const roles = [td.doc?.executionRoleArn, td.doc?.taskRoleArn].flatMap((arn) => {
      const name = arn ? roleNameOfArn(arn) : undefined;
      return name ? [iam.roles.get(roleKey(name))] : [];
    });
    const text = JSON.stringify(td.doc?.containerDefinitions ?? []);
    return roles.some((r) => r?.changed) || touched.some((arn) => text.includes(arn));
  });
  return {
    format: "terraform-plan",
    taskDefinitions,
    iam,
    policyForms,
    evaluatedFrom,
    allTaskDefinitionAddresses: all.map((rc) => rc.address),
    placeholders: values.placeholders,
    plannedSecretKeys,
    plannedKeys,
    plannedSecrets,
    plannedAliases,
    unresolved,
  };
}

/**
 * The key policies, key states and secret resource policies the plan sets (aws_kms_key `policy` and
 * `is_enabled`, aws_kms_key_policy, aws_secretsmanager_secret `policy`, aws_secretsmanager_secret_policy), as they
 * will be once applied, and the key each aws_kms_alias will name. A key the plan destroys is scheduled for
 * deletion (the AWS provider's aws_kms_key deletes a key by scheduling its deletion, deletion_window_in_days). A
 * key created without a policy gets KMS's default key policy (the AWS provider's aws_kms_key: "If a key policy is
 * not specified, AWS gives the KMS key a default key policy"); so does a key
 * whose aws_kms_key_policy the plan destroys (aws_kms_key_policy: "or this resource is destroyed"). A secret
 * whose aws_secretsmanager_secret_policy is destroyed has no resource policy. The standalone resources are read
 * after the attributes: when both set a policy, the one applied last wins, and that is the standalone one's
 * (it depends on the key or secret).
 */
function collectResourcePolicies(managed: ResourceChange[], values: PlanValues, documentOf: DocumentOf) {
  const plannedKeys = new Map<string, PlannedResourcePolicy>();
  const plannedSecrets = new Map<string, PlannedResourcePolicy>();
  const plannedAliases = new Map<string, string>();
  const { scope } = values;
  const arnOf = (rc: ResourceChange, attr: string, follow: RegExp): string | undefined => {
    const v = values.stringAttr(rc, attr, follow);
    return v.value ?? (v.unknown ? undefined : (rc.change.before?.[attr] as string | undefined));
  };
  // A later resource's policy replaces an earlier one's; whether the key is enabled, or destroyed, stays.
  const set = (map: Map<string, PlannedResourcePolicy>, arn: string, entry: PlannedResourcePolicy) => {
    const before = map.get(arn);
    const enabled = entry.enabled ?? before?.enabled;
    const deleted = entry.deleted ?? before?.deleted;
    map.set(arn, { ...entry, ...(enabled ? { enabled } : {}), ...(deleted ? { deleted } : {}) });
  };
  const policyOf = (rc: ResourceChange) => plannedResourcePolicy(documentOf(rc, ["policy"]), `${rc.address}.policy`);
  const ordered = [
    ...managed.filter((rc) => ["aws_kms_key", "aws_kms_alias", "aws_secretsmanager_secret"].includes(rc.type)),
    ...managed.filter((rc) => rc.type === "aws_kms_key_policy" || rc.type === "aws_secretsmanager_secret_policy"),
  ];
  for (const rc of ordered) {
    const kind = kindOf(rc.change.actions);
    // Unchanged resources leave the deployed policy, which the preflight reads from AWS.
    if (kind === undefined || kind === "read" || kind === "unchanged") continue;
    const created = kind === "create" || kind === "replace";
    switch (rc.type) {
      case "aws_kms_key": {
        if (kind === "delete") {
          const arn = rc.change.before?.arn;
          if (typeof arn === "string") set(plannedKeys, arn, { address: rc.address, deleted: true });
          continue;
        }
        const arn = values.stringAttr(rc, "arn").value ?? values.placeholder(rc, "arn");
        if (!arn) continue;
        const entry: PlannedResourcePolicy = values.configures(rc, "policy")
          ? policyOf(rc)
          : created
            ? defaultKeyPolicy(rc.address, scope)
            : { address: rc.address };
        const enabled = rc.change.after?.is_enabled;
        if (typeof enabled === "boolean" && (created || enabled !== rc.change.before?.is_enabled))
          entry.enabled = { value: enabled, address: rc.address };
        set(plannedKeys, arn, entry);
        break;
      }
      case "aws_kms_alias": {
        // name and target_key_id: the key a secret's kms_key_id = "alias/…" (or the alias's arn) will name.
        const name = values.stringAttr(rc, "name").value;
        const target = arnOf(rc, "target_key_id", /\.(arn|id|key_id)$/);
        if (kind === "delete" || !name || !target) continue;
        planAlias(plannedAliases, name, kmsKeyArn(target, scope), scope);
        break;
      }
      case "aws_kms_key_policy": {
        const keyId = arnOf(rc, "key_id", /\.(arn|id|key_id)$/);
        if (!keyId) continue;
        const arn = kmsKeyArn(keyId, scope);
        if (plannedKeys.get(arn)?.deleted) continue;
        set(plannedKeys, arn, kind === "delete" ? defaultKeyPolicy(rc.address, scope) : policyOf(rc));
        break;
      }
      case "aws_secretsmanager_secret": {
        // The deployed secret a delete or a replace destroys: the provider's DeleteSecret schedules its deletion.
        const destroyed = rc.change.before?.arn;
        if ((kind === "delete" || kind === "replace") && typeof destroyed === "string")
          set(plannedSecrets, destroyed, { address: rc.address, deleted: true });
        if (kind === "delete") continue;
        const arn = values.stringAttr(rc, "arn").value ?? values.placeholder(rc, "arn");
        if (!arn) continue;
        if (values.configures(rc, "policy")) set(plannedSecrets, arn, policyOf(rc));
        else if (created) set(plannedSecrets, arn, { address: rc.address, policy: null });
        break;
      }
      case "aws_secretsmanager_secret_policy": {
        const arn = arnOf(rc, "secret_arn", /\.(arn|id)$/);
        // The policy of a secret the plan destroys goes with it.
        if (!arn || plannedSecrets.get(arn)?.deleted) continue;
        set(plannedSecrets, arn, kind === "delete" ? { address: rc.address, policy: null } : policyOf(rc));
        break;
      }
    }
  }
  return { plannedKeys, plannedSecrets, plannedAliases };
}

/** `data.aws_iam_policy_document.x.json` referenced from `rc`'s module → the data source's address. */
function dataAddress(rc: ResourceChange, reference: string): string {
  const m = /^(data\.[a-z0-9_]+\.[A-Za-z0-9_-]+)/.exec(reference);
  return `${rc.module_address ? `${rc.module_address}.` : ""}${m?.[1] ?? reference}`;
}

/** `, with the placeholder ARNs of …` for the placeholders a value holds (said in the report). */
function placeholdersIn(text: string, values: PlanValues): string {
  const used = [...values.placeholders].filter(([, arn]) => text.includes(arn));
  if (used.length === 0) return "";
  return `, with the placeholder ARN of ${used.map(([address, arn]) => `${address} (${arn})`).join(", ")}, created by this plan`;
}

function taskDefinition(
  rc: ResourceChange,
  change: PlannedTaskDefinition["change"],
  values: PlanValues,
  source?: PlanSource,
): PlannedTaskDefinition {
  const unresolved: Unresolved[] = [];
  const doc: TaskDefinitionDoc = {};
  const after = rc.change.after ?? {};
  if (typeof after.family === "string") doc.family = after.family;
  for (const [attr, field] of [
    ["execution_role_arn", "executionRoleArn"],
    ["task_role_arn", "taskRoleArn"],
  ] as const) {
    const v = values.stringAttr(rc, attr, FOLLOW[attr]);
    if (v.value !== undefined && v.value !== "") doc[field] = v.value;
    if (v.unknown) unresolved.push(v.unknown);
  }
  const definitions = values.stringAttr(rc, "container_definitions");
  let text = definitions.value;
  let evaluatedFrom: string | undefined;
  if (text === undefined) {
    const refs = values.referencesOf(rc, ["container_definitions"]);
    // jsonencode([… valueFrom = aws_secretsmanager_secret.x.arn …]): evaluated from the .tf source.
    const evaluated = evaluateAttribute(rc, ["container_definitions"], values, source);
    if (typeof evaluated.value === "string" && Array.isArray(safeJson(evaluated.value))) {
      text = evaluated.value;
      evaluatedFrom = `container_definitions is unknown until apply (it is computed from ${refs.join(", ")}): the preflight evaluated it from ${evaluated.from}${placeholdersIn(text, values)}.`;
    } else {
      const fromReferences = secretsFromReferences(rc, refs, values, doc, evaluated.why);
      if (fromReferences) return { address: rc.address, change, ...fromReferences, unresolved };
      const unknown: Unresolved = {
        at: `${rc.address}.container_definitions`,
        reason:
          `container_definitions is unknown until apply${refs.length > 0 ? `: it is computed from ${refs.join(", ")}` : ""}` +
          `${evaluated.why && source ? ` (the preflight could not evaluate it from the .tf source: ${evaluated.why})` : ""}. ` +
          `The preflight cannot check it before apply: run it on the registered revision after apply (task-definition: ${doc.family ?? "<family>"}:<revision>).`,
      };
      return { address: rc.address, change, unknown, unresolved };
    }
  }
  let containers: unknown;
  try {
    containers = JSON.parse(text);
  } catch {
    // Not V8's message: it quotes the text around the error, and container definitions hold environment values.
    throw new PlanFormatError(`${rc.address}: container_definitions is not JSON.`);
  }
  if (!Array.isArray(containers)) {
    throw new PlanFormatError(`${rc.address}: container_definitions is not a JSON list of containers.`);
  }
  const shape = containerDefinitionsShapeProblem(containers);
  if (shape) throw new PlanFormatError(`${rc.address}: container_definitions${shape.problem}.`);
  doc.containerDefinitions = containers as NonNullable<TaskDefinitionDoc["containerDefinitions"]>;
  const before = beforeDoc(rc);
  return {
    address: rc.address,
    change,
    doc,
    ...(before ? { before } : {}),
    ...(evaluatedFrom ? { evaluatedFrom } : {}),
    unresolved,
  };
}

const SECRET_TYPES = new Set(["aws_secretsmanager_secret", "aws_ssm_parameter"]);
/** References that are known when Terraform plans (they never make a value unknown, but the plan does not show them). */
const PLAN_TIME = /^(var|local|path|terraform|each|count)\./;

/**
 * Container definitions unknown until apply, rebuilt from their references
 * when the only unknown ones are secrets or parameters (their ARNs, or
 * placeholders for the ones the plan creates, the same strings the policies'
 * references to them get): the task definition needs each of them, as
 * `secrets[].valueFrom`. The plan shows the references of an expression, not
 * its shape, so the rest of the definitions (images, log configuration,
 * literal ARNs) stays unseen: `fromReferences.reason` says so. Any other
 * unknown reference (an ECR repository URL the plan creates, ...): undefined.
 */
function secretsFromReferences(
  rc: ResourceChange,
  refs: string[],
  values: PlanValues,
  known: TaskDefinitionDoc,
  why?: string,
): Pick<PlannedTaskDefinition, "doc" | "fromReferences"> | undefined {
  const secrets: { name: string; valueFrom: string }[] = [];
  for (const ref of refs) {
    if (PLAN_TIME.test(ref)) continue;
    const target = values.target(rc, ref);
    if (!target) return undefined;
    const attr = ref.slice(ref.lastIndexOf(".") + 1);
    if (SECRET_TYPES.has(target.type) && ["arn", "id", "name"].includes(attr)) {
      const known = values.stringAttr(target, attr).value;
      const value = known ?? values.referencedString(rc, ref);
      if (value === undefined) return undefined;
      secrets.push({
        name:
          known === undefined
            ? `${ref} (a placeholder ARN: this plan creates ${target.address}; the policies that reference it get the same ARN)`
            : ref,
        valueFrom: value,
      });
      continue;
    }
    // Known attributes of other resources do not make the definitions unknown; unknown ones hide what they hold.
    if (target.change.after_unknown?.[attr] === true || !(attr in (target.change.after ?? {}))) return undefined;
  }
  if (secrets.length === 0) return undefined;
  const reason =
    `container_definitions is unknown until apply (it is computed from ${refs.join(", ")}): the preflight checked the secrets and parameters these references name, ` +
    `with the placeholder ARN of each one the plan creates (the same ARN its policies' references get), but it cannot see the rest of the definitions (images, log configuration, literal ARNs)${why ? `: it could not evaluate them from the .tf source (${why})` : ""}. ` +
    `Run it on the registered revision after apply (task-definition: ${known.family ?? "<family>"}:<revision>) for the complete check.`;
  return {
    doc: { ...known, containerDefinitions: [{ name: "(container_definitions, unknown until apply)", secrets }] },
    fromReferences: { references: refs, reason },
  };
}

/** The deployed task definition, from `change.before` (absent for a create). */
function beforeDoc(rc: ResourceChange): TaskDefinitionDoc | undefined {
  const b = rc.change.before;
  if (!b || typeof b.container_definitions !== "string") return undefined;
  try {
    const containers = JSON.parse(b.container_definitions) as unknown;
    if (!Array.isArray(containers) || containerDefinitionsShapeProblem(containers)) return undefined;
    return {
      ...(typeof b.family === "string" ? { family: b.family } : {}),
      ...(typeof b.execution_role_arn === "string" && b.execution_role_arn
        ? { executionRoleArn: b.execution_role_arn }
        : {}),
      containerDefinitions: containers as NonNullable<TaskDefinitionDoc["containerDefinitions"]>,
    };
  } catch {
    return undefined;
  }
}

/** A role the plan does not declare: its ARN as IAM forms it, assuming path `/` (the deployed role's GetRole answer replaces it). */
const deployedRoleArn = (values: PlanValues, name: string) =>
  `arn:${values.scope.partition}:iam::${values.scope.account}:role/${name}`;

type DocumentOf = (rc: ResourceChange, path: (string | number)[], known?: string) => PlannedDocument;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function collectIam(
  rc: ResourceChange,
  values: PlanValues,
  iam: PlannedIam,
  documentOf: DocumentOf,
  source: PlanSource | undefined,
  unresolved: Unresolved[],
) {
  const kind = kindOf(rc.change.actions);
  if (kind === undefined || kind === "read") return;
  const before = rc.change.before ?? {};
  const roleOf = (attr: string) => values.stringAttr(rc, attr, FOLLOW[attr]).value;
  const roleArnFor = (name: string) => {
    const declared = [...values.byAddress.values()].find(
      (r) => r.type === "aws_iam_role" && r.mode === "managed" && values.stringAttr(r, "name").value === name,
    );
    return (
      (declared && values.stringAttr(declared, "arn").value) ??
      (declared && values.placeholder(declared, "arn")) ??
      deployedRoleArn(values, name)
    );
  };
  switch (rc.type) {
    case "aws_iam_role": {
      const name = values.stringAttr(rc, "name").value ?? values.placeholder(rc, "name");
      if (!name || kind === "delete") return;
      const arn = values.stringAttr(rc, "arn").value ?? (values.placeholder(rc, "arn") as string);
      const role = roleEntry(iam, name, arn);
      role.arn = arn;
      role.address = rc.address;
      role.created = kind === "create" || kind === "replace";
      if (kind === "unchanged") return;
      role.changed = true;
      const after = rc.change.after ?? {};
      if (values.configures(rc, "inline_policy")) {
        role.inlineExclusive = true;
        for (const block of (Array.isArray(after.inline_policy) ? after.inline_policy : []) as Record<
          string,
          unknown
        >[]) {
          if (typeof block.name !== "string" || block.name === "") continue;
          // A set in the plan, in configuration order in `configuration`: matched by name.
          const index = inlinePolicyIndex(values, rc, block.name);
          const known = typeof block.policy === "string" ? block.policy : undefined;
          role.inline.set(
            block.name,
            index !== undefined
              ? documentOf(rc, ["inline_policy", index, "policy"], known)
              : known !== undefined
                ? { address: rc.address, document: known }
                : {
                    address: rc.address,
                    unknown: {
                      at: `${rc.address}.inline_policy`,
                      reason: `the policy of inline_policy '${block.name}' is unknown until apply`,
                    },
                  },
          );
        }
      }
      if (values.configures(rc, "managed_policy_arns")) {
        role.attachedExclusive = true;
        const flags = rc.change.after_unknown?.managed_policy_arns;
        let arns = (Array.isArray(after.managed_policy_arns) ? after.managed_policy_arns : []) as unknown[];
        if (flags === true || (Array.isArray(flags) && flags.includes(true))) {
          // ARNs of policies this plan creates: the list as the .tf source writes it, with their placeholders.
          const evaluated = evaluateAttribute(rc, ["managed_policy_arns"], values, source);
          if (Array.isArray(evaluated.value) && evaluated.value.every((x) => typeof x === "string")) {
            arns = evaluated.value;
          } else {
            arns = [];
            unresolved.push(
              unknownAttribute(rc, ["managed_policy_arns"], values, evaluated.why ?? "not a list of ARNs"),
            );
          }
        }
        for (const arn of arns as string[]) role.attached.set(arn, true);
      }
      if (values.configures(rc, "permissions_boundary")) {
        const boundary = values.stringAttr(rc, "permissions_boundary", FOLLOW.policy_arn);
        if (boundary.unknown) unresolved.push(boundary.unknown);
        role.boundary = boundary.value ?? null;
      } else if ("permissions_boundary" in after) role.boundary = (after.permissions_boundary as string | null) ?? null;
      return;
    }
    case "aws_iam_role_policy": {
      if (kind === "unchanged") {
        const roleName = roleOf("role");
        if (roleName) roleEntry(iam, roleName, roleArnFor(roleName)).declaredBy.push(rc.address);
        return;
      }
      if (kind === "delete") {
        const role = String(before.role ?? "");
        roleEntry(iam, role, roleArnFor(role)).inline.set(String(before.name ?? ""), null);
        roleEntry(iam, role, roleArnFor(role)).changed = true;
        return;
      }
      const roleName = roleOf("role");
      const name = values.stringAttr(rc, "name").value ?? rc.address;
      if (!roleName) return;
      const role = roleEntry(iam, roleName, roleArnFor(roleName));
      role.changed = true;
      role.declaredBy.push(rc.address);
      if (kind === "replace" && typeof before.name === "string" && before.name !== name)
        role.inline.set(before.name, null);
      role.inline.set(name, documentOf(rc, ["policy"]));
      return;
    }
    case "aws_iam_policy": {
      if (kind === "unchanged" || kind === "delete") return;
      const arn = values.stringAttr(rc, "arn").value ?? values.placeholder(rc, "arn");
      if (!arn) return;
      iam.managedPolicies.set(arn, documentOf(rc, ["policy"]));
      // Roles that have it attached change too.
      for (const role of iam.roles.values()) if (role.attached.get(arn)) role.changed = true;
      return;
    }
    case "aws_iam_role_policy_attachment": {
      if (kind === "unchanged") {
        const roleName = roleOf("role");
        const arn = roleOf("policy_arn");
        if (roleName && arn && iam.managedPolicies.has(arn))
          roleEntry(iam, roleName, roleArnFor(roleName)).changed = true;
        return;
      }
      if (kind === "delete" || kind === "replace") {
        const role = String(before.role ?? "");
        const entry = roleEntry(iam, role, roleArnFor(role));
        entry.attached.set(String(before.policy_arn ?? ""), false);
        entry.changed = true;
        if (kind === "delete") return;
      }
      const roleName = roleOf("role");
      const arn = roleOf("policy_arn");
      if (!roleName || !arn) return;
      const role = roleEntry(iam, roleName, roleArnFor(roleName));
      role.attached.set(arn, true);
      role.changed = true;
      return;
    }
  }
}

/** The index of the `inline_policy` block named `name` in the configuration (its order in the .tf source). */
function inlinePolicyIndex(values: PlanValues, rc: ResourceChange, name: string): number | undefined {
  for (let i = 0; i < 64; i++) {
    const expression = values.expression(rc, ["inline_policy", i]) as
      | { name?: { constant_value?: unknown } }
      | undefined;
    if (!expression) return undefined;
    if (expression.name?.constant_value === name) return i;
  }
  return undefined;
}
