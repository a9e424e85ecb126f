/** EC2 security groups and their rules: Create/DeleteSecurityGroup, Authorize/RevokeSecurityGroupIngress/Egress. */
import { AwsError } from "../../errors";
import { operations, type Params, type RequestContext } from "../../types";
import { asArray, tagList, tagsFromSpecifications } from "./common";
import { type Authorization, arn, authorizeTagOnCreate, groupArn, tagged } from "./iam";
import type { Ec2State, SecurityGroup, SecurityGroupRule } from "./model";
import { describeRule, ipPermissions, type RuleSpec, readRuleSpecs, revokedOut, ruleOut, sameRule } from "./rules";

export function groupFromParams(state: Ec2State, p: Params): SecurityGroup {
  if (p.GroupId) return state.group(String(p.GroupId));
  if (p.GroupName) return state.groupByName(String(p.GroupName));
  throw new AwsError("MissingParameter", "The request must contain the parameter groupId or groupName");
}

export async function createSecurityGroup(state: Ec2State, p: Params, ctx: RequestContext) {
  const name = p.GroupName === undefined ? undefined : String(p.GroupName);
  const description = p.GroupDescription === undefined ? undefined : String(p.GroupDescription);
  if (!name) throw new AwsError("MissingParameter", "The request must contain the parameter groupName");
  if (description === undefined) {
    throw new AwsError("MissingParameter", "The request must contain the parameter groupDescription");
  }
  if (name.length > 255 || description.length > 255) {
    throw new AwsError(
      "InvalidParameterValue",
      "Value for parameter groupName or groupDescription is too long (max 255)",
    );
  }
  if (/^sg-/i.test(name)) {
    throw new AwsError("InvalidParameterValue", "Group names may not be in the format sg-*");
  }
  if (name === "default") {
    throw new AwsError("InvalidGroup.Reserved", "The security group 'default' is reserved");
  }
  const vpcId = p.VpcId ? state.vpc(String(p.VpcId)).id : state.defaultVpc()?.id;
  if (!vpcId) throw new AwsError("VPCIdNotSpecified", "No default VPC for this user");
  if ([...state.groups.values()].some((g) => g.name === name && g.vpcId === vpcId)) {
    throw new AwsError("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${vpcId}'`);
  }
  const tags = tagsFromSpecifications(p.TagSpecification, "security-group");
  await authorizeTagOnCreate(state, ctx, `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group/*`, tags);
  const group = state.addGroup({ name, description, vpcId, tags, created: true });
  return {
    return: true,
    groupId: group.id,
    securityGroupArn: state.groupArn(group),
    tagSet: tagList(group.tags),
  };
}

export function deleteSecurityGroup(state: Ec2State, p: Params) {
  const group = groupFromParams(state, p);
  if (group.name === "default") {
    throw new AwsError(
      "CannotDelete",
      `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
    );
  }
  const dependent =
    [...state.interfaces.values()].some((e) => e.groups.includes(group.id)) ||
    [...state.groups.values()].some((g) => g.id !== group.id && g.rules.some((r) => r.referencedGroupId === group.id));
  if (dependent) {
    throw new AwsError("DependencyViolation", `resource ${group.id} has a dependent object`);
  }
  state.groups.delete(group.id);
  return { return: true, groupId: group.id };
}

export async function authorize(state: Ec2State, p: Params, isEgress: boolean, ctx: RequestContext) {
  if (isEgress && !p.GroupId) {
    throw new AwsError("MissingParameter", "The request must contain the parameter groupId");
  }
  const group = groupFromParams(state, p);
  const specs = readRuleSpecs(p, state, group, isEgress);
  const tags = tagsFromSpecifications(p.TagSpecification, "security-group-rule");
  // The same permission twice in one request is a validation error, before the group's rules are looked at:
  // EC2 answers InvalidParameterValue "The same permission must not appear multiple times" (the API reference
  // does not list it; seen from AWS in aws/aws-sdk-go#1340 and terraform-provider-aws#2587, on a group with no rules).
  if (specs.some((spec, i) => specs.slice(0, i).some((other) => sameRuleSpec(other, spec)))) {
    throw new AwsError("InvalidParameterValue", "The same permission must not appear multiple times");
  }
  for (const spec of specs) {
    if (group.rules.some((r) => sameRule(r, spec))) {
      throw new AwsError("InvalidPermission.Duplicate", `the specified rule "${describeRule(spec)}" already exists`);
    }
  }
  await authorizeTagOnCreate(state, ctx, `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group-rule/*`, tags);
  const added = specs.map((spec) => state.newRule(group.id, { ...spec, tags: new Map(tags) }, true));
  group.rules.push(...added);
  return { return: true, securityGroupRuleSet: added.map((r) => ruleOut(state, r)) };
}

export function revoke(state: Ec2State, p: Params, isEgress: boolean) {
  const group = groupFromParams(state, p);
  const ruleIds = asArray(p.SecurityGroupRuleId);
  let revoked: SecurityGroupRule[];
  const unknown: Params[] = [];
  if (ruleIds.length > 0) {
    revoked = ruleIds.map((id) => {
      const rule = group.rules.find((r) => r.id === id && r.isEgress === isEgress);
      if (!rule) {
        throw new AwsError(
          "InvalidSecurityGroupRuleId.NotFound",
          `The security group rule ID '${id}' does not exist in security group '${group.id}'`,
        );
      }
      return rule;
    });
  } else {
    const specs = readRuleSpecs(p, state, group, isEgress);
    revoked = [];
    for (const spec of specs) {
      const rule = group.rules.find((r) => sameRule(r, spec));
      if (rule) revoked.push(rule);
      else unknown.push(...ipPermissions([state.newRule(group.id, spec, false)], state.account));
    }
    if (revoked.length === 0) {
      throw new AwsError("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
    }
  }
  group.rules = group.rules.filter((r) => !revoked.includes(r));
  return {
    return: true,
    unknownIpPermissionSet: unknown.length > 0 ? unknown : undefined,
    revokedSecurityGroupRuleSet: revoked.map(revokedOut),
  };
}

function sameRuleSpec(a: RuleSpec, b: RuleSpec): boolean {
  return (
    a.isEgress === b.isEgress &&
    a.protocol === b.protocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.cidr === b.cidr &&
    a.referencedGroupId === b.referencedGroupId
  );
}

/**
 * The security group operations' records. Create is authorized on `security-group/*` and the VPC, the others on the
 * group they name (Service Authorization Reference, Amazon EC2), each with the request's tags and the group's.
 */
export function securityGroupOperations(state: Ec2State) {
  const onGroup: Authorization = { resources: (p, ctx) => [groupArn(state, p, ctx)], ...tagged(state) };
  return operations(
    {
      CreateSecurityGroup: (p, ctx) => createSecurityGroup(state, p, ctx),
      DeleteSecurityGroup: (p) => deleteSecurityGroup(state, p),
      AuthorizeSecurityGroupIngress: (p, ctx) => authorize(state, p, false, ctx),
      AuthorizeSecurityGroupEgress: (p, ctx) => authorize(state, p, true, ctx),
      RevokeSecurityGroupIngress: (p) => revoke(state, p, false),
      RevokeSecurityGroupEgress: (p) => revoke(state, p, true),
    },
    {
      CreateSecurityGroup: {
        resources: (p, ctx) => [
          arn(ctx, "security-group", "*"),
          arn(ctx, "vpc", String(p.VpcId ?? state.defaultVpc()?.id)),
        ],
        ...tagged(state),
      },
      DeleteSecurityGroup: onGroup,
      AuthorizeSecurityGroupIngress: onGroup,
      AuthorizeSecurityGroupEgress: onGroup,
      RevokeSecurityGroupIngress: onGroup,
      RevokeSecurityGroupEgress: onGroup,
    },
  );
}
