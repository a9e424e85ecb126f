import { relative, resolve, sep } from "node:path";
import { DescribeTaskDefinitionCommand, type ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError, InputError } from "../../lib/errors";
import { isPlainObject } from "../../lib/inputs";
import { readJsonFile } from "../../lib/json-file";
import { entryExists, isInside, type PathRoots, resolveInputPath } from "../../lib/paths";

/** Where the `task-definition` input points: a file in the workspace, or a registered revision. */
export type TaskDefinitionRef = { kind: "file"; path: string; display: string } | { kind: "registered"; id: string };

const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}(:\d+)?$/;
const FAMILY = /^[A-Za-z0-9_-]{1,255}(:\d+)?$/;

export function parseTaskDefinitionRef(raw: string, roots: PathRoots, input = "task-definition"): TaskDefinitionRef {
  const workspace = roots.workspace;
  if (TASK_DEFINITION_ARN.test(raw)) return { kind: "registered", id: raw };
  if (entryExists(resolve(workspace, raw))) {
    const path = resolveInputPath(input, raw, "read", roots);
    const rel = relative(workspace, path);
    return { kind: "file", path, display: isInside(workspace, path) ? rel.split(sep).join("/") : path };
  }
  if (FAMILY.test(raw) && !raw.endsWith(".json")) return { kind: "registered", id: raw };
  throw new InputError(
    input,
    `'${raw}' is neither a file in the workspace (${workspace}) nor a task definition family[:revision] or ARN.`,
    "Check out the repository before this step, or give the family name.",
  );
}

export interface LoadedTaskDefinition {
  taskDefinition: TaskDefinition;
  /** Workspace-relative path when it came from a file (for annotations), its text, and where the task definition sits in it. */
  file?: { display: string; text: string; jsonPath: string[] };
}

/** Reads a task definition file: plain, or the `{"taskDefinition": …}` that `aws ecs describe-task-definition` prints. */
export function readTaskDefinitionFile(path: string, display: string, input = "task-definition"): LoadedTaskDefinition {
  const { text, value: parsed } = readJsonFile(input, path, display);
  const inner = isPlainObject(parsed) ? parsed.taskDefinition : undefined;
  const wrapped = isPlainObject(inner);
  const td = wrapped ? inner : parsed;
  if (!isPlainObject(td) || !Array.isArray(td.containerDefinitions)) {
    throw new InputError(input, `${display} has no 'containerDefinitions' array: is it a task definition?`);
  }
  return { taskDefinition: td as TaskDefinition, file: { display, text, jsonPath: wrapped ? ["taskDefinition"] : [] } };
}

export async function loadTaskDefinition(ref: TaskDefinitionRef, ecs: () => ECSClient): Promise<LoadedTaskDefinition> {
  if (ref.kind === "file") return readTaskDefinitionFile(ref.path, ref.display);
  const out = await ecs()
    .send(new DescribeTaskDefinitionCommand({ taskDefinition: ref.id }))
    .catch((error) => {
      if (/ClientException|not ?found|Unable to describe/i.test(String(error.message))) {
        throw new ConfigurationError(`Task definition '${ref.id}' could not be read: ${error.message}`);
      }
      throw error;
    });
  if (!out.taskDefinition) throw new ConfigurationError(`Task definition '${ref.id}' was not returned by ECS.`);
  return { taskDefinition: out.taskDefinition };
}
