// Which log group (and streams) hold the app's lines: the input, or the service's task definition as ECS uses it.
import { ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import { awsException, errorMessage, isAccessDenied } from "../../lib/errors";
import type { LogSettings } from "./log-inputs";
import type { ContainerDefinition, LogsApi } from "./logs-api";

export interface LogTarget {
  group: string;
  streamPrefix?: string;
  /** Where the group came from, for the report: `input`, or `task definition <family>:<rev>, container <name>`. */
  source: string;
}

/** A reason the logs cannot be searched: fails the step with `expect-log`, else a warning. */
export interface LogProblem {
  /** The input to fix; undefined when the fix is elsewhere (a permission of the role). */
  input?: string;
  message: string;
}

function awslogsContainer(containers: ContainerDefinition[], wanted: string | undefined) {
  const logging = containers.filter((c) => c.logConfiguration?.logDriver === "awslogs");
  if (wanted !== undefined) return logging.find((c) => c.name === wanted);
  // The container behind the load balancer is the one with a port; sidecars seldom have one.
  return logging.find((c) => (c.portMappings ?? []).length > 0) ?? logging[0];
}

async function fromService(settings: LogSettings, api: LogsApi): Promise<LogTarget | LogProblem> {
  const { cluster, service, container } = settings.service as NonNullable<LogSettings["service"]>;
  const arn = await api.serviceTaskDefinition(cluster, service);
  if (!arn) {
    return {
      input: "service",
      message: `ECS reports no service '${service}' in cluster '${cluster}' (${settings.region}), so its log group is unknown. Check 'cluster'/'service', or set 'log-group'.`,
    };
  }
  const td = await api.taskDefinition(arn);
  const chosen = awslogsContainer(td.containers, container);
  const options = chosen?.logConfiguration?.options ?? {};
  const group = options["awslogs-group"];
  if (!chosen || !group) {
    const names = td.containers
      .map((c) => `${c.name} (${c.logConfiguration?.logDriver ?? "no log driver"})`)
      .join(", ");
    return {
      input: container !== undefined ? "container-name" : "log-group",
      message: `task definition ${td.family}:${td.revision} has no container${container !== undefined ? ` '${container}'` : ""} logging with awslogs and an awslogs-group (containers: ${names || "none"}). Set 'log-group' to where the app logs.`,
    };
  }
  const source = `task definition ${td.family}:${td.revision}, container ${chosen.name}`;
  const logRegion = options["awslogs-region"];
  if (logRegion && logRegion !== settings.region) {
    return {
      input: "aws-region",
      message: `${source} logs to ${group} in ${logRegion}, but the probe searches ${settings.region}. Set 'aws-region' to ${logRegion}, or 'log-group'.`,
    };
  }
  const target: LogTarget = { group, source };
  // awslogs names streams <prefix>/<container>/<task-id> (ECS developer guide, using_awslogs).
  const prefix = options["awslogs-stream-prefix"];
  if (settings.streamPrefix !== undefined) target.streamPrefix = settings.streamPrefix;
  else if (prefix) target.streamPrefix = `${prefix}/${chosen.name}/`;
  return target;
}

/**
 * Finds the log group and proves it can be searched (one small FilterLogEvents,
 * the only permission the search needs) before any probe runs, so a wrong
 * group is reported at once instead of after the probes and the log wait.
 */
export async function resolveLogTarget(
  settings: LogSettings,
  api: LogsApi,
  now: number,
): Promise<LogTarget | LogProblem> {
  let target: LogTarget | LogProblem | undefined;
  try {
    if (settings.group !== undefined) {
      target = { group: settings.group, source: "input" };
      if (settings.streamPrefix !== undefined) target.streamPrefix = settings.streamPrefix;
    } else {
      target = await fromService(settings, api);
    }
    if ("message" in target) return target;
    await api.filterLogEvents({ logGroupName: target.group, startTime: now, endTime: now, limit: 1 }, 1);
    return target;
  } catch (error) {
    if (awsException(error) instanceof ResourceNotFoundException) {
      const group = target && "group" in target ? target : undefined;
      const where = group
        ? `log group '${group.group}'${group.source === "input" ? "" : ` (from ${group.source})`}`
        : "the log group";
      return {
        input: "log-group",
        message: `${where} does not exist in ${settings.region} (ResourceNotFoundException). Create it, or point 'log-group' at the group the app logs to (the task definition's awslogs-group).`,
      };
    }
    if (isAccessDenied(error)) return { message: errorMessage(error) };
    return { input: settings.group !== undefined ? "log-group" : "service", message: errorMessage(error) };
  }
}
