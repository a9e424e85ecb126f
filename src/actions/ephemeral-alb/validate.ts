import { paginateDescribeSecurityGroups, paginateDescribeSubnets, type Subnet } from "@aws-sdk/client-ec2";
import { InputError } from "../../lib/errors";
import type { AlbClients } from "./clients";
import type { CreateInputs } from "./inputs";

/**
 * Checks the network inputs against the account before anything is created,
 * so a typo creates nothing (no security group left to clean): the subnets
 * exist, lie in `vpc-id`, and span two or more Availability Zones with at
 * most one subnet per zone (CreateLoadBalancer's own rules: "You must specify
 * subnets from at least two Availability Zones" and "You can specify only one
 * subnet per Availability Zone", API_CreateLoadBalancer.html); the task
 * security group exists in the same VPC. Filters, not IDs, so one missing ID
 * is named instead of failing the whole call with NotFound.
 */
export async function validateNetwork(inputs: CreateInputs, clients: AlbClients): Promise<Subnet[]> {
  const region = inputs.region;
  const subnets: Subnet[] = [];
  {
    const pages = paginateDescribeSubnets(
      { client: clients.ec2 },
      { Filters: [{ Name: "subnet-id", Values: inputs.subnetIds }] },
    );
    for await (const page of pages) subnets.push(...(page.Subnets ?? []));
  }
  const missing = inputs.subnetIds.filter((id) => !subnets.some((s) => s.SubnetId === id));
  if (missing.length > 0) {
    throw new InputError(
      "subnet-ids",
      `${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist in ${region}.`,
      `List the subnets with: aws ec2 describe-subnets --filters Name=vpc-id,Values=${inputs.vpcId} --region ${region}`,
    );
  }
  const elsewhere = subnets.filter((s) => s.VpcId !== inputs.vpcId);
  if (elsewhere.length > 0) {
    throw new InputError(
      "subnet-ids",
      `${elsewhere.map((s) => `${s.SubnetId} is in ${s.VpcId}`).join(", ")}, not in vpc-id ${inputs.vpcId}.`,
      "Use subnets of the VPC the tasks run in.",
    );
  }
  const byZone = new Map<string, string[]>();
  for (const s of subnets) {
    const zone = s.AvailabilityZone ?? "?";
    byZone.set(zone, [...(byZone.get(zone) ?? []), s.SubnetId ?? "?"]);
  }
  const crowded = [...byZone].filter(([, ids]) => ids.length > 1);
  if (crowded.length > 0) {
    throw new InputError(
      "subnet-ids",
      `a load balancer takes one subnet per Availability Zone; ${crowded.map(([z, ids]) => `${ids.join(" and ")} are both in ${z}`).join("; ")}.`,
      "Keep one subnet per zone.",
    );
  }
  if (byZone.size < 2) {
    throw new InputError(
      "subnet-ids",
      `all subnets are in ${[...byZone.keys()].join(", ")}; an Application Load Balancer needs subnets in at least two Availability Zones.`,
      "Add a subnet of another zone.",
    );
  }

  const taskSg = inputs.taskSecurityGroupId;
  if (taskSg) {
    const groups = [];
    const pages = paginateDescribeSecurityGroups(
      { client: clients.ec2 },
      { Filters: [{ Name: "group-id", Values: [taskSg] }] },
    );
    for await (const page of pages) groups.push(...(page.SecurityGroups ?? []));
    const group = groups[0];
    if (!group) {
      throw new InputError(
        "task-security-group-id",
        `security group ${taskSg} does not exist in ${region}.`,
        "Pass the security group of the ECS service's tasks (aws ecs describe-services ... networkConfiguration).",
      );
    }
    if (group.VpcId !== inputs.vpcId) {
      throw new InputError(
        "task-security-group-id",
        `security group ${taskSg} is in ${group.VpcId}, not in vpc-id ${inputs.vpcId}.`,
      );
    }
  }
  return subnets;
}
