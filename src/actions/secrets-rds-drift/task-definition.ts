import { DescribeTaskDefinitionCommand, type ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../../lib/errors";
import { readTaskDefinitionFile, type TaskDefinitionRef } from "../../lib/task-definition";

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
