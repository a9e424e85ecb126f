import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  type ECSClient,
  type Service,
  ServiceNotFoundException,
} from "@aws-sdk/client-ecs";
import { awsException, ConfigurationError, InputError } from "./errors";
import { describeTaskDefinition } from "./task-definition";

/** ECS names and ARNs as the cluster, service inputs take them. */
export const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
export const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]+\/)?[A-Za-z0-9_-]{1,255}$/;

export interface ContainerPort {
  port: number;
  container: string;
  taskDefinitionArn: string;
}

/**
 * The port a task definition's container listens on: the single port mapping
 * of `containerName` (or of the whole task definition). Several mappings and
 * no choice made is an error that lists them: guessing would open or register
 * the wrong port.
 */
export async function taskDefinitionPort(
  ecs: ECSClient,
  taskDefinition: string,
  containerName: string | undefined,
): Promise<ContainerPort> {
  const found = await describeTaskDefinition(ecs, taskDefinition);
  const arn = found.taskDefinitionArn ?? taskDefinition;
  const containers = found.containerDefinitions ?? [];
  const chosen = containerName ? containers.filter((c) => c.name === containerName) : containers;
  if (containerName && chosen.length === 0) {
    throw new InputError(
      "container-name",
      `task definition ${arn} has no container '${containerName}' (it has ${containers.map((c) => c.name).join(", ")}).`,
    );
  }
  const mappings = chosen.flatMap((c) =>
    (c.portMappings ?? []).flatMap((m) =>
      m.containerPort ? [{ container: c.name ?? "?", port: m.containerPort }] : [],
    ),
  );
  const distinct = [...new Set(mappings.map((m) => m.port))];
  const first = mappings[0];
  if (distinct.length === 0 || !first) {
    throw new ConfigurationError(
      `Task definition ${arn} has no port mapping${containerName ? ` for container '${containerName}'` : ""}, so the container port is unknown. Set 'container-port'.`,
    );
  }
  if (distinct.length > 1) {
    throw new ConfigurationError(
      `Task definition ${arn} maps several ports (${mappings.map((m) => `${m.container}:${m.port}`).join(", ")}). Which one serves HTTP? Set 'container-name' (or 'container-port').`,
    );
  }
  return { port: first.port, container: first.container, taskDefinitionArn: arn };
}

/**
 * An ECS error that means the user's cluster or service is not there, as an input error naming it, else undefined.
 * A deleted service is INACTIVE for a while and then purged, when ECS answers ServiceNotFoundException (DeleteService:
 * "DescribeServices calls on those services return a ServiceNotFoundException error"; ListTasks has it too).
 */
export function ecsNotFound(
  error: unknown,
  cluster: string,
  service: string | undefined,
  region?: string,
): InputError | undefined {
  const cause = awsException(error);
  if (cause instanceof ClusterNotFoundException) {
    return region
      ? new InputError(
          "cluster",
          `cluster '${cluster}' was not found in ${region}.`,
          "Check the cluster name and the region (aws-region / AWS_REGION).",
        )
      : new InputError("cluster", `cluster '${cluster}' was not found.`, "Check the cluster name and the region.");
  }
  if (cause instanceof ServiceNotFoundException && service !== undefined) return serviceMissing(cluster, service);
  return undefined;
}

function serviceMissing(cluster: string, service: string, status?: string): InputError {
  return new InputError(
    "service",
    `service '${service}' was not found in cluster '${cluster}'${status ? ` (it is ${status})` : ""}.`,
    "Check the service name and the cluster.",
  );
}

/**
 * A service that can run tasks. ECS answers a missing one with an empty `services` (a `failures` entry MISSING),
 * a deleted one as INACTIVE while it is still kept, and a purged one with ServiceNotFoundException: all three are
 * the user's to fix, as is a missing cluster.
 */
export async function describeService(
  ecs: ECSClient,
  cluster: string,
  service: string,
  region?: string,
): Promise<Service> {
  let found: Service | undefined;
  try {
    found = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
  } catch (error) {
    throw ecsNotFound(error, cluster, service, region) ?? error;
  }
  if (!found || found.status === "INACTIVE") throw serviceMissing(cluster, service, found?.status);
  return found;
}

/** The container port of a service's current task definition (its PRIMARY deployment's). */
export async function servicePort(
  ecs: ECSClient,
  cluster: string,
  service: string,
  containerName: string | undefined,
): Promise<ContainerPort> {
  const found = await describeService(ecs, cluster, service);
  const taskDefinition = found.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition ?? found.taskDefinition;
  if (!taskDefinition) throw serviceMissing(cluster, service);
  return taskDefinitionPort(ecs, taskDefinition, containerName);
}
