import { DescribeSubnetsCommand, type EC2Client, type Subnet } from "@aws-sdk/client-ec2";
import type { ECSClient } from "@aws-sdk/client-ecs";
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type TargetGroup,
  TargetGroupNotFoundException,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsException, ConfigurationError, errorMessage, InputError, isAccessDenied } from "../../lib/errors";
import { EvidenceWriter } from "../../lib/evidence";
import { keptTargetGroups } from "../../lib/kept";
import type { ActionDeps, ActionResult, Log } from "../../lib/run-action";
import { findStoppedTasks, healthCheckLine, hint, type StoppedTask, stoppedLine } from "./diagnose";
import { findRunningTasks, type TaskTarget } from "./discover";
import type { Inputs } from "./inputs";
import { checkSecurityGroups, checkZones, loadBalancersOf } from "./network";
import { type LoadBalancerStatus, waitUntilHealthy } from "./wait";

export interface Clients {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
}

export interface RegisteredState {
  version: 1;
  region: string;
  targetGroupArn: string;
  targets: { Id: string; Port: number }[];
  deregister: boolean;
  /** The targets stay because the ALB is kept (`keep`, or ephemeral-alb's `keep: true` in this job). */
  kept?: boolean;
}

export const STATE_KEY = "registered-targets";

export interface Deps extends ActionDeps {
  clients: Clients;
}

async function describeTargetGroup(elb: ElasticLoadBalancingV2Client, arn: string): Promise<TargetGroup> {
  try {
    const out = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }));
    const tg = out.TargetGroups?.[0];
    if (!tg) throw new InputError("target-group-arn", `target group ${arn} was not found.`);
    return tg;
  } catch (error) {
    if (awsException(error) instanceof TargetGroupNotFoundException) {
      throw new InputError(
        "target-group-arn",
        `target group ${arn} was not found.`,
        "Pass ephemeral-alb's 'target-group-arn' output.",
      );
    }
    throw error;
  }
}

/**
 * The target group's port is the one ephemeral-alb opened in the task security
 * group (and its health checks' traffic port): tasks registered on another
 * port are never reached, which used to end in a Target.Timeout whose hint
 * blamed a task-security-group-id that was given. Refused before registering.
 */
function portsAgree(tg: TargetGroup, targets: TaskTarget[], inputs: Inputs): void {
  const off = targets.filter((t) => tg.Port !== undefined && t.port !== tg.Port);
  const first = off[0];
  if (!first) return;
  const ports = [...new Set(off.map((t) => t.port))].join(", ");
  const from =
    inputs.containerPort !== undefined
      ? "this step's container-port input"
      : `task definition ${first.taskDefinitionArn.split("/").pop()}`;
  throw new ConfigurationError(
    `Target group ${tg.TargetGroupName} uses port ${tg.Port}, but the tasks listen on ${ports} (${from}). Nothing was registered: the load balancer would health-check port ${ports} while the temporary ingress rule admits it on ${tg.Port}, and the targets would end in Target.Timeout. Give ephemeral-alb 'cluster' and 'service' (it then takes the port from the task definition), or set its 'container-port' to ${first.port}.`,
  );
}

/**
 * The tasks must run in the target group's VPC. ELB registers an address outside it only with an Availability
 * Zone ("If the IP address is outside the VPC, this parameter is required", and for an ALB only `all`:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html), and the load
 * balancer would then need a route to that other VPC. A service in another VPC than the one given to ephemeral-alb
 * is a configuration mistake: said before anything is registered, naming both VPCs. Without ec2:DescribeSubnets
 * (an older copy of the policy) the check is skipped with a note, and ELB decides.
 */
async function sameVpc(ec2: EC2Client, tg: TargetGroup, targets: TaskTarget[], log: Log): Promise<void> {
  const subnetIds = [...new Set(targets.flatMap((t) => (t.subnetId ? [t.subnetId] : [])))];
  if (subnetIds.length === 0 || !tg.VpcId) return;
  let subnets: Subnet[];
  try {
    subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    log.info(`Not checking that the tasks run in ${tg.VpcId}: ${errorMessage(error).split("\n")[0]}`);
    return;
  }
  const vpcOf = new Map(subnets.map((s) => [s.SubnetId, s.VpcId]));
  const elsewhere = targets.filter((t) => t.subnetId && vpcOf.get(t.subnetId) && vpcOf.get(t.subnetId) !== tg.VpcId);
  const first = elsewhere[0];
  if (!first?.subnetId) return;
  const vpcs = [...new Set(elsewhere.map((t) => vpcOf.get(t.subnetId as string)))].join(", ");
  throw new ConfigurationError(
    `Target group ${tg.TargetGroupName} is in ${tg.VpcId}, but ${elsewhere.length} of the ${targets.length} task(s) run in ${vpcs} (task ${first.taskArn.split("/").pop()} in ${first.subnetId}). Nothing was registered: the load balancer cannot reach tasks outside its VPC. Give ephemeral-alb the service's VPC ('vpc-id' ${vpcOf.get(first.subnetId)}) and subnets in it.`,
  );
}

