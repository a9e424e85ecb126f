import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../../lib/errors";
import {
  assertKnownKeys,
  type InputSource,
  isPlainObject,
  readArn,
  readBoolean,
  readEnum,
  readList,
  readNumber,
  readOptionalString,
  readRegion,
  readString,
  readYaml,
} from "../../lib/inputs";
import { type PathRoots, pathRoots, readEvidenceDir } from "../../lib/paths";
import { parseTaskDefinitionRef, type TaskDefinitionRef } from "../../lib/task-definition";
import type { ContextValue } from "./checks";
import { CI_PROFILES, type CiProfileName } from "./ci-profile";
import { CONTEXT_KEY_TYPES, type ContextKeyType, typedContextValue } from "./context-types";

/** Where the task definition comes from (read by the shared src/lib/task-definition.ts). */
export type TaskDefinitionSource = TaskDefinitionRef;

export interface TaskRoleCheck {
  action: string;
  resources: string[];
  context: Record<string, ContextValue>;
}

export interface ExtraCheck extends TaskRoleCheck {
  /** A role/user ARN, or `execution-role` / `task-role` / `ci-role`. */
  principal: string;
}

export interface PreflightInputs {
  /** Absent when only roles are checked (ci-role-arn, task-role-checks, extra-checks). */
  taskDefinition?: TaskDefinitionSource;
  executionRoleArn?: string;
  taskRoleArn?: string;
  taskRoleChecks: TaskRoleCheck[];
  extraChecks: ExtraCheck[];
  ciRoleArn?: string;
  ciRoleProfile?: CiProfileName;
  ciSecretIds: string[];
  comment: boolean;
  githubToken: string;
  prNumber?: number;
  failOn: "deny" | "never";
  region: string;
  evidenceDir: string;
  /** Plan/template inputs: which task definition (address or logical ID); all changed ones when absent. */
  taskDefinitionAddress?: string;
  /** Plan/template inputs: simulate the roles with the planned IAM changes applied (default true). */
  plannedPolicies: boolean;
  /** CloudFormation parameters (`template-parameters`). */
  templateParameters: Record<string, string>;
  /** The deployed CloudFormation stack, for Ref/GetAtt of its resources. */
  stackName?: string;
}

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
const RESOURCE = /^(\*|arn:aws[a-z-]*:[a-z0-9-]+:[^\s]*)$/;

function readTaskDefinition(get: InputSource, roots: PathRoots): TaskDefinitionSource | undefined {
  const raw = readString(get, "task-definition");
  return raw === "" ? undefined : parseTaskDefinitionRef("task-definition", raw, roots);
}

function roleArn(get: InputSource, name: string): string | undefined {
  return readArn(get, name, { service: "iam", resourcePrefix: "role/" });
}

/**
 * `context:` of a check: key → value, list, or `{type, value}` (a
 * ContextKeyType). Typed by context-types.ts; a value that is not valid for
 * its type is refused here, as IAM would refuse it.
 */
function contextOf(input: string, where: string, raw: unknown): Record<string, ContextValue> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw))
    throw new InputError(input, `${where}: 'context' must be a map of condition key to value(s).`);
  const out: Record<string, ContextValue> = {};
  for (const [key, entry] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9-]+:[A-Za-z0-9/_.:*-]+$/.test(key)) {
      throw new InputError(input, `${where}: '${key}' is not a condition key (like aws:SourceVpc).`);
    }
    let explicit: ContextKeyType | undefined;
    let value: unknown = entry;
    if (isPlainObject(entry)) {
      assertKnownKeys(input, `${where}, context '${key}'`, entry, ["type", "value"]);
      if (!CONTEXT_KEY_TYPES.includes(entry.type as ContextKeyType)) {
        throw new InputError(input, `${where}: the type of '${key}' must be one of ${CONTEXT_KEY_TYPES.join(", ")}.`);
      }
      explicit = entry.type as ContextKeyType;
      value = entry.value;
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => !["string", "number", "boolean"].includes(typeof v))) {
      throw new InputError(
        input,
        `${where}: the value of '${key}' must be a string, number, boolean or a list of them.`,
      );
    }
    const typed = typedContextValue(key, value as string | number | boolean | string[], explicit);
    if (!typed.value) throw new InputError(input, `${where}: ${typed.problem}.`, "Fix the value or its 'type:'.");
    out[key] = typed.value;
  }
  return out;
}

