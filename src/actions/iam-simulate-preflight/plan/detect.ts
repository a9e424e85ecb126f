/**
 * What a `task-definition` file is, told from its content: a Terraform plan
 * JSON, a CloudFormation template (JSON or YAML), or neither (then it is read
 * as a task definition JSON, as before).
 */
import { readFileSync, statSync } from "node:fs";
import { workspaceRelative } from "../../../lib/annotations";
import { InputError } from "../../../lib/errors";
import type { TaskDefinitionSource } from "../inputs";
import { readTemplate, type TemplateText } from "./cloudformation";
import { isTerraformPlan } from "./terraform";
import type { ParsedPlan, PlannedTaskDefinition } from "./types";

export type PlannedInput =
  | { format: "terraform-plan"; plan: Record<string, unknown> }
  | ({ format: "cloudformation" } & TemplateText);

/** The plan or template in `text`, or undefined when it is neither. `display` names the file in errors. */
export function detectPlannedInput(text: string, display: string): PlannedInput | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json !== undefined && isTerraformPlan(json)) return { format: "terraform-plan", plan: json };
  const template = readTemplate(text);
  if (template && "error" in template) throw new InputError("task-definition", `${display} ${template.error}`);
  if (template) return { format: "cloudformation", ...template };
  return undefined;
}

/**
 * The task definitions to check: the one `address` names, or all the plan
 * registers (and the unchanged ones whose roles it changes). An input
 * without any is an error naming the input, not a silent pass.
 */
export function selectTaskDefinitions(
  parsed: ParsedPlan,
  address: string | undefined,
  display: string,
): PlannedTaskDefinition[] {
  const what = parsed.format === "terraform-plan" ? "Terraform plan" : "CloudFormation template";
  const type = parsed.format === "terraform-plan" ? "aws_ecs_task_definition" : "AWS::ECS::TaskDefinition";
  if (parsed.allTaskDefinitionAddresses.length === 0) {
    throw new InputError(
      "task-definition",
      `${display} is a ${what} without any ${type} resource.`,
      parsed.format === "terraform-plan"
        ? "Pass the plan of the configuration that declares the task definition (terraform show -json tfplan), or the task definition itself."
        : "Pass the template that declares the task definition (for nested stacks, the nested template).",
    );
  }
  if (address !== undefined) {
    const picked = parsed.taskDefinitions.filter((td) => td.address === address);
    if (picked.length > 0) return picked;
    if (parsed.allTaskDefinitionAddresses.includes(address)) {
      throw new InputError(
        "task-definition-address",
        `${address} in ${display} is neither changed by the ${what} nor uses a role whose policies it changes: nothing to check.`,
      );
    }
    throw new InputError(
      "task-definition-address",
      `'${address}' is not a task definition in ${display}. It has: ${parsed.allTaskDefinitionAddresses.join(", ")}.`,
    );
  }
  return parsed.taskDefinitions;
}

/**
 * The largest `task-definition` file read (64 MiB): a plan JSON is data from
 * whoever wrote the pull request; past this it is refused before it is read,
 * so a crafted file cannot make the runner parse gigabytes. A task definition
 * is at most 64 KiB (ECS quota) and the plan of a large configuration a few MiB.
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The plan or template a `task-definition` file holds, with how to name it; undefined for anything else. */
export function plannedInputOf(
  source: TaskDefinitionSource | undefined,
  workspace: string,
): { input: PlannedInput; file: { display: string; relative?: string } } | undefined {
  if (source?.kind !== "file") return undefined;
  const relative = workspaceRelative(source.path, workspace);
  const display = relative ?? source.path;
  const size = statSync(source.path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > MAX_INPUT_BYTES) {
    throw new InputError(
      "task-definition",
      `${display} is ${(size / 1024 / 1024).toFixed(0)} MiB; the preflight reads files up to ${MAX_INPUT_BYTES / 1024 / 1024} MiB.`,
      "Pass the plan of the configuration that declares the task definition (split the root module, or plan it alone), or the task definition itself.",
    );
  }
  const input = detectPlannedInput(readFileSync(source.path, "utf8"), display);
  return input ? { input, file: { display, ...(relative ? { relative } : {}) } } : undefined;
}