async function loadBalancerStates(elb: ElasticLoadBalancingV2Client, arns: string[]): Promise<LoadBalancerStatus[]> {
  const out = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: arns }));
  return (out.LoadBalancers ?? []).map((lb) => ({
    name: lb.LoadBalancerName ?? lb.LoadBalancerArn ?? "?",
    code: lb.State?.Code ?? "unknown",
    reason: lb.State?.Reason,
  }));
}

function targetLine(d: TargetHealthDescription, byIp: Map<string, TaskTarget>): string {
  const t = byIp.get(`${d.Target?.Id}:${d.Target?.Port}`);
  const h = d.TargetHealth;
  return `  ${d.Target?.Id}:${d.Target?.Port}${t ? ` (task ${t.taskArn.split("/").pop()}, deployment ${t.deploymentId ?? "?"})` : ""}: ${h?.State ?? "?"}${h?.Reason ? ` ${h.Reason}` : ""}${h?.Description ? ` — ${h.Description}` : ""}`;
}

export async function run(inputs: Inputs, deps: Deps): Promise<ActionResult> {
  const { clock, log } = deps;
  const started = clock.now();
  const { elb } = deps.clients;
  const evidence = new EvidenceWriter(inputs.evidenceDir);

  const tg = await describeTargetGroup(elb, inputs.targetGroupArn);
  if (tg.TargetType !== "ip") {
    throw new InputError(
      "target-group-arn",
      `target group ${tg.TargetGroupName} has target type '${tg.TargetType}'; Fargate tasks (awsvpc) need type 'ip'.`,
    );
  }
  const { discovery } = await findRunningTasks(deps.clients.ecs, inputs);
  const targets = discovery.targets;
  evidence.writeJson(
    "tasks",
    targets.map((t) => ({
      taskArn: t.taskArn,
      ip: t.ip,
      port: t.port,
      deployment: t.deploymentId,
      primary: t.deploymentId !== undefined && t.deploymentId === discovery.primaryDeploymentId,
      taskDefinitionArn: t.taskDefinitionArn,
      availabilityZone: t.availabilityZone,
    })),
  );
  for (const i of discovery.ignored) log.info(`Ignoring ${i.taskArn}: ${i.why}.`);
  const what = inputs.service
    ? `service '${inputs.service}' in cluster '${inputs.cluster}'`
    : `the given tasks in '${inputs.cluster}'`;
  if (targets.length < inputs.minTargets) {
    const ignored =
      discovery.ignored.length > 0
        ? ` Ignored: ${discovery.ignored.map((i) => `${i.taskArn.split("/").pop()} (${i.why})`).join("; ")}.`
        : "";
    throw new ConfigurationError(
      `Expected at least ${inputs.minTargets} RUNNING task(s) with an attached ENI for ${what}, found ${targets.length} (of ${discovery.seen} task(s) seen).${ignored} Nothing was registered. Is the service scaled to 0, or are its tasks failing to start? See 'aws ecs describe-services' events.`,
    );
  }

  portsAgree(tg, targets, inputs);
  await sameVpc(deps.clients.ec2, tg, targets, log);

  const request = targets.map((t) => ({ Id: t.ip, Port: t.port }));
  const kept = inputs.keep ?? keptTargetGroups().includes(inputs.targetGroupArn);
  if (kept) {
    log.info(
      `keep: the ALB of ${tg.TargetGroupName} is kept${inputs.keep === undefined ? " (ephemeral-alb keep: true in this job)" : ""}: the post step leaves the targets registered.`,
    );
  }
  // Saved before the call: if the step dies mid-call, the post step still deregisters.
  const saved: RegisteredState = {
    version: 1,
    region: inputs.region,
    targetGroupArn: inputs.targetGroupArn,
    targets: request,
    deregister: inputs.deregisterOnPost && !kept,
    kept,
  };
  deps.state.save(STATE_KEY, saved);
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: inputs.targetGroupArn, Targets: request }));
  log.info(`Registered ${request.map((r) => `${r.Id}:${r.Port}`).join(", ")} in ${tg.TargetGroupName}.`);

  const outputsFor = (healthy: boolean, health: TargetHealthDescription[]) => {
    const state = new Map(health.map((d) => [`${d.Target?.Id}:${d.Target?.Port}`, d.TargetHealth?.State]));
    return {
      targets: targets.map((t) => ({
        id: t.ip,
        port: t.port,
        taskArn: t.taskArn,
        deployment: t.deploymentId,
        state: state.get(`${t.ip}:${t.port}`) ?? "registered",
      })),
      "target-count": targets.length,
      healthy,
      "elapsed-seconds": Math.round((clock.now() - started) / 100) / 10,
    };
  };

  if (!inputs.wait) {
    await deps.summary.write(`## register-fargate-targets: registered ${targets.length} target(s) (not waiting)\n`);
    return { outputs: outputsFor(false, []) };
  }

  const diagnoseClients = deps.clients;
  const result = await waitUntilHealthy(elb, inputs.targetGroupArn, targets, {
    timeoutMs: Math.max(0, inputs.timeoutMs - (clock.now() - started)),
    healthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds ?? 5,
    stoppedTasks: () => findStoppedTasks(diagnoseClients, inputs.cluster, targets),
    ...(tg.LoadBalancerArns?.length ? { loadBalancers: () => loadBalancerStates(elb, tg.LoadBalancerArns ?? []) } : {}),
    log: (line) => log.info(line),
  });
  evidence.writeJson("tg_health", { targetGroupArn: inputs.targetGroupArn, TargetHealthDescriptions: result.health });
  const byIp = new Map(targets.map((t) => [`${t.ip}:${t.port}`, t]));
  const outputs = outputsFor(result.healthy, result.health);

  if (result.healthy) {
    await deps.summary.write(
      [
        `## register-fargate-targets: ✅ ${targets.length} target(s) healthy in ${outputs["elapsed-seconds"]}s`,
        "",
        "| Target | Task | Deployment | State |",
        "| --- | --- | --- | --- |",
        ...targets.map(
          (t) => `| ${t.ip}:${t.port} | \`${t.taskArn.split("/").pop()}\` | ${t.deploymentId ?? ""} | healthy |`,
        ),
        "",
      ].join("\n"),
    );
    return { outputs };
  }

  if (result.loadBalancerFailed) {
    const message = `Targets cannot become healthy in target group ${tg.TargetGroupName}: ${result.reason}. Nothing is wrong with the tasks; re-run once the cause is fixed.`;
    await deps.summary.write(`## register-fargate-targets: ❌ load balancer failed\n\n\`\`\`\n${message}\n\`\`\`\n`);
    return { outputs, failure: message };
  }

  let stopped: StoppedTask[] = result.stopped;
  if (stopped.length === 0) {
    try {
      stopped = await findStoppedTasks(diagnoseClients, inputs.cluster, targets);
    } catch (error) {
      log.warning(`Could not check whether the tasks stopped: ${errorMessage(error)}`);
    }
  }
  let lbs: Awaited<ReturnType<typeof loadBalancersOf>> = [];
  try {
    lbs = await loadBalancersOf(diagnoseClients, tg);
  } catch (error) {
    log.warning(`Could not read the load balancer for the diagnosis: ${errorMessage(error)}`);
  }
  const sg = await checkSecurityGroups(diagnoseClients, tg, lbs, targets);
  const zones = checkZones(lbs, targets, result.health);
  const message = [
    `Targets did not become healthy in target group ${tg.TargetGroupName} after ${outputs["elapsed-seconds"]}s: ${result.reason}.`,
    "Targets:",
    ...result.health.map((d) => targetLine(d, byIp)),
    `Health check: ${healthCheckLine(tg)}.`,
    sg.line,
    ...(stopped.length > 0 ? ["Stopped tasks:", ...stopped.map((s) => `  ${stoppedLine(s)}`)] : []),
    ...(zones.outside.length > 0
      ? [
          `Availability Zones: the load balancer enables ${zones.enabled.join(", ")}; ${zones.outside.map((o) => `${o.target} is in ${o.zone}`).join(", ")}.`,
        ]
      : []),
    `Hint: ${hint(result.health, tg, sg, stopped, zones)}`,
  ].join("\n");
  await deps.summary.write(`## register-fargate-targets: ❌ not healthy\n\n\`\`\`\n${message}\n\`\`\`\n`);
  return { outputs, failure: message };
}
