/**
 * ECS state and its wire views. Timestamps are Dates: the JSON 1.1 encoder
 * writes them as epoch seconds, as ECS does.
 */
import { randomUUID } from "node:crypto";
import { AwsError } from "../../errors";
import type { Params } from "../../types";

export type TaskStatus =
  | "PROVISIONING"
  | "PENDING"
  | "ACTIVATING"
  | "RUNNING"
  | "DEACTIVATING"
  | "STOPPING"
  | "STOPPED";
export type HealthStatus = "HEALTHY" | "UNHEALTHY" | "UNKNOWN";

export interface Deployment {
  id: string;
  status: "PRIMARY" | "ACTIVE" | "INACTIVE";
  taskDefinition: string;
  desiredCount: number;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason?: string;
  failedTasks: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface EcsTask {
  id: string;
  arn: string;
  clusterName: string;
  serviceName?: string;
  taskDefinitionArn: string;
  deploymentId?: string;
  lastStatus: TaskStatus;
  desiredStatus: "RUNNING" | "STOPPED";
  healthStatus: HealthStatus;
  ip: string;
  /** Where the process really listens; for awsvpc tasks AWS shows no port, so this is only in the state. */
  port?: number;
  subnetId: string;
  securityGroups: string[];
  attachmentId: string;
  attachmentStatus: string;
  networkInterfaceId: string;
  macAddress: string;
  containerName: string;
  containerId: string;
  exitCode?: number;
  stoppedReason?: string;
  stopCode?: string;
  createdAt: Date;
  startedAt?: Date;
  stoppingAt?: Date;
  stoppedAt?: Date;
  /** Set once the ENI was handed to the EC2 emulator. */
  eniRegistered: boolean;
}

export interface EcsService {
  name: string;
  arn: string;
  /**
   * Deleted: DescribeServices still shows it, as INACTIVE ("Services in the DRAINING or INACTIVE status can still
   * be viewed with the DescribeServices API operation", DeleteService); no other call finds it.
   */
  inactive?: boolean;
  clusterName: string;
  taskDefinition: string;
  desiredCount: number;
  launchType: string;
  networkConfiguration?: Params;
  loadBalancers: Params[];
  deployments: Deployment[];
  createdAt: Date;
  createdBy: string;
  tags: Params[];
  seeded: boolean;
}

export interface EcsCluster {
  name: string;
  arn: string;
  services: Map<string, EcsService>;
  tasks: Map<string, EcsTask>;
  tags: Params[];
  seeded: boolean;
}

export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  arn: string;
  status: "ACTIVE" | "INACTIVE";
  body: Params;
  registeredAt: Date;
  registeredBy: string;
  deregisteredAt?: Date;
  tags: Params[];
  seeded: boolean;
}

export const invalidParameter = (message: string) => new AwsError("InvalidParameterException", message);
export const clientException = (message: string) => new AwsError("ClientException", message);
export const clusterNotFound = () => new AwsError("ClusterNotFoundException", "Cluster not found.");
export const serviceNotFound = () => new AwsError("ServiceNotFoundException", "Service not found.");

export function newDeploymentId(): string {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return `ecs-svc/${digits}`;
}

export function newDeployment(
  taskDefinition: string,
  desiredCount: number,
  status: Deployment["status"],
  rolloutState: Deployment["rolloutState"],
  id = newDeploymentId(),
): Deployment {
  const now = new Date();
  return { id, status, taskDefinition, desiredCount, rolloutState, failedTasks: 0, createdAt: now, updatedAt: now };
}

/** `ip-10-0-1-5.us-west-2.compute.internal`, as a Fargate ENI's private DNS name. */
export function privateDnsName(ip: string, region: string): string {
  return `ip-${ip.replace(/\./g, "-")}.${region}.compute.internal`;
}

export function randomMac(): string {
  const bytes = [0x0a, ...Array.from({ length: 5 }, () => Math.floor(Math.random() * 256))];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export const newAttachmentId = () => randomUUID();

function rolloutReason(d: Deployment): string {
  if (d.rolloutStateReason) return d.rolloutStateReason;
  if (d.rolloutState === "COMPLETED") return `ECS deployment ${d.id} completed.`;
  if (d.rolloutState === "FAILED") return `ECS deployment circuit breaker: tasks failed to start.`;
  return `ECS deployment ${d.id} in progress.`;
}

function countTasks(service: EcsService, cluster: EcsCluster, status: TaskStatus, deploymentId?: string): number {
  let n = 0;
  for (const t of cluster.tasks.values()) {
    if (t.serviceName !== service.name || t.desiredStatus !== "RUNNING") continue;
    if (deploymentId !== undefined && t.deploymentId !== deploymentId) continue;
    if (
      status === "PENDING" ? ["PROVISIONING", "PENDING", "ACTIVATING"].includes(t.lastStatus) : t.lastStatus === status
    )
      n++;
  }
  return n;
}

export function serviceView(service: EcsService, cluster: EcsCluster, includeTags: boolean): Params {
  const network = service.networkConfiguration;
  const out: Params = {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: cluster.arn,
    loadBalancers: service.loadBalancers,
    serviceRegistries: [],
    status: service.inactive ? "INACTIVE" : "ACTIVE",
    desiredCount: service.desiredCount,
    runningCount: countTasks(service, cluster, "RUNNING"),
    pendingCount: countTasks(service, cluster, "PENDING"),
    launchType: service.launchType,
    platformVersion: "LATEST",
    platformFamily: "Linux",
    taskDefinition: service.taskDefinition,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deployments: service.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      desiredCount: d.desiredCount,
      pendingCount: countTasks(service, cluster, "PENDING", d.id),
      runningCount: countTasks(service, cluster, "RUNNING", d.id),
      failedTasks: d.failedTasks,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      launchType: service.launchType,
      platformVersion: "1.4.0",
      platformFamily: "Linux",
      ...(network ? { networkConfiguration: network } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: rolloutReason(d),
    })),
    events: [],
    createdAt: service.createdAt,
    placementConstraints: [],
    placementStrategy: [],
    schedulingStrategy: "REPLICA",
    deploymentController: { type: "ECS" },
    createdBy: service.createdBy,
    enableECSManagedTags: false,
    propagateTags: "NONE",
    enableExecuteCommand: false,
  };
  if (network) out.networkConfiguration = network;
  if (includeTags) out.tags = service.tags;
  return out;
}