function checkOf(input: string, where: string, item: unknown, keys: readonly string[]): TaskRoleCheck {
  if (!isPlainObject(item)) throw new InputError(input, `${where} must be a map with 'action' and 'resource'.`);
  assertKnownKeys(input, where, item, keys);
  const action = item.action;
  if (typeof action !== "string" || !ACTION.test(action)) {
    throw new InputError(
      input,
      `${where}: 'action' must be an IAM action like ssm:GetParameter, got '${String(action)}'.`,
    );
  }
  const resource = item.resource ?? "*";
  const resources = Array.isArray(resource) ? resource : [resource];
  if (resources.length === 0 || resources.some((r) => typeof r !== "string" || !RESOURCE.test(r))) {
    throw new InputError(input, `${where}: 'resource' must be '*', an ARN, or a list of ARNs.`);
  }
  return { action, resources: resources as string[], context: contextOf(input, where, item.context) };
}

function listOf(get: InputSource, input: string): unknown[] {
  const raw = readYaml(get, input);
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InputError(input, "must be a YAML list of checks (lines starting with '- ').");
  return raw;
}

/** `Key=Value` lines (the AWS CLI's ParameterKey=…,ParameterValue=… shorthand too) or the CLI's parameters JSON file. */
function readTemplateParameters(get: InputSource, workspace: string): Record<string, string> {
  const raw = readString(get, "template-parameters");
  if (raw === "") return {};
  const path = resolve(workspace, raw);
  if (!raw.includes("\n") && raw.endsWith(".json") && existsSync(path)) {
    if (!path.startsWith(`${resolve(workspace)}/`)) {
      throw new InputError("template-parameters", `'${raw}' is outside the workspace.`);
    }
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new InputError("template-parameters", `${raw} is not valid JSON: ${(error as Error).message}.`);
    }
    if (!Array.isArray(list) || list.some((p) => !isPlainObject(p) || typeof p.ParameterKey !== "string")) {
      throw new InputError(
        "template-parameters",
        `${raw} must be a list of {"ParameterKey": …, "ParameterValue": …} (aws cloudformation --parameters file://).`,
      );
    }
    return Object.fromEntries(list.map((p) => [p.ParameterKey, String(p.ParameterValue ?? "")]));
  }
  const out: Record<string, string> = {};
  for (const [i, line] of raw.split("\n").entries()) {
    const text = line.trim();
    if (text === "") continue;
    const cli = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(text);
    const eq = text.indexOf("=");
    if (!cli && eq <= 0) {
      throw new InputError(
        "template-parameters",
        `line ${i + 1} is not Key=Value: '${text}'.`,
        "One parameter per line, or a parameters JSON file.",
      );
    }
    const [key, value] = cli ? [cli[1] as string, cli[2] as string] : [text.slice(0, eq), text.slice(eq + 1)];
    out[key.trim()] = value;
  }
  return out;
}

const PRINCIPAL_ALIASES = ["execution-role", "task-role", "ci-role"];
/**
 * A role or user ARN as IAM forms it: the path is `/` or `/…/` of printable ASCII, the name
 * 1-64 characters of `[\w+=,.@-]`
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html, API_CreateUser.html).
 * The preflight's own policy grants iam:SimulatePrincipalPolicy on `role/*` and `user/*`.
 */
const PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)(\/[\x21-\x7e]*)?\/[\w+=,.@-]{1,64}$/;

