import { type JsonPath, jsonValueLines, workspaceRelative } from "../../lib/annotations";
import { InputError } from "../../lib/errors";
import { isPlainObject } from "../../lib/inputs";
import { readJsonFile } from "../../lib/json-file";
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
  const { text, value: parsed } = readJsonFile("task-definition", source.path, display, relative);
  const wrapped = isPlainObject(parsed) && isPlainObject(parsed.taskDefinition);
  const doc = wrapped ? (parsed as { taskDefinition: unknown }).taskDefinition : parsed;
  if (!isPlainObject(doc) || !Array.isArray(doc.containerDefinitions)) {
    throw new InputError(
      "task-definition",
      `${display} has no 'containerDefinitions' list: expected a task definition (or the output of aws ecs describe-task-definition).`,
    );
  }
  return {
    doc: doc as TaskDefinitionDoc,
    source: display,
    at: wrapped ? ["taskDefinition"] : [],
    ...(relative ? { file: { path: relative, lines: jsonValueLines(text) } } : {}),
  };
}
