/**
 * EC2's state: VPCs, subnets, security groups with their rules, and network
 * interfaces. The methods here are the cross-service API: ECS places task
 * ENIs, ELBv2 places load balancer ENIs and asks whether a security group
 * lets its traffic in.
 */
import { AwsError } from "../../errors";
import type { Emulator } from "../../server";
import { cidrContains, ec2Id, hex, intToIp, parseCidr, type Tags } from "./common";
import type { RuleSpec } from "./rules";

export interface Vpc {
  id: string;
  cidr: string;
  isDefault: boolean;
  tags: Tags;
}

export interface Subnet {
  id: string;
  vpcId: string;
  cidr: string;
  availabilityZone: string;
  defaultForAz: boolean;
  tags: Tags;
  /** Next host offset handed out to an ENI without an explicit address. */
  nextHost: number;
}

export interface SecurityGroupRule {
  id: string;
  groupId: string;
  isEgress: boolean;
  /** `tcp`, `udp`, `icmp` or `-1` (all). */
  protocol: string;
  fromPort: number;
  toPort: number;
  cidr?: string;
  referencedGroupId?: string;
  description?: string;
  tags: Tags;
  /** Added through the API (a leak if still present at the end of a test). */
  created: boolean;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Tags;
  rules: SecurityGroupRule[];
  created: boolean;
  /**
   * Until this wall-clock time (ms) a new group is invisible to every other
   * call: EC2 answers `InvalidGroup.NotFound`, as its eventual-consistency
   * page documents right after CreateSecurityGroup.
   */
  visibleAt?: number;
}

export interface NetworkInterface {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIpAddress: string;
  groups: string[];
  description: string;
  interfaceType: string;
  requesterId?: string;
  requesterManaged: boolean;
  status: "in-use" | "available";
  macAddress: string;
  attachmentId: string;
  instanceOwnerId?: string;
  tags: Tags;
  releaseTimer?: NodeJS.Timeout;
}

/** What other services pass to place an ENI. */
export interface NetworkInterfaceSpec {
  /** Explicit id so scenarios and tests know it; generated otherwise. */
  id?: string;
  subnetId: string;
  /** Omitted: the next free address of the subnet. */
  privateIpAddress?: string;
  /** Security group ids (must exist). */
  groups: string[];
  description: string;
  /** `interface` (default; ELB and Fargate ENIs show it), `lambda`, ... */
  interfaceType?: string;
  /** The AWS service principal or account that manages it (`amazon-elb`, ...). */
  requesterId?: string;
  requesterManaged?: boolean;
  /** Owner shown in `attachment.instanceOwnerId` (`amazon-elb`, `amazon-aws`). */
  instanceOwnerId?: string;
  tags?: Record<string, string>;
}

function regionShort(region: string): string {
  const [a = "", b = "", c = ""] = region.split("-");
  return `${a}${b.slice(0, 1)}${c}`;
}

export class Ec2State {
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly groups = new Map<string, SecurityGroup>();
  readonly interfaces = new Map<string, NetworkInterface>();
  /**
   * Eventual consistency (scenario `ec2.consistencyMs`, before timeScale):
   * how long a security group created through the API stays invisible to
   * other calls. "If you run a command to modify or describe the resource
   * that you just created, its ID might not have propagated throughout the
   * system, and you will get an error responding that the resource does not
   * exist" — https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html
   */
  consistencyMs = 0;

  constructor(readonly emulator: Emulator) {}

  get region(): string {
    return this.emulator.region;
  }

  get account(): string {
    return this.emulator.account;
  }

  azId(az: string): string {
    const letter = az.slice(-1);
    return `${regionShort(this.region)}-az${letter.charCodeAt(0) - 96}`;
  }

  /** A new account: the default VPC, one default subnet per AZ (a and b), the default security group. */
  reset(): void {
    for (const eni of this.interfaces.values()) clearTimeout(eni.releaseTimer);
    this.vpcs.clear();
    this.subnets.clear();
    this.groups.clear();
    this.interfaces.clear();
    this.consistencyMs = 0;
    const vpc = this.addVpc({ cidr: "172.31.0.0/16", isDefault: true });
    this.addSubnet({ vpcId: vpc.id, cidr: "172.31.0.0/20", availabilityZone: `${this.region}a`, defaultForAz: true });
    this.addSubnet({ vpcId: vpc.id, cidr: "172.31.16.0/20", availabilityZone: `${this.region}b`, defaultForAz: true });
  }

