/**
 * ECS clusters, services, deployments and tasks, plus the in-process methods
 * tests use to move tasks and deployments at runtime. A task's ENI is placed
 * in the EC2 emulator while it is attached, so the ELB emulator can decide
 * whether the task's security groups admit the load balancer.
 */
import type { Emulator } from "../../server";
import type { Params } from "../../types";
import { randomHex } from "../paging";
import {
  type Deployment,
  type EcsCluster,
  type EcsService,
  type EcsTask,
  newAttachmentId,
  newDeployment,
  randomMac,
} from "./model";
import { TaskDefinitions } from "./task-definitions";
import {
  applyTaskPatch,
  checkStatus,
  type DeploymentPatch,
  defaultAttachmentStatus,
  ipPlus,
  TaskEnis,
  type TaskPatch,
  type TaskSpec,
} from "./tasks";

export type { DeploymentPatch, TaskPatch, TaskSpec } from "./tasks";

export class EcsState {
  readonly clusters = new Map<string, EcsCluster>();
  readonly taskDefinitions: TaskDefinitions;
  private fallbackIp = 0;
  private readonly enis: TaskEnis;

  constructor(private readonly emulator: Emulator) {
    this.enis = new TaskEnis(emulator);
    this.taskDefinitions = new TaskDefinitions(() => ({ region: emulator.region, account: emulator.account }));
  }

  get region(): string {
    return this.emulator.region;
  }

  get account(): string {
    return this.emulator.account;
  }

  arn(kind: string, path: string): string {
    return `arn:aws:ecs:${this.region}:${this.account}:${kind}/${path}`;
  }

  clear(): void {
    for (const cluster of this.clusters.values()) this.dropCluster(cluster);
    this.clusters.clear();
    this.taskDefinitions.clear();
  }

