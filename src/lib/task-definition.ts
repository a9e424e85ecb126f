import { InputError } from "./errors";
import { isPlainObject } from "./inputs";
import { readJsonFile } from "./json-file";

/** A task definition read from a file, unwrapped. */
export interface TaskDefinitionFile {
  /** The task definition itself; it has a `containerDefinitions` list. */
  taskDefinition: Record<string, unknown> & { containerDefinitions: unknown[] };
  /** The file's text, for the line numbers of annotations. */
  text: string;
  /** Where the task definition sits in the file: `["taskDefinition"]` for the describe output's wrapper, else `[]`. */
  at: string[];
}

/**
 * Reads a task definition file: plain, or the `{"taskDefinition": …}` that
 * `aws ecs describe-task-definition` prints. `path` must come from
 * `resolveInputPath` (lib/paths.ts), which keeps it inside the workspace or
 * RUNNER_TEMP; `display` is how messages name it. A file that is not JSON, or
 * whose content is not a task definition, is an input error naming `input`.
 */
export function readTaskDefinitionFile(
  input: string,
  path: string,
  display: string,
  /** The file's workspace-relative path: a JSON syntax error is also annotated there. */
  annotateAs?: string,
): TaskDefinitionFile {
  const { text, value } = readJsonFile(input, path, display, annotateAs);
  const inner = isPlainObject(value) ? value.taskDefinition : undefined;
  const wrapped = isPlainObject(inner);
  const taskDefinition = wrapped ? inner : value;
  if (!isPlainObject(taskDefinition) || !Array.isArray(taskDefinition.containerDefinitions)) {
    throw new InputError(
      input,
      `${display} has no 'containerDefinitions' list: expected a task definition (or the output of aws ecs describe-task-definition).`,
    );
  }
  return {
    taskDefinition: taskDefinition as TaskDefinitionFile["taskDefinition"],
    text,
    at: wrapped ? ["taskDefinition"] : [],
  };
}
