/**
 * Flags and --help, generated from the actions' own action.yml inputs
 * (src/cli/action-inputs.json, written by scripts/cli-inputs.mjs): a flag has
 * the input's name, description and default, and its value reaches the same
 * input reader the action uses, so validation and its messages are the same.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { InputError } from "../lib/errors";
import type { InputSource } from "../lib/inputs";
import ACTIONS from "./action-inputs.json";

export interface ActionInput {
  name: string;
  description: string;
  required: boolean;
  default?: string;
}

export interface ActionMeta {
  file: string;
  description: string;
  inputs: ActionInput[];
}

export type ActionName = keyof typeof ACTIONS;
export const actionMeta = (name: ActionName): ActionMeta => ACTIONS[name] as ActionMeta;

export interface CliFlag {
  name: string;
  description: string;
  boolean?: boolean;
  default?: string;
}

export interface CommandSpec {
  name: string;
  /** The action whose inputs are this command's flags (`ecs-alb-smoke` is the root composite action). */
  action: ActionName;
  summary: string;
  /** Inputs the command sets itself, with the reason; giving one as a flag is a usage error. */
  fixed?: Record<string, { value: string; why: string }>;
  /** Flags of the command line only (not action inputs). */
  extra?: CliFlag[];
  /** An example command line for --help. */
  example: string;
}

/**
 * `mask-account-ids` is about job summaries, annotations and PR comments that
 * others read; a command line writes to the terminal of whoever runs it.
 */
export const TERMINAL_ACCOUNT_IDS = {
  "mask-account-ids": {
    value: "false",
    why: "the report goes to your terminal, not to a job summary or a comment: ARNs are shown in full.",
  },
} as const;

/** Flags every command takes. */
export const COMMON_FLAGS: CliFlag[] = [
  { name: "profile", description: "AWS profile of the shared config/credentials files (sets AWS_PROFILE)." },
  {
    name: "region",
    description:
      "AWS region (sets aws-region and AWS_REGION); default AWS_REGION, AWS_DEFAULT_REGION or the profile's region.",
  },
  { name: "json", boolean: true, description: "Print one JSON document (result, outputs, evidence) on stdout." },
  { name: "verbose", boolean: true, description: "Also print debug lines and stack traces." },
  { name: "help", boolean: true, description: "Show this help." },
];

export class UsageError extends Error {
  override name = "UsageError";
}

const BOOLEAN_DEFAULT = /(^|\W)Default: (true|false)\b/;

/** A true/false input: its default is `true`/`false`, or its description says `Default: true|false`. */
export function isBooleanInput(input: ActionInput): boolean {
  return input.default === "true" || input.default === "false" || BOOLEAN_DEFAULT.test(input.description);
}

/** A default the runner evaluates (`${{ github.token }}`) means nothing outside a workflow. */
function usableDefault(value: string | undefined): string | undefined {
  return value === undefined || value.includes("${{") ? undefined : value;
}

export interface ParsedCommand {
  help: boolean;
  json: boolean;
  verbose: boolean;
  profile?: string;
  region?: string;
  /** The value of every input the way the runner would pass it: flag, fixed value, or action.yml default. */
  get: InputSource;
  /** Command-line-only flags (extra). */
  extra: Record<string, string | boolean | undefined>;
  /** Inputs given as flags (for messages). */
  given: Set<string>;
}

function flagInputs(spec: CommandSpec): ActionInput[] {
  return actionMeta(spec.action).inputs.filter((i) => !spec.fixed?.[i.name]);
}

/** `--x=true|false` of a boolean flag becomes `--x` / `--no-x` (parseArgs takes no value for booleans). */
function normalizeBooleans(args: string[], booleans: Set<string>): string[] {
  return args.map((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m || !booleans.has(m[1] as string)) return a;
    if (m[2] === "true") return `--${m[1]}`;
    if (m[2] === "false") return `--no-${m[1]}`;
    throw new UsageError(`Flag --${m[1]} takes no value or =true/=false, got '${m[2]}'.`);
  });
}

