import { relative, resolve, sep } from "node:path";
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  InvalidParameterException,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { jsonPathKey, jsonValueLines } from "./annotations";
import { awsException, ConfigurationError, InputError } from "./errors";
import { isPlainObject } from "./inputs";
import { readJsonFile } from "./json-file";
import { entryExists, isInside, type PathRoots, resolveInputPath } from "./paths";
import { taskDefinitionShapeProblem } from "./task-definition-shape";

/** Where a `task-definition` input points: a file (workspace or RUNNER_TEMP), or a registered revision for ECS. */
export type TaskDefinitionRef = { kind: "file"; path: string; display: string } | { kind: "registered"; id: string };

/** What to do about a reference that is neither: the end of every such message. */
export const TASK_DEFINITION_REF_FIX =
  "Check out the repository before this step (actions/checkout) to read a file, or name a registered task definition: family, family:revision (revision 1 or more), or arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>.";

const TASK_DEFINITION_ARN = /^arn:aws(?:-cn|-us-gov)?:ecs:[a-z0-9-]+:\d{12}:task-definition\/(?<rest>.*)$/;
const FAMILY = /^[A-Za-z0-9_-]+$/;
const FAMILY_MAX = 255;
const REVISION = /^[1-9]\d*$/;

/** What is wrong with `family[:revision]` (`arn`: it came from an ARN, where the revision is required), if anything. */
function referenceProblem(ref: string, arn: boolean): string | undefined {
  const colon = ref.indexOf(":");
  const family = colon === -1 ? ref : ref.slice(0, colon);
  if (/[/.]/.test(family) && !arn) return "there is no such file (a family name has no '/' or '.')";
  if (family.length > FAMILY_MAX)
    return `a family name is at most ${FAMILY_MAX} characters (this one has ${family.length})`;
  if (!FAMILY.test(family)) return "a family name holds only letters, digits, hyphens and underscores";
  if (colon === -1) return arn ? `a task definition ARN ends with its revision (…/${family}:<revision>)` : undefined;
  const revision = ref.slice(colon + 1);
  if (revision === "0") return "revision 0 does not exist: ECS numbers revisions from 1";
  if (!REVISION.test(revision)) return `revision '${revision}' is not a whole number of 1 or more`;
  return undefined;
}

/**
 * Reads a task definition reference, for every action that takes one: a
 * task definition ARN, else a file that exists (resolved by
 * `resolveInputPath`, so it stays inside the workspace or RUNNER_TEMP), else
 * `family` or `family:revision` (family: 1 to 255 letters, digits, hyphens,
 * underscores; revision 1 or more). Anything else is an input error naming
 * `input`, the value, what was wrong with it and what to do.
 */
export function parseTaskDefinitionRef(input: string, raw: string, roots: PathRoots): TaskDefinitionRef {
  const workspace = roots.workspace;
  const arn = TASK_DEFINITION_ARN.exec(raw);
  if (!arn && entryExists(resolve(workspace, raw))) {
    const path = resolveInputPath(input, raw, "read", roots);
    const rel = relative(workspace, path);
    return { kind: "file", path, display: isInside(workspace, path) ? rel.split(sep).join("/") : path };
  }
  const problem = arn
    ? referenceProblem(arn.groups?.rest ?? "", true)
    : raw.startsWith("arn:")
      ? "not a task definition ARN (arn:aws[-cn|-us-gov]:ecs:<region>:<12-digit account>:task-definition/<family>:<revision>)"
      : referenceProblem(raw, false);
  if (problem === undefined) return { kind: "registered", id: raw };
  throw new InputError(
    input,
    `'${raw}' is neither a file in the workspace (${workspace}) nor a task definition family, family:revision or ARN: ${problem}.`,
    TASK_DEFINITION_REF_FIX,
  );
}

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
  const at = wrapped ? ["taskDefinition"] : [];
  const shape = taskDefinitionShapeProblem(taskDefinition);
  if (shape) {
    // The message names the field and the types, never the value: the file is the pull request author's.
    const failure = new InputError(
      input,
      `${display}: ${shape.problem}.`,
      "Fix that field: ECS registers only a task definition whose fields have the types of its API (RegisterTaskDefinition).",
    );
    const line = jsonValueLines(text).get(jsonPathKey([...at, ...shape.path]));
    if (annotateAs) failure.at = { file: annotateAs, ...(line !== undefined ? { line } : {}) };
    throw failure;
  }
  return { taskDefinition: taskDefinition as TaskDefinitionFile["taskDefinition"], text, at };
}

/**
 * A registered task definition, from ECS. An unknown family or revision is the
 * user's to fix: ECS answers `ClientException` ("Unable to describe task
 * definition.", HTTP 400; DescribeTaskDefinition's Errors section) or, for a
 * malformed reference, `InvalidParameterException`; `hint` ends that message.
 * Anything else (access denied, a 5xx) goes on as the middleware named it.
 */
export async function describeTaskDefinition(
  ecs: ECSClient,
  id: string,
  hint = "Check the family name and revision.",
): Promise<TaskDefinition> {
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: id }));
    if (!out.taskDefinition) throw new ConfigurationError(`ECS returned no task definition for '${id}'.`);
    return out.taskDefinition;
  } catch (error) {
    const cause = awsException(error);
    if (cause instanceof ClientException || cause instanceof InvalidParameterException) {
      throw new ConfigurationError(`Task definition '${id}' could not be read: ${(error as Error).message} ${hint}`);
    }
    throw error;
  }
}

/** A task definition and where it came from. */
export interface LoadedTaskDefinition {
  taskDefinition: TaskDefinition;
  /** How reports name it: the file's display path, or the `family:revision` or ARN as given. */
  source: string;
  /** Where it sits in its file (`["taskDefinition"]` in the describe output's wrapper); [] when registered. */
  at: string[];
  /** From a file: its display path and text (for the line numbers of annotations). */
  file?: { display: string; text: string };
}

/** A `task-definition` input's task definition: the file it names, or the revision `describe` reads from ECS. */
export async function loadTaskDefinition(
  ref: TaskDefinitionRef,
  describe: (id: string) => Promise<TaskDefinition>,
  /** The file's workspace-relative path, when a JSON syntax error should be annotated there. */
  annotateAs?: string,
): Promise<LoadedTaskDefinition> {
  if (ref.kind === "registered") return { taskDefinition: await describe(ref.id), source: ref.id, at: [] };
  const { taskDefinition, text, at } = readTaskDefinitionFile("task-definition", ref.path, ref.display, annotateAs);
  return {
    taskDefinition: taskDefinition as TaskDefinition,
    source: ref.display,
    at,
    file: { display: ref.display, text },
  };
}