export function readPreflightInputs(get: InputSource, env: NodeJS.ProcessEnv = process.env): PreflightInputs {
  const roots = pathRoots(env);
  const taskRoleChecks = listOf(get, "task-role-checks").map((item, i) =>
    checkOf("task-role-checks", `item ${i + 1}`, item, ["action", "resource", "context"]),
  );
  const extraChecks = listOf(get, "extra-checks").map((item, i): ExtraCheck => {
    const check = checkOf("extra-checks", `item ${i + 1}`, item, ["principal", "action", "resource", "context"]);
    const principal = (item as Record<string, unknown>).principal;
    if (typeof principal !== "string" || !(PRINCIPAL_ALIASES.includes(principal) || PRINCIPAL_ARN.test(principal))) {
      throw new InputError(
        "extra-checks",
        `item ${i + 1}: 'principal' ${typeof principal === "string" ? `'${principal}'` : "(missing)"} is not an IAM role or user ARN (arn:aws:iam::<12-digit account>:role/<name> or user/<name>, optionally with a path) nor one of ${PRINCIPAL_ALIASES.join(", ")}.`,
        "Give the role's or user's ARN as IAM shows it; assumed-role session ARNs (arn:aws:sts::…) and groups are not simulated by the preflight.",
      );
    }
    return { ...check, principal };
  });
  const ciRoleArn = roleArn(get, "ci-role-arn");
  const profile = readOptionalString(get, "ci-role-profile");
  if (profile !== undefined && !(profile in CI_PROFILES)) {
    throw new InputError("ci-role-profile", `must be one of ${Object.keys(CI_PROFILES).join(", ")}, got '${profile}'.`);
  }
  if (profile && !ciRoleArn) {
    throw new InputError(
      "ci-role-arn",
      "is required when 'ci-role-profile' is set.",
      "Give the role your smoke workflow assumes.",
    );
  }
  const ciSecretIds = readList(get, "ci-secret-ids", { commas: true });
  if (ciSecretIds.length > 0 && !ciRoleArn) {
    throw new InputError("ci-role-arn", "is required when 'ci-secret-ids' is set.");
  }
  const prNumber = readNumber(get, "pr-number", { default: 0, min: 0 });
  const taskDefinition = readTaskDefinition(get, roots);
  if (!taskDefinition && !ciRoleArn && taskRoleChecks.length === 0 && extraChecks.length === 0) {
    throw new InputError(
      "task-definition",
      "is required unless 'ci-role-arn', 'task-role-checks' or 'extra-checks' say what to check.",
      "Give the task definition file (or family[:revision]) the pull request changes.",
    );
  }
  const inputs: PreflightInputs = {
    taskRoleChecks,
    extraChecks,
    ciSecretIds,
    comment: readBoolean(get, "comment", true),
    githubToken: readString(get, "github-token"),
    failOn: readEnum(get, "fail-on", ["deny", "never"] as const, "deny"),
    region: readRegion(get, "aws-region", env),
    evidenceDir: readEvidenceDir(get, env),
    plannedPolicies: readBoolean(get, "planned-policies", true),
    templateParameters: readTemplateParameters(get, env.GITHUB_WORKSPACE || process.cwd()),
  };
  const address = readOptionalString(get, "task-definition-address");
  if (address) inputs.taskDefinitionAddress = address;
  const stackName = readOptionalString(get, "stack-name");
  if (stackName) {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$|^arn:aws[a-z-]*:cloudformation:/.test(stackName)) {
      throw new InputError("stack-name", `'${stackName}' is not a stack name (letters, digits, hyphens) or stack ID.`);
    }
    inputs.stackName = stackName;
  }
  const executionRoleArn = roleArn(get, "execution-role-arn");
  const taskRoleArn = roleArn(get, "task-role-arn");
  if (taskDefinition) inputs.taskDefinition = taskDefinition;
  if (executionRoleArn) inputs.executionRoleArn = executionRoleArn;
  if (taskRoleArn) inputs.taskRoleArn = taskRoleArn;
  if (ciRoleArn) inputs.ciRoleArn = ciRoleArn;
  if (profile) inputs.ciRoleProfile = profile as CiProfileName;
  if (prNumber > 0) inputs.prNumber = prNumber;
  return inputs;
}
