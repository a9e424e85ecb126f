import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECSClient, Task } from "@aws-sdk/client-ecs";
import type {
  ElasticLoadBalancingV2Client,
  TargetGroup,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { describeTasks, type TaskTarget } from "./discover";
import type { SecurityGroupVerdict, ZoneVerdict } from "./network";

export { admits, checkSecurityGroups, type SecurityGroupVerdict } from "./network";

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
  zones?: ZoneVerdict,
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
  if (reasons.includes("Target.NotInUse") && zones && zones.outside.length > 0) {
    const missing = [...new Set(zones.outside.map((o) => o.zone))];
    return `${zones.outside.map((o) => `${o.target} is in ${o.zone}`).join(", ")}, which the load balancer does not enable (it has ${zones.enabled.join(", ")}) — add a subnet of ${missing.join(" and ")} to ephemeral-alb's 'subnet-ids', or run the service only in ${zones.enabled.join(", ")}.`;
  }
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
