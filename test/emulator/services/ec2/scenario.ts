/** EC2's scenario section: VPCs, subnets and security groups with their rules, seeded (never leftovers). */
import type { Ec2State, SecurityGroup } from "./model";
import type { RuleSpec } from "./rules";

/** Scenario section `ec2`: seeded resources (not "created", so never leftovers). */
export interface Ec2Scenario {
  /**
   * Eventual consistency: a security group created through the API is
   * invisible to other calls (InvalidGroup.NotFound; ELB's
   * InvalidSecurityGroup) for this many ms, scaled by timeScale.
   */
  consistencyMs?: number;
  vpcs?: { id?: string; cidr?: string; isDefault?: boolean; tags?: Record<string, string> }[];
  subnets?: {
    id?: string;
    vpcId?: string;
    cidr?: string;
    availabilityZone: string;
    defaultForAz?: boolean;
    tags?: Record<string, string>;
  }[];
  securityGroups?: {
    id?: string;
    name: string;
    description?: string;
    vpcId?: string;
    /** `{ protocol?: "tcp", port?, fromPort?, toPort?, sourceGroupId? | cidr?, description? }` */
    ingress?: {
      protocol?: string;
      port?: number;
      fromPort?: number;
      toPort?: number;
      sourceGroupId?: string;
      cidr?: string;
      description?: string;
    }[];
    tags?: Record<string, string>;
  }[];
}

const tagMap = (t?: Record<string, string>) => new Map(Object.entries(t ?? {}));

export function loadEc2Scenario(state: Ec2State, section: Ec2Scenario): void {
  if (section.consistencyMs !== undefined) state.consistencyMs = section.consistencyMs;
  for (const v of section.vpcs ?? []) {
    state.addVpc({
      ...(v.id ? { id: v.id } : {}),
      ...(v.cidr ? { cidr: v.cidr } : {}),
      isDefault: v.isDefault ?? false,
      tags: tagMap(v.tags),
    });
  }
  for (const s of section.subnets ?? []) {
    state.addSubnet({
      ...(s.id ? { id: s.id } : {}),
      vpcId: s.vpcId ?? state.defaultVpc()?.id ?? "",
      ...(s.cidr ? { cidr: s.cidr } : {}),
      availabilityZone: s.availabilityZone,
      defaultForAz: s.defaultForAz ?? false,
      tags: tagMap(s.tags),
    });
  }
  // Groups first, then rules, so rules may reference any seeded group.
  const seeded: [SecurityGroup, NonNullable<Ec2Scenario["securityGroups"]>[number]][] = [];
  for (const g of section.securityGroups ?? []) {
    const vpcId = g.vpcId ?? state.defaultVpc()?.id ?? "";
    state.vpc(vpcId);
    const group = state.addGroup({
      ...(g.id ? { id: g.id } : {}),
      name: g.name,
      description: g.description ?? g.name,
      vpcId,
      tags: tagMap(g.tags),
      created: false,
    });
    seeded.push([group, g]);
  }
  for (const [group, g] of seeded) {
    for (const r of g.ingress ?? []) {
      const protocol = r.protocol ?? "tcp";
      const spec: RuleSpec = { isEgress: false, protocol };
      if (protocol !== "-1") {
        spec.fromPort = r.fromPort ?? r.port ?? 0;
        spec.toPort = r.toPort ?? r.port ?? 65535;
      }
      if (r.sourceGroupId) spec.referencedGroupId = state.group(r.sourceGroupId).id;
      if (r.cidr) spec.cidr = r.cidr;
      if (r.description) spec.description = r.description;
      group.rules.push(state.newRule(group.id, spec, false));
    }
  }
}
