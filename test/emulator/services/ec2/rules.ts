/**
 * Security group rules on the wire: `IpPermissions` in (and the legacy flat
 * parameters), `ipPermissions` / `securityGroupRuleSet` out, and the
 * duplicate / not-found semantics of Authorize and Revoke.
 */
import { AwsError } from "../../errors";
import type { Params } from "../../types";
import { parseCidr, type Tags, tagList } from "./common";
import type { Ec2State, SecurityGroup, SecurityGroupRule } from "./model";

export interface RuleSpec {
  isEgress: boolean;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  referencedGroupId?: string;
  description?: string;
  tags?: Tags;
}

const PROTOCOLS: Record<string, string> = {
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  "-1": "-1",
  all: "-1",
};

function normaliseProtocol(raw: unknown): string {
  const p = PROTOCOLS[String(raw ?? "").toLowerCase()];
  if (!p) throw new AwsError("InvalidParameterValue", `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
  return p;
}

function port(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < -1 || n > 65535) {
    throw new AwsError("InvalidParameterValue", `Invalid value '${raw}' for ${name}.`);
  }
  return n;
}

function base(protocol: string, fromRaw: unknown, toRaw: unknown): Pick<RuleSpec, "protocol" | "fromPort" | "toPort"> {
  const fromPort = port(fromRaw, "fromPort");
  const toPort = port(toRaw, "toPort");
  if (protocol === "tcp" || protocol === "udp") {
    if (fromPort === undefined || toPort === undefined) {
      throw new AwsError(
        "InvalidParameterValue",
        "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.",
      );
    }
    if (fromPort < 0 || toPort < fromPort) {
      throw new AwsError("InvalidParameterValue", `Invalid port range (${fromPort}-${toPort}).`);
    }
  }
  const out: Pick<RuleSpec, "protocol" | "fromPort" | "toPort"> = { protocol };
  if (protocol !== "-1") {
    out.fromPort = fromPort ?? -1;
    out.toPort = toPort ?? -1;
  }
  return out;
}

/** The rules an Authorize/Revoke call names, one per peer (CIDR or group). */
export function readRuleSpecs(params: Params, state: Ec2State, group: SecurityGroup, isEgress: boolean): RuleSpec[] {
  const specs: RuleSpec[] = [];
  const permissions = (params.IpPermissions ?? []) as Params[];
  for (const p of permissions) {
    const b = base(normaliseProtocol(p.IpProtocol), p.FromPort, p.ToPort);
    if ((p.Ipv6Ranges ?? []).length > 0 || (p.PrefixListIds ?? []).length > 0) {
      throw new AwsError("InvalidParameterValue", "emulator: IPv6 ranges and prefix lists are not emulated");
    }
    for (const r of (p.IpRanges ?? []) as Params[]) {
      const cidr = String(r.CidrIp ?? "");
      if (!parseCidr(cidr)) {
        throw new AwsError("InvalidParameterValue", `CIDR block ${cidr} is malformed`);
      }
      specs.push({
        isEgress,
        ...b,
        cidr,
        ...(r.Description !== undefined ? { description: String(r.Description) } : {}),
      });
    }
    for (const g of (p.Groups ?? []) as Params[]) {
      const ref = g.GroupId ? state.group(String(g.GroupId)) : state.groupByName(String(g.GroupName), group.vpcId);
      specs.push({
        isEgress,
        ...b,
        referencedGroupId: ref.id,
        ...(g.Description !== undefined ? { description: String(g.Description) } : {}),
      });
    }
  }
  // The legacy flat form: --protocol tcp --port 5000 --cidr / --source-group.
  if (params.IpProtocol !== undefined || params.CidrIp !== undefined || params.SourceSecurityGroupName !== undefined) {
    const b = base(normaliseProtocol(params.IpProtocol ?? "-1"), params.FromPort, params.ToPort);
    if (params.CidrIp !== undefined) {
      if (!parseCidr(String(params.CidrIp))) {
        throw new AwsError("InvalidParameterValue", `CIDR block ${params.CidrIp} is malformed`);
      }
      specs.push({ isEgress, ...b, cidr: String(params.CidrIp) });
    }
    if (params.SourceSecurityGroupName !== undefined) {
      const ref = state.groupByName(String(params.SourceSecurityGroupName), group.vpcId);
      specs.push({ isEgress, ...b, referencedGroupId: ref.id });
    }
  }
  if (specs.length === 0) {
    throw new AwsError("MissingParameter", "The request must contain the parameter ipPermissions");
  }
  return specs;
}

export function sameRule(rule: SecurityGroupRule, spec: RuleSpec): boolean {
  return (
    rule.isEgress === spec.isEgress &&
    rule.protocol === spec.protocol &&
    rule.fromPort === (spec.protocol === "-1" ? -1 : spec.fromPort) &&
    rule.toPort === (spec.protocol === "-1" ? -1 : spec.toPort) &&
    rule.cidr === spec.cidr &&
    rule.referencedGroupId === spec.referencedGroupId
  );
}

export function describeRule(spec: RuleSpec): string {
  const peer = spec.cidr ?? spec.referencedGroupId;
  const proto = spec.protocol === "-1" ? "ALL" : spec.protocol.toUpperCase();
  const ports = spec.protocol === "-1" ? "" : `, from port: ${spec.fromPort}, to port: ${spec.toPort}`;
  return `peer: ${peer}, ${proto}${ports}, ALLOW`;
}

/** Rules grouped the way DescribeSecurityGroups shows them: one permission per protocol and port range. */
export function ipPermissions(rules: SecurityGroupRule[], account: string): Params[] {
  const byRange = new Map<string, SecurityGroupRule[]>();
  for (const rule of rules) {
    const key = `${rule.protocol}/${rule.fromPort}/${rule.toPort}`;
    byRange.set(key, [...(byRange.get(key) ?? []), rule]);
  }
  return [...byRange.values()].map((group) => {
    const first = group[0] as SecurityGroupRule;
    const permission: Params = { ipProtocol: first.protocol };
    if (first.protocol !== "-1") {
      permission.fromPort = first.fromPort;
      permission.toPort = first.toPort;
    }
    permission.groups = group
      .filter((r) => r.referencedGroupId)
      .map((r) => ({ userId: account, groupId: r.referencedGroupId, description: r.description }));
    permission.ipRanges = group.filter((r) => r.cidr).map((r) => ({ cidrIp: r.cidr, description: r.description }));
    permission.ipv6Ranges = [];
    permission.prefixListIds = [];
    return permission;
  });
}

export function ruleArn(state: Ec2State, rule: SecurityGroupRule): string {
  return `arn:aws:ec2:${state.region}:${state.account}:security-group-rule/${rule.id}`;
}

/** One `SecurityGroupRule` as DescribeSecurityGroupRules and Authorize* return it. */
export function ruleOut(state: Ec2State, rule: SecurityGroupRule): Params {
  return {
    securityGroupRuleId: rule.id,
    groupId: rule.groupId,
    groupOwnerId: state.account,
    isEgress: rule.isEgress,
    ipProtocol: rule.protocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    cidrIpv4: rule.cidr,
    referencedGroupInfo: rule.referencedGroupId
      ? { groupId: rule.referencedGroupId, userId: state.account }
      : undefined,
    description: rule.description,
    tagSet: tagList(rule.tags),
    securityGroupRuleArn: ruleArn(state, rule),
  };
}

/** A `RevokedSecurityGroupRule`. */
export function revokedOut(rule: SecurityGroupRule): Params {
  return {
    securityGroupRuleId: rule.id,
    groupId: rule.groupId,
    isEgress: rule.isEgress,
    ipProtocol: rule.protocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    cidrIpv4: rule.cidr,
    referencedSecurityGroupId: rule.referencedGroupId,
    description: rule.description,
  };
}
