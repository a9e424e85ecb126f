import { type JsonPath, jsonValueLines, workspaceRelative } from "../../lib/annotations";
import { readTaskDefinitionFile } from "../../lib/task-definition";
import type { Lookups } from "./aws-lookups";
import type { TaskDefinitionDoc } from "./derive";
import type { TaskDefinitionSource } from "./inputs";

export interface LoadedTaskDefinition {
  doc: TaskDefinitionDoc;
  /** `family:revision`, the file's path, or the ARN, for the report. */
  source: string;
  /** Path of the task definition inside the file: `["taskDefinition"]` for the describe output wrapper. */
  at: JsonPath;
  /** Set when it came from a file in the workspace: where annotations point. */
  file?: { path: string; lines: Map<string, number> };
}

/** A file (plain, or the `{"taskDefinition": …}` that `aws ecs describe-task-definition` prints) or a registered revision. */
export async function loadTaskDefinition(
  source: TaskDefinitionSource,
  lookups: Lookups,
  workspace: string,
): Promise<LoadedTaskDefinition> {
  if (source.kind === "registered") {
    const doc = (await lookups.describeTaskDefinition(source.id)) as TaskDefinitionDoc;
    return { doc, source: source.id, at: [] };
  }
  const relative = workspaceRelative(source.path, workspace);
  const display = relative ?? source.path;
  const { taskDefinition, text, at } = readTaskDefinitionFile("task-definition", source.path, display, relative);
  return {
    doc: taskDefinition as TaskDefinitionDoc,
    source: display,
    at,
    ...(relative ? { file: { path: relative, lines: jsonValueLines(text) } } : {}),
  };
}
