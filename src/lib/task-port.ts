import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
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

/** The container port of a service's current task definition (its PRIMARY deployment's). */
export async function servicePort(
  ecs: ECSClient,
  cluster: string,
  service: string,
  containerName: string | undefined,
): Promise<ContainerPort> {
  let out: DescribeServicesCommandOutput;
  try {
    out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  } catch (error) {
    if (awsException(error) instanceof ClusterNotFoundException) {
      throw new InputError("cluster", `cluster '${cluster}' was not found.`, "Check the cluster name and the region.");
    }
    throw error;
  }
  const found = out.services?.[0];
  const taskDefinition =
    found?.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition ?? found?.taskDefinition;
  if (!found || found.status === "INACTIVE" || !taskDefinition) {
    throw new InputError(
      "service",
      `service '${service}' was not found in cluster '${cluster}'${found?.status === "INACTIVE" ? " (it is INACTIVE)" : ""}.`,
      "Check the service name and the cluster.",
    );
  }
  return taskDefinitionPort(ecs, taskDefinition, containerName);
}
