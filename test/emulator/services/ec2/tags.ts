/** EC2 tags: CreateTags and DeleteTags on security groups, rules, VPCs, subnets and network interfaces. */
import { AwsError } from "../../errors";
import { operations, type Params } from "../../types";
import { asArray, readTags, type Tags } from "./common";
import { type Authorization, arn, conditions, tagged } from "./iam";
import type { Ec2State } from "./model";

export function taggable(state: Ec2State, id: string): { tags: Tags; type: string } {
  const type = resourceType(id);
  switch (type) {
    case "security-group":
      return { tags: state.group(id).tags, type };
    case "vpc":
      return { tags: state.vpc(id).tags, type };
    case "subnet":
      return { tags: state.subnet(id).tags, type };
    case "network-interface": {
      const eni = state.interfaces.get(id);
      if (!eni) {
        throw new AwsError("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`);
      }
      return { tags: eni.tags, type };
    }
    case "security-group-rule": {
      const rule = state.allRules().find((r) => r.id === id);
      if (!rule) {
        throw new AwsError("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`);
      }
      return { tags: rule.tags, type };
    }
    default:
      throw new AwsError("InvalidID", `The ID '${id}' is not valid`);
  }
}

export function createTags(state: Ec2State, p: Params) {
  const ids = asArray(p.ResourceId);
  if (ids.length === 0) throw new AwsError("MissingParameter", "The request must contain the parameter resourceIdSet");
  const tags = readTags(p.Tag);
  for (const key of tags.keys()) {
    if (key.length > 128 || key.toLowerCase().startsWith("aws:")) {
      throw new AwsError("InvalidParameterValue", `Tag key '${key}' is invalid`);
    }
  }
  const targets = ids.map((id) => taggable(state, id));
  for (const t of targets) {
    for (const [k, v] of tags) t.tags.set(k, v);
    if (t.tags.size > 50) throw new AwsError("TagLimitExceeded", "The maximum number of tags (50) was exceeded");
  }
  return { return: true };
}

export function deleteTags(state: Ec2State, p: Params) {
  const ids = asArray(p.ResourceId);
  const tags = (p.Tag ?? []) as Params[];
  for (const id of ids) {
    const t = taggable(state, id);
    if (tags.length === 0) t.tags.clear();
    for (const tag of tags) {
      if (tag.Value === undefined || t.tags.get(tag.Key) === String(tag.Value)) t.tags.delete(tag.Key);
    }
  }
  return { return: true };
}

export function resourceType(id: string): string {
  if (id.startsWith("sgr-")) return "security-group-rule";
  if (id.startsWith("sg-")) return "security-group";
  if (id.startsWith("vpc-")) return "vpc";
  if (id.startsWith("subnet-")) return "subnet";
  if (id.startsWith("eni-")) return "network-interface";
  return "unknown";
}

/**
 * The tag operations' records (DescribeTags is with the other Describe* in describe.ts). Both are authorized on
 * each resource's ARN; CreateTags' request tags are its `Tag` list.
 */
export function tagOperations(state: Ec2State) {
  const onResources: Authorization = {
    resources: (p, ctx) => asArray(p.ResourceId).map((id) => arn(ctx, resourceType(id), id)),
  };
  return operations(
    {
      CreateTags: (p) => createTags(state, p),
      DeleteTags: (p) => deleteTags(state, p),
    },
    {
      CreateTags: { ...onResources, conditions: (p, ctx, r) => conditions(state, ctx, r, readTags(p.Tag)) },
      DeleteTags: { ...onResources, ...tagged(state) },
    },
  );
}
