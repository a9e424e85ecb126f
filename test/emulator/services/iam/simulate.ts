/**
 * SimulatePrincipalPolicy as IAM answers it today: one EvaluationResult per
 * action (the top level is the most restrictive decision over the requested
 * resources, `EvalResourceName` the resource type's ARN template), per-resource
 * decisions in `ResourceSpecificResults`, paged over actions with
 * MaxItems/Marker.
 */
import { createHash } from "node:crypto";
import { ContextKeyTypeEnum } from "@aws-sdk/client-iam";
import { AwsError } from "../../errors";
import type { Params, RequestContext } from "../../types";
import {
  compileBoundary,
  compilePrincipal,
  type Decision,
  type Evaluation,
  evaluateBounded,
  type MatchedStatement,
} from "./evaluate";
import { checkPolicyDocument, type IamStore } from "./store";

const RESTRICTIVENESS: Record<Decision, number> = { allowed: 0, implicitDeny: 1, explicitDeny: 2 };

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html: the valid
// ContextKeyType values (the SDK's enum of them); IAM reads each entry's values as that type.
const CONTEXT_KEY_TYPES: string[] = Object.values(ContextKeyTypeEnum);

const VALID: Record<string, (v: string) => boolean> = {
  string: () => true,
  numeric: (v) => /^-?\d+(\.\d+)?$/.test(v),
  boolean: (v) => /^(true|false)$/i.test(v),
  ip: (v) => /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/.test(v) || /^[0-9a-f:]*:[0-9a-f:]*(\/\d{1,3})?$/i.test(v),
  binary: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v),
  date: (v) => /^\d+$/.test(v) || !Number.isNaN(Date.parse(v)),
};

export interface SimulationContext {
  values: Record<string, string | string[]>;
  /** Scalar type per key, lower-cased (condition key names are case-insensitive). */
  types: Record<string, string>;
}

/** ContextEntries as IAM reads them: the type is checked against the enum, every value against the type. */
export function contextFromEntries(entries: unknown): SimulationContext {
  const values: Record<string, string | string[]> = {};
  const types: Record<string, string> = {};
  (Array.isArray(entries) ? entries : []).forEach((entry: Params, i: number) => {
    const name = String(entry.ContextKeyName ?? "");
    if (name === "") throw new AwsError("InvalidInput", "ContextKeyName is required for every context entry.");
    const type = entry.ContextKeyType === undefined ? "string" : String(entry.ContextKeyType);
    if (!CONTEXT_KEY_TYPES.includes(type)) {
      throw new AwsError(
        "ValidationError",
        `1 validation error detected: Value '${type}' at 'contextEntries.${i + 1}.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [${CONTEXT_KEY_TYPES.join(", ")}]`,
      );
    }
    const scalar = type.replace(/List$/, "");
    const list = (Array.isArray(entry.ContextKeyValues) ? entry.ContextKeyValues : []).map(String);
    for (const v of list) {
      if (!VALID[scalar]?.(v)) {
        throw new AwsError("InvalidInput", `Invalid value ${v} for context key ${name} of type ${type}.`);
      }
    }
    values[name] = type.endsWith("List") ? list : (list[0] ?? "");
    types[name.toLowerCase()] = scalar;
  });
  return { values, types };
}

/** The value type a condition operator compares as (`null` for Null, which only tests presence). */
function operatorType(operator: string): string {
  const base = operator.replace(/^For(Any|All)Values:/i, "").replace(/IfExists$/i, "");
  if (/^Numeric/i.test(base)) return "numeric";
  if (/^Date/i.test(base)) return "date";
  if (/^Bool$/i.test(base)) return "boolean";
  if (/^(Not)?IpAddress$/i.test(base)) return "ip";
  if (/^Binary/i.test(base)) return "binary";
  if (/^Null$/i.test(base)) return "null";
  return "string"; // String* and Arn* compare strings
}

/**
 * The context as the evaluation sees it: a key sent with a type other than
 * the one a policy's operator compares (a `Bool` condition and a value sent
 * as `string`) does not meet that condition, as IAM reads values by their
 * ContextKeyType. Such values are made unreadable for the operator (a
 * prefix no number, date, IP or `true` starts with). A key used with two
 * operator types in one principal's policies is made unreadable for both.
 */
