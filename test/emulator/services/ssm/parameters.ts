/**
 * SSM parameters with their version history. A top-level name with or without
 * its leading slash is the same parameter (same ARN), as in AWS.
 */
import { createHash } from "node:crypto";
import { AwsError } from "../../errors";
import type { Params } from "../../types";

export type ParameterType = "String" | "StringList" | "SecureString";
export const PARAMETER_TYPES: ParameterType[] = ["String", "StringList", "SecureString"];
export const DEFAULT_SSM_KEY = "alias/aws/ssm";

export interface ParameterVersion {
  version: number;
  value: string;
  type: ParameterType;
  keyId?: string;
  description?: string;
  lastModifiedDate: Date;
  lastModifiedUser: string;
  labels: string[];
}

export interface Parameter {
  name: string;
  versions: ParameterVersion[];
  tags: { Key: string; Value: string }[];
  tier: string;
  dataType: string;
  seeded: boolean;
}

export const validation = (message: string) => new AwsError("ValidationException", message);
export const parameterNotFound = (name: string) => new AwsError("ParameterNotFound", `Parameter ${name} not found.`);

/** Lookup key: a name or ARN without the leading slash and without a `:version` / `:label` selector. */
export function parameterKey(nameOrArn: string): { key: string; selector?: string } {
  let name = nameOrArn;
  const arn = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/(.*)$/.exec(name);
  if (arn) name = arn[1] as string;
  const colon = name.lastIndexOf(":");
  const out: { key: string; selector?: string } = {
    key: (colon >= 0 ? name.slice(0, colon) : name).replace(/^\//, ""),
  };
  if (colon >= 0) out.selector = name.slice(colon + 1);
  return out;
}

export function validateName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 2048)
    throw validation("Parameter name must be between 1 and 2048 characters.");
  if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) throw validation("Parameter name: can only include a-zA-Z0-9_.-/ characters.");
  if (name.includes("/") && !name.startsWith("/")) throw validation("Parameter name must be a fully qualified name.");
  if (/^\/?(aws|ssm)/i.test(name))
    throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  return name;
}

export class ParameterStore {
  readonly parameters = new Map<string, Parameter>();

  constructor(private readonly where: () => { region: string; account: string }) {}

  arn(name: string): string {
    const { region, account } = this.where();
    return `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, "")}`;
  }

  find(nameOrArn: unknown): { parameter: Parameter; version: ParameterVersion; selector?: string } | undefined {
    if (typeof nameOrArn !== "string") return undefined;
    const { key, selector } = parameterKey(nameOrArn);
    const parameter = this.parameters.get(key);
    if (!parameter) return undefined;
    let version = parameter.versions[parameter.versions.length - 1] as ParameterVersion;
    if (selector !== undefined) {
      const chosen = /^\d+$/.test(selector)
        ? parameter.versions.find((v) => v.version === Number(selector))
        : parameter.versions.find((v) => v.labels.includes(selector));
      if (!chosen) return undefined;
      version = chosen;
    }
    return { parameter, version, ...(selector !== undefined ? { selector: `:${selector}` } : {}) };
  }

  put(spec: {
    name: string;
    value: string;
    type: ParameterType;
    keyId?: string;
    description?: string;
    user: string;
    tags?: { Key: string; Value: string }[];
    tier?: string;
    dataType?: string;
    seeded: boolean;
  }): Parameter {
    const key = parameterKey(spec.name).key;
    const existing = this.parameters.get(key);
    const parameter: Parameter = existing ?? {
      name: spec.name,
      versions: [],
      tags: spec.tags ?? [],
      tier: spec.tier ?? "Standard",
      dataType: spec.dataType ?? "text",
      seeded: spec.seeded,
    };
    const version: ParameterVersion = {
      version: (parameter.versions[parameter.versions.length - 1]?.version ?? 0) + 1,
      value: spec.value,
      type: spec.type,
      lastModifiedDate: new Date(),
      lastModifiedUser: spec.user,
      labels: [],
    };
    if (spec.type === "SecureString") version.keyId = spec.keyId ?? DEFAULT_SSM_KEY;
    const description = spec.description ?? parameter.versions[parameter.versions.length - 1]?.description;
    if (description !== undefined) version.description = description;
    parameter.versions.push(version);
    this.parameters.set(key, parameter);
    return parameter;
  }

  /** GetParameter(s)' view; a SecureString without WithDecryption shows ciphertext, never the value. */
  view(found: { parameter: Parameter; version: ParameterVersion; selector?: string }, decrypt: boolean): Params {
    const { parameter, version } = found;
    const value =
      version.type === "SecureString" && !decrypt
        ? `AQICAH${createHash("sha256").update(`${version.keyId}\0${version.value}`).digest("base64")}`
        : version.value;
    return {
      Name: parameter.name,
      Type: version.type,
      Value: value,
      Version: version.version,
      ...(found.selector ? { Selector: found.selector } : {}),
      LastModifiedDate: version.lastModifiedDate,
      ARN: this.arn(parameter.name),
      DataType: parameter.dataType,
    };
  }

  /** DescribeParameters' metadata view (no value). */
  metadata(parameter: Parameter): Params {
    const v = parameter.versions[parameter.versions.length - 1] as ParameterVersion;
    return {
      Name: parameter.name,
      ARN: this.arn(parameter.name),
      Type: v.type,
      ...(v.keyId ? { KeyId: v.keyId } : {}),
      LastModifiedDate: v.lastModifiedDate,
      LastModifiedUser: v.lastModifiedUser,
      ...(v.description !== undefined ? { Description: v.description } : {}),
      Version: v.version,
      Tier: parameter.tier,
      Policies: [],
      DataType: parameter.dataType,
    };
  }
}
