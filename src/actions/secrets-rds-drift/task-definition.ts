import { relative, resolve, sep } from "node:path";
import { DescribeTaskDefinitionCommand, type ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError, InputError } from "../../lib/errors";
import { entryExists, isInside, type PathRoots, resolveInputPath } from "../../lib/paths";
import { readTaskDefinitionFile } from "../../lib/task-definition";

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

export async function loadTaskDefinition(ref: TaskDefinitionRef, ecs: () => ECSClient): Promise<LoadedTaskDefinition> {
  if (ref.kind === "file") {
    const { taskDefinition, text, at } = readTaskDefinitionFile("task-definition", ref.path, ref.display);
    return { taskDefinition: taskDefinition as TaskDefinition, file: { display: ref.display, text, jsonPath: at } };
  }
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
