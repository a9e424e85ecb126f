import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import type { ECSClient, Task } from "@aws-sdk/client-ecs";
import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { describeFailure, errorMessage } from "../../lib/errors";
import { describeTasks, type TaskTarget } from "./discover";

export interface DiagnoseClients {
  elb: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  ecs: ECSClient;
}

export function healthCheckLine(tg: TargetGroup): string {
  const port =
    tg.HealthCheckPort === "traffic-port" || !tg.HealthCheckPort ? "the traffic port" : `port ${tg.HealthCheckPort}`;
  return `${tg.HealthCheckProtocol ?? "HTTP"} GET ${tg.HealthCheckPath ?? "/"} on ${port}, matcher ${tg.Matcher?.HttpCode ?? "200"}, every ${tg.HealthCheckIntervalSeconds ?? "?"}s (timeout ${tg.HealthCheckTimeoutSeconds ?? "?"}s), healthy after ${tg.HealthyThresholdCount ?? "?"}, unhealthy after ${tg.UnhealthyThresholdCount ?? "?"}`;
}

/** Does any rule admit `sources` (security groups) on tcp `port`? */
export function admits(permissions: IpPermission[], sources: string[], port: number): boolean {
  return permissions.some((p) => {
    const portOk =
      p.IpProtocol === "-1" || (p.IpProtocol === "tcp" && (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535));
    if (!portOk) return false;
    if ((p.UserIdGroupPairs ?? []).some((g) => g.GroupId && sources.includes(g.GroupId))) return true;
    return (p.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0");
  });
}

export interface SecurityGroupVerdict {
  albGroups: string[];
  taskGroups: string[];
  port: number;
  admitted: boolean | undefined;
  line: string;
}

/** Whether the tasks' security groups admit the load balancer's on the container port. */
export async function checkSecurityGroups(
  clients: DiagnoseClients,
  tg: TargetGroup,
  targets: TaskTarget[],
): Promise<SecurityGroupVerdict> {
  const port = targets[0]?.port ?? tg.Port ?? 0;
  const verdict: SecurityGroupVerdict = { albGroups: [], taskGroups: [], port, admitted: undefined, line: "" };
  try {
    const lbArns = tg.LoadBalancerArns ?? [];
    if (lbArns.length === 0) {
      verdict.line = "Security groups: not checked — the target group is not attached to any load balancer.";
      return verdict;
    }
    const lbs = await describeFailure("elasticloadbalancing:DescribeLoadBalancers", () =>
      clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: lbArns })),
    );
    verdict.albGroups = [...new Set((lbs.LoadBalancers ?? []).flatMap((lb) => lb.SecurityGroups ?? []))];
    const eniIds = targets.flatMap((t) => (t.networkInterfaceId ? [t.networkInterfaceId] : []));
    if (eniIds.length > 0) {
      const enis = await describeFailure("ec2:DescribeNetworkInterfaces", () =>
        clients.ec2.send(
          new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [...new Set(eniIds)].slice(0, 200) }),
        ),
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
    const groups = await describeFailure("ec2:DescribeSecurityGroups", () =>
      clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: verdict.taskGroups })),
    );
    const permissions = (groups.SecurityGroups ?? []).flatMap((g) => g.IpPermissions ?? []);
    verdict.admitted = admits(permissions, verdict.albGroups, port);
    verdict.line = verdict.admitted
      ? `Security groups: the task security group(s) ${verdict.taskGroups.join(", ")} admit the ALB security group(s) ${verdict.albGroups.join(", ")} on tcp/${port}.`
      : `Security groups: the task security group(s) ${verdict.taskGroups.join(", ")} do NOT admit the ALB security group(s) ${verdict.albGroups.join(", ")} on tcp/${port} — add an ingress rule (ephemeral-alb does it when given 'task-security-group-id').`;
  } catch (error) {
    verdict.line = `Security groups: could not be checked (${errorMessage(error)}).`;
  }
  return verdict;
}

