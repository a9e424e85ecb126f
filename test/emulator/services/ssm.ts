/**
 * SSM Parameter Store (JSON 1.1, `AmazonSSM.*`): String, StringList and
 * SecureString parameters with versions. Scenario format: docs/ssm.md.
 */
import { randomUUID } from "node:crypto";
import { AwsError, jsonAccessDenied } from "../errors";
import type { Emulator } from "../server";
import type { Params, RequestContext, Scenario, ServiceModule } from "../types";
import { operations } from "../types";
import { authorizeDecrypt } from "./kms";
import { page } from "./paging";
import {
  PARAMETER_TYPES,
  type Parameter,
  ParameterStore,
  type ParameterType,
  parameterKey,
  parameterNotFound,
  validateName,
  validation,
} from "./ssm/parameters";

/** Nothing beyond the common shape: its state is reached only through its API. */
export type SsmModule = ServiceModule;

export interface SsmScenario {
  parameters?: {
    name: string;
    value: string | string[];
    type?: ParameterType;
    keyId?: string;
    description?: string;
    tags?: Record<string, string>;
  }[];
}

type FilterTest = (p: Parameter) => boolean;

const normalized = (name: string) => name.replace(/^\//, "");

/** One `ParameterFilters` entry (or a legacy `Filters` one) as a predicate. */
function parameterFilter(f: Params, legacy: boolean): FilterTest {
  const key = String(f.Key ?? "");
  const values: string[] = Array.isArray(f.Values) ? f.Values.map(String) : [];
  if (values.length === 0 && !key.startsWith("tag:")) throw validation(`The filter ${key} needs at least one value.`);
  const option = String(f.Option ?? (key === "Path" ? "OneLevel" : "Equals"));
  const latest = (p: Parameter) => p.versions[p.versions.length - 1];
  switch (key) {
    case "Name": {
      if (!["Equals", "BeginsWith", "Contains"].includes(option))
        throw validation(`The option ${option} is not valid for Name.`);
      return (p) =>
        values.some((v) => {
          const [a, b] = [normalized(p.name), normalized(v)];
          return option === "BeginsWith" ? a.startsWith(b) : option === "Contains" ? a.includes(b) : a === b;
        });
    }
    case "Path": {
      if (legacy) break;
      if (option !== "Recursive" && option !== "OneLevel")
        throw validation(`The option ${option} is not valid for Path.`);
      return (p) =>
        values.some((v) => {
          const path = v.endsWith("/") ? v : `${v}/`;
          if (!p.name.startsWith(path)) return false;
          return option === "Recursive" || !p.name.slice(path.length).includes("/");
        });
    }
    case "Type":
      return (p) => values.includes(latest(p)?.type ?? "");
    case "KeyId":
      return (p) => values.includes(latest(p)?.keyId ?? "");
    case "Tier":
      return (p) => values.includes(p.tier);
    case "DataType":
      return (p) => values.includes(p.dataType);
    default:
      if (!legacy && key.startsWith("tag:")) {
        const tagKey = key.slice(4);
        return (p) => p.tags.some((t) => t.Key === tagKey && (values.length === 0 || values.includes(t.Value)));
      }
  }
  throw validation(`The filter key ${key} is not valid.`);
}

export function createSsm(emulator: Emulator): SsmModule {
  const store = new ParameterStore(() => ({ region: emulator.region, account: emulator.account }));
  const require = (name: unknown) => {
    const found = store.find(name);
    if (!found) throw parameterNotFound(String(name));
    return found;
  };

  /**
   * A SecureString read with decryption is also a kms:Decrypt by the caller on the parameter's key ("Any principal
   * that retrieves the decrypted value must have kms:Decrypt permission on that key", Systems Manager user guide,
   * ps-restrict-decryption), bound to the encryption context PARAMETER_ARN; the AWS managed key aws/ssm (no KeyId)
   * grants it to every principal of the account. Parameter Store relays KMS's own error: AccessDeniedException
   * "User: … is not authorized to perform: kms:Decrypt on resource: <key ARN> because no identity-based policy
   * allows the kms:Decrypt action (Service: AWSKMS; …)" (as AWS answered in terraform-provider-aws issue 42849), and
   * for a key KMS does not know its "The ciphertext refers to a customer master key that does not exist …".
   */
  const decryptable = (
    found: { parameter: Parameter; version: { type: string; keyId?: string } },
    ctx: RequestContext,
  ) => {
    const { version } = found;
    if (version.type !== "SecureString" || version.keyId === undefined) return undefined;
    const kmsError = (message: string) =>
      new AwsError(
        "AccessDeniedException",
        `${message} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
        400,
      );
    return authorizeDecrypt(emulator, ctx, version.keyId, {
      service: "ssm",
      context: { PARAMETER_ARN: store.arn(found.parameter.name) },
      denied: (message) => kmsError(`${message} because no identity-based policy allows the kms:Decrypt action`),
      unknownKey: () =>
        kmsError(
          "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
        ),
      // KMS's own error for the key's state (Decrypt's DisabledException / KMSInvalidStateException), relayed as
      // Parameter Store relays KMS's denial above.
      unusableKey: (key) => {
        const code = key.state === "Disabled" ? "DisabledException" : "KMSInvalidStateException";
        const why = key.state === "Disabled" ? "disabled" : "pending deletion";
        return new AwsError(
          code,
          `${key.arn} is ${why}. (Service: AWSKMS; Status Code: 400; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`,
          400,
        );
      },
    });
  };

  // Parameters are authorized on their ARN (GetParameters on each name); DescribeParameters on `*`.
  const parameterArn = (name: unknown) => store.arn(parameterKey(String(name)).key);
  const named = { resources: (params: Params) => [parameterArn(params.Name)] };

  const module: SsmModule = {
    signingName: "ssm",
    protocol: "json",
    iamPrefix: "ssm",
    accessDenied: jsonAccessDenied,
    operations: operations(
      {
        GetParameter: async (params, ctx) => {
          const found = require(params.Name);
          if (params.WithDecryption === true) await decryptable(found, ctx);
          return { Parameter: store.view(found, params.WithDecryption === true) };
        },
        GetParameters: async (params, ctx) => {
          const names: unknown[] = Array.isArray(params.Names) ? params.Names : [];
          if (names.length === 0 || names.length > 10)
            throw validation(
              "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10",
            );
          const found: Params[] = [];
          const invalid: string[] = [];
          for (const name of names) {
            const hit = store.find(name);
            if (!hit) {
              invalid.push(String(name));
              continue;
            }
            if (params.WithDecryption === true) await decryptable(hit, ctx);
            found.push(store.view(hit, params.WithDecryption === true));
          }
          return { Parameters: found, InvalidParameters: invalid };
        },
        PutParameter: (params, ctx) => {
          const name = validateName(params.Name);
          const value = params.Value;
          if (typeof value !== "string" || value.length === 0)
            throw validation(
              "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
            );
          const tier = String(params.Tier ?? "Standard");
          if (tier === "Standard" && value.length > 4096)
            throw validation(
              "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.",
            );
          const existing = store.parameters.get(parameterKey(name).key);
          if (existing && params.Overwrite !== true)
            throw new AwsError(
              "ParameterAlreadyExists",
              "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
            );
          if (existing && Array.isArray(params.Tags) && params.Tags.length > 0)
            throw validation(
              "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
            );
          const type = (params.Type ?? existing?.versions[existing.versions.length - 1]?.type) as
            | ParameterType
            | undefined;
          if (type === undefined) throw validation("A parameter type is required when you create a parameter.");
          if (!PARAMETER_TYPES.includes(type)) throw validation(`Parameter type ${type} is not valid.`);
          if (params.KeyId !== undefined && type !== "SecureString")
            throw validation("KeyId is required for SecureString type parameter only.");
          if (typeof params.AllowedPattern === "string" && !new RegExp(params.AllowedPattern).test(value))
            throw validation(`Parameter value, cannot be validated against allowedPattern: ${params.AllowedPattern}`);
          const parameter = store.put({
            name,
            value,
            type,
            ...(params.KeyId !== undefined ? { keyId: String(params.KeyId) } : {}),
            ...(params.Description !== undefined ? { description: String(params.Description) } : {}),
            ...(Array.isArray(params.Tags) ? { tags: params.Tags } : {}),
            tier,
            ...(params.DataType !== undefined ? { dataType: String(params.DataType) } : {}),
            user: ctx.principalArn,
            seeded: false,
          });
          return { Version: parameter.versions[parameter.versions.length - 1]?.version, Tier: parameter.tier };
        },
        DescribeParameters: (params) => {
          if (Array.isArray(params.Filters) && Array.isArray(params.ParameterFilters))
            throw validation("You can use either Filters or ParameterFilters in a single request.");
          const tests = [
            ...(Array.isArray(params.Filters) ? params.Filters.map((f: Params) => parameterFilter(f, true)) : []),
            ...(Array.isArray(params.ParameterFilters)
              ? params.ParameterFilters.map((f: Params) => parameterFilter(f, false))
              : []),
          ];
          const max = params.MaxResults === undefined ? 50 : Number(params.MaxResults);
          if (!Number.isInteger(max) || max < 1 || max > 50)
            throw validation(
              "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
            );
          const matches = [...store.parameters.values()]
            .filter((p) => tests.every((t) => t(p)))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          const result = page(matches, {
            token: params.NextToken,
            max,
            tag: "parameters",
            badToken: () => new AwsError("InvalidNextToken", "The specified token isn't valid."),
          });
          return {
            Parameters: result.items.map((p) => store.metadata(p)),
            ...(result.nextToken ? { NextToken: result.nextToken } : {}),
          };
        },
        DeleteParameter: (params) => {
          const { parameter } = require(params.Name);
          store.parameters.delete(parameterKey(parameter.name).key);
          return {};
        },
      },
      {
        GetParameter: named,
        GetParameters: {
          resources: (params) => (Array.isArray(params.Names) ? params.Names.map(parameterArn) : ["*"]),
        },
        PutParameter: named,
        DescribeParameters: {},
        DeleteParameter: named,
      },
    ),
    reset() {
      store.parameters.clear();
    },
    snapshot: () => ({
      parameters: [...store.parameters.values()].map((p) => {
        const { Name, ARN, Type, KeyId, Version } = store.metadata(p);
        return { name: Name, arn: ARN, type: Type, keyId: KeyId, version: Version };
      }),
    }),
    created: () => [...store.parameters.values()].filter((p) => !p.seeded).map((p) => store.arn(p.name)),
    loadScenario(scenario: Scenario) {
      const section = scenario.ssm as SsmScenario | undefined;
      for (const p of section?.parameters ?? []) {
        if (typeof p.name !== "string" || p.value === undefined)
          throw new Error("ssm scenario: every parameter needs a name and a value");
        const type = p.type ?? (p.keyId ? "SecureString" : Array.isArray(p.value) ? "StringList" : "String");
        if (!PARAMETER_TYPES.includes(type))
          throw new Error(`ssm scenario: type must be one of ${PARAMETER_TYPES.join(", ")}`);
        store.parameters.delete(parameterKey(p.name).key);
        store.put({
          name: p.name,
          value: Array.isArray(p.value) ? p.value.join(",") : p.value,
          type,
          ...(p.keyId ? { keyId: p.keyId } : {}),
          ...(p.description ? { description: p.description } : {}),
          tags: Object.entries(p.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
          user: emulator.defaultPrincipal(),
          seeded: true,
        });
      }
    },
  };
  return module;
}
