/**
 * EC2 (EC2 Query protocol, 2016-11-15): the default VPC and its subnets,
 * security groups and their rules, network interfaces and tags. Other
 * services reach it with `emulator.service<Ec2Service>("ec2")` to place ENIs
 * and to ask whether security groups admit a load balancer's traffic.
 *
 * The operations live by resource type in ec2/ (describe.ts for every Describe*, security-groups.ts, tags.ts);
 * this module joins their records and keeps the functions other services call and the lifecycle.
 */
import { AwsError } from "../errors";
import type { Emulator } from "../server";
import type { Scenario, ServiceModule } from "../types";
import { describeOperations } from "./ec2/describe";
import { Ec2State, type NetworkInterface, type NetworkInterfaceSpec, type Subnet } from "./ec2/model";
import { describeRule } from "./ec2/rules";
import { type Ec2Scenario, loadEc2Scenario } from "./ec2/scenario";
import { securityGroupOperations } from "./ec2/security-groups";
import { tagOperations } from "./ec2/tags";

export type { NetworkInterface, NetworkInterfaceSpec } from "./ec2/model";
export type { Ec2Scenario } from "./ec2/scenario";

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
  /** EC2's internal state: other services go through the functions of Ec2Service, never through it. */
  const state = new Ec2State(emulator);

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

  return {
    signingName: "ec2",
    protocol: "ec2",
    xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/",
    iamPrefix: "ec2",
    /** EC2's own: `UnauthorizedOperation`, 403, "You are not authorized to perform this operation. …". */
    accessDenied: (message: string): AwsError =>
      new AwsError("UnauthorizedOperation", `You are not authorized to perform this operation. ${message}`, 403),
    operations: {
      ...describeOperations(state),
      ...securityGroupOperations(state),
      ...tagOperations(state),
    },
    // What other services call (documented on Ec2Service).
    addNetworkInterface: (spec) => state.addNetworkInterface(spec),
    removeNetworkInterface: (id, afterMs) => state.removeNetworkInterface(id, afterMs),
    propagateNow: (groupId) => {
      const group = state.groups.get(groupId);
      if (!group) throw new Error(`emulator: no security group ${groupId}`);
      delete group.visibleAt;
    },
    securityGroupExists: (id) => state.securityGroupExists(id),
    allowsIngress: (targetGroupIds, fromGroupIds, port, fromAddresses) =>
      state.allowsIngress(targetGroupIds, fromGroupIds, port, fromAddresses),
    networkInterfaceByAddress: (ip) => state.networkInterfaceByAddress(ip),
    subnet: (id) => state.subnet(id),
    defaultVpcId: () => state.defaultVpc()?.id,
    vpcExists: (id) => state.vpcs.has(id),
    securityGroupVpcId: (id) => (state.securityGroupExists(id) ? state.group(id).vpcId : undefined),
    defaultSecurityGroupId: (vpcId) =>
      [...state.groups.values()].find((g) => g.vpcId === vpcId && g.name === "default")?.id,
    subnetZone: (id) => state.subnets.get(id)?.availabilityZone,
    defaultSubnetId: (vpcId) => [...state.subnets.values()].find((s) => s.vpcId === vpcId && s.defaultForAz)?.id,
    reset,
    stop,
    loadScenario,
    snapshot,
    created,
  };
}

/** The EC2 module of a running emulator, for other services. */
export const ec2Of = (emulator: Emulator): Ec2Service => emulator.service<Ec2Service>("ec2");
