/**
 * What a resource policy — a KMS key policy, a secret's resource policy — does to one request of a role in the
 * resource's own account. SimulatePrincipalPolicy cannot say: it takes a resource policy only with a `CallerArn`,
 * which must be an IAM user, never a role
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html). So the preflight reads
 * the policy itself, and decides only what the policy's text settles:
 * - a Deny statement that applies to the request denies it, whatever IAM allows
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
 * - for a KMS key, IAM policies count only when the key policy lets the account's IAM policies grant access — an
 *   Allow for the account (`arn:aws:iam::<account>:root`) — and otherwise only an Allow that names the role (or
 *   everyone) grants it (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 *
 * A statement applies, does not, or may: its Principal, Action and Resource are matched as IAM matches them, and
 * its Condition is decided where it uses only keys whose values the request is known to carry (`context`) with
 * the string and ARN operators; any other condition makes it "may", and so does NotPrincipal. "May" never fails
 * a row: it is a warning to review.
 */
import type { JsonPath } from "../../lib/annotations";
import { isAccessDenied } from "../../lib/errors";
import type { Lookups } from "./aws-lookups";
import { type ContextValue, type Finding, findingsAbout, type MatchedStatement, type Principal } from "./checks";

export type Applies = "yes" | "no" | "may";

export interface StatementRef {
  /** 1-based position in the Statement list. */
  index: number;
  sid?: string;
  /** Condition keys the preflight could not decide (with "may"). */
  undecided?: string[];
}

export type PolicyEffect =
  /** An Allow for the account: IAM policies decide (the kms:Decrypt row). */
  | { kind: "iam-decides" }
  /** An Allow that names the role (or everyone) applies: the key policy grants it on its own. */
  | { kind: "granted"; statement: StatementRef }
  /** A Deny applies. */
  | { kind: "denied"; statement: StatementRef }
  /** A Deny may apply, under conditions the preflight cannot decide. */
  | { kind: "may-deny"; statement: StatementRef }
  /** A key policy under which only conditional Allows could reach the role. */
  | { kind: "may-grant"; statements: StatementRef[] }
  /** A key policy that neither lets IAM policies grant access nor allows the role. */
  | { kind: "not-granted" };

export interface PolicyRequest {
  /** The role's ARN (`arn:aws:iam::<account>:role/<name>`). */
  principalArn: string;
  action: string;
  resourceArn: string;
  /** The condition keys the request carries, with their values (lists for multivalued keys). */
  context: Record<string, string | string[]>;
}

type Statement = Record<string, unknown>;

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * IAM's wildcard match (`*` any run, `?` one character), in linear passes with backtracking to the last `*` only:
 * a policy's pattern never becomes a regular expression, so no pattern can make the match slow.
 */
