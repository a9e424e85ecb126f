import { DescribeTasksCommand, type ECSClient, paginateListTasks, type Task } from "@aws-sdk/client-ecs";
import { chunks } from "../../lib/chunks";
import { describeService, ecsNotFound, taskDefinitionPort } from "../../lib/task-port";
import type { Inputs } from "./inputs";

export interface TaskTarget {
  taskArn: string;
  ip: string;
  port: number;
  deploymentId: string | undefined;
  taskDefinitionArn: string;
  availabilityZone: string | undefined;
  networkInterfaceId: string | undefined;
  /** The subnet of the task's ENI (the attachment's `subnetId`). */
  subnetId: string | undefined;
}

export interface IgnoredTask {
  taskArn: string;
  lastStatus: string;
  why: string;
}

export interface Discovery {
  targets: TaskTarget[];
  ignored: IgnoredTask[];
  primaryDeploymentId: string | undefined;
  /** Tasks seen in total (before filtering). */
  seen: number;
}

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_CHUNK = 100;

/** A missing cluster, or a service deleted (and purged) since DescribeServices answered ListTasks' way. */
function clusterError(inputs: Inputs, error: unknown): never {
  throw ecsNotFound(error, inputs.cluster, inputs.service, inputs.region) ?? error;
}

/** The private IPv4 address of a task's ENI: the attachment's details, else the container's network interface. */
export function taskIp(task: Task): string | undefined {
  const eni = task.attachments?.find((a) => a.type === "ElasticNetworkInterface");
  const fromAttachment = eni?.details?.find((d) => d.name === "privateIPv4Address")?.value;
  if (fromAttachment) return fromAttachment;
  for (const c of task.containers ?? []) {
    for (const n of c.networkInterfaces ?? []) if (n.privateIpv4Address) return n.privateIpv4Address;
  }
  return undefined;
}

async function describeTasks(ecs: ECSClient, cluster: string, arns: string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (const batch of chunks(arns, DESCRIBE_CHUNK)) {
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }));
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

export { describeTasks };

/**
 * The service's (or the given) tasks that can take traffic: RUNNING with an
 * ATTACHED ENI that has a private IP. With `only-primary-deployment`, only
 * tasks of the PRIMARY deployment — during a rolling deploy the old tasks are
 * about to go away and would prove nothing about the new revision.
 */
export async function findRunningTasks(
  ecs: ECSClient,
  inputs: Inputs,
): Promise<{ discovery: Discovery; tasks: Task[] }> {
  let primaryDeploymentId: string | undefined;
  let arns: string[] = inputs.taskArns;
  try {
    if (inputs.service !== undefined) {
      const service = await describeService(ecs, inputs.cluster, inputs.service, inputs.region);
      primaryDeploymentId = service.deployments?.find((d) => d.status === "PRIMARY")?.id;
      arns = [];
      {
        const pages = paginateListTasks(
          { client: ecs },
          { cluster: inputs.cluster, serviceName: inputs.service, desiredStatus: "RUNNING" },
        );
        for await (const page of pages) arns.push(...(page.taskArns ?? []));
      }
    }
    const tasks = arns.length > 0 ? await describeTasks(ecs, inputs.cluster, arns) : [];
    return { discovery: await selectTargets(ecs, inputs, tasks, primaryDeploymentId), tasks };
  } catch (error) {
    return clusterError(inputs, error);
  }
}

async function selectTargets(
  ecs: ECSClient,
  inputs: Inputs,
  tasks: Task[],
  primaryDeploymentId: string | undefined,
): Promise<Discovery> {
  const ignored: IgnoredTask[] = [];
  const kept: { task: Task; ip: string }[] = [];
  for (const task of tasks) {
    const taskArn = task.taskArn ?? "?";
    const lastStatus = task.lastStatus ?? "UNKNOWN";
    const eni = task.attachments?.find((a) => a.type === "ElasticNetworkInterface");
    const ip = taskIp(task);
    if (lastStatus !== "RUNNING") ignored.push({ taskArn, lastStatus, why: `lastStatus is ${lastStatus}` });
    else if (eni?.status !== "ATTACHED")
      ignored.push({ taskArn, lastStatus, why: `its ENI is ${eni?.status ?? "missing"}` });
    else if (!ip) ignored.push({ taskArn, lastStatus, why: "its ENI has no private IPv4 address" });
    else if (inputs.onlyPrimaryDeployment && primaryDeploymentId && task.startedBy !== primaryDeploymentId) {
      ignored.push({
        taskArn,
        lastStatus,
        why: `it belongs to deployment ${task.startedBy ?? "?"}, not the PRIMARY ${primaryDeploymentId}`,
      });
    } else kept.push({ task, ip });
  }
  const ports = await containerPorts(
    ecs,
    inputs,
    kept.map((k) => k.task.taskDefinitionArn ?? ""),
  );
  const targets = kept.map(({ task, ip }) => {
    const eni = task.attachments?.find((a) => a.type === "ElasticNetworkInterface");
    return {
      taskArn: task.taskArn ?? "",
      ip,
      port: ports.get(task.taskDefinitionArn ?? "") ?? 0,
      deploymentId: task.startedBy,
      taskDefinitionArn: task.taskDefinitionArn ?? "",
      availabilityZone: task.availabilityZone,
      networkInterfaceId: eni?.details?.find((d) => d.name === "networkInterfaceId")?.value,
      subnetId: eni?.details?.find((d) => d.name === "subnetId")?.value,
    };
  });
  return { targets, ignored, primaryDeploymentId, seen: tasks.length };
}

/**
 * The port each task definition's container listens on: `container-port`
 * when given, else the single port mapping of `container-name` (or of the
 * whole task definition); see taskDefinitionPort.
 */
async function containerPorts(
  ecs: ECSClient,
  inputs: Inputs,
  taskDefinitionArns: string[],
): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  for (const arn of new Set(taskDefinitionArns)) {
    ports.set(arn, inputs.containerPort ?? (await taskDefinitionPort(ecs, arn, inputs.containerName)).port);
  }
  return ports;
}
