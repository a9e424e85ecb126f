/** Which roles are checked, where their ARNs come from, and whether ECS can assume them. */
import { ConfigurationError, InputError } from "../../lib/errors";
import { parseArn } from "../../lib/inputs";
import type { Lookups } from "./aws-lookups";
import type { Finding, Principal, Scope } from "./checks";
import type { TaskDefinitionDoc } from "./derive";
import type { PreflightInputs } from "./inputs";
import { trustsEcsTasks } from "./references";

export interface Principals {
  execution?: Principal;
  task?: Principal;
  ci?: Principal;
  /** Partition, region and account of the task (the execution role's account). */
  scope: Scope;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

function roleFrom(input: string | undefined, fromTd: string | undefined, name: string, field: string) {
  if (input) return input;
  if (!fromTd) return undefined;
  if (!ROLE_ARN.test(fromTd)) {
    throw new ConfigurationError(
      `The task definition's ${field} '${fromTd}' is not a role ARN. Use the full ARN there, or set '${name}'.`,
    );
  }
  return fromTd;
}

/** The inputs win over the task definition; a task definition without an execution role is an error. */
export function resolvePrincipals(
  inputs: PreflightInputs,
  td: { doc: TaskDefinitionDoc; source: string } | undefined,
): Principals {
  const executionArn = roleFrom(
    inputs.executionRoleArn,
    td?.doc.executionRoleArn,
    "execution-role-arn",
    "executionRoleArn",
  );
  if (td && !executionArn) {
    throw new InputError(
      "execution-role-arn",
      `was not given and the task definition (${td.source}) has no executionRoleArn.`,
      "Set 'execution-role-arn' to the role ECS uses to pull images and read secrets.",
    );
  }
  const taskArn = roleFrom(inputs.taskRoleArn, td?.doc.taskRoleArn, "task-role-arn", "taskRoleArn");
  if (inputs.taskRoleChecks.length > 0 && !taskArn) {
    throw new InputError(
      "task-role-checks",
      "needs a task role, but neither 'task-role-arn' nor the task definition's taskRoleArn is set.",
    );
  }
  const home = parseArn(executionArn ?? taskArn ?? inputs.ciRoleArn ?? "");
  return {
    ...(executionArn ? { execution: { arn: executionArn, role: "execution role" as const } } : {}),
    ...(taskArn ? { task: { arn: taskArn, role: "task role" as const } } : {}),
    ...(inputs.ciRoleArn ? { ci: { arn: inputs.ciRoleArn, role: "CI role" as const } } : {}),
    scope: { partition: home?.partition ?? "aws", region: inputs.region, account: home?.account ?? "" },
  };
}

/** A role ECS must assume: it has to exist and trust `ecs-tasks.amazonaws.com`. */
export async function trustFindings(role: Principal, lookups: Lookups, source: string): Promise<Finding[]> {
  const found = await lookups.getRole(role.arn);
  const finding = (message: string): Finding[] => [{ severity: "fail", subject: role.arn, message, sources: [] }];
  if (!found.exists) {
    return finding(
      `The ${role.role} ${role.arn} does not exist. ECS cannot start the task; create the role or fix ${source}.`,
    );
  }
  if (trustsEcsTasks(found.trustPolicy)) return [];
  return finding(
    `The ${role.role} ${role.arn} does not trust ecs-tasks.amazonaws.com: ECS cannot assume it. Add a trust policy statement that allows sts:AssumeRole for the service principal ecs-tasks.amazonaws.com.`,
  );
}