  addVpc(spec: { id?: string; cidr?: string; isDefault?: boolean; tags?: Tags }): Vpc {
    const vpc: Vpc = {
      id: spec.id ?? ec2Id("vpc"),
      cidr: spec.cidr ?? "10.0.0.0/16",
      isDefault: spec.isDefault ?? false,
      tags: spec.tags ?? new Map(),
    };
    if (!parseCidr(vpc.cidr))
      throw new AwsError(
        "InvalidParameterValue",
        `Value (${vpc.cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
      );
    if (vpc.isDefault) for (const other of this.vpcs.values()) other.isDefault = false;
    this.vpcs.set(vpc.id, vpc);
    // Every VPC comes with its own default security group.
    this.addGroup({
      name: "default",
      description: vpc.isDefault ? "default VPC security group" : "default VPC security group",
      vpcId: vpc.id,
      created: false,
      selfReference: true,
    });
    return vpc;
  }

  addSubnet(spec: {
    id?: string;
    vpcId: string;
    cidr?: string;
    availabilityZone: string;
    defaultForAz?: boolean;
    tags?: Tags;
  }): Subnet {
    const vpc = this.vpc(spec.vpcId);
    const taken = [...this.subnets.values()].filter((s) => s.vpcId === vpc.id).length;
    const vpcCidr = parseCidr(vpc.cidr);
    const cidr = spec.cidr ?? `${intToIp((vpcCidr?.base ?? 0) + taken * 4096)}/20`;
    if (!parseCidr(cidr))
      throw new AwsError("InvalidParameterValue", `Value (${cidr}) for parameter cidrBlock is invalid.`);
    const subnet: Subnet = {
      id: spec.id ?? ec2Id("subnet"),
      vpcId: vpc.id,
      cidr,
      availabilityZone: spec.availabilityZone,
      defaultForAz: spec.defaultForAz ?? false,
      tags: spec.tags ?? new Map(),
      nextHost: 4, // AWS reserves the first four addresses of every subnet.
    };
    this.subnets.set(subnet.id, subnet);
    return subnet;
  }

  addGroup(spec: {
    id?: string;
    name: string;
    description: string;
    vpcId: string;
    tags?: Tags;
    created: boolean;
    selfReference?: boolean;
  }): SecurityGroup {
    const group: SecurityGroup = {
      id: spec.id ?? ec2Id("sg"),
      name: spec.name,
      description: spec.description,
      vpcId: spec.vpcId,
      tags: spec.tags ?? new Map(),
      rules: [],
      created: spec.created,
    };
    const hiddenMs = spec.created ? this.emulator.scaled(this.consistencyMs) : 0;
    if (hiddenMs > 0) group.visibleAt = Date.now() + hiddenMs;
    // Default egress: everything out. The default group also admits itself.
    group.rules.push(this.newRule(group.id, { isEgress: true, protocol: "-1", cidr: "0.0.0.0/0" }, false));
    if (spec.selfReference) {
      group.rules.push(this.newRule(group.id, { isEgress: false, protocol: "-1", referencedGroupId: group.id }, false));
    }
    this.groups.set(group.id, group);
    return group;
  }

  newRule(groupId: string, r: RuleSpec, created: boolean): SecurityGroupRule {
    const rule: SecurityGroupRule = {
      id: ec2Id("sgr"),
      groupId,
      isEgress: r.isEgress,
      protocol: r.protocol,
      fromPort: r.protocol === "-1" ? -1 : (r.fromPort ?? -1),
      toPort: r.protocol === "-1" ? -1 : (r.toPort ?? -1),
      tags: r.tags ?? new Map(),
      created,
    };
    if (r.cidr !== undefined) rule.cidr = r.cidr;
    if (r.referencedGroupId !== undefined) rule.referencedGroupId = r.referencedGroupId;
    if (r.description !== undefined) rule.description = r.description;
    return rule;
  }

  vpc(id: string): Vpc {
    const vpc = this.vpcs.get(id);
    if (!vpc) throw new AwsError("InvalidVpcID.NotFound", `The vpc ID '${id}' does not exist`);
    return vpc;
  }

  defaultVpc(): Vpc | undefined {
    return [...this.vpcs.values()].find((v) => v.isDefault);
  }

  subnet(id: string): Subnet {
    const subnet = this.subnets.get(id);
    if (!subnet) throw new AwsError("InvalidSubnetID.NotFound", `The subnet ID '${id}' does not exist`);
    return subnet;
  }

  /** Whether a new group has propagated (see `consistencyMs`). */
  visible(group: SecurityGroup): boolean {
    return group.visibleAt === undefined || group.visibleAt <= Date.now();
  }

  group(id: string): SecurityGroup {
    const group = this.groups.get(id);
    if (!group || !this.visible(group))
      throw new AwsError("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
    return group;
  }

  /** By name, in the given VPC or else the default VPC (EC2's rule for GroupName). */
  groupByName(name: string, vpcId?: string): SecurityGroup {
    const vpc = vpcId ?? this.defaultVpc()?.id;
    const group = [...this.groups.values()].find((g) => g.name === name && g.vpcId === vpc && this.visible(g));
    if (!group) {
      throw new AwsError(
        "InvalidGroup.NotFound",
        `The security group '${name}' does not exist in default VPC '${vpc}'`,
      );
    }
    return group;
  }

  groupArn(g: SecurityGroup): string {
    return `arn:aws:ec2:${this.region}:${this.account}:security-group/${g.id}`;
  }

  /** Every rule of every group, ingress and egress. */
  allRules(): SecurityGroupRule[] {
    return [...this.groups.values()].flatMap((g) => g.rules);
  }

  /** Whether a security group with this id exists and has propagated. */
  securityGroupExists(id: string): boolean {
    const group = this.groups.get(id);
    return group !== undefined && this.visible(group);
  }

  /**
   * Places a network interface (an ECS task's, a load balancer's) in a subnet
   * with the given security groups. Throws the EC2 NotFound error when the
   * subnet or a group does not exist.
   */
  addNetworkInterface(spec: NetworkInterfaceSpec): NetworkInterface {
    const subnet = this.subnet(spec.subnetId);
    for (const g of spec.groups) this.group(g);
    const eni: NetworkInterface = {
      id: spec.id ?? ec2Id("eni"),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      privateIpAddress: spec.privateIpAddress ?? this.nextAddress(subnet),
      groups: [...spec.groups],
      description: spec.description,
      interfaceType: spec.interfaceType ?? "interface",
      requesterManaged: spec.requesterManaged ?? false,
      status: "in-use",
      macAddress: `0a:${hex(10).replace(/(..)(?!$)/g, "$1:")}`,
      attachmentId: `eni-attach-0${hex(16)}`,
      tags: new Map(Object.entries(spec.tags ?? {})),
    };
    if (spec.requesterId !== undefined) eni.requesterId = spec.requesterId;
    if (spec.instanceOwnerId !== undefined) eni.instanceOwnerId = spec.instanceOwnerId;
    this.interfaces.set(eni.id, eni);
    return eni;
  }

  private nextAddress(subnet: Subnet): string {
    const c = parseCidr(subnet.cidr);
    const used = new Set([...this.interfaces.values()].map((e) => e.privateIpAddress));
    for (let i = 0; c && i < c.size - 5; i++) {
      const ip = intToIp(c.base + subnet.nextHost);
      subnet.nextHost = subnet.nextHost + 1 >= c.size - 1 ? 4 : subnet.nextHost + 1;
      if (!used.has(ip)) return ip;
    }
    throw new AwsError(
      "InsufficientFreeAddressesInSubnet",
      `There are not enough free addresses in subnet '${subnet.id}'`,
    );
  }

  /**
   * Releases a network interface, at once or after `afterMs` of emulated
   * time (scaled by timeScale) as AWS releases load balancer ENIs some time
   * after the load balancer is gone. Unknown ids are ignored.
   */
  removeNetworkInterface(id: string, afterMs = 0): void {
    const eni = this.interfaces.get(id);
    if (!eni) return;
    clearTimeout(eni.releaseTimer);
    const delay = this.emulator.scaled(afterMs);
    if (delay <= 0) {
      this.interfaces.delete(id);
      return;
    }
    eni.releaseTimer = setTimeout(() => this.interfaces.delete(id), delay);
    eni.releaseTimer.unref();
  }

  /** The ENI holding this private IPv4 address, if any. */
  networkInterfaceByAddress(ip: string): NetworkInterface | undefined {
    return [...this.interfaces.values()].find((e) => e.privateIpAddress === ip);
  }

  /**
   * Whether any of `targetGroupIds` admits TCP traffic on `port` from a
   * source in `fromGroupIds` (a rule referencing one of them) or from one of
   * `fromAddresses` (a CIDR rule containing it). This is the check a load
   * balancer's health checks and forwarded requests go through.
   */
  allowsIngress(targetGroupIds: string[], fromGroupIds: string[], port: number, fromAddresses: string[] = []): boolean {
    return targetGroupIds.some((gid) =>
      (this.groups.get(gid)?.rules ?? []).some((rule) => {
        if (rule.isEgress) return false;
        if (rule.protocol !== "-1" && rule.protocol !== "tcp") return false;
        if (rule.protocol === "tcp" && (port < rule.fromPort || port > rule.toPort)) return false;
        if (rule.referencedGroupId) return fromGroupIds.includes(rule.referencedGroupId);
        if (rule.cidr) return fromAddresses.some((ip) => cidrContains(rule.cidr as string, ip));
        return false;
      }),
    );
  }

  stop(): void {
    for (const eni of this.interfaces.values()) clearTimeout(eni.releaseTimer);
  }
}
