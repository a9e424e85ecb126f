/**
 * Target groups of type ip: Create/Describe/Modify/DeleteTargetGroup(s), their attributes, and their targets
 * (Register/DeregisterTargets, DescribeTargetHealth: the engines in targets.ts and health.ts).
 */
import { AwsError, validation } from "../../errors";
import { operations, type Params, type RequestContext } from "../../types";
import { ec2Of } from "../ec2";
import { asArray } from "../ec2/common";
import { applyAttributes, attributesOut, TARGET_GROUP_ATTRIBUTES } from "./attributes";
import { arnPrefix, authorizeTagOnCreate, creating, on } from "./iam";
import { defaultHealthCheck, portIn, readHealthCheck, readTags, type TargetGroup, validateName } from "./model";
import { chosenByArnsAndNames, type Elbv2Resources, findLb, findTg, usersOf } from "./resources";
import type { Elbv2State } from "./state";
import { markerPage, tgOut } from "./wire";

/** A target group as the API shows it, with the load balancers whose listeners forward to it. */
export function tgView(r: Elbv2Resources, tg: TargetGroup) {
  return tgOut(
    tg,
    usersOf(r, tg).map((l) => l.arn),
  );
}

export async function createTargetGroup(state: Elbv2State, p: Params, ctx: RequestContext) {
  const name = validateName("target group", p.Name);
  const targetType = String(p.TargetType ?? "instance");
  if (targetType !== "ip")
    throw validation(`emulator: only target groups of type 'ip' are emulated, not '${targetType}'`);
  const protocol = String(p.Protocol ?? "").toUpperCase();
  if (!protocol) throw validation("A protocol must be specified");
  if (protocol !== "HTTP") throw validation(`emulator: only HTTP target groups are emulated, not '${protocol}'`);
  const port = portIn(p.Port, "port");
  if (!p.VpcId) throw validation("A VPC ID must be specified");
  const vpcId = String(p.VpcId);
  if (!ec2Of(state.emulator).vpcExists(vpcId)) throw validation(`The VPC ID '${vpcId}' is not found`);
  const healthCheck = readHealthCheck(p, defaultHealthCheck());
  const protocolVersion = String(p.ProtocolVersion ?? "HTTP1");
  const tags = readTags(p.Tags);
  const settings = JSON.stringify([protocol, port, vpcId, targetType, protocolVersion, healthCheck]);
  const existing = [...state.targetGroups.values()].find((t) => t.name === name);
  if (existing) {
    if (existing.settings === settings) return { TargetGroups: [tgView(state, existing)] };
    throw new AwsError(
      "DuplicateTargetGroupName",
      "A target group with the same name exists, but with different settings",
    );
  }
  const id = state.pendingId(p);
  const arn = `${arnPrefix(ctx)}:targetgroup/${name}/${id}`;
  await authorizeTagOnCreate(state.emulator, ctx, arn, tags);
  const tg: TargetGroup = {
    arn,
    id,
    name,
    protocol,
    protocolVersion,
    port,
    vpcId,
    targetType,
    ipAddressType: "ipv4",
    healthCheck,
    tags,
    attributes: new Map(Object.entries(TARGET_GROUP_ATTRIBUTES)),
    targets: new Map(),
    settings,
  };
  state.targetGroups.set(tg.arn, tg);
  return { TargetGroups: [tgView(state, tg)] };
}

export function describeTargetGroups(r: Elbv2Resources, p: Params) {
  const arns = asArray(p.TargetGroupArns);
  const names = asArray(p.Names);
  let tgs = [...r.targetGroups.values()];
  if (p.LoadBalancerArn !== undefined) {
    const lb = findLb(r, p.LoadBalancerArn);
    tgs = tgs.filter((t) => usersOf(r, t).includes(lb));
  }
  tgs = chosenByArnsAndNames(tgs, r.targetGroups, arns, names, "TargetGroupNotFound", "target groups");
  const paged = markerPage("DescribeTargetGroups", tgs, p);
  return { TargetGroups: paged.items.map((t) => tgView(r, t)), NextMarker: paged.next };
}

export function deleteTargetGroup(state: Elbv2State, p: Params) {
  const tg = state.targetGroups.get(String(p.TargetGroupArn));
  // Deleting a target group that does not exist succeeds, as in AWS.
  if (!tg) return {};
  if (usersOf(state, tg).length > 0) {
    throw new AwsError("ResourceInUse", `Target group '${tg.arn}' is currently in use by a listener or a rule`);
  }
  for (const t of tg.targets.values()) state.health.stop(t);
  state.targetGroups.delete(tg.arn);
  return {};
}

/** The target group and target operations' records. */
export function targetGroupOperations(state: Elbv2State) {
  return operations(
    {
      CreateTargetGroup: (p, c) => createTargetGroup(state, p, c),
      DescribeTargetGroups: (p) => describeTargetGroups(state, p),
      ModifyTargetGroup: (p) => {
        const tg = findTg(state, p.TargetGroupArn);
        tg.healthCheck = readHealthCheck(p, tg.healthCheck);
        return { TargetGroups: [tgView(state, tg)] };
      },
      DeleteTargetGroup: (p) => deleteTargetGroup(state, p),
      DescribeTargetGroupAttributes: (p) => ({ Attributes: attributesOut(findTg(state, p.TargetGroupArn).attributes) }),
      ModifyTargetGroupAttributes: (p) => {
        const tg = findTg(state, p.TargetGroupArn);
        applyAttributes("Target group", tg.attributes, TARGET_GROUP_ATTRIBUTES, p.Attributes);
        return { Attributes: attributesOut(tg.attributes) };
      },
      RegisterTargets: (p) => state.targets.register(p),
      DeregisterTargets: (p) => state.targets.deregister(p),
      DescribeTargetHealth: (p) => state.targets.describeHealth(p),
    },
    {
      CreateTargetGroup: creating(state, "CreateTargetGroup", (p, ctx) => [
        `${arnPrefix(ctx)}:targetgroup/${p.Name}/${state.pendingId(p)}`,
      ]),
      DescribeTargetGroups: {},
      ModifyTargetGroup: on(state, "TargetGroupArn"),
      DeleteTargetGroup: on(state, "TargetGroupArn"),
      DescribeTargetGroupAttributes: {},
      ModifyTargetGroupAttributes: on(state, "TargetGroupArn"),
      RegisterTargets: on(state, "TargetGroupArn"),
      DeregisterTargets: on(state, "TargetGroupArn"),
      DescribeTargetHealth: {},
    },
  );
}
