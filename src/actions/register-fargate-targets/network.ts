import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  type TargetGroup,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { errorMessage } from "../../lib/errors";
import type { TaskTarget } from "./discover";

export interface NetworkClients {
  elb: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
}

/** `10.0.0.0/16` -> [first, last] as unsigned 32-bit numbers, or undefined when not IPv4. */
export function ipv4Range(cidr: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = ip - (ip % size);
  return [first, first + size - 1];
}

function covers(outer: string, inner: string): boolean {
  const o = ipv4Range(outer);
  const i = ipv4Range(inner);
  return o !== undefined && i !== undefined && o[0] <= i[0] && i[1] <= o[1];
}

/** `true`: admitted; `false`: decidably not; `undefined`: cannot tell from the rules (prefix lists, unknown subnets). */
export type Admission =
  | { admitted: true; by: string }
  | { admitted: false; why: string }
  | { admitted: undefined; why: string };

/**
 * Whether the rules admit a load balancer on tcp `port`. ALB nodes connect
 * from their private addresses in the ALB's subnets, so a rule admits them when
 * it names one of the ALB's security groups, or when its IPv4 range covers
 * every ALB subnet (a VPC-CIDR rule, which the ALB guide documents as a valid
 * target security group rule: "Security groups for your Application Load
 * Balancer", elasticloadbalancing/latest/application/load-balancer-update-security-groups.html).
 * Prefix lists, or subnets whose CIDRs are unknown, make it undecidable here.
 */
export function admits(
  permissions: IpPermission[],
  albGroups: string[],
  port: number,
  albSubnetCidrs: string[] | undefined,
): Admission {
  const open = permissions.filter(
    (p) =>
      p.IpProtocol === "-1" || (p.IpProtocol === "tcp" && (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535)),
  );
  const group = open.flatMap((p) => p.UserIdGroupPairs ?? []).find((g) => g.GroupId && albGroups.includes(g.GroupId));
  if (group) return { admitted: true, by: `a rule naming ${group.GroupId}` };
  const ranges = open.flatMap((p) => (p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])));
  if (ranges.includes("0.0.0.0/0")) return { admitted: true, by: "a rule for 0.0.0.0/0" };
  const prefixLists = open.flatMap((p) =>
    (p.PrefixListIds ?? []).flatMap((l) => (l.PrefixListId ? [l.PrefixListId] : [])),
  );
  if (albSubnetCidrs === undefined || albSubnetCidrs.length === 0) {
    return ranges.length > 0 || prefixLists.length > 0
      ? {
          admitted: undefined,
          why: `the ALB subnets' CIDRs are unknown, so rules for ${[...ranges, ...prefixLists].join(", ")} cannot be judged`,
        }
      : { admitted: false, why: "no rule names the ALB security group or an IPv4 range" };
  }
  const range = ranges.find((r) => albSubnetCidrs.every((s) => covers(r, s)));
  if (range)
    return { admitted: true, by: `a rule for ${range}, which covers the ALB subnets ${albSubnetCidrs.join(", ")}` };
  const uncovered = albSubnetCidrs.filter((s) => !ranges.some((r) => covers(r, s)));
  if (prefixLists.length > 0) {
    return {
      admitted: undefined,
      why: `a rule uses prefix list(s) ${prefixLists.join(", ")}, whose entries are not read`,
    };
  }
  return {
    admitted: false,
    why:
      uncovered.length < albSubnetCidrs.length
        ? `the IPv4 rules cover some ALB subnets but not ${uncovered.join(", ")}`
        : "no rule names the ALB security group or an IPv4 range covering the ALB subnets",
  };
}

export interface SecurityGroupVerdict {
  albGroups: string[];
  taskGroups: string[];
  port: number;
  admitted: boolean | undefined;
  line: string;
}

/** The load balancers that use the target group (none when it is not attached). */
export async function loadBalancersOf(clients: NetworkClients, tg: TargetGroup): Promise<LoadBalancer[]> {
  const arns = tg.LoadBalancerArns ?? [];
  if (arns.length === 0) return [];
  const out = await clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: arns }));
  return out.LoadBalancers ?? [];
}

