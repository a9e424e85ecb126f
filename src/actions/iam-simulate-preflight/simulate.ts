/**
 * SimulatePrincipalPolicy for a list of checks with as few calls as IAM
 * allows: one call per principal and context for all actions that share a
 * resource list, at most 20 resources per call (the simulator's practical
 * limit for per-resource results), following `Marker` pages with the SDK's
 * paginator. Throttling is the IAM client's retry strategy's business (one
 * retry layer, see iam-client.ts).
 */
import {
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
  type IAMPaginationConfiguration,
  NoSuchEntityException,
  paginateSimulateCustomPolicy,
  paginateSimulatePrincipalPolicy,
  type SimulatePrincipalPolicyCommandInput,
  type SimulatePrincipalPolicyCommandOutput,
  type Statement,
} from "@aws-sdk/client-iam";
import { chunks } from "../../lib/chunks";
import { awsException } from "../../lib/errors";
import { type Check, type ContextValue, type Decision, type MatchedStatement, type Row, verdictOf } from "./checks";

export const MAX_RESOURCES_PER_CALL = 20;

/** The pages of one simulation (the paginator of an IAM client, in production). */
export type Simulator = (
  input: SimulatePrincipalPolicyCommandInput,
  pageSize?: number,
) => AsyncIterable<SimulatePrincipalPolicyCommandOutput>;

const PAGINATORS = {
  SimulatePrincipalPolicy: paginateSimulatePrincipalPolicy,
  SimulateCustomPolicy: paginateSimulateCustomPolicy,
};
type SimulationOperation = keyof typeof PAGINATORS;
type InputOf<O extends SimulationOperation> = Parameters<(typeof PAGINATORS)[O]>[1];
type PageOf<O extends SimulationOperation> =
  ReturnType<(typeof PAGINATORS)[O]> extends AsyncIterable<infer P> ? P : never;

/**
 * Every page of one SimulatePrincipalPolicy or SimulateCustomPolicy request:
 * the SDK's paginator follows `Marker` while `IsTruncated`
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html).
 * Errors name the operation (the client's middleware, src/lib/aws.ts);
 * simulateChecks turns NoSuchEntity into "principal does not exist".
 */
export async function* simulationPages<O extends SimulationOperation>(
  iam: IAMClient,
  operation: O,
  input: InputOf<O>,
  pageSize?: number,
): AsyncGenerator<PageOf<O>> {
  const config: IAMPaginationConfiguration = { client: iam, ...(pageSize ? { pageSize } : {}) };
  const paginate = PAGINATORS[operation] as (c: IAMPaginationConfiguration, i: InputOf<O>) => AsyncIterable<PageOf<O>>;
  yield* paginate(config, input);
}

export function iamSimulator(iam: IAMClient): Simulator {
  return (input, pageSize) => simulationPages(iam, "SimulatePrincipalPolicy", input, pageSize);
}

export interface SimulationCall {
  principal: string;
  actions: string[];
  resources: string[];
  context: Record<string, ContextValue>;
}

/** Each entry with the type IAM reads its values as (context-types.ts decides it). */
function contextEntries(context: Record<string, ContextValue>): ContextEntry[] {
  return Object.entries(context).map(([key, value]) => ({
    ContextKeyName: key,
    ContextKeyValues: value.values,
    ContextKeyType: value.type,
  }));
}

/** Groups checks into calls: same principal and context; actions merged when their resource chunks are equal. */
export function planCalls(checks: readonly Check[]): SimulationCall[] {
  const groups = new Map<
    string,
    { principal: string; context: Record<string, ContextValue>; byAction: Map<string, string[]> }
  >();
  for (const c of checks) {
    const key = JSON.stringify([c.principal.arn, Object.entries(c.context).sort()]);
    let group = groups.get(key);
    if (!group) {
      group = { principal: c.principal.arn, context: c.context, byAction: new Map() };
      groups.set(key, group);
    }
    const resources = group.byAction.get(c.action) ?? [];
    if (!resources.includes(c.resource)) resources.push(c.resource);
    group.byAction.set(c.action, resources);
  }
  const calls: SimulationCall[] = [];
  for (const group of groups.values()) {
    const byChunk = new Map<string, SimulationCall>();
    for (const [action, resources] of group.byAction) {
      const sorted = [...resources].sort();
      for (const chunk of chunks(sorted, MAX_RESOURCES_PER_CALL)) {
        const key = JSON.stringify(chunk);
        const call = byChunk.get(key);
        if (call) call.actions.push(action);
        else
          byChunk.set(key, { principal: group.principal, actions: [action], resources: chunk, context: group.context });
      }
    }
    calls.push(...byChunk.values());
  }
  return calls;
}

