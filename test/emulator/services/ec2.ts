/**
 * EC2 (EC2 Query protocol, 2016-11-15): the default VPC and its subnets,
 * security groups and their rules, network interfaces and tags. Other
 * services reach it with `emulator.service<Ec2Service>("ec2")` to place ENIs
 * and to ask whether security groups admit a load balancer's traffic.
 */
import { AwsError } from "../errors";
import type { Emulator } from "../server";
import {
  type ConditionContext,
  type Handler,
  operations,
  type Params,
  type RequestContext,
  type Scenario,
  type ServiceModule,
} from "../types";
import { readTags, type Tags, tagList, tagsFromSpecifications } from "./ec2/common";
import {
  describeNetworkInterfaces,
  describeSecurityGroupRules,
  describeSecurityGroups,
  describeSubnets,
  describeTags,
  describeVpcs,
} from "./ec2/describe";
import {
  Ec2State,
  type NetworkInterface,
  type NetworkInterfaceSpec,
  type SecurityGroup,
  type SecurityGroupRule,
  type Subnet,
} from "./ec2/model";
import { describeRule, ipPermissions, type RuleSpec, readRuleSpecs, revokedOut, ruleOut, sameRule } from "./ec2/rules";
import { type Ec2Scenario, loadEc2Scenario } from "./ec2/scenario";

export type { NetworkInterface, NetworkInterfaceSpec } from "./ec2/model";
export type { Ec2Scenario } from "./ec2/scenario";

/**
 * The request parameters each Describe* documents (EC2 API Reference, one page
 * per action). Anything else is refused as EC2 refuses it (`UnknownParameter`),
 * so a call the real API would reject never passes here.
 */
