/**
 * ELBv2 tags (AddTags, RemoveTags, DescribeTags) and how IAM sees them: tag-on-create authorization and the
 * condition keys of request tags and of existing resources' tags.
 */
import { AwsError, validation } from "../../errors";
import type { Emulator } from "../../server";
import type { ConditionContext, Params, RequestContext } from "../../types";
import { requestTagKeys } from "../ec2/iam";
import { readTags, type Tags } from "./model";
import { type Elbv2Resources, findLb, findListener, findTg } from "./resources";

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

export function taggable(r: Elbv2Resources, arn: string): Tags {
  if (arn.includes(":loadbalancer/")) return findLb(r, arn).tags;
  if (arn.includes(":targetgroup/")) return findTg(r, arn).tags;
  if (arn.includes(":listener/")) return findListener(r, arn).tags;
  throw validation(`'${arn}' is not a valid load balancer, target group or listener ARN`);
}

export function addTags(r: Elbv2Resources, p: Params) {
  const arns = list(p.ResourceArns);
  if (arns.length === 0) throw validation("At least one resource ARN must be specified");
  if (arns.length > 20) throw validation("A maximum of 20 resource ARNs can be specified");
  const tags = readTags(p.Tags);
  const targets = arns.map((a) => taggable(r, a));
  for (const t of targets) {
    const merged = new Map([...t, ...tags]);
    if (merged.size > 50) {
      throw new AwsError(
        "TooManyTags",
        "The quota for the number of tags that can be assigned to a resource has been reached",
      );
    }
  }
  for (const t of targets) for (const [k, v] of tags) t.set(k, v);
  return {};
}

export function removeTags(r: Elbv2Resources, p: Params) {
  const keys = list(p.TagKeys);
  for (const arn of list(p.ResourceArns)) {
    const tags = taggable(r, arn);
    for (const k of keys) tags.delete(k);
  }
  return {};
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