export function evaluationContext(context: SimulationContext, policies: { parsed: { Statement?: unknown } }[]) {
  const used = new Map<string, Set<string>>();
  for (const p of policies) {
    const statements = Array.isArray(p.parsed.Statement) ? p.parsed.Statement : [p.parsed.Statement];
    for (const s of statements as { Condition?: Record<string, Record<string, unknown>> }[]) {
      for (const [operator, entries] of Object.entries(s?.Condition ?? {})) {
        for (const key of Object.keys(entries ?? {})) {
          const k = key.toLowerCase();
          if (!used.has(k)) used.set(k, new Set());
          used.get(k)?.add(operatorType(operator));
        }
      }
    }
  }
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(context.values)) {
    const type = context.types[key.toLowerCase()] ?? "string";
    const mismatch = [...(used.get(key.toLowerCase()) ?? [])].some((t) => t !== "null" && t !== type);
    const mangle = (v: string) => `\u0000${type}:${v}`;
    out[key] = mismatch ? (Array.isArray(value) ? value.map(mangle) : mangle(value)) : value;
  }
  return out;
}

export function maxItems(raw: unknown): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    const rule = n < 1 ? "greater than or equal to 1" : "less than or equal to 1000";
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value ${rule}`,
    );
  }
  return n;
}

/** Opaque marker: the offset plus a fingerprint of the request it belongs to. */
export const fingerprint = (parts: unknown) =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
export const encodeMarker = (offset: number, fp: string) =>
  Buffer.from(JSON.stringify({ o: offset, f: fp })).toString("base64");
export function decodeMarker(marker: unknown, fp: string): number {
  if (marker === undefined || marker === "") return 0;
  try {
    const { o, f } = JSON.parse(Buffer.from(String(marker), "base64").toString("utf8")) as { o: number; f: string };
    if (f === fp && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // falls through to the refusal
  }
  throw new AwsError("InvalidInput", "Invalid Marker.");
}

function unionStatements(results: Evaluation[]): MatchedStatement[] {
  const seen = new Set<string>();
  const out: MatchedStatement[] = [];
  for (const r of results) {
    for (const s of r.matched) {
      const key = JSON.stringify(s);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(s);
    }
  }
  return out;
}

export async function simulatePrincipalPolicy(store: IamStore, params: Params, ctx: RequestContext) {
  const sourceArn = String(params.PolicySourceArn ?? "");
  if (sourceArn === "") throw new AwsError("ValidationError", "PolicySourceArn is required.");
  if (!/^arn:aws:iam::\d{12}:(role|user|group)\//.test(sourceArn)) {
    throw new AwsError("InvalidInput", `Invalid ARN ${sourceArn}: expected a user, group or role ARN.`);
  }
  const entity = store.entityByArn(sourceArn);
  if (!entity) {
    const m = /:(role|user|group)\/(?:.*\/)?([^/]+)$/.exec(sourceArn);
    throw new AwsError(
      "NoSuchEntity",
      `The ${m?.[1] ?? "entity"} with name ${m?.[2] ?? sourceArn} cannot be found.`,
      404,
    );
  }
  for (const unsupported of ["ResourcePolicy", "ResourceHandlingOption"]) {
    if (params[unsupported] !== undefined) {
      throw new AwsError(
        "InvalidInput",
        `The emulator does not simulate ${unsupported}; see test/emulator/docs/iam.md.`,
      );
    }
  }
  const { actions, resources } = actionsAndResources(params);
  const extra = (Array.isArray(params.PolicyInputList) ? params.PolicyInputList : []).map((doc: unknown) =>
    checkPolicyDocument(doc, "identity"),
  );
  const given = boundaryInput(params);
  const typed = contextFromEntries(params.ContextEntries);
  const limit = maxItems(params.MaxItems);
  const fp = fingerprint([sourceArn, actions, resources, params.ContextEntries ?? null, extra, given ?? null]);
  const offset = decodeMarker(params.Marker, fp);

  const principal = compilePrincipal(store, entity, entity.arn, extra);
  // The role's or user's permissions boundary caps its identity policies (a boundary given in the
  // request replaces it, as the API reference says: one boundary is in effect at a time).
  const boundary = compileBoundary(store, entity, entity.arn, given);
  const context = evaluationContext(typed, [...principal.policies, ...(boundary?.policies ?? [])]);
  return simulationPage(actions, resources, { offset, limit, fp }, (action, resource) =>
    evaluateBounded(principal, boundary, action, resource, context, ctx.account),
  );
}

/**
 * `PermissionsBoundaryPolicyInputList`: at most one document, validated as an identity policy
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html: "You can input only
 * one permissions boundary when you pass a policy to this operation").
 */
export function boundaryInput(params: Params): string | undefined {
  const raw = params.PermissionsBoundaryPolicyInputList;
  if (raw === undefined) return undefined;
  const docs = Array.isArray(raw) ? raw : [raw];
  if (docs.length !== 1) {
    throw new AwsError("InvalidInput", "You can input only one permissions boundary when you pass a policy.");
  }
  return checkPolicyDocument(docs[0], "identity");
}

/** One Marker page of a simulation (SimulatePrincipalPolicy and SimulateCustomPolicy page alike). */
export async function simulationPage(
  actions: string[],
  resources: string[],
  page: { offset: number; limit: number; fp: string },
  evaluateOne: Parameters<typeof evaluationResultsFor>[2],
) {
  const pageActions = actions.slice(page.offset, page.offset + page.limit);
  const evaluationResults = await evaluationResultsFor(pageActions, resources, evaluateOne);
  const next = page.offset + pageActions.length;
  const truncated = next < actions.length;
  return {
    EvaluationResults: evaluationResults,
    IsTruncated: truncated,
    ...(truncated ? { Marker: encodeMarker(next, page.fp) } : {}),
  };
}

/** ActionNames and ResourceArns, validated as both simulate operations validate them. */
export function actionsAndResources(params: Params): { actions: string[]; resources: string[] } {
  const actions = (Array.isArray(params.ActionNames) ? params.ActionNames : []).map(String);
  if (actions.length === 0) throw new AwsError("ValidationError", "ActionNames must contain at least one action.");
  for (const action of actions) {
    if (!/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(action)) {
      throw new AwsError("InvalidInput", `Action ${action} is not valid: use the form service:Action.`);
    }
  }
  const resources = (Array.isArray(params.ResourceArns) ? params.ResourceArns : []).map(String);
  return { actions, resources };
}

/**
 * One EvaluationResult per action: the most restrictive decision over the
 * resources at the top, per-resource decisions in ResourceSpecificResults.
 */
export async function evaluationResultsFor(
  actions: string[],
  resources: string[],
  evaluateOne: (action: string, resource: string) => Promise<Evaluation & { boundaryAllows?: boolean }>,
) {
  const evaluationResults = [];
  for (const action of actions) {
    if (resources.length === 0) {
      const r = await evaluateOne(action, "*");
      evaluationResults.push({
        EvalActionName: action,
        EvalResourceName: "*",
        EvalDecision: r.decision,
        MatchedStatements: r.matched,
        MissingContextValues: r.missing,
        ...boundaryDetail([r]),
      });
      continue;
    }
    const perResource: (Evaluation & { boundaryAllows?: boolean })[] = [];
    for (const resource of resources) perResource.push(await evaluateOne(action, resource));
    const decision = perResource
      .map((r) => r.decision)
      .reduce((a, b) => (RESTRICTIVENESS[b] > RESTRICTIVENESS[a] ? b : a), "allowed" as Decision);
    evaluationResults.push({
      EvalActionName: action,
      EvalResourceName: perResource[0]?.resourceTemplate ?? "*",
      EvalDecision: decision,
      MatchedStatements: unionStatements(perResource.filter((r) => r.decision === decision)),
      MissingContextValues: [...new Set(perResource.flatMap((r) => r.missing))],
      ...boundaryDetail(perResource),
      ResourceSpecificResults: perResource.map((r, i) => ({
        EvalResourceName: resources[i],
        EvalResourceDecision: r.decision,
        MatchedStatements: r.matched,
        MissingContextValues: r.missing,
        ...boundaryDetail([r]),
      })),
    });
  }
  return evaluationResults;
}

/** `PermissionsBoundaryDecisionDetail`, present only when a boundary was evaluated. */
function boundaryDetail(results: { boundaryAllows?: boolean }[]) {
  const evaluated = results.filter((r) => r.boundaryAllows !== undefined);
  if (evaluated.length === 0) return {};
  return {
    PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: evaluated.every((r) => r.boundaryAllows) },
  };
}
