import { parse as parseYaml } from "yaml";
import { InputError } from "./errors";

/** Reads one raw input by its name ('' when not given). Injected so tests fake inputs by name. */
export type InputSource = (name: string) => string;

export interface StringOptions {
  required?: boolean;
  default?: string;
}

export function readString(get: InputSource, name: string, opts: StringOptions = {}): string {
  const value = get(name).trim();
  if (value !== "") return value;
  if (opts.default !== undefined) return opts.default;
  if (opts.required) throw new InputError(name, "is required but was empty.", `Set '${name}' in the step's 'with:'.`);
  return "";
}

export function readOptionalString(get: InputSource, name: string): string | undefined {
  const value = get(name).trim();
  return value === "" ? undefined : value;
}

const TRUE = new Set(["true", "True", "TRUE"]);
const FALSE = new Set(["false", "False", "FALSE"]);

/** Only the YAML 1.2 core-schema spellings of true/false, as @actions/core does. */
export function readBoolean(get: InputSource, name: string, fallback: boolean, fix?: string): boolean {
  const value = get(name).trim();
  if (value === "") return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, `must be true or false, got '${value}'.`, fix);
}

export interface NumberOptions {
  default: number;
  min?: number;
  max?: number;
  integer?: boolean;
}

export function readNumber(get: InputSource, name: string, opts: NumberOptions): number {
  const raw = get(name).trim();
  if (raw === "") return opts.default;
  const value = Number(raw);
  const integer = opts.integer ?? true;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || !/^-?[0-9.eE+]+$/.test(raw)) {
    throw new InputError(name, `must be ${integer ? "a whole number" : "a number"}, got '${raw}'.`);
  }
  if (opts.min !== undefined && value < opts.min) {
    throw new InputError(name, `must be at least ${opts.min}, got ${raw}.`);
  }
  if (opts.max !== undefined && value > opts.max) {
    throw new InputError(name, `must be at most ${opts.max}, got ${raw}.`);
  }
  return value;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in seconds, or with a unit (`500ms`, `30s`, `5m`, `1h`); returns milliseconds. */
export function readDurationMs(
  get: InputSource,
  name: string,
  opts: { defaultMs: number; minMs?: number; maxMs?: number },
): number {
  const raw = get(name).trim();
  if (raw === "") return opts.defaultMs;
  const m = DURATION.exec(raw);
  if (!m)
    throw new InputError(
      name,
      `must be a duration in seconds (e.g. 30) or with a unit (500ms, 30s, 5m), got '${raw}'.`,
    );
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? "s"] ?? 1000);
  if (opts.minMs !== undefined && ms < opts.minMs)
    throw new InputError(name, `must be at least ${opts.minMs / 1000}s, got '${raw}'.`);
  if (opts.maxMs !== undefined && ms > opts.maxMs)
    throw new InputError(name, `must be at most ${opts.maxMs / 1000}s, got '${raw}'.`);
  return ms;
}

export function readEnum<T extends string>(get: InputSource, name: string, allowed: readonly T[], fallback: T): T {
  const raw = get(name).trim();
  if (raw === "") return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new InputError(name, `must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got '${raw}'.`);
}

/** One item per line (and, when `commas`, also comma separated); blank lines and `#` comments dropped. */
export function readList(get: InputSource, name: string, opts: { commas?: boolean } = {}): string[] {
  const raw = get(name);
  const parts = opts.commas ? raw.split(/[\n,]/) : raw.split("\n");
  return parts.map((p) => p.trim()).filter((p) => p !== "" && !p.startsWith("#"));
}

/** Parses YAML (JSON is YAML too); errors name the input and the line. */
export function readYaml(get: InputSource, name: string): unknown {
  const raw = get(name);
  if (raw.trim() === "") return undefined;
  try {
    return parseYaml(raw, { strict: true, uniqueKeys: true });
  } catch (error) {
    const msg = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InputError(name, `is not valid YAML: ${msg}`, "Check indentation and quoting.");
  }
}

/** Rejects keys a YAML object may not have, naming the input, the item and the allowed keys. */
export function assertKnownKeys(
  input: string,
  where: string,
  obj: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new InputError(input, `${where} has unknown key '${key}'.`, `Allowed keys: ${allowed.join(", ")}.`);
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1}$/;

/** `aws-region` input, else AWS_REGION / AWS_DEFAULT_REGION. */
export function readRegion(get: InputSource, name = "aws-region", env: NodeJS.ProcessEnv = process.env): string {
  const region = get(name).trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || "";
  if (region === "") {
    throw new InputError(
      name,
      "no AWS region was given and neither AWS_REGION nor AWS_DEFAULT_REGION is set.",
      "Set 'aws-region' or run aws-actions/configure-aws-credentials first.",
    );
  }
  if (!REGION.test(region)) throw new InputError(name, `'${region}' is not an AWS region name (like us-west-2).`);
  return region;
}

const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws)?:(.+)$/;

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = ARN.exec(arn);
  if (!m) return undefined;
  return {
    partition: arn.split(":")[1] ?? "aws",
    service: m[1] ?? "",
    region: m[2] ?? "",
    account: m[3] ?? "",
    resource: m[4] ?? "",
  };
}

/** An ARN of the given service (and resource prefix, e.g. `targetgroup/`). */
export function readArn(
  get: InputSource,
  name: string,
  opts: { service: string; resourcePrefix?: string; required?: boolean },
): string | undefined {
  const raw = get(name).trim();
  if (raw === "") {
    if (opts.required) throw new InputError(name, "is required but was empty.");
    return undefined;
  }
  const arn = parseArn(raw);
  if (!arn || arn.service !== opts.service || (opts.resourcePrefix && !arn.resource.startsWith(opts.resourcePrefix))) {
    const example = `arn:aws:${opts.service}:<region>:<account>:${opts.resourcePrefix ?? ""}...`;
    throw new InputError(name, `'${raw}' is not a valid ARN of the expected kind (${example}).`);
  }
  return raw;
}