const DESCRIBE_PARAMETERS: Record<string, string[]> = {
  DescribeVpcs: ["VpcId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeSubnets: ["SubnetId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeSecurityGroups: ["GroupId", "GroupName", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeSecurityGroupRules: ["SecurityGroupRuleId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeNetworkInterfaces: ["NetworkInterfaceId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeTags: ["Filter", "MaxResults", "NextToken", "DryRun"],
};

function checkDescribeParameters(action: string, p: Params): void {
  const known = DESCRIBE_PARAMETERS[action] ?? [];
  for (const key of Object.keys(p)) {
    if (!known.includes(key)) throw new AwsError("UnknownParameter", `The parameter ${key} is not recognized`);
  }
  // "You cannot specify this parameter and the group IDs parameter in the same request."
  // (API_DescribeSecurityGroups.html, MaxResults)
  if (action === "DescribeSecurityGroups" && p.MaxResults !== undefined && p.GroupId !== undefined) {
    throw new AwsError(
      "InvalidParameterCombination",
      "The parameter groupIds cannot be used with the parameter maxResults",
    );
  }
}

const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

const arn = (ctx: RequestContext, type: string, id: string) => `arn:aws:ec2:${ctx.region}:${ctx.account}:${type}/${id}`;
/** The tags of a request's TagSpecifications. */
function specTags(params: Params): Tags {
  const tags: Tags = new Map();
  for (const spec of (Array.isArray(params.TagSpecification) ? params.TagSpecification : []) as Params[]) {
    for (const [k, v] of readTags(spec.Tag)) tags.set(k, v);
  }
  return tags;
}

/** EC2's module: the service, and the functions other services (and tests) reach it through. */
export interface Ec2Service extends ServiceModule {
  /**
   * Places a network interface with the given security groups in a subnet
   * (ECS task ENIs, load balancer ENIs). Throws `InvalidSubnetID.NotFound` /
   * `InvalidGroup.NotFound` when they do not exist.
   */
  addNetworkInterface(spec: NetworkInterfaceSpec): NetworkInterface;
  /**
   * Releases an ENI at once, or after `afterMs` of emulated time (scaled by
   * the emulator's timeScale): until then it still blocks DeleteSecurityGroup.
   */
  removeNetworkInterface(id: string, afterMs?: number): void;
  /**
   * Ends a new security group's propagation delay (`consistencyMs`) now: for a test that keeps it invisible
   * until the step under test has met its NotFound, however long the step takes to start.
   */
  propagateNow(groupId: string): void;
  /** Whether the security group exists (ELB and ECS validate their SecurityGroups with it). */
  securityGroupExists(id: string): boolean;
  /**
   * Whether any of the target's groups admits TCP `port` from one of
   * `fromGroupIds` (or from one of `fromAddresses` through a CIDR rule).
   * ELB health checks and forwarded requests time out when it says no.
   */
  allowsIngress(targetGroupIds: string[], fromGroupIds: string[], port: number, fromAddresses?: string[]): boolean;
  /** The ENI that holds this private IPv4 address (a registered target's), if any. */
  networkInterfaceByAddress(ip: string): NetworkInterface | undefined;
  /** A subnet by id (`InvalidSubnetID.NotFound` when absent). */
  subnet(id: string): Subnet;
  /** The default VPC's id. */
  defaultVpcId(): string | undefined;
  /** Whether the VPC exists (ELB's CreateTargetGroup validates `VpcId` with it). */
  vpcExists(id: string): boolean;
  /** The VPC of a security group, or undefined when it does not exist (or is not visible yet). */
  securityGroupVpcId(id: string): string | undefined;
  /** The `default` security group of a VPC (what ELB and ECS use when a request names none). */
  defaultSecurityGroupId(vpcId: string): string | undefined;
  /** The Availability Zone of a subnet, or undefined when EC2 does not know it. */
  subnetZone(id: string): string | undefined;
  /** The default subnet of a VPC's first zone that has one (where a Fargate task without a subnet lands). */
  defaultSubnetId(vpcId: string): string | undefined;
  stop(): Promise<void>;
  created(): unknown[];
  loadScenario(scenario: Scenario): void;
}

export function createEc2(emulator: Emulator): Ec2Service {
  /** EC2's internal state: other services go through the cross-service functions below, never through it. */
  const state = new Ec2State(emulator);
  const described =
    (action: string, fn: (state: Ec2State, p: Params) => unknown): Handler =>
    (p) => {
      checkDescribeParameters(action, p);
      return fn(state, p);
    };
  // Where each call is authorized (Service Authorization Reference, Amazon EC2) and its condition keys: request tags
  // (TagSpecifications, or CreateTags' Tag) and, per existing security group, its tags and ec2:Vpc.
  const tagged = {
    conditions: (p: Params, ctx: RequestContext, r: string[]) => conditions(ctx, r, specTags(p)),
  };
  const onGroup = { resources: (p: Params, ctx: RequestContext) => [groupArn(p, ctx)], ...tagged };
  const onResources = {
    resources: (p: Params, ctx: RequestContext) => asArray(p.ResourceId).map((id) => arn(ctx, resourceType(id), id)),
  };
  const ops = operations(
    {
      DescribeVpcs: described("DescribeVpcs", describeVpcs),
      DescribeSubnets: described("DescribeSubnets", describeSubnets),
      CreateSecurityGroup: (p, ctx) => createSecurityGroup(p, ctx),
      DeleteSecurityGroup: (p) => deleteSecurityGroup(p),
      DescribeSecurityGroups: described("DescribeSecurityGroups", describeSecurityGroups),
      DescribeSecurityGroupRules: described("DescribeSecurityGroupRules", describeSecurityGroupRules),
      AuthorizeSecurityGroupIngress: (p, ctx) => authorize(p, false, ctx),
      AuthorizeSecurityGroupEgress: (p, ctx) => authorize(p, true, ctx),
      RevokeSecurityGroupIngress: (p) => revoke(p, false),
      RevokeSecurityGroupEgress: (p) => revoke(p, true),
      DescribeNetworkInterfaces: described("DescribeNetworkInterfaces", describeNetworkInterfaces),
      CreateTags: (p) => createTags(p),
      DeleteTags: (p) => deleteTags(p),
      DescribeTags: described("DescribeTags", describeTags),
    },
    {
      // Describe* are authorized on `*`.
      DescribeVpcs: {},
      DescribeSubnets: {},
      CreateSecurityGroup: {
        resources: (p, ctx) => [arn(ctx, "security-group", "*"), arn(ctx, "vpc", String(p.VpcId ?? defaultVpcId()))],
        ...tagged,
      },
      DeleteSecurityGroup: onGroup,
      DescribeSecurityGroups: {},
      DescribeSecurityGroupRules: {},
      AuthorizeSecurityGroupIngress: onGroup,
      AuthorizeSecurityGroupEgress: onGroup,
      RevokeSecurityGroupIngress: onGroup,
      RevokeSecurityGroupEgress: onGroup,
      DescribeNetworkInterfaces: {},
      CreateTags: { ...onResources, conditions: (p, ctx, r) => conditions(ctx, r, readTags(p.Tag)) },
      DeleteTags: { ...onResources, ...tagged },
      DescribeTags: {},
    },
  );
  // ---- cross-service API -------------------------------------------------

  /**
   * Places a network interface with the given security groups in a subnet
   * (ECS task ENIs, load balancer ENIs). Throws `InvalidSubnetID.NotFound` /
   * `InvalidGroup.NotFound` when they do not exist.
   */
  function addNetworkInterface(spec: NetworkInterfaceSpec): NetworkInterface {
    return state.addNetworkInterface(spec);
  }

  /**
   * Releases an ENI at once, or after `afterMs` of emulated time (scaled by
   * the emulator's timeScale): until then it still blocks DeleteSecurityGroup.
   */
  function removeNetworkInterface(id: string, afterMs?: number): void {
    state.removeNetworkInterface(id, afterMs);
  }

  /**
   * Ends a new security group's propagation delay (`consistencyMs`) now: for a test that keeps it invisible
   * until the step under test has met its NotFound, however long the step takes to start.
   */
  function propagateNow(groupId: string): void {
    const group = state.groups.get(groupId);
    if (!group) throw new Error(`emulator: no security group ${groupId}`);
    delete group.visibleAt;
  }

  /** Whether the security group exists (ELB and ECS validate their SecurityGroups with it). */
  function securityGroupExists(id: string): boolean {
    return state.securityGroupExists(id);
  }

  /**
   * Whether any of the target's groups admits TCP `port` from one of
   * `fromGroupIds` (or from one of `fromAddresses` through a CIDR rule).
   * ELB health checks and forwarded requests time out when it says no.
   */
  function allowsIngress(
    targetGroupIds: string[],
    fromGroupIds: string[],
    port: number,
    fromAddresses?: string[],
  ): boolean {
    return state.allowsIngress(targetGroupIds, fromGroupIds, port, fromAddresses);
  }

  /** The ENI that holds this private IPv4 address (a registered target's), if any. */
  function networkInterfaceByAddress(ip: string): NetworkInterface | undefined {
    return state.networkInterfaceByAddress(ip);
  }

  /** A subnet by id (`InvalidSubnetID.NotFound` when absent). */
  function subnet(id: string) {
    return state.subnet(id);
  }

  /** The default VPC's id. */
  function defaultVpcId(): string | undefined {
    return state.defaultVpc()?.id;
  }

  /** Whether the VPC exists (ELB's CreateTargetGroup validates `VpcId` with it). */
  function vpcExists(id: string): boolean {
    return state.vpcs.has(id);
  }

  /** The VPC of a security group, or undefined when it does not exist (or is not visible yet). */
  function securityGroupVpcId(id: string): string | undefined {
    return state.securityGroupExists(id) ? state.group(id).vpcId : undefined;
  }

  /** The `default` security group of a VPC (what ELB and ECS use when a request names none). */
  function defaultSecurityGroupId(vpcId: string): string | undefined {
    return [...state.groups.values()].find((g) => g.vpcId === vpcId && g.name === "default")?.id;
  }

  /** The Availability Zone of a subnet, or undefined when EC2 does not know it. */
  function subnetZone(id: string): string | undefined {
    return state.subnets.get(id)?.availabilityZone;
  }

  /** The default subnet of a VPC's first zone that has one (where a Fargate task without a subnet lands). */
  function defaultSubnetId(vpcId: string): string | undefined {
    return [...state.subnets.values()].find((s) => s.vpcId === vpcId && s.defaultForAz)?.id;
  }

  // ---- module lifecycle --------------------------------------------------

  function reset(): void {
    state.reset();
  }

  function stop(): Promise<void> {
    state.stop();
    return Promise.resolve();
  }

  function loadScenario(scenario: Scenario): void {
    const section = scenario.ec2 as Ec2Scenario | undefined;
    if (section) loadEc2Scenario(state, section);
  }

  function snapshot(): unknown {
    const s = state;
    return {
      vpcs: [...s.vpcs.values()].map((v) => ({ ...v, tags: Object.fromEntries(v.tags) })),
      subnets: [...s.subnets.values()].map(({ nextHost: _n, ...v }) => ({ ...v, tags: Object.fromEntries(v.tags) })),
      securityGroups: [...s.groups.values()].map((g) => ({
        ...g,
        tags: Object.fromEntries(g.tags),
        rules: g.rules.map((r) => ({ ...r, tags: Object.fromEntries(r.tags) })),
      })),
      networkInterfaces: [...s.interfaces.values()].map(({ releaseTimer, ...e }) => ({
        ...e,
        tags: Object.fromEntries(e.tags),
        releasing: releaseTimer !== undefined,
      })),
    };
  }

  /** Security groups and rules created through the API that still exist. */
  function created(): unknown[] {
    const out: unknown[] = [];
    for (const g of state.groups.values()) {
      if (g.created) out.push({ type: "security-group", id: g.id, name: g.name, vpcId: g.vpcId });
      for (const r of g.rules) {
        if (r.created) {
          out.push({ type: "security-group-rule", id: r.id, groupId: g.id, rule: describeRule(r) });
        }
      }
    }
    return out;
  }

  /** A security group named by GroupId, or by GroupName in the default VPC (`*` when there is none). */
  function groupArn(params: Params, ctx: RequestContext): string {
    if (params.GroupId) return arn(ctx, "security-group", String(params.GroupId));
    const g = params.GroupName
      ? [...state.groups.values()].find((x) => x.name === params.GroupName && x.vpcId === defaultVpcId())
      : undefined;
    return arn(ctx, "security-group", g?.id ?? "*");
  }

  /**
   * TagSpecifications on a create are also an `ec2:CreateTags` (with
   * `ec2:CreateAction`), authorized by AWS before anything is created.
   */
  async function authorizeTagOnCreate(ctx: RequestContext, arn: string, tags: Tags): Promise<void> {
    const emulator = state.emulator;
    if (tags.size === 0 || !emulator.enforce || !emulator.authorizer) return;
    await emulator.authorizer(ctx, "ec2:CreateTags", [arn], {
      request: { ...requestTagKeys(tags), "ec2:CreateAction": ctx.action },
    });
  }

  /** The request's tags; the tags and VPC of each existing security group among `resources`. */
  function conditions(ctx: RequestContext, resources: string[], tags: Tags): ConditionContext {
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

  // ---- VPCs and subnets ---------------------------------------------------

  // ---- security groups ----------------------------------------------------

  function groupFromParams(p: Params): SecurityGroup {
    if (p.GroupId) return state.group(String(p.GroupId));
    if (p.GroupName) return state.groupByName(String(p.GroupName));
    throw new AwsError("MissingParameter", "The request must contain the parameter groupId or groupName");
  }

  async function createSecurityGroup(p: Params, ctx: RequestContext) {
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
    const vpcId = p.VpcId ? state.vpc(String(p.VpcId)).id : defaultVpcId();
    if (!vpcId) throw new AwsError("VPCIdNotSpecified", "No default VPC for this user");
    if ([...state.groups.values()].some((g) => g.name === name && g.vpcId === vpcId)) {
      throw new AwsError("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${vpcId}'`);
    }
    const tags = tagsFromSpecifications(p.TagSpecification, "security-group");
    await authorizeTagOnCreate(ctx, `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group/*`, tags);
    const group = state.addGroup({ name, description, vpcId, tags, created: true });
    return {
      return: true,
      groupId: group.id,
      securityGroupArn: state.groupArn(group),
      tagSet: tagList(group.tags),
    };
  }

  function deleteSecurityGroup(p: Params) {
    const group = groupFromParams(p);
    if (group.name === "default") {
      throw new AwsError(
        "CannotDelete",
        `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
      );
    }
    const dependent =
      [...state.interfaces.values()].some((e) => e.groups.includes(group.id)) ||
      [...state.groups.values()].some(
        (g) => g.id !== group.id && g.rules.some((r) => r.referencedGroupId === group.id),
      );
    if (dependent) {
      throw new AwsError("DependencyViolation", `resource ${group.id} has a dependent object`);
    }
    state.groups.delete(group.id);
    return { return: true, groupId: group.id };
  }

  async function authorize(p: Params, isEgress: boolean, ctx: RequestContext) {
    if (isEgress && !p.GroupId) {
      throw new AwsError("MissingParameter", "The request must contain the parameter groupId");
    }
    const group = groupFromParams(p);
    const specs = readRuleSpecs(p, state, group, isEgress);
    const tags = tagsFromSpecifications(p.TagSpecification, "security-group-rule");
    specs.forEach((spec, i) => {
      const duplicate =
        group.rules.some((r) => sameRule(r, spec)) || specs.slice(0, i).some((other) => sameRuleSpec(other, spec));
      if (duplicate) {
        throw new AwsError("InvalidPermission.Duplicate", `the specified rule "${describeRule(spec)}" already exists`);
      }
    });
    await authorizeTagOnCreate(ctx, `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group-rule/*`, tags);
    const added = specs.map((spec) => state.newRule(group.id, { ...spec, tags: new Map(tags) }, true));
    group.rules.push(...added);
    return { return: true, securityGroupRuleSet: added.map((r) => ruleOut(state, r)) };
  }

  function revoke(p: Params, isEgress: boolean) {
    const group = groupFromParams(p);
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

  // ---- network interfaces -------------------------------------------------

  // ---- tags -----------------------------------------------------------------

  function taggable(id: string): { tags: Tags; type: string } {
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
          throw new AwsError(
            "InvalidSecurityGroupRuleId.NotFound",
            `The security group rule ID '${id}' does not exist`,
          );
        }
        return { tags: rule.tags, type };
      }
      default:
        throw new AwsError("InvalidID", `The ID '${id}' is not valid`);
    }
  }

  function createTags(p: Params) {
    const ids = asArray(p.ResourceId);
    if (ids.length === 0)
      throw new AwsError("MissingParameter", "The request must contain the parameter resourceIdSet");
    const tags = readTags(p.Tag);
    for (const key of tags.keys()) {
      if (key.length > 128 || key.toLowerCase().startsWith("aws:")) {
        throw new AwsError("InvalidParameterValue", `Tag key '${key}' is invalid`);
      }
    }
    const targets = ids.map((id) => taggable(id));
    for (const t of targets) {
      for (const [k, v] of tags) t.tags.set(k, v);
      if (t.tags.size > 50) throw new AwsError("TagLimitExceeded", "The maximum number of tags (50) was exceeded");
    }
    return { return: true };
  }

  function deleteTags(p: Params) {
    const ids = asArray(p.ResourceId);
    const tags = (p.Tag ?? []) as Params[];
    for (const id of ids) {
      const t = taggable(id);
      if (tags.length === 0) t.tags.clear();
      for (const tag of tags) {
        if (tag.Value === undefined || t.tags.get(tag.Key) === String(tag.Value)) t.tags.delete(tag.Key);
      }
    }
    return { return: true };
  }

  return {
    signingName: "ec2",
    protocol: "ec2",
    xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/",
    iamPrefix: "ec2",
    /** EC2's own: `UnauthorizedOperation`, 403, "You are not authorized to perform this operation. …". */
    accessDenied: (message: string): AwsError =>
      new AwsError("UnauthorizedOperation", `You are not authorized to perform this operation. ${message}`, 403),
    operations: ops,
    addNetworkInterface,
    removeNetworkInterface,
    propagateNow,
    securityGroupExists,
    allowsIngress,
    networkInterfaceByAddress,
    subnet,
    defaultVpcId,
    vpcExists,
    securityGroupVpcId,
    defaultSecurityGroupId,
    subnetZone,
    defaultSubnetId,
    reset,
    stop,
    loadScenario,
    snapshot,
    created,
  };
}

function requestTagKeys(tags: Tags): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { "aws:TagKeys": [...tags.keys()] };
  for (const [k, v] of tags) out[`aws:RequestTag/${k}`] = v;
  return out;
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

function resourceType(id: string): string {
  if (id.startsWith("sgr-")) return "security-group-rule";
  if (id.startsWith("sg-")) return "security-group";
  if (id.startsWith("vpc-")) return "vpc";
  if (id.startsWith("subnet-")) return "subnet";
  if (id.startsWith("eni-")) return "network-interface";
  return "unknown";
}

/** The EC2 module of a running emulator, for other services. */
export const ec2Of = (emulator: Emulator): Ec2Service => emulator.service<Ec2Service>("ec2");
