/**
 * Application load balancers: Create/Describe/DeleteLoadBalancer(s), their attributes, provisioning (with the
 * account's service-linked role) and the requester-managed ENIs they own in EC2.
 */
import { AwsError, validation } from "../../errors";
import { operations, type Params, type RequestContext } from "../../types";
import { ec2Of } from "../ec2";
import { asArray } from "../ec2/common";
import { applyAttributes, attributesOut, LOAD_BALANCER_ATTRIBUTES } from "./attributes";
import { arnPrefix, authorizeTagOnCreate, creating, on } from "./iam";
import { type LoadBalancer, readTags, validateName } from "./model";
import { chosenByArnsAndNames, findLb, listenersOf } from "./resources";
import type { Elbv2State } from "./state";
import { allocateAddress, releaseAddress } from "./traffic";
import { lbOut, markerPage } from "./wire";

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

export async function createLoadBalancer(state: Elbv2State, p: Params, ctx: RequestContext) {
  const { emulator, loadBalancers } = state;
  const name = validateName("load balancer", p.Name);
  const type = String(p.Type ?? "application");
  if (type !== "application") throw validation(`emulator: only application load balancers are emulated, not '${type}'`);
  const scheme = String(p.Scheme ?? "internet-facing");
  if (scheme !== "internet-facing" && scheme !== "internal") {
    throw new AwsError("InvalidScheme", `Scheme '${scheme}' is not valid`);
  }
  const ipAddressType = String(p.IpAddressType ?? "ipv4");
  if (ipAddressType !== "ipv4") throw validation("emulator: only the ipv4 address type is emulated");
  const ec2 = ec2Of(emulator);
  const subnetIds = [...asArray(p.Subnets), ...((p.SubnetMappings ?? []) as Params[]).map((m) => String(m.SubnetId))];
  const subnets = subnetIds.map((id) => {
    try {
      return ec2.subnet(id);
    } catch {
      throw new AwsError("SubnetNotFound", `The subnet ID '${id}' is not valid`);
    }
  });
  const zones = new Set(subnets.map((s) => s.availabilityZone));
  if (zones.size !== subnets.length) {
    throw validation("A load balancer cannot be attached to multiple subnets in the same Availability Zone");
  }
  if (zones.size < 2) {
    throw validation("At least two subnets in two different Availability Zones must be specified");
  }
  const vpcId = (subnets[0] as (typeof subnets)[number]).vpcId;
  if (subnets.some((s) => s.vpcId !== vpcId)) {
    throw new AwsError("InvalidConfigurationRequest", "All subnets must belong to the same VPC");
  }
  let securityGroups = asArray(p.SecurityGroups);
  for (const g of securityGroups) {
    if (ec2.securityGroupVpcId(g) !== vpcId) {
      throw new AwsError("InvalidSecurityGroup", `Security group '${g}' does not exist in VPC '${vpcId}'`);
    }
  }
  if (securityGroups.length === 0) {
    const def = ec2.defaultSecurityGroupId(vpcId);
    securityGroups = def ? [def] : [];
  }
  const tags = readTags(p.Tags);
  const settings = JSON.stringify([
    subnetIds.slice().sort(),
    securityGroups.slice().sort(),
    scheme,
    type,
    ipAddressType,
  ]);
  const existing = [...loadBalancers.values()].find((l) => l.name === name);
  if (existing) {
    // AWS answers an identical create with the existing load balancer.
    if (existing.settings === settings) return { LoadBalancers: [lbOut(existing, emulator.region)] };
    throw new AwsError("DuplicateLoadBalancerName", "A load balancer with the same name already exists");
  }
  const id = state.pendingId(p);
  const arn = `${arnPrefix(ctx)}:loadbalancer/app/${name}/${id}`;
  await authorizeTagOnCreate(emulator, ctx, arn, tags);
  await ensureServiceLinkedRole(state, ctx);
  const lb: LoadBalancer = {
    arn,
    id,
    name,
    address: allocateAddress(),
    scheme,
    vpcId,
    subnets: subnets.map((s) => ({ subnetId: s.id, zoneName: s.availabilityZone })),
    securityGroups,
    ipAddressType,
    state: "provisioning",
    createdTime: new Date(),
    tags,
    attributes: new Map(Object.entries(LOAD_BALANCER_ATTRIBUTES)),
    eniIds: [],
    eniAddresses: [],
    settings,
  };
  for (const s of subnets) {
    const eni = ec2.addNetworkInterface({
      subnetId: s.id,
      groups: securityGroups,
      description: `ELB app/${name}/${id}`,
      interfaceType: "interface",
      requesterId: "amazon-elb",
      requesterManaged: true,
      instanceOwnerId: "amazon-elb",
    });
    lb.eniIds.push(eni.id);
    lb.eniAddresses.push(eni.privateIpAddress);
  }
  const hiddenMs = emulator.scaled(state.config.loadBalancerConsistencyMs);
  if (hiddenMs > 0) lb.visibleAt = Date.now() + hiddenMs;
  loadBalancers.set(lb.arn, lb);
  lb.timer = setTimeout(
    () => void finishProvisioning(state, lb),
    emulator.scaled(state.config.provisioningSeconds * 1000),
  );
  lb.timer.unref();
  return { LoadBalancers: [lbOut(lb, emulator.region)] };
}

