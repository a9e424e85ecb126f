import { type JsonPath, jsonPathKey } from "./annotations";
import { isPlainObject } from "./inputs";

/**
 * The types ECS gives the task definition fields the suite reads
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html,
 * API_ContainerDefinition.html, API_Secret.html, API_KeyValuePair.html, API_LogConfiguration.html,
 * API_FirelensConfiguration.html, API_EnvironmentFile.html, API_PortMapping.html,
 * API_RepositoryCredentials.html). A file from a pull request is anything its author wrote: a `revision`
 * that is a paragraph of markdown, `secrets` that is a string. ECS refuses such a file at registration;
 * the suite refuses it first, naming the field, instead of crashing on it or printing it into a comment.
 * Fields not listed here are not read, and not checked. A `null` field counts as absent, as the suite reads it;
 * a `null` item of a list does not (ECS refuses it, and the suite would read a field of it).
 */
type Shape = "string" | "integer" | "boolean" | readonly [Shape] | { readonly [key: string]: Shape };

const SECRET = { name: "string", valueFrom: "string" } as const;
const STRING_MAP = { "*": "string" } as const;

const CONTAINER: Shape = {
  name: "string",
  image: "string",
  essential: "boolean",
  secrets: [SECRET],
  environment: [{ name: "string", value: "string", valueFrom: "string" }],
  environmentFiles: [{ value: "string", type: "string" }],
  repositoryCredentials: { credentialsParameter: "string" },
  logConfiguration: { logDriver: "string", options: STRING_MAP, secretOptions: [SECRET] },
  firelensConfiguration: { type: "string", options: STRING_MAP },
  portMappings: [{ containerPort: "integer", hostPort: "integer", protocol: "string", name: "string" }],
};

const TASK_DEFINITION: Shape = {
  family: "string",
  revision: "integer",
  taskDefinitionArn: "string",
  executionRoleArn: "string",
  taskRoleArn: "string",
  networkMode: "string",
  requiresCompatibilities: ["string"],
  containerDefinitions: [CONTAINER],
};

export interface ShapeProblem {
  /** Where, from the task definition's top: `["containerDefinitions", 0, "secrets"]`. */
  path: JsonPath;
  /** `containerDefinitions[0].secrets is a string; ECS expects a list there`. */
  problem: string;
}

const kind = (v: unknown) =>
  v === null || v === undefined
    ? "null"
    : Array.isArray(v)
      ? "a list"
      : isPlainObject(v)
        ? "an object"
        : typeof v === "string"
          ? "a string"
          : `a ${typeof v}`;
const expected = (shape: Shape) =>
  shape === "integer"
    ? "a whole number"
    : shape === "string" || shape === "boolean"
      ? `a ${shape}`
      : Array.isArray(shape)
        ? "a list"
        : "an object";

function mismatch(path: JsonPath, value: unknown, shape: Shape): ShapeProblem {
  const where = jsonPathKey(path).replace(/^\./, "");
  return { path, problem: `${where} is ${kind(value)}; ECS expects ${expected(shape)} there` };
}

function check(value: unknown, shape: Shape, path: JsonPath): ShapeProblem | undefined {
  if (value === null || value === undefined) return undefined;
  const ok =
    shape === "string"
      ? typeof value === "string"
      : shape === "integer"
        ? Number.isSafeInteger(value)
        : shape === "boolean"
          ? typeof value === "boolean"
          : Array.isArray(shape)
            ? Array.isArray(value)
            : isPlainObject(value);
  if (!ok) return mismatch(path, value, shape);
  if (Array.isArray(shape)) {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const found =
        item === null || item === undefined
          ? mismatch([...path, i], item, shape[0] as Shape)
          : check(item, shape[0] as Shape, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof shape === "object") {
    const object = value as Record<string, unknown>;
    const any = (shape as Record<string, Shape>)["*"];
    for (const key of Object.keys(object)) {
      const inner = any ?? (shape as Record<string, Shape>)[key];
      if (inner === undefined) continue;
      const found = check(object[key], inner, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** The first field of a task definition whose type is not ECS's, or undefined. */
export function taskDefinitionShapeProblem(taskDefinition: unknown): ShapeProblem | undefined {
  return check(taskDefinition, TASK_DEFINITION, []);
}

/** The same, for a list of container definitions (Terraform's `container_definitions`), paths from the list. */
export function containerDefinitionsShapeProblem(containers: unknown): ShapeProblem | undefined {
  return check(containers, [CONTAINER], []);
}