export interface StoppedTask {
  taskArn: string;
  lastStatus: string;
  stoppedReason: string | undefined;
  exitCodes: { container: string; exitCode: number | undefined; reason: string | undefined }[];
}

export function stoppedTasks(tasks: Task[]): StoppedTask[] {
  return tasks
    .filter(
      (t) =>
        ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"].includes(t.lastStatus ?? "") ||
        t.desiredStatus === "STOPPED",
    )
    .map((t) => ({
      taskArn: t.taskArn ?? "?",
      lastStatus: t.lastStatus ?? "?",
      stoppedReason: t.stoppedReason,
      exitCodes: (t.containers ?? []).map((c) => ({
        container: c.name ?? "?",
        exitCode: c.exitCode,
        reason: c.reason,
      })),
    }));
}

export async function findStoppedTasks(
  clients: DiagnoseClients,
  cluster: string,
  targets: TaskTarget[],
): Promise<StoppedTask[]> {
  const tasks = await describeTasks(
    clients.ecs,
    cluster,
    targets.map((t) => t.taskArn),
  );
  return stoppedTasks(tasks);
}

export function stoppedLine(s: StoppedTask): string {
  const codes = s.exitCodes
    .map((c) => `${c.container} exit code ${c.exitCode ?? "none"}${c.reason ? ` (${c.reason})` : ""}`)
    .join(", ");
  return `task ${s.taskArn} is ${s.lastStatus}: ${s.stoppedReason ?? "no stoppedReason"}${codes ? `; ${codes}` : ""}`;
}

/** One line that says what to do, from the most telling reason. */
export function hint(
  health: TargetHealthDescription[],
  tg: TargetGroup,
  sg: SecurityGroupVerdict | undefined,
  stopped: StoppedTask[],
): string {
  const path = tg.HealthCheckPath ?? "/";
  const port = sg?.port ?? tg.Port;
  if (stopped.length > 0) {
    const s = stopped[0] as StoppedTask;
    const code = s.exitCodes.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
    return `A task stopped (${s.stoppedReason ?? s.lastStatus}${code ? `, ${code.container} exited with code ${code.exitCode}` : ""}) — read its logs; the app may crash on start.`;
  }
  const reasons = health.map((h) => h.TargetHealth?.Reason ?? "");
  const byReason = (r: string) => health.find((h) => h.TargetHealth?.Reason === r);
  if (reasons.includes("Target.NotInUse")) {
    return "The target group is not used by any listener of a load balancer — create the listener first (ephemeral-alb does), and register into that target group.";
  }
  const mismatch = byReason("Target.ResponseCodeMismatch");
  if (mismatch) {
    const codes = /\[([^\]]*)\]/.exec(mismatch.TargetHealth?.Description ?? "")?.[1] ?? "an unexpected code";
    if (/^5/.test(codes)) {
      return `GET ${path} returned ${codes} — the app answers but its health check fails; read the app's logs (database connection?).`;
    }
    return `GET ${path} returned ${codes} — does the app serve the health-check path? (expected ${tg.Matcher?.HttpCode ?? "200"})`;
  }
  if (sg?.admitted === false) {
    return `The task security group does not admit the ALB security group on tcp/${port} — the health checks cannot reach the tasks.`;
  }
  if (reasons.includes("Target.Timeout")) {
    return `Health checks to port ${port} time out — is the app listening on 0.0.0.0:${port} (not 127.0.0.1), and do the network ACLs allow it?`;
  }
  if (reasons.includes("Target.FailedHealthChecks")) {
    return `Health checks to port ${port} fail to connect — is the app listening on port ${port}? Is 'container-port' right?`;
  }
  if (reasons.includes("Target.NotRegistered")) {
    return "The targets were deregistered while waiting — did another job or the service's own deployment deregister them?";
  }
  if (reasons.includes("Elb.RegistrationInProgress") || health.some((h) => h.TargetHealth?.State === "initial")) {
    return "The targets were still in their initial health checks when time ran out — raise 'timeout-seconds' or check that the app starts quickly.";
  }
  return "Check the target group's health-check settings against what the app serves.";
}