export function taskView(
  task: EcsTask,
  cluster: EcsCluster,
  region: string,
  account: string,
  availabilityZone = `${region}a`,
): Params {
  const stopped = task.lastStatus === "STOPPED";
  const containerArn = `arn:aws:ecs:${region}:${account}:container/${cluster.name}/${task.id}/${task.containerId}`;
  const container: Params = {
    containerArn,
    taskArn: task.arn,
    name: task.containerName,
    image: `${account}.dkr.ecr.${region}.amazonaws.com/${task.containerName}:latest`,
    runtimeId: `${task.id}-${task.containerId.slice(0, 10)}`,
    lastStatus: task.lastStatus === "PROVISIONING" || task.lastStatus === "ACTIVATING" ? "PENDING" : task.lastStatus,
    networkBindings: [],
    networkInterfaces: [{ attachmentId: task.attachmentId, privateIpv4Address: task.ip }],
    healthStatus: task.healthStatus,
    cpu: "0",
  };
  if (task.exitCode !== undefined) container.exitCode = task.exitCode;
  if (stopped && task.exitCode !== undefined)
    container.reason = `Essential container exited with code ${task.exitCode}`;
  const out: Params = {
    attachments: [
      {
        id: task.attachmentId,
        type: "ElasticNetworkInterface",
        status: task.attachmentStatus,
        details: [
          { name: "subnetId", value: task.subnetId },
          { name: "networkInterfaceId", value: task.networkInterfaceId },
          { name: "macAddress", value: task.macAddress },
          { name: "privateDnsName", value: privateDnsName(task.ip, region) },
          { name: "privateIPv4Address", value: task.ip },
        ],
      },
    ],
    attributes: [{ name: "ecs.cpu-architecture", value: "x86_64" }],
    availabilityZone,
    clusterArn: cluster.arn,
    connectivity: stopped ? "DISCONNECTED" : "CONNECTED",
    connectivityAt: task.createdAt,
    containers: [container],
    cpu: "256",
    createdAt: task.createdAt,
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    // A standalone task's group is `family:<task definition family>`, as RunTask sets it.
    group: task.serviceName
      ? `service:${task.serviceName}`
      : `family:${task.taskDefinitionArn.replace(/^.*:task-definition\//, "").replace(/:\d+$/, "")}`,
    healthStatus: task.healthStatus,
    lastStatus: task.lastStatus,
    launchType: "FARGATE",
    memory: "512",
    overrides: { containerOverrides: [{ name: task.containerName }], inferenceAcceleratorOverrides: [] },
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    tags: [],
    taskArn: task.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: stopped ? 5 : 3,
    ephemeralStorage: { sizeInGiB: 20 },
  };
  if (task.deploymentId) out.startedBy = task.deploymentId;
  if (task.startedAt) out.startedAt = task.startedAt;
  if (task.stoppingAt) out.stoppingAt = task.stoppingAt;
  if (task.stoppedAt) {
    out.stoppedAt = task.stoppedAt;
    out.executionStoppedAt = task.stoppedAt;
  }
  if (task.stoppedReason) out.stoppedReason = task.stoppedReason;
  if (task.stopCode) out.stopCode = task.stopCode;
  return out;
}

export function clusterView(cluster: EcsCluster, includeTags: boolean): Params {
  let running = 0;
  let pending = 0;
  for (const t of cluster.tasks.values()) {
    if (t.lastStatus === "RUNNING") running++;
    else if (t.lastStatus !== "STOPPED") pending++;
  }
  const out: Params = {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: "ACTIVE",
    registeredContainerInstancesCount: 0,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: cluster.services.size,
    statistics: [],
    settings: [{ name: "containerInsights", value: "disabled" }],
    capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    defaultCapacityProviderStrategy: [],
  };
  if (includeTags) out.tags = cluster.tags;
  return out;
}
