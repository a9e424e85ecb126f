/**
 * Task bookkeeping that does not need the cluster: the spec and patch shapes,
 * the status rules of a patch, and the task ENIs ECS places in EC2.
 */
import type { Emulator } from "../../server";
import type { Ec2Service } from "../ec2";
import type { Deployment, EcsTask, HealthStatus, TaskStatus } from "./model";

/** What a scenario or a test gives to place tasks; see docs/ecs.md. */
export interface TaskSpec {
  ip?: string;
  port?: number;
  /** Place this many tasks, at `ip`, `ip`+1, ... */
  count?: number;
  lastStatus?: TaskStatus;
  desiredStatus?: "RUNNING" | "STOPPED";
  deploymentId?: string;
  taskDefinition?: string;
  healthStatus?: HealthStatus;
  securityGroups?: string[];
  subnetId?: string;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  containerName?: string;
  attachmentStatus?: string;
}

/** What `setTaskState` can change on a running emulator. */
export type TaskPatch = Pick<
  TaskSpec,
  "lastStatus" | "desiredStatus" | "healthStatus" | "stoppedReason" | "stopCode" | "exitCode" | "attachmentStatus"
>;

export type DeploymentPatch = Partial<
  Pick<Deployment, "status" | "rolloutState" | "rolloutStateReason" | "desiredCount" | "failedTasks">
>;

const STATUSES: TaskStatus[] = [
  "PROVISIONING",
  "PENDING",
  "ACTIVATING",
  "RUNNING",
  "DEACTIVATING",
  "STOPPING",
  "STOPPED",
];

/** `ip` + n, for `count` tasks at consecutive addresses. */
export function ipPlus(ip: string, n: number): string {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`ecs scenario: task ip ${JSON.stringify(ip)} is not an IPv4 address`);
  const value =
    ((parts[0] as number) * 2 ** 24 +
      (parts[1] as number) * 2 ** 16 +
      (parts[2] as number) * 256 +
      (parts[3] as number) +
      n) >>>
    0;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function defaultAttachmentStatus(lastStatus: TaskStatus): string {
  if (lastStatus === "PROVISIONING") return "PRECREATED";
  if (lastStatus === "STOPPED") return "DELETED";
  return "ATTACHED";
}

export function checkStatus(status: TaskStatus | undefined): void {
  if (status !== undefined && !STATUSES.includes(status))
    throw new Error(`ecs: lastStatus must be one of ${STATUSES.join(", ")}, got ${status}`);
}

/** Applies a patch with ECS's side rules (STOPPED implies desired STOPPED, stop codes, timestamps). */
export function applyTaskPatch(task: EcsTask, patch: TaskPatch): void {
  const now = new Date();
  if (patch.lastStatus !== undefined) {
    checkStatus(patch.lastStatus);
    task.lastStatus = patch.lastStatus;
    if (patch.attachmentStatus === undefined) task.attachmentStatus = defaultAttachmentStatus(patch.lastStatus);
    if (patch.desiredStatus === undefined && patch.lastStatus === "STOPPED") task.desiredStatus = "STOPPED";
  }
  if (patch.desiredStatus !== undefined) task.desiredStatus = patch.desiredStatus;
  if (patch.healthStatus !== undefined) task.healthStatus = patch.healthStatus;
  if (patch.attachmentStatus !== undefined) task.attachmentStatus = patch.attachmentStatus;
  if (patch.exitCode !== undefined) task.exitCode = patch.exitCode;
  if (patch.stoppedReason !== undefined) task.stoppedReason = patch.stoppedReason;
  if (patch.stopCode !== undefined) task.stopCode = patch.stopCode;
  if (task.lastStatus === "RUNNING" && !task.startedAt) task.startedAt = now;
  if (task.desiredStatus === "STOPPED" && !task.stoppingAt) task.stoppingAt = now;
  if (task.lastStatus === "STOPPED") {
    task.stoppedAt ??= now;
    const exited = task.exitCode !== undefined;
    task.stopCode ??= exited ? "EssentialContainerExited" : "UserInitiated";
    task.stoppedReason ??= exited ? "Essential container in task exited" : "Task stopped by user";
  }
}

/**
 * A Fargate task's ENI in the EC2 emulator, present while the attachment is
 * ATTACHED: what DescribeNetworkInterfaces shows and what the ELB emulator
 * checks security group rules against.
 */
export class TaskEnis {
  constructor(private readonly emulator: Emulator) {}

  private ec2(): Ec2Service {
    return this.emulator.service<Ec2Service>("ec2");
  }

  /** Where a Fargate task lands when neither the task nor its service names a subnet: a default subnet. */
  defaultSubnetId(): string {
    const vpc = this.ec2().defaultVpcId();
    return (vpc ? this.ec2().defaultSubnetId(vpc) : undefined) ?? "subnet-00000000";
  }

  /** The default VPC's `default` security group, as ECS uses when a service names none. */
  defaultSecurityGroups(): string[] {
    const vpc = this.ec2().defaultVpcId();
    const group = vpc ? this.ec2().defaultSecurityGroupId(vpc) : undefined;
    return group ? [group] : [];
  }

  /** Places or releases the task's ENI to match its attachment status. */
  sync(task: EcsTask): void {
    if (task.attachmentStatus === "ATTACHED") this.place(task);
    else this.release(task);
  }

  private place(task: EcsTask): void {
    if (task.eniRegistered) return;
    const { region, account } = this.emulator;
    try {
      const eni = this.ec2().addNetworkInterface({
        id: task.networkInterfaceId,
        subnetId: task.subnetId,
        privateIpAddress: task.ip,
        groups: task.securityGroups,
        description: `arn:aws:ecs:${region}:${account}:attachment/${task.attachmentId}`,
        interfaceType: "interface",
        requesterManaged: true,
        instanceOwnerId: "amazon-aws",
      });
      task.macAddress = eni.macAddress;
    } catch (error) {
      throw new Error(
        `ecs: cannot place the ENI of task ${task.ip} (subnet ${task.subnetId}, security groups ${task.securityGroups.join(", ") || "none"}) in EC2: ${(error as Error).message}. Declare them in the scenario's ec2 section.`,
      );
    }
    task.eniRegistered = true;
  }

  release(task: EcsTask): void {
    if (!task.eniRegistered) return;
    this.ec2().removeNetworkInterface(task.networkInterfaceId);
    task.eniRegistered = false;
  }
}