async function ensureServiceLinkedRole(state: Elbv2State, ctx: RequestContext): Promise<void> {
  if (state.serviceLinkedRole) return;
  const service = "elasticloadbalancing.amazonaws.com";
  const { emulator } = state;
  if (emulator.enforce && emulator.authorizer) {
    await emulator.authorizer(
      ctx,
      "iam:CreateServiceLinkedRole",
      [`arn:aws:iam::${ctx.account}:role/aws-service-role/${service}/AWSServiceRoleForElasticLoadBalancing`],
      { request: { "iam:AWSServiceName": service } },
    );
  }
  state.serviceLinkedRole = true;
}

/**
 * Ends a load balancer's provisioning now, as its timer would: for a test that holds it in `provisioning`
 * (a long `provisioningSeconds`) until the step under test has shown what it does meanwhile.
 */
export async function finishProvisioningNow(state: Elbv2State, arn: string): Promise<void> {
  const lb = state.loadBalancers.get(arn);
  if (lb?.state !== "provisioning") throw new Error(`emulator: no load balancer ${arn} is provisioning`);
  clearTimeout(lb.timer);
  await finishProvisioning(state, lb);
}

async function finishProvisioning(state: Elbv2State, lb: LoadBalancer): Promise<void> {
  delete lb.timer;
  if (!state.loadBalancers.has(lb.arn)) return;
  if (state.config.failProvisioning.some((pattern) => glob(pattern).test(lb.name))) {
    lb.state = "failed";
    lb.stateReason = "Load balancer provisioning failed (emulator scenario: elbv2.failProvisioning)";
    return;
  }
  lb.state = "active";
  await Promise.all(listenersOf(state, lb).map((l) => state.traffic.start(l)));
  for (const tg of state.targetGroups.values()) state.health.reconcile(tg);
}

export function describeLoadBalancers(state: Elbv2State, p: Params) {
  const arns = asArray(p.LoadBalancerArns);
  const names = asArray(p.Names);
  if (arns.length > 0 && names.length > 0)
    throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
  // A load balancer created a moment ago may not show yet (loadBalancerConsistencyMs): NotFound by ARN or name.
  const now = Date.now();
  const visible = [...state.loadBalancers.values()].filter((l) => (l.visibleAt ?? 0) <= now);
  const lbs = chosenByArnsAndNames(
    visible,
    new Map(visible.map((l) => [l.arn, l])),
    arns,
    names,
    "LoadBalancerNotFound",
    "load balancers",
  );
  const paged = markerPage("DescribeLoadBalancers", lbs, p);
  return { LoadBalancers: paged.items.map((l) => lbOut(l, state.emulator.region)), NextMarker: paged.next };
}

export async function deleteLoadBalancer(state: Elbv2State, p: Params) {
  // "If the load balancer does not exist or has already been deleted, the call
  // succeeds." — https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html
  if (!state.loadBalancers.has(String(p.LoadBalancerArn))) return {};
  const lb = findLb(state, p.LoadBalancerArn);
  if (lb.attributes.get("deletion_protection.enabled") === "true") {
    throw new AwsError(
      "OperationNotPermitted",
      `Load balancer '${lb.arn}' cannot be deleted because deletion protection is enabled`,
    );
  }
  clearTimeout(lb.timer);
  state.loadBalancers.delete(lb.arn);
  for (const l of listenersOf(state, lb)) {
    state.listeners.delete(l.arn);
    await state.traffic.stop(l);
  }
  releaseAddress(lb.address);
  const ec2 = ec2Of(state.emulator);
  for (const eni of lb.eniIds) ec2.removeNetworkInterface(eni, state.config.eniReleaseSeconds * 1000);
  for (const tg of state.targetGroups.values()) state.health.reconcile(tg);
  return {};
}

/** The load balancer operations' records. */
export function loadBalancerOperations(state: Elbv2State) {
  return operations(
    {
      CreateLoadBalancer: (p, c) => createLoadBalancer(state, p, c),
      DescribeLoadBalancers: (p) => describeLoadBalancers(state, p),
      DeleteLoadBalancer: (p) => deleteLoadBalancer(state, p),
      DescribeLoadBalancerAttributes: (p) => ({
        Attributes: attributesOut(findLb(state, p.LoadBalancerArn).attributes),
      }),
      ModifyLoadBalancerAttributes: (p) => {
        const lb = findLb(state, p.LoadBalancerArn);
        applyAttributes("Load balancer", lb.attributes, LOAD_BALANCER_ATTRIBUTES, p.Attributes);
        return { Attributes: attributesOut(lb.attributes) };
      },
    },
    {
      CreateLoadBalancer: creating(state, "CreateLoadBalancer", (p, ctx) => [
        `${arnPrefix(ctx)}:loadbalancer/app/${p.Name}/${state.pendingId(p)}`,
      ]),
      DescribeLoadBalancers: {},
      DeleteLoadBalancer: on(state, "LoadBalancerArn"),
      DescribeLoadBalancerAttributes: {},
      ModifyLoadBalancerAttributes: on(state, "LoadBalancerArn"),
    },
  );
}
