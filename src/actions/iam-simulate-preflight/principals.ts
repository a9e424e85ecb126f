/**
 * Which roles are checked, where their ARNs come from, and whether ECS can
 * assume them. A role ECS needs that does not exist (the preflight's own
 * incident) is a failing finding, annotated on the task definition's field;
 * the other checks still run.
 */
import type { JsonPath } from "../../lib/annotations";
import { InputError } from "../../lib/errors";
import { parseArn } from "../../lib/inputs";
import type { Lookups } from "./aws-lookups";
import type { Finding, Principal, PrincipalRole, Scope } from "./checks";
import type { TaskDefinitionDoc } from "./derive";
import type { PreflightInputs } from "./inputs";
import { trustsEcsTasks } from "./references";

export interface Principals {
  execution?: Principal;
  task?: Principal;
  ci?: Principal;
  /** Partition, region and account of the task (the execution role's account). */
  scope: Scope;
  findings: Finding[];
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
// IAM role names: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

interface Wanted {
  role: PrincipalRole;
  /** The ARN or bare name as written. */
  ref: string;
  /** Where it was written: an input, or a field of the task definition. */
  from: { input: string } | { field: string; source: JsonPath };
}

function wanted(
  role: PrincipalRole,
  input: string | undefined,
  inputName: string,
  fromTd: string | undefined,
  field: string,
  at: JsonPath,
): Wanted | undefined {
  if (input) return { role, ref: input, from: { input: inputName } };
  if (!fromTd) return undefined;
  return { role, ref: fromTd, from: { field, source: [...at, field] } };
}

/**
 * The inputs win over the task definition; a task definition without an
 * execution role is an input error. A task definition field may hold a bare
 * role name (ECS accepts it): GetRole turns it into the role's ARN.
 */
export async function resolvePrincipals(
  inputs: PreflightInputs,
  td: { doc: TaskDefinitionDoc; source: string; at: JsonPath } | undefined,
  lookups: Lookups,
): Promise<Principals> {
  const at = td?.at ?? [];
  const execution = wanted(
    "execution role",
    inputs.executionRoleArn,
    "execution-role-arn",
    td?.doc.executionRoleArn,
    "executionRoleArn",
    at,
  );
  if (td && !execution) {
    throw new InputError(
      "execution-role-arn",
      `was not given and the task definition (${td.source}) has no executionRoleArn.`,
      "Set 'execution-role-arn' to the role ECS uses to pull images and read secrets.",
    );
  }
  const task = wanted("task role", inputs.taskRoleArn, "task-role-arn", td?.doc.taskRoleArn, "taskRoleArn", at);
  if (inputs.taskRoleChecks.length > 0 && !task) {
    throw new InputError(
      "task-role-checks",
      "needs a task role, but neither 'task-role-arn' nor the task definition's taskRoleArn is set.",
    );
  }
  const findings: Finding[] = [];
  const source = td?.source ?? "the inputs";
  const resolved: Principal[] = [];
  for (const w of [execution, task]) {
    if (!w) continue;
    const principal = await resolveEcsRole(w, lookups, source, findings);
    if (principal) resolved.push(principal);
  }
  const [executionPrincipal, taskPrincipal] = [execution, task].map((w) =>
    w ? resolved.find((p) => p.role === w.role) : undefined,
  );
  const known = [executionPrincipal?.arn, taskPrincipal?.arn, inputs.ciRoleArn]
    .map((a) => parseArn(a ?? ""))
    .find((a) => a?.account);
  // Only bare names of roles that do not exist leave the account unknown: ask STS.
  const account = known?.account ?? (await lookups.callerAccount());
  const partition = known?.partition ?? "aws";
  const withArn = (p: Principal | undefined) =>
    p && !p.arn.startsWith("arn:") ? { ...p, arn: `arn:${partition}:iam::${account}:role/${p.arn}` } : p;
  const ex = withArn(executionPrincipal);
  const tk = withArn(taskPrincipal);
  return {
    ...(ex ? { execution: ex } : {}),
    ...(tk ? { task: tk } : {}),
    ...(inputs.ciRoleArn ? { ci: { arn: inputs.ciRoleArn, role: "CI role" as const } } : {}),
    scope: { partition, region: inputs.region, account },
    findings,
  };
}

/** A role ECS must assume: it has to exist and trust `ecs-tasks.amazonaws.com`. */
async function resolveEcsRole(
  w: Wanted,
  lookups: Lookups,
  source: string,
  findings: Finding[],
): Promise<Principal | undefined> {
  const sources = "source" in w.from ? [w.from.source] : [];
  const where = "field" in w.from ? `${source} (${w.from.field})` : `the input '${w.from.input}'`;
  const fail = (message: string) => findings.push({ severity: "fail", subject: w.ref, message, sources });
  if (!ROLE_ARN.test(w.ref) && !ROLE_NAME.test(w.ref)) {
    fail(`The ${w.role} '${w.ref}' in ${where} is neither a role ARN nor a role name. Use the role's ARN.`);
    return undefined;
  }
  const found = await lookups.getRole(w.ref);
  if (!found.exists) {
    fail(
      `The ${w.role} ${w.ref} does not exist (iam:GetRole: NoSuchEntity). ECS cannot start the task; create the role or fix ${where}.`,
    );
    return { arn: w.ref, role: w.role, missing: true };
  }
  if (!trustsEcsTasks(found.trustPolicy)) {
    fail(
      `The ${w.role} ${found.arn} does not trust ecs-tasks.amazonaws.com: ECS cannot assume it. Add a trust policy statement that allows sts:AssumeRole for the service principal ecs-tasks.amazonaws.com.`,
    );
  }
  return { arn: found.arn, role: w.role };
}
