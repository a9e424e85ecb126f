/**
 * ECS (JSON 1.1, `AmazonEC2ContainerServiceV20141113.*`): clusters, services
 * with their deployments, Fargate tasks with ENI attachments, task
 * definitions. Scenario format and runtime methods: docs/ecs.md.
 */
import { jsonAccessDenied } from "../errors";
import type { Emulator } from "../server";
import { type Handler, type Operation, operations, type Params, type Scenario, type ServiceModule } from "../types";
import { ec2Of } from "./ec2";
import {
  clientException,
  clusterNotFound,
  clusterView,
  type EcsCluster,
  type EcsTask,
  invalidParameter,
  serviceNotFound,
  serviceView,
  taskView,
} from "./ecs/model";
import { type EcsScenario, loadEcsScenario } from "./ecs/scenario";
import { type DeploymentPatch, EcsState, type TaskPatch, type TaskSpec } from "./ecs/state";
import { page } from "./paging";

export interface EcsModule extends ServiceModule {
  /** The tasks of a cluster on a private IP, stopped ones included, as copies (a test reads them; it changes a task with setTaskState). */
  tasksAt(cluster: string, ip: string): EcsTask[];
  /** The containerDefinitions of a registered task definition revision (undefined: no such revision). */
  containerDefinitions(taskDefinitionArn: string): Params[] | undefined;
  /** Change a task at runtime: `task` is its ARN, id or private IP. */
  setTaskState(cluster: string, task: string, patch: TaskPatch): void;
  /** Place more tasks for a service (undefined: standalone tasks) at runtime; returns their ARNs. */
  addTasks(cluster: string, service: string | undefined, tasks: TaskSpec[]): string[];
  /** Change a deployment at runtime (finish or fail a rollout, ...). */
  setDeploymentState(cluster: string, service: string, deploymentId: string, patch: DeploymentPatch): void;
}

const TASK_STATUS_FILTERS = ["RUNNING", "PENDING", "STOPPED"];

function requireCluster(state: EcsState, reference: unknown): EcsCluster {
  const cluster = state.findCluster(reference);
  if (!cluster) throw clusterNotFound();
  return cluster;
}

function maxResults(value: unknown, fallback: number, limit: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > limit)
    throw invalidParameter(`maxResults must be between 1 and ${limit}, inclusive.`);
  return n;
}

const includesTags = (params: Params) => Array.isArray(params.include) && params.include.includes("TAGS");
const badToken = () => invalidParameter("Invalid nextToken value.");

