/** ELBv2 tags: AddTags, RemoveTags and DescribeTags on load balancer, target group and listener ARNs. */
import { AwsError, validation } from "../../errors";
import { operations, type Params } from "../../types";
import { asArray } from "../ec2/common";
import { conditions, onResources, tagged } from "./iam";
import { readTags, type Tags, tagsOut } from "./model";
import { type Elbv2Resources, findLb, findListener, findTg } from "./resources";

export function taggable(r: Elbv2Resources, arn: string): Tags {
  if (arn.includes(":loadbalancer/")) return findLb(r, arn).tags;
  if (arn.includes(":targetgroup/")) return findTg(r, arn).tags;
  if (arn.includes(":listener/")) return findListener(r, arn).tags;
  throw validation(`'${arn}' is not a valid load balancer, target group or listener ARN`);
}

export function addTags(r: Elbv2Resources, p: Params) {
  const arns = asArray(p.ResourceArns);
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
  const keys = asArray(p.TagKeys);
  for (const arn of asArray(p.ResourceArns)) {
    const tags = taggable(r, arn);
    for (const k of keys) tags.delete(k);
  }
  return {};
}

export function describeTags(r: Elbv2Resources, p: Params) {
  return {
    TagDescriptions: asArray(p.ResourceArns).map((arn) => ({
      ResourceArn: arn,
      Tags: tagsOut(taggable(r, arn)),
    })),
  };
}

/** The tag operations' records. */
export function tagOperations(r: Elbv2Resources) {
  return operations(
    {
      AddTags: (p) => addTags(r, p),
      RemoveTags: (p) => removeTags(r, p),
      DescribeTags: (p) => describeTags(r, p),
    },
    {
      AddTags: { ...onResources, ...tagged(r) },
      RemoveTags: {
        ...onResources,
        conditions: (p, _c, resources) => {
          const context = conditions(r, p, resources, undefined);
          return { ...context, request: { ...context.request, "aws:TagKeys": asArray(p.TagKeys) } };
        },
      },
      DescribeTags: {},
    },
  );
}
