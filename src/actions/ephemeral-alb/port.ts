import { InputError } from "../../lib/errors";
import type { Log } from "../../lib/run-action";
import { servicePort } from "../../lib/task-port";
import type { AlbClients } from "./clients";
import type { CreateInputs } from "./inputs";

export interface ResolvedPort {
  port: number;
  /** Where the port came from, for the log, the summary and alb_resources.json. */
  source: string;
}

/**
 * The container port the target group and the temporary task ingress use.
 * With `cluster`/`service`, the service's task definition says it (the port
 * register-fargate-targets registers): a default of 5000 for an app on 8080
 * ended in Target.Timeout. A `container-port` that disagrees with the task
 * definition is refused before anything is created.
 */
export async function resolveContainerPort(
  inputs: CreateInputs,
  clients: AlbClients,
  log: Pick<Log, "info">,
): Promise<ResolvedPort> {
  const resolved = await resolve(inputs, clients);
  log.info(`Container port ${resolved.port}: ${resolved.source}.`);
  return resolved;
}

async function resolve(inputs: CreateInputs, clients: AlbClients): Promise<ResolvedPort> {
  if (!inputs.service) {
    return {
      port: inputs.containerPort,
      source: inputs.containerPortGiven ? "from the container-port input" : "the default (no cluster/service given)",
    };
  }
  const { cluster, service, containerName } = inputs.service;
  const found = await servicePort(clients.ecs, cluster, service, containerName);
  const taskDefinition = found.taskDefinitionArn.split("/").pop() ?? found.taskDefinitionArn;
  const source = `from task definition ${taskDefinition}, container '${found.container}' (service '${service}' in cluster '${cluster}')`;
  if (inputs.containerPortGiven && inputs.containerPort !== found.port) {
    throw new InputError(
      "container-port",
      `is ${inputs.containerPort}, but the service's task definition ${taskDefinition} (container '${found.container}') listens on ${found.port}: the target group and the task ingress would use a port the app does not serve. Nothing was created.`,
      `Remove 'container-port' (the task definition's ${found.port} is used), or set it to ${found.port}.`,
    );
  }
  return { port: found.port, source };
}
