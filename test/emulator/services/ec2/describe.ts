/**
 * EC2's Describe* operations: ids, filters (with `*` / `?` wildcards) and
 * paging over the state, answered with the EC2 Query wire names.
 */
import { AwsError } from "../../errors";
import { type Handler, operations, type Params } from "../../types";
import {
  asArray,
  ec2Page,
  isTagFilter,
  passesFilters,
  readFilters,
  type Tags,
  tagFilterValues,
  tagList,
} from "./common";
import type { Ec2State, NetworkInterface } from "./model";
import { ipPermissions, ruleOut } from "./rules";

/**
 * The request parameters each Describe* documents (EC2 API Reference, one page
 * per action). Anything else is refused as EC2 refuses it (`UnknownParameter`),
 * so a call the real API would reject never passes here.
 */
export const DESCRIBE_PARAMETERS: Record<string, string[]> = {
  DescribeVpcs: ["VpcId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeSubnets: ["SubnetId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeSecurityGroups: ["GroupId", "GroupName", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeSecurityGroupRules: ["SecurityGroupRuleId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeNetworkInterfaces: ["NetworkInterfaceId", "Filter", "MaxResults", "NextToken", "DryRun"],
  DescribeTags: ["Filter", "MaxResults", "NextToken", "DryRun"],
};

export function checkDescribeParameters(action: string, p: Params): void {
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

/** DescribeVpcs: ids, filters, paging. */
export function describeVpcs(state: Ec2State, p: Params) {
  const ids = asArray(p.VpcId);
  for (const id of ids) state.vpc(id);
  const filters = readFilters(
    p,
    (n) =>
      ["vpc-id", "cidr", "cidr-block-association.cidr-block", "is-default", "state", "owner-id"].includes(n) ||
      isTagFilter(n),
  );
  const vpcs = [...state.vpcs.values()].filter(
    (v) =>
      (ids.length === 0 || ids.includes(v.id)) &&
      passesFilters(filters, (name) => {
        switch (name) {
          case "vpc-id":
            return [v.id];
          case "cidr":
          case "cidr-block-association.cidr-block":
            return [v.cidr];
          case "is-default":
            return [String(v.isDefault)];
          case "state":
            return ["available"];
          case "owner-id":
            return [state.account];
          default:
            return tagFilterValues(name, v.tags) ?? [];
        }
      }),
  );
  const paged = ec2Page("DescribeVpcs", vpcs, p);
  return {
    vpcSet: paged.items.map((v) => ({
      vpcId: v.id,
      ownerId: state.account,
      state: "available",
      cidrBlock: v.cidr,
      cidrBlockAssociationSet: [
        {
          associationId: `vpc-cidr-assoc-${v.id.slice(4)}`,
          cidrBlock: v.cidr,
          cidrBlockState: { state: "associated" },
        },
      ],
      dhcpOptionsId: "dopt-0emulator0000000",
      instanceTenancy: "default",
      isDefault: v.isDefault,
      tagSet: tagList(v.tags),
    })),
    nextToken: paged.nextToken,
  };
}

/** DescribeSubnets. */
export function describeSubnets(state: Ec2State, p: Params) {
  const ids = asArray(p.SubnetId);
  for (const id of ids) state.subnet(id);
  const filters = readFilters(
    p,
    (n) =>
      [
        "subnet-id",
        "vpc-id",
        "availability-zone",
        "availability-zone-id",
        "default-for-az",
        "defaultForAz",
        "cidr-block",
        "cidrBlock",
        "state",
        "owner-id",
      ].includes(n) || isTagFilter(n),
  );
  const subnets = [...state.subnets.values()].filter(
    (s) =>
      (ids.length === 0 || ids.includes(s.id)) &&
      passesFilters(filters, (name) => {
        switch (name) {
          case "subnet-id":
            return [s.id];
          case "vpc-id":
            return [s.vpcId];
          case "availability-zone":
            return [s.availabilityZone];
          case "availability-zone-id":
            return [state.azId(s.availabilityZone)];
          case "default-for-az":
          case "defaultForAz":
            return [String(s.defaultForAz)];
          case "cidr-block":
          case "cidrBlock":
            return [s.cidr];
          case "state":
            return ["available"];
          case "owner-id":
            return [state.account];
          default:
            return tagFilterValues(name, s.tags) ?? [];
        }
      }),
  );
  const paged = ec2Page("DescribeSubnets", subnets, p);
  return {
    subnetSet: paged.items.map((s) => ({
      subnetId: s.id,
      subnetArn: `arn:aws:ec2:${state.region}:${state.account}:subnet/${s.id}`,
      vpcId: s.vpcId,
      state: "available",
      cidrBlock: s.cidr,
      availableIpAddressCount: 4091,
      availabilityZone: s.availabilityZone,
      availabilityZoneId: state.azId(s.availabilityZone),
      defaultForAz: s.defaultForAz,
      mapPublicIpOnLaunch: s.defaultForAz,
      assignIpv6AddressOnCreation: false,
      ownerId: state.account,
      tagSet: tagList(s.tags),
    })),
    nextToken: paged.nextToken,
  };
}

/** DescribeSecurityGroups: rules grouped into ipPermissions as EC2 shows them. */
export function describeSecurityGroups(state: Ec2State, p: Params) {
  const ids = asArray(p.GroupId);
  const names = asArray(p.GroupName);
  for (const id of ids) state.group(id);
  for (const name of names) state.groupByName(name);
  const filters = readFilters(
    p,
    (n) =>
      [
        "group-id",
        "group-name",
        "vpc-id",
        "description",
        "owner-id",
        "ip-permission.group-id",
        "ip-permission.cidr",
        "ip-permission.from-port",
        "ip-permission.to-port",
        "ip-permission.protocol",
        "egress.ip-permission.cidr",
        "egress.ip-permission.group-id",
      ].includes(n) || isTagFilter(n),
  );
  const defaultVpc = state.defaultVpc()?.id;
  const groups = [...state.groups.values()].filter(
    (g) =>
      state.visible(g) &&
      (ids.length === 0 || ids.includes(g.id)) &&
      (names.length === 0 || (names.includes(g.name) && g.vpcId === defaultVpc)) &&
      passesFilters(filters, (name) => {
        const ingress = g.rules.filter((r) => !r.isEgress);
        const egress = g.rules.filter((r) => r.isEgress);
        switch (name) {
          case "group-id":
            return [g.id];
          case "group-name":
            return [g.name];
          case "vpc-id":
            return [g.vpcId];
          case "description":
            return [g.description];
          case "owner-id":
            return [state.account];
          case "ip-permission.group-id":
            return ingress.map((r) => r.referencedGroupId);
          case "ip-permission.cidr":
            return ingress.map((r) => r.cidr);
          case "ip-permission.from-port":
            return ingress.map((r) => String(r.fromPort));
          case "ip-permission.to-port":
            return ingress.map((r) => String(r.toPort));
          case "ip-permission.protocol":
            return ingress.map((r) => r.protocol);
          case "egress.ip-permission.cidr":
            return egress.map((r) => r.cidr);
          case "egress.ip-permission.group-id":
            return egress.map((r) => r.referencedGroupId);
          default:
            return tagFilterValues(name, g.tags) ?? [];
        }
      }),
  );
  const paged = ec2Page("DescribeSecurityGroups", groups, p);
  return {
    securityGroupInfo: paged.items.map((g) => ({
      ownerId: state.account,
      groupId: g.id,
      groupName: g.name,
      groupDescription: g.description,
      vpcId: g.vpcId,
      securityGroupArn: state.groupArn(g),
      ipPermissions: ipPermissions(
        g.rules.filter((r) => !r.isEgress),
        state.account,
      ),
      ipPermissionsEgress: ipPermissions(
        g.rules.filter((r) => r.isEgress),
        state.account,
      ),
      tagSet: tagList(g.tags),
    })),
    nextToken: paged.nextToken,
  };
}

/** DescribeSecurityGroupRules. */
export function describeSecurityGroupRules(state: Ec2State, p: Params) {
  const ids = asArray(p.SecurityGroupRuleId);
  const all = state.allRules();
  for (const id of ids) {
    if (!all.some((r) => r.id === id)) {
      throw new AwsError("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`);
    }
  }
  // Documented: group-id, security-group-rule-id and tag:<key> only — not tag-key/tag-value
  // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html).
  const filters = readFilters(p, (n) => ["group-id", "security-group-rule-id"].includes(n) || n.startsWith("tag:"));
  const rules = all.filter(
    (r) =>
      (ids.length === 0 || ids.includes(r.id)) &&
      passesFilters(filters, (name) => {
        if (name === "group-id") return [r.groupId];
        if (name === "security-group-rule-id") return [r.id];
        return tagFilterValues(name, r.tags) ?? [];
      }),
  );
  const paged = ec2Page("DescribeSecurityGroupRules", rules, p, { min: 5, max: 1000 });
  return { securityGroupRuleSet: paged.items.map((r) => ruleOut(state, r)), nextToken: paged.nextToken };
}

/** DescribeNetworkInterfaces. */
export function describeNetworkInterfaces(state: Ec2State, p: Params) {
  const ids = asArray(p.NetworkInterfaceId);
  for (const id of ids) {
    if (!state.interfaces.has(id)) {
      throw new AwsError("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`);
    }
  }
  const filters = readFilters(
    p,
    (n) =>
      [
        "network-interface-id",
        "description",
        "group-id",
        "group-name",
        "vpc-id",
        "subnet-id",
        "availability-zone",
        "addresses.private-ip-address",
        "private-ip-address",
        "requester-managed",
        "requester-id",
        "interface-type",
        "status",
        "owner-id",
        "attachment.instance-owner-id",
        "attachment.status",
      ].includes(n) || isTagFilter(n),
  );
  const enis = [...state.interfaces.values()].filter(
    (e) =>
      (ids.length === 0 || ids.includes(e.id)) &&
      passesFilters(filters, (name) => {
        switch (name) {
          case "network-interface-id":
            return [e.id];
          case "description":
            return [e.description];
          case "group-id":
            return e.groups;
          case "group-name":
            return e.groups.map((g) => state.groups.get(g)?.name);
          case "vpc-id":
            return [e.vpcId];
          case "subnet-id":
            return [e.subnetId];
          case "availability-zone":
            return [e.availabilityZone];
          case "addresses.private-ip-address":
          case "private-ip-address":
            return [e.privateIpAddress];
          case "requester-managed":
            return [String(e.requesterManaged)];
          case "requester-id":
            return [e.requesterId];
          case "interface-type":
            return [e.interfaceType];
          case "status":
            return [e.status];
          case "owner-id":
            return [state.account];
          case "attachment.instance-owner-id":
            return [e.instanceOwnerId];
          case "attachment.status":
            return ["attached"];
          default:
            return tagFilterValues(name, e.tags) ?? [];
        }
      }),
  );
  const paged = ec2Page("DescribeNetworkInterfaces", enis, p);
  return {
    networkInterfaceSet: paged.items.map((e) => eniOut(state, e)),
    nextToken: paged.nextToken,
  };
}

/** One ENI as `networkInterfaceSet` shows it. */
export function eniOut(state: Ec2State, e: NetworkInterface): Params {
  return {
    networkInterfaceId: e.id,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    availabilityZone: e.availabilityZone,
    availabilityZoneId: state.azId(e.availabilityZone),
    description: e.description,
    ownerId: state.account,
    requesterId: e.requesterId,
    requesterManaged: e.requesterManaged,
    status: e.status,
    macAddress: e.macAddress,
    privateIpAddress: e.privateIpAddress,
    privateIpAddressesSet: [{ privateIpAddress: e.privateIpAddress, primary: true }],
    sourceDestCheck: true,
    interfaceType: e.interfaceType,
    groupSet: e.groups.map((g) => ({ groupId: g, groupName: state.groups.get(g)?.name })),
    attachment: {
      attachmentId: e.attachmentId,
      deviceIndex: 1,
      networkCardIndex: 0,
      instanceOwnerId: e.instanceOwnerId,
      status: "attached",
      deleteOnTermination: false,
    },
    tagSet: tagList(e.tags),
  };
}

/** DescribeTags over every taggable resource (filters: API_DescribeTags.html). */
export function describeTags(state: Ec2State, p: Params) {
  const filters = readFilters(p, (n) => ["resource-id", "resource-type", "key", "value"].includes(n));
  const hidden = new Set([...state.groups.values()].filter((g) => !state.visible(g)).map((g) => g.id));
  const all: { resourceId: string; resourceType: string; key: string; value: string }[] = [];
  const push = (id: string, type: string, tags: Tags) => {
    for (const [key, value] of tags) all.push({ resourceId: id, resourceType: type, key, value });
  };
  for (const v of state.vpcs.values()) push(v.id, "vpc", v.tags);
  for (const s of state.subnets.values()) push(s.id, "subnet", s.tags);
  for (const g of state.groups.values()) {
    if (hidden.has(g.id)) continue;
    push(g.id, "security-group", g.tags);
    for (const r of g.rules) push(r.id, "security-group-rule", r.tags);
  }
  for (const e of state.interfaces.values()) push(e.id, "network-interface", e.tags);
  const matching = all.filter((t) =>
    passesFilters(filters, (name) => {
      if (name === "resource-id") return [t.resourceId];
      if (name === "resource-type") return [t.resourceType];
      if (name === "key") return [t.key];
      return [t.value];
    }),
  );
  const paged = ec2Page("DescribeTags", matching, p);
  return { tagSet: paged.items, nextToken: paged.nextToken };
}

/** The Describe* operations' records: each refuses what its API page does not document; all are authorized on `*`. */
export function describeOperations(state: Ec2State) {
  const described =
    (action: string, fn: (state: Ec2State, p: Params) => unknown): Handler =>
    (p) => {
      checkDescribeParameters(action, p);
      return fn(state, p);
    };
  return operations(
    {
      DescribeVpcs: described("DescribeVpcs", describeVpcs),
      DescribeSubnets: described("DescribeSubnets", describeSubnets),
      DescribeSecurityGroups: described("DescribeSecurityGroups", describeSecurityGroups),
      DescribeSecurityGroupRules: described("DescribeSecurityGroupRules", describeSecurityGroupRules),
      DescribeNetworkInterfaces: described("DescribeNetworkInterfaces", describeNetworkInterfaces),
      DescribeTags: described("DescribeTags", describeTags),
    },
    {
      DescribeVpcs: {},
      DescribeSubnets: {},
      DescribeSecurityGroups: {},
      DescribeSecurityGroupRules: {},
      DescribeNetworkInterfaces: {},
      DescribeTags: {},
    },
  );
}
