/**
 * How IAM sees ELBv2 calls under enforcement (Service Authorization Reference, Elastic Load Balancing V2; Describe*
 * are not resource-scoped): resource ARNs as ELB forms them, tag-on-create authorization, and the condition keys —
 * request tags and `elasticloadbalancing:CreateAction` on creates, the tags of each existing resource named.
 */
import type { Emulator } from "../../server";
import type { ConditionContext, Operation, Params, RequestContext } from "../../types";
import { asArray } from "../ec2/common";
import { requestTagKeys } from "../ec2/iam";
import type { Tags } from "./model";
import type { Elbv2Resources } from "./resources";

/** An operation's record without its handler: the resources it is authorized on and its condition keys. */
export type Authorization = Omit<Operation, "handler">;

export function arnPrefix(ctx: { region: string; account: string }): string {
  return `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}`;
}

/**
 * Creating with tags is also an `elasticloadbalancing:AddTags` on the new
 * resource (with `elasticloadbalancing:CreateAction`), which AWS authorizes
 * before anything is created.
 */
export async function authorizeTagOnCreate(
  emulator: Emulator,
  ctx: RequestContext,
  arn: string,
  tags: Tags,
): Promise<void> {
  if (tags.size === 0 || !emulator.enforce || !emulator.authorizer) return;
  await emulator.authorizer(ctx, "elasticloadbalancing:AddTags", [arn], {
    request: { ...requestTagKeys(tags), "elasticloadbalancing:CreateAction": ctx.action },
  });
}

/** Request tags (and `elasticloadbalancing:CreateAction` on a create); the tags of existing resources per ARN. */
export function conditions(
  r: Elbv2Resources,
  params: Params,
  resources: string[],
  createAction: string | undefined,
): ConditionContext {
  const request: Record<string, string | string[]> = {};
  if (Array.isArray(params.Tags) && params.Tags.length > 0) {
    const tags = new Map((params.Tags as Params[]).map((t) => [String(t.Key), String(t.Value ?? "")]));
    Object.assign(request, requestTagKeys(tags));
    if (createAction) request["elasticloadbalancing:CreateAction"] = createAction;
  }
  const perResource: Record<string, Record<string, string>> = {};
  for (const arn of resources) {
    const tags = r.loadBalancers.get(arn)?.tags ?? r.targetGroups.get(arn)?.tags ?? r.listeners.get(arn)?.tags;
    if (!tags || tags.size === 0) continue;
    perResource[arn] = Object.fromEntries(
      [...tags].flatMap(([k, v]) => [
        [`aws:ResourceTag/${k}`, v],
        [`elasticloadbalancing:ResourceTag/${k}`, v],
      ]),
    );
  }
  return { request, perResource };
}

/** The tags of each existing resource named, as condition keys. */
export const tagged = (r: Elbv2Resources): Authorization => ({
  conditions: (p, _c, resources) => conditions(r, p, resources, undefined),
});

/** Authorized on the resource the request names by `key`, with its tags. */
export const on = (r: Elbv2Resources, key: "LoadBalancerArn" | "TargetGroupArn" | "ListenerArn"): Authorization => ({
  resources: (p) => [String(p[key])],
  ...tagged(r),
});

/** A create: authorized on `resources` with the request's tags and `elasticloadbalancing:CreateAction`. */
export const creating = (
  r: Elbv2Resources,
  action: string,
  resources: (p: Params, ctx: RequestContext) => string[],
): Authorization => ({
  resources,
  conditions: (p, _c, names) => conditions(r, p, names, action),
});

/** Authorized on every ARN of `ResourceArns` (the tag calls). */
export const onResources: Authorization = { resources: (p) => asArray(p.ResourceArns) };
