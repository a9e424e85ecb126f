/**
 * Enforcement mode: every call of a mapped access key is evaluated against its
 * principal's identity policies and refused with the service's own
 * access-denied error. Keys without a mapping act as the default emulator
 * user, which may do everything. Compiled policies and decisions are cached
 * until IAM's state changes, since every call goes through here.
 */
import { type Authorizer, accessDenied, type Emulator } from "../../server";
import type { ConditionContext, RequestContext } from "../../types";
import {
  type CompiledPrincipal,
  compileBoundary,
  compilePrincipal,
  type Decision,
  evaluateBounded,
  evaluateWithResourcePolicy,
} from "./evaluate";
import type { IamStore } from "./store";

/** The ARN a role's caller has in AWS: its assumed-role session (as STS GetCallerIdentity reports it). */
export function sessionArn(principalArn: string): string {
  const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  return role ? `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/GitHubActions` : principalArn;
}

type Context = Record<string, string | string[]>;

/** The global keys AWS sets on every authenticated request (time keys are added per evaluation). */
function requestContext(ctx: RequestContext): Context {
  const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(ctx.principalArn);
  const isRole = session !== null || /:role\//.test(ctx.principalArn);
  const context: Record<string, string> = {
    // For a role session AWS puts the role's ARN here, not the session's.
    "aws:PrincipalArn": session ? `arn:aws:iam::${session[1]}:role/${session[2]}` : ctx.principalArn,
    "aws:PrincipalAccount": ctx.account,
    "aws:PrincipalType": isRole ? "AssumedRole" : "User",
    "aws:RequestedRegion": ctx.region,
    "aws:SecureTransport": "true",
  };
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(ctx.principalArn);
  if (user) context["aws:username"] = user[1] as string;
  return context;
}

export class Enforcer {
  private cacheVersion = -1;
  private readonly principals = new Map<
    string,
    { principal: CompiledPrincipal; boundary: CompiledPrincipal | undefined }
  >();
  private readonly decisions = new Map<string, Decision>();
  /** Evaluations actually run (the rest were answered from the cache): for tests and benchmarks. */
  evaluations = 0;

  constructor(
    private readonly emulator: Emulator,
    private readonly store: IamStore,
  ) {}

  /** A role or user ARN, or a role's assumed-role session ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
  private entityOf(principalArn: string) {
    const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(principalArn);
    if (session && session[1] === this.store.account()) return this.store.findEntity("role", session[2] as string);
    return this.store.entityByArn(principalArn);
  }

  readonly authorize: Authorizer = async (
    ctx,
    iamAction,
    resources,
    conditions: ConditionContext = {},
    policies = {},
  ) => {
    // Unmapped keys are the default emulator user; an empty list means IAM does not authorise the call.
    if (!this.emulator.principals.has(ctx.accessKeyId) || resources.length === 0) return;
    if (this.cacheVersion !== this.store.version) {
      this.principals.clear();
      this.decisions.clear();
      this.cacheVersion = this.store.version;
    }
    let compiled = this.principals.get(ctx.principalArn);
    if (!compiled) {
      const entity = this.entityOf(ctx.principalArn);
      compiled = {
        principal: compilePrincipal(this.store, entity, ctx.principalArn),
        boundary: compileBoundary(this.store, entity, ctx.principalArn),
      };
      this.principals.set(ctx.principalArn, compiled);
    }
    const { principal, boundary } = compiled;
    const timeDependent = principal.timeDependent || boundary?.timeDependent === true;
    const base = { ...requestContext(ctx), ...conditions.request };
    for (const resource of resources) {
      const context: Context = { ...base, ...conditions.perResource?.["*"], ...conditions.perResource?.[resource] };
      const resourcePolicy = policies[resource];
      const key = `${iamAction}\n${resource}\n${JSON.stringify(context)}\n${resourcePolicy ?? ""}`;
      let decision = timeDependent ? undefined : this.decisions.get(key);
      if (decision === undefined) {
        this.evaluations++;
        const now = new Date();
        context["aws:CurrentTime"] = now.toISOString();
        context["aws:EpochTime"] = String(Math.floor(now.getTime() / 1000));
        // The identity policies capped by the principal's permissions boundary, and the resource's own policy.
        decision =
          resourcePolicy === undefined
            ? (await evaluateBounded(principal, boundary, iamAction, resource, context, ctx.account)).decision
            : await evaluateWithResourcePolicy(
                principal,
                boundary,
                iamAction,
                resource,
                context,
                ctx.account,
                resourcePolicy,
              );
        if (!timeDependent) this.decisions.set(key, decision);
      }
      if (decision !== "allowed") {
        throw accessDenied({ ...ctx, principalArn: sessionArn(ctx.principalArn) }, iamAction, resource);
      }
    }
  };
}