export function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (j < v.length) {
    if (i < p.length && (p[i] === "?" || p[i] === v[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === "*") {
      star = i++;
      resume = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++resume;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === "*") i++;
  return i === p.length;
}

const accountOf = (arn: string) => arn.split(":")[4] ?? "";

/**
 * Whether a Principal entry names this role: `*`, the role's ARN, or its account (`<account>` or
 * `arn:aws:iam::<account>:root`, which stands for every principal of the account).
 */
function principalEntry(entry: unknown, role: string): "everyone" | "role" | "account" | undefined {
  if (typeof entry !== "string") return undefined;
  if (entry === "*") return "everyone";
  if (entry === role) return "role";
  const account = accountOf(role);
  if (entry === account || /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(entry)?.[1] === account) return "account";
  return undefined;
}

/** How the statement's principal reaches the role: undefined when it does not, "may" for NotPrincipal. */
function principalOf(st: Statement, role: string): "everyone" | "role" | "account" | "may" | undefined {
  if (st.NotPrincipal !== undefined) return "may";
  const p = st.Principal;
  if (p === "*") return "everyone";
  if (typeof p !== "object" || p === null) return undefined;
  const kinds = list((p as Record<string, unknown>).AWS).map((e) => principalEntry(e, role));
  for (const kind of ["role", "everyone", "account"] as const) if (kinds.includes(kind)) return kind;
  return undefined;
}

function matchesAny(patterns: unknown, value: string, ignoreCase: boolean): boolean {
  return list(patterns).some((p) => typeof p === "string" && wildcard(p, value, ignoreCase));
}

function actionApplies(st: Statement, action: string): boolean {
  if (st.Action !== undefined) return matchesAny(st.Action, action, true);
  if (st.NotAction !== undefined) return !matchesAny(st.NotAction, action, true);
  return false;
}

function resourceApplies(st: Statement, resource: string): boolean {
  if (st.Resource !== undefined) return matchesAny(st.Resource, resource, false);
  if (st.NotResource !== undefined) return !matchesAny(st.NotResource, resource, false);
  return false;
}

const STRING_TESTS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (e, a) => e === a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringLike: (e, a) => wildcard(e, a, false),
  ArnEquals: (e, a) => e === a,
  ArnLike: (e, a) => wildcard(e, a, false),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

/** One condition operator on one key: true, false, or undefined when the preflight cannot decide it. */
function conditionHolds(
  operator: string,
  key: string,
  expected: unknown,
  context: Record<string, string | string[]>,
): boolean | undefined {
  const known = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
  const actual = known?.[1];
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  // The key is present whenever it is known here, so `IfExists` changes nothing.
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/, "").replace(/IfExists$/, "");
  const values = list(expected).map(String);
  if (base === "Null") {
    // Null: true means the key is absent. Only keys the context lists are known to be present.
    return actual === undefined ? undefined : values[0] === "false";
  }
  if (actual === undefined) return undefined;
  if (Array.isArray(actual) !== (qualifier !== undefined)) return undefined;
  const negatedBase = NEGATED[base];
  const test = STRING_TESTS[negatedBase ?? base];
  if (!test) return undefined;
  const one = (a: string) => {
    const hit = values.some((e) => test(e, a));
    return negatedBase ? !hit : hit;
  };
  const actuals = list(actual).map(String);
  if (qualifier === "ForAllValues") return actuals.every(one);
  if (qualifier === "ForAnyValue") return actuals.some(one);
  return one(actuals[0] as string);
}

function conditionApplies(
  st: Statement,
  context: Record<string, string | string[]>,
): { applies: Applies; undecided: string[] } {
  const condition = st.Condition;
  if (condition === undefined) return { applies: "yes", undecided: [] };
  if (typeof condition !== "object" || condition === null) return { applies: "may", undecided: [] };
  const undecided: string[] = [];
  let applies: Applies = "yes";
  for (const [operator, entries] of Object.entries(condition as Record<string, unknown>)) {
    if (typeof entries !== "object" || entries === null) return { applies: "may", undecided };
    for (const [key, expected] of Object.entries(entries as Record<string, unknown>)) {
      const holds = conditionHolds(operator, key, expected, context);
      if (holds === false) return { applies: "no", undecided: [] };
      if (holds === undefined) {
        applies = "may";
        undecided.push(key);
      }
    }
  }
  return { applies, undecided };
}

function statementsOf(policy: string): Statement[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw new Error("the policy is not JSON");
  }
  return list((parsed as { Statement?: unknown } | null)?.Statement).filter(
    (s): s is Statement => typeof s === "object" && s !== null,
  );
}

interface Applicable {
  ref: StatementRef;
  effect: "Allow" | "Deny";
  principal: "everyone" | "role" | "account" | "may";
  applies: Applies;
}

function applicable(policy: string, request: PolicyRequest): Applicable[] {
  const out: Applicable[] = [];
  statementsOf(policy).forEach((st, i) => {
    // A statement with another Effect is not valid policy grammar; AWS refuses such a policy when it is set.
    if (st.Effect !== "Allow" && st.Effect !== "Deny") return;
    const principal = principalOf(st, request.principalArn);
    if (!principal || !actionApplies(st, request.action) || !resourceApplies(st, request.resourceArn)) return;
    const { applies, undecided } = conditionApplies(st, request.context);
    if (applies === "no") return;
    const may = applies === "may" || principal === "may";
    const ref: StatementRef = {
      index: i + 1,
      ...(typeof st.Sid === "string" && st.Sid !== "" ? { sid: st.Sid } : {}),
      ...(undecided.length > 0 ? { undecided } : {}),
    };
    out.push({ ref, effect: st.Effect, principal, applies: may ? "may" : "yes" });
  });
  return out;
}