export function createEcs(emulator: Emulator): EcsModule {
  const state = new EcsState(emulator);

  /** A Describe* failure for a reference that names nothing: the ARN as given, or the one the name would have. */
  const missing = (ref: unknown, kind: string, name: string) => ({
    arn: String(ref).startsWith("arn:") ? ref : state.arn(kind, name),
    reason: "MISSING",
  });

  const describeTasks = (params: Params) => {
    const cluster = requireCluster(state, params.cluster);
    const refs = params.tasks;
    if (!Array.isArray(refs) || refs.length === 0) throw invalidParameter("Tasks cannot be empty.");
    if (refs.length > 100) throw invalidParameter("Tasks cannot be longer than 100.");
    const tasks: Params[] = [];
    const failures: Params[] = [];
    // A task's availabilityZone is its subnet's (EC2 knows it; an undeclared subnet: the region's "a").
    const zoneOf = (subnetId: string) => ec2Of(emulator).subnetZone(subnetId);
    for (const ref of refs) {
      const task = state.findTask(cluster, ref);
      if (task)
        tasks.push({
          ...taskView(task, cluster, state.region, state.account, zoneOf(task.subnetId)),
          ...(includesTags(params) ? { tags: [] } : {}),
        });
      else failures.push(missing(ref, "task", `${cluster.name}/${ref}`));
    }
    return { tasks, failures };
  };

  const listTasks = (params: Params) => {
    const cluster = requireCluster(state, params.cluster);
    const desired = params.desiredStatus ?? "RUNNING";
    if (!TASK_STATUS_FILTERS.includes(desired))
      throw invalidParameter(`desiredStatus must be one of ${TASK_STATUS_FILTERS.join(", ")}.`);
    let serviceName: string | undefined;
    if (params.serviceName !== undefined) {
      const service = state.findService(cluster, params.serviceName);
      if (!service) throw serviceNotFound();
      serviceName = service.name;
    }
    const family = params.family as string | undefined;
    const matches = [...cluster.tasks.values()].filter((t) => {
      if (serviceName !== undefined && t.serviceName !== serviceName) return false;
      if (family !== undefined && !t.taskDefinitionArn.includes(`:task-definition/${family}:`)) return false;
      if (params.startedBy !== undefined && t.deploymentId !== params.startedBy) return false;
      // ECS filters on the desired status, which it never sets to PENDING: "Although you can filter results based
      // on a desired status of PENDING, this doesn't return any results" (ListTasks, desiredStatus).
      return t.desiredStatus === desired;
    });
    const result = page(
      matches.map((t) => t.arn),
      { token: params.nextToken, max: maxResults(params.maxResults, 100, 100), tag: `tasks:${cluster.name}`, badToken },
    );
    return { taskArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  };

  // Where each call is authorized (Service Authorization Reference, Amazon ECS) and `ecs:cluster`, which scopes
  // cluster-level calls in least-privilege policies ("ArnEquals": {"ecs:cluster": ...}).
  const clusterNameOf = (params: Params) =>
    state.findCluster(params.cluster)?.name ??
    (typeof params.cluster === "string" && params.cluster !== ""
      ? params.cluster.replace(/^arn:.*:cluster\//, "")
      : "default");
  const serviceArn = (params: Params, ref: unknown) =>
    String(ref).startsWith("arn:") ? String(ref) : state.arn("service", `${clusterNameOf(params)}/${String(ref)}`);
  const clusterCondition = (params: Params) => {
    const ref = typeof params.cluster === "string" && params.cluster !== "" ? params.cluster : "default";
    return { request: { "ecs:cluster": ref.startsWith("arn:") ? ref : state.arn("cluster", ref) } };
  };
  const handlers = {
    DescribeClusters: (params) => {
      const refs: unknown[] =
        Array.isArray(params.clusters) && params.clusters.length > 0 ? params.clusters : ["default"];
      if (refs.length > 100) throw invalidParameter("Clusters cannot be longer than 100.");
      const clusters: Params[] = [];
      const failures: Params[] = [];
      for (const ref of refs) {
        const cluster = state.findCluster(ref);
        if (cluster) clusters.push(clusterView(cluster, includesTags(params)));
        else failures.push(missing(ref, "cluster", String(ref)));
      }
      return { clusters, failures };
    },
    ListServices: (params) => {
      const cluster = requireCluster(state, params.cluster);
      const services = [...cluster.services.values()].filter(
        (s) => !s.inactive && (params.launchType === undefined || s.launchType === params.launchType),
      );
      const result = page(
        services.map((s) => s.arn),
        {
          token: params.nextToken,
          max: maxResults(params.maxResults, 10, 100),
          tag: `services:${cluster.name}`,
          badToken,
        },
      );
      return { serviceArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
    },
    DescribeServices: (params) => {
      const cluster = requireCluster(state, params.cluster);
      const refs = params.services;
      if (!Array.isArray(refs) || refs.length === 0) throw invalidParameter("Services cannot be empty.");
      if (refs.length > 10) throw invalidParameter("services can have at most 10 items.");
      const services: Params[] = [];
      const failures: Params[] = [];
      for (const ref of refs) {
        const service = state.findService(cluster, ref, true);
        if (service) services.push(serviceView(service, cluster, includesTags(params)));
        else failures.push(missing(ref, "service", `${cluster.name}/${ref}`));
      }
      return { services, failures };
    },
    ListTasks: listTasks,
    DescribeTasks: describeTasks,
    RegisterTaskDefinition: (params, ctx) => {
      const record = state.taskDefinitions.register(params, ctx.principalArn, false);
      return { taskDefinition: state.taskDefinitions.view(record), tags: record.tags };
    },
    DescribeTaskDefinition: (params) => {
      if (typeof params.taskDefinition !== "string" || params.taskDefinition === "")
        throw clientException("TaskDefinition cannot be null or empty.");
      const record = state.taskDefinitions.resolve(params.taskDefinition);
      if (!record) throw clientException("Unable to describe task definition.");
      return {
        taskDefinition: state.taskDefinitions.view(record),
        ...(includesTags(params) ? { tags: record.tags } : {}),
      };
    },
    DeregisterTaskDefinition: (params) => {
      const ref = String(params.taskDefinition ?? "");
      const record = /:\d+$/.test(ref) ? state.taskDefinitions.resolve(ref) : undefined;
      if (!record) throw clientException("The specified task definition does not exist.");
      record.status = "INACTIVE";
      record.deregisteredAt = new Date();
      return { taskDefinition: state.taskDefinitions.view(record) };
    },
    CreateService: (params, ctx) => {
      const cluster = requireCluster(state, params.cluster);
      const name = params.serviceName;
      if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,255}$/.test(name))
        throw invalidParameter("Service name contains invalid characters.");
      // An INACTIVE service's name may be used again.
      const existing = cluster.services.get(name);
      if (existing && !existing.inactive) throw invalidParameter("Creation of service was not idempotent.");
      const td = state.taskDefinitions.resolve(params.taskDefinition);
      if (td?.status !== "ACTIVE") throw invalidParameter("TaskDefinition not found.");
      const desiredCount = params.desiredCount === undefined ? 0 : Number(params.desiredCount);
      if (!Number.isInteger(desiredCount) || desiredCount < 0)
        throw invalidParameter("desiredCount must be 0 or more.");
      const service = state.addService(cluster, {
        name,
        taskDefinition: td.arn,
        desiredCount,
        ...(params.launchType ? { launchType: params.launchType } : {}),
        ...(params.networkConfiguration ? { networkConfiguration: params.networkConfiguration } : {}),
        ...(Array.isArray(params.loadBalancers) ? { loadBalancers: params.loadBalancers } : {}),
        ...(Array.isArray(params.tags) ? { tags: params.tags } : {}),
        createdBy: ctx.principalArn,
        seeded: false,
      });
      return { service: serviceView(service, cluster, false) };
    },
    UpdateService: (params) => {
      const cluster = requireCluster(state, params.cluster);
      const service = state.findService(cluster, params.service);
      if (!service) throw serviceNotFound();
      let redeploy = params.forceNewDeployment === true;
      if (params.taskDefinition !== undefined) {
        const td = state.taskDefinitions.resolve(params.taskDefinition);
        if (td?.status !== "ACTIVE") throw invalidParameter("TaskDefinition not found.");
        if (td.arn !== service.taskDefinition) redeploy = true;
        service.taskDefinition = td.arn;
      }
      if (params.networkConfiguration !== undefined) {
        service.networkConfiguration = params.networkConfiguration;
        redeploy = true;
      }
      if (params.desiredCount !== undefined) {
        const n = Number(params.desiredCount);
        if (!Number.isInteger(n) || n < 0) throw invalidParameter("desiredCount must be 0 or more.");
        service.desiredCount = n;
        const primary = service.deployments.find((d) => d.status === "PRIMARY");
        if (primary) primary.desiredCount = n;
      }
      if (redeploy) state.startDeployment(service);
      return { service: serviceView(service, cluster, false) };
    },
    DeleteService: (params) => {
      const cluster = requireCluster(state, params.cluster);
      const service = state.findService(cluster, params.service);
      if (!service) throw serviceNotFound();
      if (service.desiredCount > 0 && params.force !== true)
        throw invalidParameter("The service cannot be stopped while it is scaled above 0.");
      const view = { ...serviceView(service, cluster, false), status: "DRAINING" };
      state.removeService(cluster, service);
      return { service: view };
    },
  } satisfies Record<string, Handler>;
  // Every handler has its record here: operations() refuses a handler without one.
  const iam: Record<keyof typeof handlers, Omit<Operation, "handler">> = {
    DescribeClusters: {
      resources(params) {
        const refs: unknown[] =
          Array.isArray(params.clusters) && params.clusters.length > 0 ? params.clusters : ["default"];
        return refs.map((r) => (String(r).startsWith("arn:") ? String(r) : state.arn("cluster", String(r))));
      },
    },
    ListServices: { conditions: clusterCondition },
    DescribeServices: {
      resources: (params) =>
        Array.isArray(params.services) ? params.services.map((ref: unknown) => serviceArn(params, ref)) : ["*"],
      conditions: clusterCondition,
    },
    // AWS documents ListTasks on the container-instance resource, scoped by the ecs:cluster condition.
    ListTasks: {
      resources: (params) => [state.arn("container-instance", `${clusterNameOf(params)}/*`)],
      conditions: clusterCondition,
    },
    DescribeTasks: {
      resources: (params) =>
        Array.isArray(params.tasks)
          ? params.tasks.map((t: unknown) =>
              String(t).startsWith("arn:") ? String(t) : state.arn("task", `${clusterNameOf(params)}/${String(t)}`),
            )
          : ["*"],
      conditions: clusterCondition,
    },
    // Task definitions: `*`, no ecs:cluster.
    RegisterTaskDefinition: {},
    DescribeTaskDefinition: {},
    DeregisterTaskDefinition: {},
    CreateService: { resources: (params) => [serviceArn(params, params.serviceName)], conditions: clusterCondition },
    UpdateService: { resources: (params) => [serviceArn(params, params.service)], conditions: clusterCondition },
    DeleteService: { resources: (params) => [serviceArn(params, params.service)], conditions: clusterCondition },
  };
  const module: EcsModule = {
    signingName: "ecs",
    protocol: "json",
    iamPrefix: "ecs",
    accessDenied: jsonAccessDenied,
    operations: operations(handlers, iam),
    reset() {
      state.clear();
    },
    snapshot: () => state.snapshot(),
    created: () => state.created(),
    loadScenario(scenario: Scenario) {
      const section = scenario.ecs as EcsScenario | undefined;
      if (section) loadEcsScenario(state, section, emulator.defaultPrincipal());
    },
    tasksAt: (cluster, ip) =>
      [...(state.findCluster(cluster)?.tasks.values() ?? [])].filter((t) => t.ip === ip).map((t) => structuredClone(t)),
    containerDefinitions: (arn) => structuredClone(state.taskDefinitions.resolve(arn)?.body.containerDefinitions),
    setTaskState: (cluster, task, patch) => state.setTaskState(cluster, task, patch),
    addTasks: (cluster, service, tasks) => state.addTasks(cluster, service, tasks),
    setDeploymentState: (cluster, service, id, patch) => state.setDeploymentState(cluster, service, id, patch),
  };
  return module;
}