/** Whether the tasks' security groups admit the load balancer's on the container port. */
export async function checkSecurityGroups(
  clients: NetworkClients,
  tg: TargetGroup,
  lbs: LoadBalancer[],
  targets: TaskTarget[],
): Promise<SecurityGroupVerdict> {
  const port = targets[0]?.port ?? tg.Port ?? 0;
  const verdict: SecurityGroupVerdict = { albGroups: [], taskGroups: [], port, admitted: undefined, line: "" };
  try {
    if (lbs.length === 0) {
      verdict.line = "Security groups: not checked — the target group is not attached to any load balancer.";
      return verdict;
    }
    verdict.albGroups = [...new Set(lbs.flatMap((lb) => lb.SecurityGroups ?? []))];
    const eniIds = targets.flatMap((t) => (t.networkInterfaceId ? [t.networkInterfaceId] : []));
    if (eniIds.length > 0) {
      const enis = await clients.ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [...new Set(eniIds)].slice(0, 200) }),
      );
      verdict.taskGroups = [
        ...new Set(
          (enis.NetworkInterfaces ?? []).flatMap((n) =>
            (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
          ),
        ),
      ];
    }
    if (verdict.taskGroups.length === 0 || verdict.albGroups.length === 0) {
      verdict.line = "Security groups: could not tell which groups the tasks or the load balancer use.";
      return verdict;
    }
    const groups = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: verdict.taskGroups }));
    const permissions = (groups.SecurityGroups ?? []).flatMap((g) => g.IpPermissions ?? []);
    const subnetIds = [
      ...new Set(lbs.flatMap((lb) => (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])))),
    ];
    let cidrs: string[] | undefined;
    if (subnetIds.length > 0) {
      const subnets = await clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
      cidrs = (subnets.Subnets ?? []).flatMap((s) => (s.CidrBlock ? [s.CidrBlock] : []));
    }
    const result = admits(permissions, verdict.albGroups, port, cidrs);
    verdict.admitted = result.admitted;
    const subject = `the task security group(s) ${verdict.taskGroups.join(", ")}`;
    const alb = `the ALB security group(s) ${verdict.albGroups.join(", ")}`;
    verdict.line =
      result.admitted === true
        ? `Security groups: ${subject} admit ${alb} on tcp/${port} (${result.by}).`
        : result.admitted === false
          ? `Security groups: ${subject} do NOT admit ${alb} on tcp/${port}: ${result.why} — add an ingress rule (ephemeral-alb does it when given 'task-security-group-id').`
          : `Security groups: unknown whether ${subject} admit ${alb} on tcp/${port}: ${result.why}.`;
  } catch (error) {
    verdict.line = `Security groups: could not be checked (${errorMessage(error)}).`;
  }
  return verdict;
}

export interface ZoneVerdict {
  /** The zones the load balancer(s) enable. */
  enabled: string[];
  /** Targets in a zone no load balancer enables. */
  outside: { target: string; zone: string }[];
}

/**
 * `Target.NotInUse` also means "the target is in an Availability Zone that is
 * not enabled for its load balancer" (API_TargetHealth.html): a task subnet
 * outside ephemeral-alb's `subnet-ids`. Compares each target's zone (from
 * ECS, else from DescribeTargetHealth) with the load balancers' zones.
 */
export function checkZones(lbs: LoadBalancer[], targets: TaskTarget[], health: TargetHealthDescription[]): ZoneVerdict {
  const enabled = [
    ...new Set(lbs.flatMap((lb) => (lb.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])))),
  ];
  const outside: ZoneVerdict["outside"] = [];
  if (enabled.length === 0) return { enabled, outside };
  for (const t of targets) {
    const described = health.find((d) => d.Target?.Id === t.ip && d.Target?.Port === t.port)?.Target?.AvailabilityZone;
    const zone = t.availabilityZone ?? described;
    if (zone && zone !== "all" && !enabled.includes(zone)) outside.push({ target: `${t.ip}:${t.port}`, zone });
  }
  return { enabled, outside };
}
