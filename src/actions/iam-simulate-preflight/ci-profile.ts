/**
 * CI role profiles: the permissions a workflow of this suite needs, checked
 * against the CI role before the workflow creates anything (the team found
 * theirs one 403 at a time, with a zombie ALB left behind each time).
 *
 * `alb-smoke` is read from the very policy files the actions document in
 * their READMEs, so the preflight and the documentation cannot disagree.
 */
import ephemeralAlbPolicy from "../ephemeral-alb/iam-policy.json";
import probePolicy from "../http-evidence-probe/iam-policy.json";
import registerTargetsPolicy from "../register-fargate-targets/iam-policy.json";
import type { CheckList, ContextValue, Principal, Scope } from "./checks";
import { typedContextValue } from "./context-types";

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

interface PolicyDocument {
  Statement: PolicyStatement[];
}

export const CI_PROFILES = {
  "alb-smoke": [
    { action: "ephemeral-alb", policy: ephemeralAlbPolicy as PolicyDocument },
    { action: "register-fargate-targets", policy: registerTargetsPolicy as PolicyDocument },
    // The probe's log search (server-side evidence) in the smoke cycle.
    { action: "http-evidence-probe", policy: probePolicy as PolicyDocument },
  ],
} as const;

export type CiProfileName = keyof typeof CI_PROFILES;

/** What the suite names its resources in the sample ARNs (any name its policies allow). */
const SAMPLE_NAME = "ecs-alb-smoke-preflight";
const SAMPLE_TAG_VALUE = "preflight";

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A concrete ARN for a policy's resource pattern: the caller's region and account, sample names for the rest. */
export function sampleArn(pattern: string, scope: Scope): string {
  if (pattern === "*") return "*";
  const parts = pattern.split(":");
  if (parts.length < 6) return pattern;
  const [arn, partition, service, region, account, ...rest] = parts;
  return [
    arn,
    partition === "*" ? scope.partition : partition,
    service,
    region === "*" ? scope.region : region,
    account === "*" ? scope.account : account,
    rest.join(":").replace(/\*/g, SAMPLE_NAME),
  ].join(":");
}

/**
 * The request context a call of the suite carries, as the statement's
 * condition expects it: a `Null: false` key is present (the suite tags every
 * resource it creates), a `StringEquals` key has the first listed value.
 */
export function sampleContext(condition: PolicyStatement["Condition"]): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, value] of Object.entries(entries)) {
      const first = asList(value)[0] ?? "";
      // Typed as the condition key reference types the key (aws:TagKeys is a list).
      const typed = typedContextValue(key, operator === "Null" ? SAMPLE_TAG_VALUE : first).value;
      if (typed) context[key] = typed;
    }
  }
  return context;
}

/** Adds one check per action × resource of every Allow statement of the profile. */
export function addCiProfileChecks(profile: CiProfileName, role: Principal, scope: Scope, checks: CheckList): void {
  for (const { action: suiteAction, policy } of CI_PROFILES[profile]) {
    for (const statement of policy.Statement) {
      if (statement.Effect !== "Allow") continue;
      const context = sampleContext(statement.Condition);
      for (const action of asList(statement.Action)) {
        for (const resource of asList(statement.Resource)) {
          checks.add(role, action, sampleArn(resource, scope), {
            reason: `${profile} profile: ${suiteAction}${statement.Sid ? ` (${statement.Sid})` : ""}`,
            context,
          });
        }
      }
    }
  }
}
