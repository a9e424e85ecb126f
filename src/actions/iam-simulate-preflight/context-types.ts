/**
 * Context entries as IAM types them. SimulatePrincipalPolicy interprets each
 * entry's values by its ContextKeyType
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html):
 * a `Bool` or `Numeric` condition is not met by a value sent as `string`. The
 * type of a key comes from, in this order: an explicit `type:` in the input,
 * the condition key reference (global keys below; service keys generated from
 * the Service Authorization Reference by scripts/condition-key-types.mjs), and
 * the YAML value (true/false → boolean, a number → numeric).
 */
import { ContextKeyTypeEnum } from "@aws-sdk/client-iam";
import SERVICE_KEY_TYPES from "./condition-key-types.json";

/** The ContextKeyType values, as the IAM API (and so the SDK) defines them. */
export const CONTEXT_KEY_TYPES = Object.values(ContextKeyTypeEnum);
export type ContextKeyType = ContextKeyTypeEnum;

/** A context entry's values with the type IAM is told to read them as. */
export interface ContextValue {
  type: ContextKeyType;
  values: string[];
}

export const stringValue = (value: string): ContextValue => ({ type: "string", values: [value] });

// The global keys that are not strings, typed as the IAM User Guide's "AWS global condition
// context keys" reference types them
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
const GLOBAL_KEY_TYPES: Record<string, ContextKeyType> = {
  "aws:calledvia": "stringList",
  "aws:currenttime": "date",
  "aws:epochtime": "date",
  "aws:multifactorauthage": "numeric",
  "aws:multifactorauthpresent": "boolean",
  "aws:principalisawsservice": "boolean",
  "aws:principalorgpaths": "stringList",
  "aws:principalservicenameslist": "stringList",
  "aws:resourceorgpaths": "stringList",
  "aws:securetransport": "boolean",
  "aws:sourceip": "ip",
  "aws:sourceorgpaths": "stringList",
  "aws:tagkeys": "stringList",
  "aws:tokenissuetime": "date",
  "aws:viaawsservice": "boolean",
  "aws:vpcsourceip": "ip",
  "aws:ec2instancesourceprivateipv4": "ip",
};

const serviceTypes = SERVICE_KEY_TYPES.keys as Record<string, ContextKeyType>;
const services = new Set(SERVICE_KEY_TYPES.services);
/** Templated keys (`s3:ExistingObjectTag/${TagKey}`) as prefix patterns. */
const templated = Object.entries(serviceTypes)
  .filter(([key]) => key.includes("${"))
  .map(([key, type]) => ({
    pattern: new RegExp(`^${key.replace(/[.*+?^()|[\]\\]/g, "\\$&").replace(/\$\{[^}]*\}/g, ".+")}$`),
    type,
  }));

/** The type the condition key reference gives a key (condition key names are case-insensitive), if known. */
export function knownKeyType(key: string): ContextKeyType | undefined {
  const lower = key.toLowerCase();
  const typed = GLOBAL_KEY_TYPES[lower] ?? serviceTypes[lower] ?? templated.find((t) => t.pattern.test(lower))?.type;
  if (typed) return typed;
  // Every other key of the reference is a String.
  const prefix = lower.split(":")[0] ?? "";
  return prefix === "aws" || services.has(prefix) ? "string" : undefined;
}

const BOOLEAN = /^(true|false)$/i;
const NUMERIC = /^-?\d+(\.\d+)?$/;
const IPV4_CIDR = /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/;
const IPV6_CIDR = /^[0-9a-f:]+(\/\d{1,3})?$/i;
// ISO 8601 dates and times, or epoch seconds (IAM's date operators accept both).
const DATE = /^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?|\d+)$/;

/** Why `value` cannot be read as `type` (scalar type), or undefined when it can. */
export function invalidForType(type: ContextKeyType, value: string): string | undefined {
  const scalar = type.replace(/List$/, "");
  const ok =
    scalar === "boolean"
      ? BOOLEAN.test(value)
      : scalar === "numeric"
        ? NUMERIC.test(value)
        : scalar === "ip"
          ? IPV4_CIDR.test(value) || (value.includes(":") && IPV6_CIDR.test(value))
          : scalar === "date"
            ? DATE.test(value) && !Number.isNaN(NUMERIC.test(value) ? Number(value) : Date.parse(value))
            : scalar === "binary"
              ? /^[A-Za-z0-9+/]*={0,2}$/.test(value)
              : true;
  return ok ? undefined : `'${value}' is not a valid ${scalar} value`;
}

/**
 * The typed entry for a value from YAML: `explicit` wins, then the key's
 * known type, then the YAML type. A list makes it a list type.
 */
export function typedContextValue(
  key: string,
  raw: string | number | boolean | (string | number | boolean)[],
  explicit?: ContextKeyType,
): { value?: ContextValue; problem?: string } {
  const list = Array.isArray(raw);
  const items = list ? raw : [raw];
  const fromYaml: ContextKeyType = items.every((v) => typeof v === "boolean")
    ? "boolean"
    : items.every((v) => typeof v === "number")
      ? "numeric"
      : "string";
  const known = knownKeyType(key);
  let type: ContextKeyType = explicit ?? known ?? fromYaml;
  if (list && !type.endsWith("List")) type = `${type}List` as ContextKeyType;
  if (!list && !explicit && known?.endsWith("List")) type = known;
  if (explicit && known && explicit.replace(/List$/, "") !== known.replace(/List$/, "")) {
    return { problem: `'${key}' is typed ${known} by the IAM condition key reference, not ${explicit}` };
  }
  const values = items.map(String);
  for (const v of values) {
    const problem = invalidForType(type, v);
    if (problem) return { problem: `${problem} for '${key}' (${type})` };
  }
  return { value: { type, values } };
}
