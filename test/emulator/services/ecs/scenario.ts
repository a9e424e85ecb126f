/** The `ecs` section of a scenario (format in test/emulator/docs/ecs.md). */
import type { Params } from "../../types";
import { type Deployment, newDeployment } from "./model";
import type { EcsState, TaskSpec } from "./state";

export interface EcsScenario {
  clusters?: {
    name: string;
    tags?: Params[];
    services?: ScenarioService[];
    /** Tasks outside any service (RunTask-style). */
    tasks?: TaskSpec[];
  }[];
  taskDefinitions?: Params[];
}

interface ScenarioService {
  name: string;
  taskDefinition: string;
  desiredCount?: number;
  launchType?: string;
  subnets?: string[];
  securityGroups?: string[];
  assignPublicIp?: "ENABLED" | "DISABLED";
  loadBalancers?: Params[];
  tags?: Params[];
  deployments?: {
    id?: string;
    status: "PRIMARY" | "ACTIVE";
    taskDefinition?: string;
    rolloutState?: Deployment["rolloutState"];
    rolloutStateReason?: string;
    desiredCount?: number;
    failedTasks?: number;
  }[];
  tasks?: TaskSpec[];
}

export function loadEcsScenario(state: EcsState, section: EcsScenario, principal: string): void {
  for (const td of section.taskDefinitions ?? []) state.taskDefinitions.register(td, principal, true);
  for (const c of section.clusters ?? []) {
    if (typeof c.name !== "string" || c.name === "") throw new Error("ecs scenario: every cluster needs a name");
    const cluster = state.addCluster(c.name, c.tags ?? [], true);
    for (const s of c.services ?? []) {
      if (typeof s.name !== "string" || typeof s.taskDefinition !== "string")
        throw new Error(`ecs scenario: service in cluster ${c.name} needs name and taskDefinition`);
      const taskDefinition = state.taskDefinitionArn(s.taskDefinition);
      const liveTasks = (s.tasks ?? [])
        .filter((t) => (t.lastStatus ?? "RUNNING") !== "STOPPED")
        .reduce((n, t) => n + (t.count ?? 1), 0);
      const desiredCount = s.desiredCount ?? liveTasks;
      const deployments = scenarioDeployments(state, s, taskDefinition, desiredCount);
      const network: Params | undefined =
        s.subnets || s.securityGroups
          ? {
              awsvpcConfiguration: {
                subnets: s.subnets ?? [],
                securityGroups: s.securityGroups ?? [],
                assignPublicIp: s.assignPublicIp ?? "DISABLED",
              },
            }
          : undefined;
      state.addService(cluster, {
        name: s.name,
        taskDefinition,
        desiredCount,
        ...(s.launchType ? { launchType: s.launchType } : {}),
        ...(network ? { networkConfiguration: network } : {}),
        ...(s.loadBalancers ? { loadBalancers: s.loadBalancers } : {}),
        ...(s.tags ? { tags: s.tags } : {}),
        createdBy: principal,
        seeded: true,
        deployments,
      });
      state.addTasks(cluster.name, s.name, s.tasks ?? []);
    }
    state.addTasks(cluster.name, undefined, c.tasks ?? []);
  }
}

function scenarioDeployments(
  state: EcsState,
  s: ScenarioService,
  taskDefinition: string,
  desiredCount: number,
): Deployment[] {
  if (!s.deployments || s.deployments.length === 0)
    return [newDeployment(taskDefinition, desiredCount, "PRIMARY", "COMPLETED")];
  const primaries = s.deployments.filter((d) => d.status === "PRIMARY");
  if (primaries.length !== 1)
    throw new Error(`ecs scenario: service ${s.name} needs exactly one PRIMARY deployment, got ${primaries.length}`);
  const inFlight = s.deployments.length > 1;
  return s.deployments.map((d) => {
    if (d.status !== "PRIMARY" && d.status !== "ACTIVE")
      throw new Error(`ecs scenario: deployment status must be PRIMARY or ACTIVE, got ${d.status}`);
    const td = d.taskDefinition ? state.taskDefinitionArn(d.taskDefinition) : taskDefinition;
    const ownTasks = (s.tasks ?? [])
      .filter((t) => t.deploymentId === d.id && (t.lastStatus ?? "RUNNING") !== "STOPPED")
      .reduce((n, t) => n + (t.count ?? 1), 0);
    const rollout = d.rolloutState ?? (d.status === "PRIMARY" && inFlight ? "IN_PROGRESS" : "COMPLETED");
    const out = newDeployment(
      td,
      d.desiredCount ?? (d.status === "PRIMARY" ? desiredCount : ownTasks),
      d.status,
      rollout,
      d.id,
    );
    if (d.rolloutStateReason !== undefined) out.rolloutStateReason = d.rolloutStateReason;
    if (d.failedTasks !== undefined) out.failedTasks = d.failedTasks;
    return out;
  });
}