/**
 * What a resource policy does to the request. With `mustAllow` (a key policy; the policy of another account's
 * secret) the policy must allow: itself, or IAM through an Allow for the account. For a secret of the role's own
 * account (`mustAllow` false) an Allow of either the identity policies or the resource policy suffices: one that
 * names the role (or everyone) grants it alone, one for the account leaves it to IAM ("For most resources, you only
 * need an explicit Allow for the principal in either an identity-based policy or a resource-based policy"; an Allow
 * for a role ARN is still limited by an implicit deny in its permissions boundary,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html).
 */
export function resourcePolicyEffect(policy: string, request: PolicyRequest, mustAllow: boolean): PolicyEffect {
  const statements = applicable(policy, request);
  const deny = statements.find((s) => s.effect === "Deny" && s.applies === "yes");
  if (deny) return { kind: "denied", statement: deny.ref };
  const mayDeny = statements.find((s) => s.effect === "Deny");
  if (mayDeny) return { kind: "may-deny", statement: mayDeny.ref };
  if (!mustAllow) {
    const grant = statements.find((s) => s.effect === "Allow" && s.applies === "yes" && s.principal !== "account");
    return grant ? { kind: "granted", statement: grant.ref } : { kind: "iam-decides" };
  }
  const allows = statements.filter((s) => s.effect === "Allow");
  // A statement naming the role grants it on its own, also next to the account's (the default key policy's).
  const grant = allows.find((s) => s.applies === "yes" && s.principal !== "account");
  if (grant) return { kind: "granted", statement: grant.ref };
  if (allows.some((s) => s.principal === "account" && s.applies === "yes")) return { kind: "iam-decides" };
  if (allows.length > 0) return { kind: "may-grant", statements: allows.map((s) => s.ref) };
  return { kind: "not-granted" };
}

/** `statement 2 ("Sid")`, as a finding names it. */
export function statementName(ref: StatementRef): string {
  return `statement ${ref.index}${ref.sid ? ` ("${ref.sid}")` : ""}`;
}

/** A row's context as the policy analysis reads it (list types as lists), with the keys AWS sets for a role. */
export function requestContext(
  principalArn: string,
  context: Record<string, ContextValue>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {
    "aws:PrincipalArn": principalArn,
    "aws:PrincipalAccount": accountOf(principalArn),
    "aws:PrincipalType": "AssumedRole",
  };
  for (const [key, value] of Object.entries(context)) {
    out[key] = value.type.endsWith("List") ? value.values : (value.values[0] ?? "");
  }
  return out;
}

/**
 * Adds what a secret's resource policy does to a role's GetSecretValue: a Deny that applies fails (whatever IAM
 * allows), one that may apply warns. An Allow that names the role is returned: the GetSecretValue row is allowed
 * by it alone (unless the boundary or an SCP caps it, or a policy denies it). Another account's secret must be
 * allowed by its policy as well (crossAccountSecretPolicy). The policy unreadable to the preflight
 * (GetResourcePolicy denied) is a note.
 */