export function parseCommand(spec: CommandSpec, args: string[]): ParsedCommand {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  const booleans = new Set<string>();
  const inputs = flagInputs(spec);
  const addFlag = (name: string, boolean: boolean) => {
    if (boolean) {
      booleans.add(name);
      options[name] = { type: "boolean" };
      options[`no-${name}`] = { type: "boolean" };
    } else {
      options[name] = { type: "string", multiple: true };
    }
  };
  for (const i of inputs) addFlag(i.name, isBooleanInput(i));
  for (const f of [...COMMON_FLAGS, ...(spec.extra ?? [])]) if (!options[f.name]) addFlag(f.name, f.boolean === true);
  options.help = { type: "boolean", short: "h" };

  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: normalizeBooleans(args, booleans),
      options,
      strict: true,
      allowPositionals: true,
    }) as { values: Record<string, unknown>; positionals: string[] });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const fixedName = /'(--[^'\s]+)/.exec(message)?.[1]?.replace(/^--(no-)?/, "");
    if (fixedName && spec.fixed?.[fixedName]) {
      throw new UsageError(`--${fixedName} is set by '${spec.name}' itself: ${spec.fixed[fixedName].why}`);
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, "."));
  }
  if (positionals.length > 0) {
    throw new UsageError(`'${spec.name}' takes flags only, got the argument '${positionals[0]}'.`);
  }

  const given = new Set<string>();
  const flagValue = (name: string): string | undefined => {
    if (booleans.has(name)) {
      const yes = values[name] === true;
      const no = values[`no-${name}`] === true;
      if (yes && no) throw new UsageError(`--${name} and --no-${name} contradict each other.`);
      return yes ? "true" : no ? "false" : undefined;
    }
    const list = values[name] as string[] | undefined;
    return list === undefined ? undefined : list.join("\n");
  };
  const inputValues = new Map<string, string>();
  for (const i of actionMeta(spec.action).inputs) {
    const fixed = spec.fixed?.[i.name];
    const flag = fixed ? undefined : flagValue(i.name);
    if (flag !== undefined) given.add(i.name);
    inputValues.set(i.name, fixed?.value ?? flag ?? usableDefault(i.default) ?? "");
  }
  const region = flagValue("region");
  if (region !== undefined && inputValues.has("aws-region")) {
    if (given.has("aws-region") && inputValues.get("aws-region") !== region) {
      throw new UsageError("--region and --aws-region name different regions: give one.");
    }
    inputValues.set("aws-region", region);
  }
  const extra: Record<string, string | boolean | undefined> = {};
  for (const f of spec.extra ?? []) {
    const v = flagValue(f.name);
    extra[f.name] = f.boolean ? v === "true" : (v ?? f.default);
  }
  const profile = flagValue("profile");
  return {
    help: values.help === true,
    json: values.json === true,
    verbose: values.verbose === true,
    ...(profile !== undefined ? { profile } : {}),
    ...(region !== undefined ? { region } : {}),
    get: (name) => {
      const v = inputValues.get(name);
      if (v === undefined) throw new Error(`${spec.action} has no input '${name}'`);
      return v;
    },
    extra,
    given,
  };
}

function flagLines(name: string, boolean: boolean, description: string, required: boolean, def?: string): string[] {
  const lines = [
    boolean ? `  --${name}, --no-${name}` : `  --${name} <value>`,
    ...description.split("\n").map((l) => `      ${l}`),
  ];
  if (required) lines.push("      required");
  if (def !== undefined && def !== "") {
    const [first, ...rest] = def.replace(/\n$/, "").split("\n");
    lines.push(`      default: ${first}`, ...rest.map((l) => `               ${l}`));
  }
  return lines;
}

/** --help: every input of the action.yml, with its description and default, then the common flags. */
export function helpText(spec: CommandSpec, bin = "ecs-alb-smoke"): string {
  const meta = actionMeta(spec.action);
  const out = [
    `Usage: ${bin} ${spec.name} [flags]`,
    "",
    spec.summary,
    `Flags are the inputs of ${meta.file}, with the same names, descriptions and defaults.`,
    "",
    "Flags:",
  ];
  for (const i of flagInputs(spec)) {
    out.push(...flagLines(i.name, isBooleanInput(i), i.description, i.required, i.default));
  }
  for (const f of spec.extra ?? []) out.push(...flagLines(f.name, f.boolean === true, f.description, false, f.default));
  const fixed = Object.entries(spec.fixed ?? {});
  if (fixed.length > 0) {
    out.push("", `Set by '${spec.name}' itself (not flags):`);
    for (const [name, f] of fixed) {
      const i = meta.inputs.find((x) => x.name === name);
      out.push(`  ${name}: ${f.value === "" ? '""' : f.value} — ${f.why}`);
      if (i) out.push(...i.description.split("\n").map((l) => `      ${l}`));
    }
  }
  out.push("", "Common flags:");
  for (const f of COMMON_FLAGS) out.push(...flagLines(f.name, f.boolean === true, f.description, false));
  out.push(
    "",
    "A flag given twice is two lines of the input (lists, YAML). Credentials come from the AWS SDK's",
    "default chain (environment, AWS_PROFILE / --profile, shared config and SSO, container credentials).",
    "Exit status: 0 pass, 1 fail (or an error), 2 usage error, 130/143 interrupted (see the README).",
    "",
    "Example:",
    `  ${spec.example}`,
    "",
  );
  return out.join("\n");
}

/** An input reader's complaint about a flag: the same message the action gives, plus where to look. */
export function inputErrorMessage(error: InputError, spec: CommandSpec): string {
  const flag = spec.fixed?.[error.input] ? "" : `flag --${error.input}; `;
  return `${error.message} (${flag}see 'ecs-alb-smoke ${spec.name} --help')`;
}

/**
 * The inputs of one action as a step of the smoke cycle passes them (the root
 * action.yml's `with:`): the given values, else the action.yml defaults.
 */
export function actionSource(action: ActionName, values: Record<string, string>): InputSource {
  const inputs = actionMeta(action).inputs;
  for (const name of Object.keys(values)) {
    if (!inputs.some((i) => i.name === name)) throw new Error(`${action} has no input '${name}'`);
  }
  return (name) => {
    const input = inputs.find((i) => i.name === name);
    if (!input) throw new Error(`${action} has no input '${name}'`);
    return values[name] ?? usableDefault(input.default) ?? "";
  };
}
