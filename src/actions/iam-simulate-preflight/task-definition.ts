import { type JsonPath, jsonValueLines, workspaceRelative } from "../../lib/annotations";
import { loadTaskDefinition as loadFrom } from "../../lib/task-definition";
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
  const relative = source.kind === "file" ? workspaceRelative(source.path, workspace) : undefined;
  const ref = source.kind === "file" ? { ...source, display: relative ?? source.path } : source;
  const loaded = await loadFrom(ref, (id) => lookups.describeTaskDefinition(id), relative);
  return {
    doc: loaded.taskDefinition as TaskDefinitionDoc,
    source: loaded.source,
    at: loaded.at,
    ...(relative && loaded.file ? { file: { path: relative, lines: jsonValueLines(loaded.file.text) } } : {}),
  };
}