  addCluster(name: string, tags: Params[], seeded: boolean): EcsCluster {
    const existing = this.clusters.get(name);
    if (existing) this.dropCluster(existing);
    const cluster: EcsCluster = {
      name,
      arn: this.arn("cluster", name),
      services: new Map(),
      tasks: new Map(),
      tags,
      seeded,
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  private dropCluster(cluster: EcsCluster): void {
    for (const task of cluster.tasks.values()) this.enis.release(task);
  }

  /** A `cluster` parameter: name or ARN, `default` when omitted. */
  findCluster(reference: unknown): EcsCluster | undefined {
    const ref = typeof reference === "string" && reference !== "" ? reference : "default";
    const name = ref.startsWith("arn:") ? ref.slice(ref.indexOf(":cluster/") + ":cluster/".length) : ref;
    return this.clusters.get(name);
  }

  /**
   * A `service` reference: name or ARN (old `service/name` and new `service/cluster/name` formats). A deleted
   * (INACTIVE) service only with `inactiveToo` (DescribeServices).
   */
  findService(cluster: EcsCluster, reference: unknown, inactiveToo = false): EcsService | undefined {
    if (typeof reference !== "string") return undefined;
    const name = reference.startsWith("arn:") ? reference.slice(reference.lastIndexOf("/") + 1) : reference;
    const service = cluster.services.get(name);
    if (service && reference.startsWith("arn:") && reference !== service.arn && !reference.endsWith(`:service/${name}`))
      return undefined;
    return service?.inactive && !inactiveToo ? undefined : service;
  }

  /** A task reference: ARN or bare id. */
  findTask(cluster: EcsCluster, reference: unknown): EcsTask | undefined {
    if (typeof reference !== "string") return undefined;
    const id = reference.slice(reference.lastIndexOf("/") + 1);
    const task = cluster.tasks.get(id);
    if (task && reference.startsWith("arn:") && reference !== task.arn) return undefined;
    return task;
  }

  addService(
    cluster: EcsCluster,
    spec: {
      name: string;
      taskDefinition: string;
      desiredCount: number;
      launchType?: string;
      networkConfiguration?: Params;
      loadBalancers?: Params[];
      tags?: Params[];
      createdBy: string;
      seeded: boolean;
      deployments?: Deployment[];
    },
  ): EcsService {
    const service: EcsService = {
      name: spec.name,
      arn: this.arn("service", `${cluster.name}/${spec.name}`),
      clusterName: cluster.name,
      taskDefinition: spec.taskDefinition,
      desiredCount: spec.desiredCount,
      launchType: spec.launchType ?? "FARGATE",
      loadBalancers: spec.loadBalancers ?? [],
      deployments: spec.deployments ?? [
        newDeployment(spec.taskDefinition, spec.desiredCount, "PRIMARY", spec.seeded ? "COMPLETED" : "IN_PROGRESS"),
      ],
      createdAt: new Date(),
      createdBy: spec.createdBy,
      tags: spec.tags ?? [],
      seeded: spec.seeded,
    };
    if (spec.networkConfiguration) service.networkConfiguration = spec.networkConfiguration;
    cluster.services.set(service.name, service);
    return service;
  }

  /** A reference to a task definition as an ARN, registered or not (scenarios may name unregistered ones). */
  taskDefinitionArn(reference: string): string {
    const known = this.taskDefinitions.resolve(reference);
    if (known) return known.arn;
    if (reference.startsWith("arn:")) return reference;
    const [family, revision = "1"] = reference.split(":");
    return this.arn("task-definition", `${family}:${revision}`);
  }

  /** Places tasks for a service (or standalone when `serviceName` is undefined); returns their ARNs. */
  addTasks(clusterName: string, serviceName: string | undefined, specs: TaskSpec[]): string[] {
    const cluster = this.clusters.get(clusterName);
    if (!cluster) throw new Error(`ecs: no cluster ${clusterName}`);
    const service = serviceName === undefined ? undefined : cluster.services.get(serviceName);
    if (serviceName !== undefined && !service)
      throw new Error(`ecs: no service ${serviceName} in cluster ${clusterName}`);
    const awsvpc = service?.networkConfiguration?.awsvpcConfiguration as Params | undefined;
    const primary = service?.deployments.find((d) => d.status === "PRIMARY");
    const arns: string[] = [];
    for (const spec of specs) {
      const count = spec.count ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > 5000)
        throw new Error(`ecs scenario: task count must be an integer from 1 to 5000, got ${spec.count}`);
      checkStatus(spec.lastStatus);
      const deploymentId = spec.deploymentId ?? primary?.id;
      const deployment = service?.deployments.find((d) => d.id === deploymentId);
      if (service && spec.deploymentId !== undefined && !deployment)
        throw new Error(
          `ecs scenario: task deploymentId ${spec.deploymentId} is not a deployment of service ${service.name}`,
        );
      const taskDefinitionArn = this.taskDefinitionArn(
        spec.taskDefinition ?? deployment?.taskDefinition ?? service?.taskDefinition ?? "task:1",
      );
      const containerName =
        spec.containerName ??
        (this.taskDefinitions.resolve(taskDefinitionArn)?.body.containerDefinitions?.[0]?.name as string | undefined) ??
        "app";
      for (let i = 0; i < count; i++) {
        const ip = spec.ip !== undefined ? ipPlus(spec.ip, i) : ipPlus("10.0.0.10", this.fallbackIp++);
        const task = this.newTask(cluster, {
          ip,
          serviceName: service?.name,
          deploymentId: service ? deploymentId : undefined,
          taskDefinitionArn,
          containerName,
          subnetId: spec.subnetId ?? (awsvpc?.subnets as string[] | undefined)?.[0] ?? this.enis.defaultSubnetId(),
          securityGroups:
            spec.securityGroups ??
            (awsvpc?.securityGroups as string[] | undefined) ??
            this.enis.defaultSecurityGroups(),
          spec,
        });
        arns.push(task.arn);
      }
    }
    return arns;
  }

  private newTask(
    cluster: EcsCluster,
    t: {
      ip: string;
      serviceName: string | undefined;
      deploymentId: string | undefined;
      taskDefinitionArn: string;
      containerName: string;
      subnetId: string;
      securityGroups: string[];
      spec: TaskSpec;
    },
  ): EcsTask {
    const id = randomHex(32);
    const lastStatus = t.spec.lastStatus ?? "RUNNING";
    const now = new Date();
    const task: EcsTask = {
      id,
      arn: this.arn("task", `${cluster.name}/${id}`),
      clusterName: cluster.name,
      taskDefinitionArn: t.taskDefinitionArn,
      lastStatus,
      desiredStatus: t.spec.desiredStatus ?? (lastStatus === "STOPPED" ? "STOPPED" : "RUNNING"),
      healthStatus: t.spec.healthStatus ?? "UNKNOWN",
      ip: t.ip,
      subnetId: t.subnetId,
      securityGroups: t.securityGroups,
      attachmentId: newAttachmentId(),
      attachmentStatus: t.spec.attachmentStatus ?? defaultAttachmentStatus(lastStatus),
      networkInterfaceId: `eni-0${randomHex(16)}`,
      macAddress: randomMac(),
      containerName: t.containerName,
      containerId: newAttachmentId(),
      createdAt: now,
      eniRegistered: false,
    };
    if (t.serviceName !== undefined) task.serviceName = t.serviceName;
    if (t.deploymentId !== undefined) task.deploymentId = t.deploymentId;
    if (t.spec.port !== undefined) task.port = t.spec.port;
    cluster.tasks.set(id, task);
    this.patch(task, t.spec);
    return task;
  }

  /**
   * Changes a task at runtime (tests, in process): `task` is its ARN, id or
   * private IP (a live task wins over a stopped one at the same IP).
   */
  setTaskState(clusterName: string, task: string, patch: TaskPatch): void {
    const cluster = this.clusters.get(clusterName);
    if (!cluster) throw new Error(`ecs: no cluster ${clusterName}`);
    const found =
      this.findTask(cluster, task) ??
      [...cluster.tasks.values()]
        .sort((a, b) => Number(a.lastStatus === "STOPPED") - Number(b.lastStatus === "STOPPED"))
        .find((t) => t.ip === task);
    if (!found) throw new Error(`ecs: no task ${task} in cluster ${clusterName}`);
    this.patch(found, patch);
  }

  private patch(task: EcsTask, patch: TaskPatch): void {
    applyTaskPatch(task, patch);
    this.enis.sync(task);
  }

  /** Changes a deployment at runtime: finish a rollout, fail it, ... */
  setDeploymentState(clusterName: string, serviceName: string, deploymentId: string, patch: DeploymentPatch): void {
    const service = this.clusters.get(clusterName)?.services.get(serviceName);
    const deployment = service?.deployments.find((d) => d.id === deploymentId);
    if (!service || !deployment) throw new Error(`ecs: no deployment ${deploymentId} of ${clusterName}/${serviceName}`);
    Object.assign(deployment, patch, { updatedAt: new Date() });
    if (patch.status === "PRIMARY")
      for (const other of service.deployments)
        if (other !== deployment && other.status === "PRIMARY") other.status = "ACTIVE";
    service.deployments = service.deployments.filter((d) => d.status !== "INACTIVE");
  }

  /** The new deployment becomes PRIMARY, the old PRIMARY becomes ACTIVE (UpdateService). */
  startDeployment(service: EcsService): Deployment {
    for (const d of service.deployments) if (d.status === "PRIMARY") d.status = "ACTIVE";
    const deployment = newDeployment(service.taskDefinition, service.desiredCount, "PRIMARY", "IN_PROGRESS");
    service.deployments.unshift(deployment);
    return deployment;
  }

  removeService(cluster: EcsCluster, service: EcsService): void {
    for (const task of cluster.tasks.values()) {
      if (task.serviceName === service.name && task.lastStatus !== "STOPPED")
        this.patch(task, {
          lastStatus: "STOPPED",
          stopCode: "ServiceSchedulerInitiated",
          stoppedReason: "Scaling activity initiated by (deployment)",
        });
    }
    // Its tasks are stopped at once here, so DRAINING (what DeleteService answers) ends at once: INACTIVE.
    service.inactive = true;
    service.desiredCount = 0;
  }

  snapshot(): Params {
    return {
      clusters: [...this.clusters.values()].map((c) => ({
        name: c.name,
        arn: c.arn,
        services: [...c.services.values()].map((s) => ({
          name: s.name,
          arn: s.arn,
          taskDefinition: s.taskDefinition,
          desiredCount: s.desiredCount,
          deployments: s.deployments.map((d) => ({
            id: d.id,
            status: d.status,
            rolloutState: d.rolloutState,
            taskDefinition: d.taskDefinition,
          })),
        })),
        tasks: [...c.tasks.values()].map((t) => ({
          arn: t.arn,
          service: t.serviceName,
          ip: t.ip,
          port: t.port,
          lastStatus: t.lastStatus,
          desiredStatus: t.desiredStatus,
          healthStatus: t.healthStatus,
          deploymentId: t.deploymentId,
          networkInterfaceId: t.networkInterfaceId,
          securityGroups: t.securityGroups,
        })),
      })),
      taskDefinitions: this.taskDefinitions.all().map((r) => ({ arn: r.arn, status: r.status })),
    };
  }

  created(): string[] {
    const out: string[] = [];
    for (const c of this.clusters.values())
      for (const s of c.services.values()) if (!s.seeded && !s.inactive) out.push(s.arn);
    for (const r of this.taskDefinitions.all()) if (!r.seeded && r.status === "ACTIVE") out.push(r.arn);
    return out;
  }
}
