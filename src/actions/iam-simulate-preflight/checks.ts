/**
 * The vocabulary of the preflight: a Check is one permission a principal
 * needs (action on resource, with context), a Finding is a problem that is
 * not a permission (a secret that does not exist, a role ECS cannot assume).
 */
import type { JsonPath, TextPosition } from "../../lib/annotations";
import type { ContextValue } from "./context-types";

export type { ContextValue } from "./context-types";

export type PrincipalRole = "execution role" | "task role" | "CI role" | "extra";

export interface Principal {
  arn: string;
  role: PrincipalRole;
  /** Known not to exist (GetRole said NoSuchEntity): its checks are reported, not simulated. */
  missing?: boolean;
}

export interface Check {
  principal: Principal;
  action: string;
  resource: string;
  context: Record<string, ContextValue>;
  /** Why it is needed, e.g. `container web, secret DB_PASSWORD`. */
  reasons: string[];
  /** Where in the task definition it comes from (for annotations). */
  sources: JsonPath[];
  /**
   * A statement of the resource's own policy that grants this on its own (a KMS key policy naming the role): the
   * row is allowed though no identity policy allows it, unless the boundary or an SCP caps it or a policy denies it.
   */
  grantedBy?: MatchedStatement;
}

export interface Finding {
  /**
   * `fail` rows fail the check like a deny; `warning` rows are annotated as warnings on the line
   * (something ECS will silently not do) but do not fail; `note` rows are advice in the report only.
   */
  severity: "fail" | "warning" | "note";
  subject: string;
  message: string;
  sources: JsonPath[];
}

/** Adds findings about `subject`, each message prefixed with why it is needed (`container web, secret DB: …`). */
export function findingsAbout(
  findings: Finding[],
  subject: string,
  why: { reason: string; source?: JsonPath | undefined },
): (severity: Finding["severity"], message: string) => void {
  return (severity, message) =>
    findings.push({ severity, subject, message: `${why.reason}: ${message}`, sources: why.source ? [why.source] : [] });
}

/** IAM's EvalDecision. */
export type Decision = "allowed" | "implicitDeny" | "explicitDeny";

/**
 * What a row means for the task, derived in `verdictOf`:
 * - IAM's decision, when it does not hinge on a context key the preflight could not supply;
 * - `needsContext`: not allowed, and IAM names context keys it was missing (the decision may
 *   change with them: the row says which, it is not a plain deny);
 * - `notSimulated`: the principal does not exist, so there is nothing to simulate.
 */
export type Verdict = Decision | "needsContext" | "notSimulated";

export interface MatchedStatement {
  /** Policy name (or ARN) as IAM reports it. */
  policy: string;
  policyType?: string;
  /** The statement's Sid, when the policy document could be read. */
  sid?: string;
  /** A resource policy a plan sets: the resource that declares it (the deployed one may not grant this). */
  plannedBy?: string;
  /** `lines 3-9` of the policy document, as IAM reports the position. */
  lines?: string;
  /** IAM's StartPosition / EndPosition of the statement in the policy text. */
  start?: TextPosition;
  end?: TextPosition;
}

export interface Row extends Check {
  /** IAM's decision; `notSimulated` when the principal does not exist. */
  decision: Decision | "notSimulated";
  verdict: Verdict;
  matched: MatchedStatement[];
  missingContext: string[];
}

export function verdictOf(decision: Decision | "notSimulated", missingContext: readonly string[]): Verdict {
  // An explicit deny is final whatever the missing keys would say.
  if (decision === "implicitDeny" && missingContext.length > 0) return "needsContext";
  return decision;
}

function checkKey(c: Pick<Check, "principal" | "action" | "resource" | "context">): string {
  return JSON.stringify([c.principal.arn, c.action, c.resource, Object.entries(c.context).sort()]);
}

/** Collects checks, merging duplicates (one row per principal × action × resource × context). */
export class CheckList {
  private readonly byKey = new Map<string, Check>();

  add(
    principal: Principal,
    action: string,
    resource: string,
    why: {
      reason: string;
      source?: JsonPath | undefined;
      context?: Record<string, ContextValue>;
      grantedBy?: MatchedStatement | undefined;
    },
  ): void {
    const check: Check = {
      principal,
      action,
      resource,
      context: why.context ?? {},
      reasons: [why.reason],
      sources: why.source ? [why.source] : [],
      ...(why.grantedBy ? { grantedBy: why.grantedBy } : {}),
    };
    const key = checkKey(check);
    const existing = this.byKey.get(key);
    if (!existing) {
      this.byKey.set(key, check);
      return;
    }
    if (!existing.reasons.includes(why.reason)) existing.reasons.push(why.reason);
    if (why.source) existing.sources.push(why.source);
    if (why.grantedBy && !existing.grantedBy) existing.grantedBy = why.grantedBy;
  }

  all(): Check[] {
    return [...this.byKey.values()];
  }
}

/** Both from the same account and region as the role unless the reference says otherwise. */
export interface Scope {
  region: string;
  account: string;
  partition: string;
}