export async function addSecretPolicyFindings(
  secretArn: string,
  role: Principal,
  lookups: Lookups,
  why: { reason: string; source?: JsonPath | undefined },
  findings: Finding[],
): Promise<MatchedStatement | undefined> {
  const add = findingsAbout(findings, secretArn, why);
  const owner = accountOf(secretArn);
  const foreign = owner !== accountOf(role.arn);
  let policy: string | undefined;
  try {
    policy = await lookups.secretPolicy(secretArn);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    add(
      "note",
      foreign
        ? `the resource policy of the secret in account ${owner} was not checked (secretsmanager:GetResourcePolicy was denied across accounts); ECS reads it only if that policy allows ${role.arn} secretsmanager:GetSecretValue.`
        : `the resource policy of the secret ${secretArn} was not checked (secretsmanager:GetResourcePolicy was denied).`,
    );
    return undefined;
  }
  if (foreign) {
    crossAccountSecretPolicy(secretArn, owner, role, policy, add);
    return undefined;
  }
  if (!policy) return undefined;
  const origin = lookups.plannedPolicy?.(secretArn);
  const named = origin ? `the resource policy ${origin.address} sets for the secret` : "the secret's resource policy";
  const where = origin ? `in ${origin.address}` : `(aws secretsmanager get-resource-policy --secret-id ${secretArn})`;
  const effect = resourcePolicyEffect(policy, readsSecret(role, secretArn), false);
  if (effect.kind === "denied")
    add(
      "fail",
      `${named} denies ${role.arn} secretsmanager:GetSecretValue (${statementName(effect.statement)}), whatever IAM allows, so the task will not start. Change that statement ${where}.`,
    );
  if (effect.kind === "may-deny")
    add(
      "warning",
      `${named} may deny ${role.arn} secretsmanager:GetSecretValue: ${statementName(effect.statement)} is a Deny ${undecidedText(effect.statement)}. Review it ${where}.`,
    );
  if (effect.kind !== "granted") return undefined;
  return {
    policy: `resource policy of ${secretArn}${origin ? ` (${origin.address})` : ""}`,
    policyType: "resource",
    ...(origin ? { plannedBy: origin.address } : {}),
    ...(effect.statement.sid ? { sid: effect.statement.sid } : {}),
  };
}

/**
 * Another account's secret: ECS reads it only if both the role's identity policies (its row) and the secret's
 * resource policy allow ("you must allow access both in a resource policy and in an identity policy",
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html). Its policy, as
 * the secret's account let the preflight read it: none, a Deny, or no Allow for the role or its account fail; one
 * the preflight cannot decide warns.
 */
function crossAccountSecretPolicy(
  secretArn: string,
  owner: string,
  role: Principal,
  policy: string | undefined,
  add: (severity: Finding["severity"], message: string) => void,
): void {
  const fix = `Add to the secret's resource policy (aws secretsmanager put-resource-policy --secret-id ${secretArn}): ${JSON.stringify({ Effect: "Allow", Principal: { AWS: role.arn }, Action: "secretsmanager:GetSecretValue", Resource: "*" })}`;
  if (!policy) {
    add(
      "fail",
      `the secret is in account ${owner} and has no resource policy: across accounts ECS reads it only if the secret's resource policy allows ${role.arn} too, so the task will not start. ${fix}`,
    );
    return;
  }
  const effect = resourcePolicyEffect(policy, readsSecret(role, secretArn), true);
  switch (effect.kind) {
    case "denied":
      add(
        "fail",
        `the resource policy of the secret in account ${owner} denies ${role.arn} secretsmanager:GetSecretValue (${statementName(effect.statement)}), so the task will not start. Change that statement.`,
      );
      return;
    case "not-granted":
      add(
        "fail",
        `the resource policy of the secret in account ${owner} allows neither ${role.arn} nor its account secretsmanager:GetSecretValue: across accounts both the role's policy and the secret's must allow, so the task will not start. ${fix}`,
      );
      return;
    case "may-deny":
      add(
        "warning",
        `the resource policy of the secret in account ${owner} may deny ${role.arn} secretsmanager:GetSecretValue: ${statementName(effect.statement)} is a Deny ${undecidedText(effect.statement)}. Review it.`,
      );
      return;
    case "may-grant":
      add(
        "warning",
        `the resource policy of the secret in account ${owner} allows ${role.arn} secretsmanager:GetSecretValue only through ${effect.statements.map(statementName).join(", ")}, ${undecidedText(effect.statements[0] as StatementRef)}: without them the task will not start. Review it.`,
      );
      return;
    default:
      return;
  }
}

/** The role's GetSecretValue of the secret, as a resource policy sees it. */
const readsSecret = (role: Principal, secretArn: string): PolicyRequest => ({
  principalArn: role.arn,
  action: "secretsmanager:GetSecretValue",
  resourceArn: secretArn,
  context: requestContext(role.arn, {}),
});

/** `under conditions on kms:ViaService that the preflight cannot decide`. */
export function undecidedText(ref: StatementRef): string {
  return ref.undecided?.length
    ? `under conditions on ${ref.undecided.join(", ")} that the preflight cannot decide`
    : "whose principal or conditions the preflight cannot decide";
}
