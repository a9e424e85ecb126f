/**
 * SimulatePrincipalPolicy as IAM answers it today: one EvaluationResult per
 * action (the top level is the most restrictive decision over the requested
 * resources, `EvalResourceName` the resource type's ARN template), per-resource
 * decisions in `ResourceSpecificResults`, paged over actions with
 * MaxItems/Marker.
 */
import { createHash } from "node:crypto";
import { AwsError } from "../../errors";
import type { Params, RequestContext } from "../../types";
import { compilePrincipal, type Decision, type Evaluation, evaluate, type MatchedStatement } from "./evaluate";
import { checkPolicyDocument, type IamStore } from "./store";

const LIST_TYPES = /List$/;
const RESTRICTIVENESS: Record<Decision, number> = { allowed: 0, implicitDeny: 1, explicitDeny: 2 };

export function contextFromEntries(entries: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const entry of (Array.isArray(entries) ? entries : []) as Params[]) {
    const name = String(entry.ContextKeyName ?? "");
    if (name === "") throw new AwsError("InvalidInput", "ContextKeyName is required for every context entry.");
    const values = (Array.isArray(entry.ContextKeyValues) ? entry.ContextKeyValues : []).map(String);
    out[name] = LIST_TYPES.test(String(entry.ContextKeyType ?? "")) ? values : (values[0] ?? "");
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
  for (const unsupported of ["ResourcePolicy", "PermissionsBoundaryPolicyInputList", "ResourceHandlingOption"]) {
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
  const context = contextFromEntries(params.ContextEntries);
  const limit = maxItems(params.MaxItems);
  const fp = fingerprint([sourceArn, actions, resources, params.ContextEntries ?? null, extra]);
  const offset = decodeMarker(params.Marker, fp);

  const principal = compilePrincipal(store, entity, entity.arn, extra);
  const pageActions = actions.slice(offset, offset + limit);
  const evaluationResults = await evaluationResultsFor(pageActions, resources, (action, resource) =>
    evaluate(principal, action, resource, context, ctx.account),
  );
  const next = offset + pageActions.length;
  const truncated = next < actions.length;
  return {
    EvaluationResults: evaluationResults,
    IsTruncated: truncated,
    ...(truncated ? { Marker: encodeMarker(next, fp) } : {}),
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