function matchedStatements(statements: Statement[] | undefined): MatchedStatement[] {
  return (statements ?? []).map((s) => {
    const start = s.StartPosition;
    const end = s.EndPosition;
    const lines =
      start?.Line === undefined
        ? undefined
        : start.Line === end?.Line || end?.Line === undefined
          ? `line ${start.Line}`
          : `lines ${start.Line}-${end.Line}`;
    const position = (p: typeof start) =>
      p?.Line !== undefined && p.Column !== undefined ? { line: p.Line, column: p.Column } : undefined;
    const from = position(start);
    const to = position(end);
    return {
      policy: s.SourcePolicyId ?? "(unnamed policy)",
      ...(s.SourcePolicyType ? { policyType: s.SourcePolicyType } : {}),
      ...(lines ? { lines } : {}),
      ...(from ? { start: from } : {}),
      ...(to ? { end: to } : {}),
    };
  });
}

interface Outcome {
  decision: Decision;
  matched: MatchedStatement[];
  missingContext: string[];
  /** The permissions boundary or an SCP does not allow it (IAM's decision details say so). */
  capped: boolean;
}

function decisionOf(raw: string | undefined): Decision {
  return raw === "allowed" || raw === "explicitDeny" ? raw : "implicitDeny";
}

/** Per-resource outcomes of one evaluation result (IAM leaves ResourceSpecificResults out for `*`). */
function outcomes(result: EvaluationResult): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  const specific = result.ResourceSpecificResults ?? [];
  const byScps = result.OrganizationsDecisionDetail?.AllowedByOrganizations === false;
  if (specific.length === 0) {
    out.set(result.EvalResourceName ?? "*", {
      decision: decisionOf(result.EvalDecision),
      matched: matchedStatements(result.MatchedStatements),
      missingContext: result.MissingContextValues ?? [],
      capped: byScps || result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false,
    });
  }
  for (const r of specific) {
    out.set(r.EvalResourceName ?? "*", {
      decision: decisionOf(r.EvalResourceDecision),
      matched: matchedStatements(r.MatchedStatements),
      missingContext: r.MissingContextValues ?? [],
      capped: byScps || r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false,
    });
  }
  return out;
}

export interface SimulationResult {
  rows: Row[];
  /** SimulatePrincipalPolicy requests sent (pages included, SDK retries not). */
  requests: number;
  calls: number;
  /** Principals IAM answered NoSuchEntity for (their rows are `notSimulated`). */
  missingPrincipals: string[];
}

/**
 * Simulates every check; one row per check, in the order given. Checks of a
 * principal known to be missing are not sent; a principal IAM does not know
 * (NoSuchEntity) does not stop the others from being simulated.
 */
export async function simulateChecks(
  checks: readonly Check[],
  simulator: Simulator,
  opts: { maxItems?: number } = {},
): Promise<SimulationResult> {
  const results = new Map<string, Outcome>();
  const keyOf = (principal: string, context: Record<string, ContextValue>, action: string, resource: string) =>
    JSON.stringify([principal, Object.entries(context).sort(), action, resource]);
  const missing = new Set(checks.filter((c) => c.principal.missing).map((c) => c.principal.arn));
  const calls = planCalls(checks.filter((c) => !c.principal.missing));
  let requests = 0;
  for (const call of calls) {
    if (missing.has(call.principal)) continue;
    const input: SimulatePrincipalPolicyCommandInput = {
      PolicySourceArn: call.principal,
      ActionNames: call.actions,
      ResourceArns: call.resources,
      ...(Object.keys(call.context).length > 0 ? { ContextEntries: contextEntries(call.context) } : {}),
    };
    try {
      for await (const page of simulator(input, opts.maxItems)) {
        requests++;
        for (const result of page.EvaluationResults ?? []) {
          for (const [resource, outcome] of outcomes(result)) {
            results.set(keyOf(call.principal, call.context, result.EvalActionName ?? "", resource), outcome);
          }
        }
      }
    } catch (error) {
      if (!(awsException(error) instanceof NoSuchEntityException)) throw error;
      requests++;
      missing.add(call.principal);
    }
  }
  const rows = checks.map((c): Row => {
    if (missing.has(c.principal.arn)) {
      return { ...c, decision: "notSimulated", verdict: "notSimulated", matched: [], missingContext: [] };
    }
    const outcome = results.get(keyOf(c.principal.arn, c.context, c.action, c.resource));
    if (!outcome) {
      throw new Error(
        `SimulatePrincipalPolicy returned no result for ${c.action} on ${c.resource} (principal ${c.principal.arn}).`,
      );
    }
    const { capped, ...decided } = outcome;
    // A resource policy that grants the role on its own (a key policy naming it) allows what the identity
    // policies do not, unless the boundary or an SCP caps it, or an identity policy denies it.
    if (c.grantedBy && decided.decision === "implicitDeny" && !capped) {
      return { ...c, decision: "allowed", verdict: "allowed", matched: [c.grantedBy], missingContext: [] };
    }
    return { ...c, ...decided, verdict: verdictOf(decided.decision, decided.missingContext) };
  });
  const unknown = [...missing].filter((arn) => !checks.some((c) => c.principal.arn === arn && c.principal.missing));
  return { rows, requests, calls: calls.length, missingPrincipals: unknown };
}
