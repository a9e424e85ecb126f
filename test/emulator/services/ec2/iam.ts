/**
 * How IAM sees EC2 calls under enforcement: resource ARNs as EC2 forms them, the request's tag condition keys, and
 * per existing security group its tags and `ec2:Vpc` (Service Authorization Reference, Amazon EC2).
 */
import type { ConditionContext, Operation, Params, RequestContext } from "../../types";
import { readTags, type Tags } from "./common";
import type { Ec2State } from "./model";

export const arn = (ctx: RequestContext, type: string, id: string) =>
  `arn:aws:ec2:${ctx.region}:${ctx.account}:${type}/${id}`;

/** The tags of a request's TagSpecifications. */
export function specTags(params: Params): Tags {
  const tags: Tags = new Map();
  for (const spec of (Array.isArray(params.TagSpecification) ? params.TagSpecification : []) as Params[]) {
    for (const [k, v] of readTags(spec.Tag)) tags.set(k, v);
  }
  return tags;
}

/** A security group named by GroupId, or by GroupName in the default VPC (`*` when there is none). */
export function groupArn(state: Ec2State, params: Params, ctx: RequestContext): string {
  if (params.GroupId) return arn(ctx, "security-group", String(params.GroupId));
  const g = params.GroupName
    ? [...state.groups.values()].find((x) => x.name === params.GroupName && x.vpcId === state.defaultVpc()?.id)
    : undefined;
  return arn(ctx, "security-group", g?.id ?? "*");
}

/**
 * TagSpecifications on a create are also an `ec2:CreateTags` (with
 * `ec2:CreateAction`), authorized by AWS before anything is created.
 */
export async function authorizeTagOnCreate(
  state: Ec2State,
  ctx: RequestContext,
  arn: string,
  tags: Tags,
): Promise<void> {
  const emulator = state.emulator;
  if (tags.size === 0 || !emulator.enforce || !emulator.authorizer) return;
  await emulator.authorizer(ctx, "ec2:CreateTags", [arn], {
    request: { ...requestTagKeys(tags), "ec2:CreateAction": ctx.action },
  });
}

/** The request's tags; the tags and VPC of each existing security group among `resources`. */
export function conditions(state: Ec2State, ctx: RequestContext, resources: string[], tags: Tags): ConditionContext {
  const request: Record<string, string | string[]> = {};
  if (tags.size > 0) Object.assign(request, requestTagKeys(tags));
  const perResource: Record<string, Record<string, string>> = {};
  for (const resource of resources) {
    const id = resource.split("/").pop() ?? "";
    const group = state.groups.get(id);
    if (!group) continue;
    perResource[resource] = {
      "ec2:Vpc": arn(ctx, "vpc", group.vpcId),
      ...Object.fromEntries(
        [...group.tags].flatMap(([k, v]) => [
          [`aws:ResourceTag/${k}`, v],
          [`ec2:ResourceTag/${k}`, v],
        ]),
      ),
    };
  }
  return { request, perResource };
}

export function requestTagKeys(tags: Tags): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { "aws:TagKeys": [...tags.keys()] };
  for (const [k, v] of tags) out[`aws:RequestTag/${k}`] = v;
  return out;
}

/** An operation's record without its handler: the resources it is authorized on and its condition keys. */
export type Authorization = Omit<Operation, "handler">;

/** The request's tags (TagSpecifications) and, per existing security group, its tags and `ec2:Vpc`. */
export const tagged = (state: Ec2State): Authorization => ({
  conditions: (p, ctx, r) => conditions(state, ctx, r, specTags(p)),
});
