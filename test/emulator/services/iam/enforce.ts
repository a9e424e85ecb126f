/**
 * Enforcement mode: every call of a mapped access key is evaluated against its
 * principal's identity policies and refused with the service's own
 * access-denied error. Keys without a mapping act as the default emulator
 * user, which may do everything. Compiled policies and decisions are cached
 * until IAM's state changes, since every call goes through here.
 */
import { type Authorizer, accessDenied, type Emulator } from "../../server";
import type { RequestContext } from "../../types";
import { type CompiledPrincipal, compilePrincipal, type Decision, evaluate } from "./evaluate";
import type { IamStore } from "./store";

/** The ARN a role's caller has in AWS: its assumed-role session (as STS GetCallerIdentity reports it). */
export function sessionArn(principalArn: string): string {
  const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  return role ? `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/GitHubActions` : principalArn;
}

function requestContext(ctx: RequestContext): Record<string, string> {
  const now = new Date();
  const isRole = /:role\//.test(ctx.principalArn);
  const context: Record<string, string> = {
    "aws:PrincipalArn": ctx.principalArn,
    "aws:PrincipalAccount": ctx.account,
    "aws:PrincipalType": isRole ? "AssumedRole" : "User",
    "aws:RequestedRegion": ctx.region,
    "aws:SecureTransport": "true",
    "aws:CurrentTime": now.toISOString(),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
  };
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(ctx.principalArn);
  if (user) context["aws:username"] = user[1] as string;
  return context;
}

export class Enforcer {
  private cacheVersion = -1;
  private readonly principals = new Map<string, CompiledPrincipal>();
  private readonly decisions = new Map<string, Decision>();
  /** Evaluations actually run (the rest were answered from the cache): for tests and benchmarks. */
  evaluations = 0;

  constructor(
    private readonly emulator: Emulator,
    private readonly store: IamStore,
  ) {}

  readonly authorize: Authorizer = async (ctx, iamAction, resources) => {
    // Unmapped keys are the default emulator user; an empty list means IAM does not authorise the call.
    if (!this.emulator.principals.has(ctx.accessKeyId) || resources.length === 0) return;
    if (this.cacheVersion !== this.store.version) {
      this.principals.clear();
      this.decisions.clear();
      this.cacheVersion = this.store.version;
    }
    let principal = this.principals.get(ctx.principalArn);
    if (!principal) {
      principal = compilePrincipal(this.store, this.store.entityByArn(ctx.principalArn), ctx.principalArn);
      this.principals.set(ctx.principalArn, principal);
    }
    for (const resource of resources) {
      const key = `${ctx.principalArn}\n${ctx.region}\n${iamAction}\n${resource}`;
      let decision = principal.timeDependent ? undefined : this.decisions.get(key);
      if (decision === undefined) {
        this.evaluations++;
        decision = (await evaluate(principal, iamAction, resource, requestContext(ctx), ctx.account)).decision;
        if (!principal.timeDependent) this.decisions.set(key, decision);
      }
      if (decision !== "allowed") {
        throw accessDenied({ ...ctx, principalArn: sessionArn(ctx.principalArn) }, iamAction, resource);
      }
    }
  };
}
